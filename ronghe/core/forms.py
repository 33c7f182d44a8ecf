"""Small form pieces shared by every app."""

from __future__ import annotations

from django import forms


class DateInput(forms.DateInput):
    """The browser's date picker; values travel as ISO dates."""

    input_type = "date"

    def __init__(self, **kwargs: object) -> None:
        super().__init__(format="%Y-%m-%d", **kwargs)  # type: ignore[arg-type]
