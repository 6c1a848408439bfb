"""The published API schema names each component once.

Ninja files every schema class under its class name in `components.schemas`; two classes with the
same name (say a `WithdrawIn` in two apps) silently share one entry, so the schema documents one
shape for both endpoints. This walks ninja's own schema generation, collects every schema class
each published operation takes or answers with (nested ones included), and refuses a name given
to two classes.
"""

import enum
import typing
from collections import defaultdict

from ninja.openapi.schema import OpenAPISchema
from pydantic import BaseModel

from ketacare.api import api


def _named_types(annotation, found: set[type]) -> None:
    """Every pydantic model and enum in a field's annotation (list[X], X | None, Annotated[X, ...]),
    and, for a model, in its fields in turn."""
    if isinstance(annotation, type) and issubclass(annotation, enum.Enum):
        found.add(annotation)
        return
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        if annotation in found:
            return
        found.add(annotation)
        for field in annotation.model_fields.values():
            _named_types(field.annotation, found)
        return
    for argument in typing.get_args(annotation):
        _named_types(argument, found)


def _published_schema_classes(monkeypatch) -> tuple[dict, set[type]]:
    """The site's OpenAPI schema, and the classes its operations use, gathered as ninja writes each one."""
    operations = []
    write_operation = OpenAPISchema.operation_details

    def recording(self, operation):
        operations.append(operation)
        return write_operation(self, operation)

    monkeypatch.setattr(OpenAPISchema, "operation_details", recording)
    schema = api.get_openapi_schema(path_prefix="/api/v1/")
    found: set[type] = set()
    for operation in operations:
        # Ninja wraps the parameters and each response in models of its own, not published as
        # components: what they hold is.
        wrappers = [
            *operation.models,
            *(m for m in operation.response_models.values() if isinstance(m, type) and issubclass(m, BaseModel)),
        ]
        for wrapper in wrappers:
            for field in wrapper.model_fields.values():
                _named_types(field.annotation, found)
    return schema, found


def test_no_component_name_is_defined_by_two_schema_classes(monkeypatch):
    schema, classes = _published_schema_classes(monkeypatch)
    components = schema["components"]["schemas"]
    by_name = defaultdict(set)
    for cls in classes:
        by_name[cls.__name__].add(f"{cls.__module__}.{cls.__qualname__}")
    # The walk sees what ninja publishes: each class it found is a component under its name.
    assert set(by_name) <= set(components), sorted(set(by_name) - set(components))
    shared = {name: sorted(paths) for name, paths in by_name.items() if len(paths) > 1}
    assert shared == {}, f"component names defined by more than one class (rename one): {shared}"
