"""The error the protocol rules raise: `field` names the input in the caller's terms."""


class ProtocolRuleError(ValueError):
    def __init__(self, field: str, problem: str) -> None:
        self.field = field
        self.problem = problem
        super().__init__(f"{field}: {problem}")
