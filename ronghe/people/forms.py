"""Roster input: turns what a person typed into validated domain values, errors per field."""

from __future__ import annotations

from datetime import date
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
from ronghe.people import identity
from ronghe.people.models import PARTY_MEMBER_STATUSES, Person, PoliticalStatus

MIN_JOINING_AGE = 18  # 党章 第一条


def _years_after(born: date, years: int) -> date:
    try:
        return born.replace(year=born.year + years)
    except ValueError:  # born on 29 February
        return born.replace(year=born.year + years, day=28)


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
        # Names keep their characters; only the middle-dot variants of minority names unify.
        name = " ".join(self.cleaned_data["name"].split())
        return name.replace("•", "·").replace("・", "·")

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
            self._check_against_id(data, number)
        elif self.instance.pk and not data.get("birth_date"):
            data["birth_date"] = self.instance.birth_date
        if not data.get("birth_date") and "birth_date" not in self.errors:
            self.add_error("birth_date", _("Enter the birth date."))
        if not data.get("party_org") and not data.get("unit") and "party_org" not in self.errors:
            # Without either, nobody but the top of the tree could ever find the person again.
            self.add_error("unit", _("Choose a business unit or a Party organisation."))
        self._check_party_dates(data)
        return data

    def _stored_id_number(self) -> str | None:
        # An empty ID field keeps the stored number, so the birth date and gender typed in
        # the same form must still agree with it.
        if not self.instance.id_number_encrypted or "id_number" in self.errors:
            return None
        return self.instance.id_number()

    def _check_against_id(self, data: dict[str, Any], number: str) -> None:
        from_id = identity.id_birth_date(number)
        if data.get("birth_date") is None:
            data["birth_date"] = from_id
        elif data["birth_date"] != from_id:
            self.add_error(
                "birth_date",
                _("The ID number says %(id_date)s, not %(given)s.")
                % {"id_date": from_id, "given": data["birth_date"]},
            )
        gender = data.get("gender")
        if gender and gender != identity.id_gender(number):
            self.add_error("gender", _("The ID number's 17th digit gives the other gender."))

    def _check_party_dates(self, data: dict[str, Any]) -> None:
        status = data.get("political_status")
        joined, full = data.get("joined_on"), data.get("full_member_on")
        born, today = data.get("birth_date"), timezone.localdate()
        is_member = status in PARTY_MEMBER_STATUSES
        if is_member and not data.get("party_org") and "party_org" not in self.errors:
            self.add_error("party_org", _("A Party member belongs to a branch or a Party group."))
        if is_member and not joined:
            self.add_error("joined_on", _("Enter the date of joining the Party."))
        if not is_member and joined:
            self.add_error("joined_on", _("Only Party members have a joining date."))
        if status == PoliticalStatus.FULL_MEMBER and not full:
            self.add_error("full_member_on", _("Enter the date of becoming a full member."))
        if status != PoliticalStatus.FULL_MEMBER and full:
            self.add_error("full_member_on", _("Only full members have this date."))
        if joined and joined > today:
            self.add_error("joined_on", _("The date cannot be in the future."))
        if full and full > today:
            self.add_error("full_member_on", _("The date cannot be in the future."))
        if joined and born and joined < _years_after(born, MIN_JOINING_AGE):
            self.add_error("joined_on", _("A member must be at least 18 when joining."))
        if joined and full and full <= joined:
            self.add_error("full_member_on", _("Full membership comes after joining."))
