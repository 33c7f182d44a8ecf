"""The roster upload form: which file, into which organisation, create-only or update."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from ronghe.core.spreadsheets import Limits, UnreadableFile, sniff
from ronghe.people import imports


class RosterUploadForm(forms.Form):
    file = forms.FileField(
        label=_("Roster file"),
        help_text=_("An .xlsx workbook or a .csv file, at most 10 MB and 20,000 rows."),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv"}),
    )
    org: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        label=_("Import into"),
        queryset=None,  # set per user
        to_field_name="code",
        help_text=_(
            "People are filed under this organisation, or under the branch the file names within it."
        ),
    )
    update_existing = forms.BooleanField(
        label=_("Update people already on the roster"),
        required=False,
        help_text=_("Without this, a row whose ID number is already on the roster is an error."),
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        org_field: Any = self.fields["org"]
        org_field.queryset = imports.target_orgs_for(user)

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        try:
            sniff(upload, upload.size, Limits.uploads())
        except UnreadableFile as exc:
            raise ValidationError(str(exc), code="unreadable") from exc
        return upload
