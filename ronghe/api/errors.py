"""Errors an endpoint raises on purpose, in the API's one shape (see api.root)."""

from __future__ import annotations

from typing import Any

from ninja.errors import HttpError


class FieldError(HttpError):
    """422 with one entry per field, the shape ninja's own validation errors have."""

    code = "invalid"

    def __init__(self, errors: dict[str, list[str]]) -> None:
        super().__init__(422, "invalid")
        self.details = [
            {"field": field, "location": ["body", field], "code": "invalid", "message": message}
            for field, messages in errors.items()
            for message in messages
        ]


class ApiError(HttpError):
    """An error with its own machine code."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(status, message)
        self.code = code


def form_errors(form: Any, prefix: str = "") -> dict[str, list[str]]:
    """A Django form's errors by field, as FieldError takes them ("__all__" → "non_field")."""
    return {
        f"{prefix}{'non_field' if field == '__all__' else field}": [str(m) for m in messages]
        for field, messages in form.errors.items()
    }


def validated(form: Any) -> dict[str, Any]:
    """The form's cleaned data, or a 422 naming each bad field in the form's own words."""
    if not form.is_valid():
        raise FieldError(form_errors(form))
    return dict(form.cleaned_data)
