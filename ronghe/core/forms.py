"""Small form pieces shared by every app."""

from __future__ import annotations

from typing import Any

from django import forms


class DateInput(forms.DateInput):
    """The browser's date picker; values travel as ISO dates."""

    input_type = "date"

    def __init__(self, **kwargs: object) -> None:
        super().__init__(format="%Y-%m-%d", **kwargs)  # type: ignore[arg-type]


def chosen_among(form: forms.BaseForm, name: str) -> Any:
    """A choice field whose queryset is set per form (django-stubs types form fields as plain
    `Field`, without `queryset`)."""
    return form.fields[name]
