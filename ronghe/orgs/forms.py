"""Organisation input forms for both trees."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ronghe.core.forms import DateInput
from ronghe.orgs.models import PartyOrg, Unit


class _CodeMixin(forms.ModelForm):
    def clean_org_code(self) -> str:
        code = self.cleaned_data["org_code"].strip().upper()
        if not code or not all(c.isalnum() or c in "-_." for c in code):
            raise forms.ValidationError(
                _("Use letters, digits, dots, hyphens and underscores only.")
            )
        others = type(self.instance).objects.exclude(pk=self.instance.pk)
        if others.filter(org_code=code).exists():
            raise forms.ValidationError(_("Another organisation already has this code."))
        return code


class PartyOrgForm(_CodeMixin):
    class Meta:
        model = PartyOrg
        fields = [
            "name",
            "org_code",
            "kind",
            "established_on",
            "term_started_on",
            "term_years",
            "secretary",
            "units",
        ]
        widgets = {"established_on": DateInput, "term_started_on": DateInput}
        help_texts = {
            "term_years": gettext_lazy(
                "Empty: 5 years for a committee, 3 for a general branch or branch."
            )
        }

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        from ronghe.people.models import Person

        secretary: Any = self.fields["secretary"]
        units: Any = self.fields["units"]
        people = Person.objects.visible_to(user).party_members()
        if self.instance.pk:
            people = people.filter(party_org__path__startswith=self.instance.path)
        secretary.queryset = people.select_related("party_org")
        # Mapping a unit extends the branch's reach to its people: only managed units may be
        # added or removed (the service checks it); units mapped already stay listed.
        current = list(self.instance.units.values_list("pk", flat=True)) if self.instance.pk else []
        units.queryset = Unit.objects.open().filter(
            Q(pk__in=Unit.objects.writable_by(user).values("pk")) | Q(pk__in=current)
        )

    def clean_term_years(self) -> int | None:
        years = self.cleaned_data.get("term_years")
        if years is not None and not 1 <= years <= 5:
            raise forms.ValidationError(_("A term lasts between 1 and 5 years."))
        return years

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        established, term = data.get("established_on"), data.get("term_started_on")
        if established and term and term < established:
            self.add_error(
                "term_started_on",
                _("The term cannot start before the organisation was established."),
            )
        return data


class UnitForm(_CodeMixin):
    class Meta:
        model = Unit
        fields = ["name", "org_code", "kind"]

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        # Same signature as PartyOrgForm so one view serves both trees; units have no
        # choice fields that depend on the user.
        super().__init__(*args, **kwargs)


class MoveForm(forms.Form):
    new_parent: forms.ModelChoiceField = forms.ModelChoiceField(
        label=gettext_lazy("new parent"), queryset=PartyOrg.objects.none()
    )

    def __init__(self, *args: Any, queryset: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field: Any = self.fields["new_parent"]
        field.queryset = queryset
