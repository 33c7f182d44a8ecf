"""Roster input: turns what a person typed into validated domain values, errors per field."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ronghe.core import crypto
from ronghe.core.access import Cap, reach_of
from ronghe.core.forms import DateInput
from ronghe.orgs.models import PartyOrg, Unit
from ronghe.people import identity, roster, rules
from ronghe.people.models import DatePrecision, Person


class PersonForm(forms.ModelForm):
    id_number = forms.CharField(label=gettext_lazy("ID number"), max_length=40)
    phone = forms.CharField(label=gettext_lazy("mobile phone"), max_length=30, required=False)
    birth_date = forms.DateField(
        label=gettext_lazy("birth date"),
        required=False,
        widget=DateInput,
        help_text=gettext_lazy("Leave empty to take it from the ID number."),
    )

    class Meta:
        model = Person
        fields = [
            "name",
            "gender",
            "birth_date",
            "education",
            "unit",
            "post",
            "political_status",
            "party_org",
            "joined_on",
            "full_member_on",
        ]
        widgets = {"joined_on": DateInput, "full_member_on": DateInput}

    PARTY_FIELDS = ("party_org", "political_status", "joined_on", "full_member_on")

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        reach = reach_of(user)
        stored_org, stored_unit = self.instance.party_org, self.instance.unit
        party_field: Any = self.fields["party_org"]
        party_field.queryset = PartyOrg.objects.open().filter(
            Q(pk__in=PartyOrg.objects.staffable_by(user).values("pk"))
            | Q(pk=getattr(stored_org, "pk", None)),
            kind__in=[PartyOrg.Kind.BRANCH, PartyOrg.Kind.GROUP],
        )
        unit_field: Any = self.fields["unit"]
        unit_field.queryset = Unit.objects.open().filter(
            Q(pk__in=Unit.objects.staffable_by(user).values("pk"))
            | Q(pk=getattr(stored_unit, "pk", None))
        )
        # Someone reached through the department they work in, but kept by another branch:
        # the editor may fix their work record, not move them between Party organisations.
        if stored_org is not None and not reach.reaches(
            Cap.WRITE_PEOPLE, party_path=stored_org.path
        ):
            for name in self.PARTY_FIELDS:
                self.fields[name].disabled = True
            party_field.help_text = _(
                "Kept by %(org)s: only its staff change the Party record."
            ) % {"org": stored_org.name}
        if stored_unit is not None and not reach.reaches(
            Cap.WRITE_PEOPLE, unit_path=stored_unit.path
        ):
            unit_field.disabled = True
        if self.instance.pk:
            # Sensitive values are never sent back to the browser: empty keeps the stored one.
            self.fields["id_number"].required = False
            self.fields["id_number"].help_text = _("Stored: %(mask)s. Leave empty to keep it.") % {
                "mask": self.instance.id_number_masked
            }
            self.fields["phone"].help_text = _("Stored: %(mask)s. Leave empty to keep it.") % {
                "mask": self.instance.phone_masked or "—"
            }

    def clean_name(self) -> str:
        # Names keep their characters; control characters go, and the middle-dot variants of
        # minority names unify (the importer's rule, roster.clean_name).
        name = roster.clean_name(self.cleaned_data["name"])
        if not name:
            raise ValidationError(_("Enter the name."), code="required")
        return name

    def clean_post(self) -> str:
        return roster.clean_text(self.cleaned_data.get("post", ""))

    def clean_id_number(self) -> str:
        raw = self.cleaned_data.get("id_number", "")
        if not raw and self.instance.pk:
            return ""
        number = identity.validate_id_number(raw)
        others = Person.objects.exclude(pk=self.instance.pk)
        if others.filter(id_number_index=crypto.blind_index("id_number", number)).exists():
            raise ValidationError(
                _("A person with this ID number already exists."), code="duplicate"
            )
        return number

    def clean_phone(self) -> str | None:
        raw = self.cleaned_data.get("phone", "")
        if not raw:
            return None if self.instance.pk else ""
        return identity.validate_phone(raw)

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        number = data.get("id_number") or self._stored_id_number()
        if number:
            self._add_problems(rules.check_against_id(data, number))
        elif self.instance.pk and not data.get("birth_date"):
            data["birth_date"] = self.instance.birth_date
        if not data.get("birth_date") and "birth_date" not in self.errors:
            self.add_error("birth_date", _("Enter the birth date."))
        if not data.get("party_org") and not data.get("unit") and "party_org" not in self.errors:
            # Without either, nobody but the top of the tree could ever find the person again.
            self.add_error("unit", _("Choose a business unit or a Party organisation."))
        self._keep_partial_dates(data)
        problems = rules.check_party_record(data, timezone.localdate())
        if "party_org" in self.errors:
            problems = [problem for problem in problems if problem[0] != "party_org"]
        self._add_problems(problems)
        return data

    def _add_problems(self, problems: rules.Problems) -> None:
        for field, message in problems:
            self.add_error(field, message)

    def _keep_partial_dates(self, data: dict[str, Any]) -> None:
        """A month-only date from an import stays month-only while the form leaves it alone."""
        for field in ("joined_on", "full_member_on"):
            stored = getattr(self.instance, field)
            same = stored is not None and data.get(field) == stored
            data[f"{field}_precision"] = (
                getattr(self.instance, f"{field}_precision") if same else DatePrecision.DAY
            )

    def _stored_id_number(self) -> str | None:
        # An empty ID field keeps the stored number, so the birth date and gender typed in
        # the same form must still agree with it.
        if not self.instance.id_number_encrypted or "id_number" in self.errors:
            return None
        return self.instance.id_number()
