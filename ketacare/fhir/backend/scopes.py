"""The scopes of a backend client: `system/` ones only (fhir/domain/scopes.py parses them)."""

from ketacare.fhir.domain.scopes import ScopeContext, ScopeError, parse_scopes, within


def system_scopes(text: str) -> str:
    """The space-separated `system/` scopes of `text`, each once; ScopeError for any other or none."""
    words = list(dict.fromkeys(text.split()))
    if not words:
        raise ScopeError("Name the scopes, e.g. system/*.rs (every type) or system/Patient.rs system/Observation.rs.")
    grant = parse_scopes(" ".join(words))
    if grant.context_scopes or any(scope.context != ScopeContext.SYSTEM for scope in grant.resource_scopes):
        raise ScopeError("A backend client holds system/ scopes only (e.g. system/*.rs).")
    return " ".join(words)


def grant(requested: str, allowed: str) -> str:
    """The requested scopes when the client's registered ones cover each; ScopeError otherwise."""
    granted = system_scopes(requested)
    if not within(granted, allowed):
        raise ScopeError(f"The scope asked for ({granted}) is beyond what this client is registered for ({allowed}).")
    return granted
