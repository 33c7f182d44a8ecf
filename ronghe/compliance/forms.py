"""Input for a local adjustment of a rule (a subtree's stricter or looser local rule)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ronghe.compliance.models import Period, Rule
from ronghe.core.access import Cap, reach_of
from ronghe.orgs.models import PartyOrg


def rule_orgs(user: Any) -> Any:
    """Organisations whose rules the user may adjust (Party-affairs staff, over their reach)."""
    return PartyOrg.objects.open().filter(reach_of(user).q(Cap.MANAGE_RULES, party=""))


class RuleSettingForm(forms.Form):
    rule = forms.ModelChoiceField(
        label=gettext_lazy("rule"), queryset=Rule.objects.all(), to_field_name="key"
    )
    org: forms.ModelChoiceField = forms.ModelChoiceField(
        label=gettext_lazy("for the subtree of"),
        queryset=PartyOrg.objects.none(),
        to_field_name="code",
    )
    period = forms.ChoiceField(
        label=gettext_lazy("period"),
        choices=[("", gettext_lazy("as the rule says")), *Period.choices],
        required=False,
    )
    min_count = forms.IntegerField(
        label=gettext_lazy("at least"), min_value=1, max_value=31, required=False
    )
    due_soon_days = forms.IntegerField(
        label=gettext_lazy("warn days before the deadline"),
        min_value=0,
        max_value=180,
        required=False,
    )
    grace_days = forms.IntegerField(
        label=gettext_lazy("days a late meeting still counts"),
        min_value=0,
        max_value=366,
        required=False,
    )
    disabled = forms.BooleanField(label=gettext_lazy("not applied here"), required=False)
    reason = forms.CharField(label=gettext_lazy("reason and local rule"), max_length=300)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        org_field: Any = self.fields["org"]
        org_field.queryset = rule_orgs(user)

    def clean_reason(self) -> str:
        reason = " ".join(self.cleaned_data["reason"].split())
        if not reason:
            raise forms.ValidationError(_("Cite the local rule or say why."))
        return reason

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        rule = data.get("rule")
        if rule is not None and rule.kind == Rule.Kind.TERM_EXPIRY:
            for name in ("period", "min_count", "grace_days"):
                if data.get(name) not in (None, ""):
                    self.add_error(name, _("A term-expiry rule has no such parameter."))
        changes = any(
            data.get(name) not in (None, "")
            for name in ("period", "min_count", "due_soon_days", "grace_days")
        )
        if not changes and not data.get("disabled") and not self.errors:
            raise forms.ValidationError(
                _("Change at least one parameter, or switch the rule off here.")
            )
        return data
