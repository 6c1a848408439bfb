"""The error bodies every API endpoint documents (see ketacare/api.py for how they arise)."""

from ninja import Schema


class ErrorOut(Schema):
    detail: str


class FieldErrorOut(Schema):
    loc: list[str | int]
    msg: str


class ValidationErrorOut(Schema):
    """422: one entry per problem, `loc` naming the field."""

    detail: list[FieldErrorOut]
