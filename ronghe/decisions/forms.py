"""Forms of the decision list. They check the shape of the input; the rules (prior study,
meetings not signatures, the catalogue's body) are the services' and come back as
`services.Refused` next to the field they name."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ronghe.core.forms import DateInput, chosen_among
from ronghe.decisions import services
from ronghe.decisions.models import Body, Decision, MajorMatter, MatterCategory, PriorStudy
from ronghe.orglife.models import Meeting, MeetingKind
from ronghe.orgs.models import PartyOrg


class ProposalForm(forms.Form):
    matter: forms.ModelChoiceField = forms.ModelChoiceField(
        label=_("matter"), queryset=MajorMatter.objects.none()
    )
    title = forms.CharField(label=_("title"), max_length=200)
    description = forms.CharField(label=_("description"), widget=forms.Textarea(attrs={"rows": 4}))
    amount = forms.DecimalField(
        label=_("amount (yuan)"), required=False, min_value=0, max_digits=16, decimal_places=2
    )

    def __init__(self, *args: Any, org: PartyOrg, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        chosen_among(self, "matter").queryset = services.catalogue_for(org)
        chosen_among(self, "matter").to_field_name = "code"

    def proposal(self) -> services.Proposal:
        data = self.cleaned_data
        return services.Proposal(
            matter=data["matter"],
            title=data["title"],
            description=data["description"],
            amount=data["amount"],
        )


class ScheduleForm(forms.Form):
    meeting: forms.ModelChoiceField = forms.ModelChoiceField(
        label=_("Party committee meeting"), queryset=Meeting.objects.none()
    )

    def __init__(self, *args: Any, decision: Decision, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        chosen_among(self, "meeting").queryset = Meeting.objects.filter(
            org=decision.org,
            kind=MeetingKind.COMMITTEE_SESSION,
            status=Meeting.Status.PLANNED,
            starts_at__gte=timezone.now() - timedelta(days=1),
        ).order_by("starts_at")
        chosen_among(self, "meeting").to_field_name = "code"


class StudyForm(forms.Form):
    conclusion = forms.ChoiceField(label=_("conclusion"), choices=PriorStudy.Conclusion.choices)
    changes = forms.CharField(
        label=_("changes asked for"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    dissent = forms.CharField(
        label=_("dissenting opinions"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def study(self) -> services.StudyInput:
        return services.StudyInput(**self.cleaned_data)


class DecideForm(forms.Form):
    body = forms.ChoiceField(label=_("deciding body"), choices=Body.choices)
    method = forms.ChoiceField(label=_("how it was decided"), choices=Decision.Method.choices)
    outcome = forms.ChoiceField(label=_("outcome"), choices=Decision.Outcome.choices)
    decided_on = forms.DateField(label=_("decided on"), widget=DateInput())
    meeting = forms.CharField(label=_("meeting"), max_length=200, required=False)
    votes_for = forms.IntegerField(label=_("in favour"), min_value=0, max_value=999, required=False)
    votes_against = forms.IntegerField(
        label=_("against"), min_value=0, max_value=999, required=False
    )
    votes_abstaining = forms.IntegerField(
        label=_("abstaining"), min_value=0, max_value=999, required=False
    )
    note = forms.CharField(
        label=_("what was decided"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    emergency = forms.BooleanField(label=_("emergency"), required=False)
    emergency_reason = forms.CharField(
        label=_("reason for the emergency"), max_length=300, required=False
    )

    def decision_input(self) -> services.DecisionInput:
        return services.DecisionInput(**self.cleaned_data)


class CloseForm(forms.Form):
    result = forms.CharField(label=_("result"), widget=forms.Textarea(attrs={"rows": 2}))


class PublishForm(forms.Form):
    public = forms.BooleanField(label=_("published to members"), required=False)
    sensitive_note = forms.CharField(
        label=_("not shown to members"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class DecisionFilterForm(forms.Form):
    category = forms.ChoiceField(
        label=_("category"),
        required=False,
        choices=[("", _("All")), *MatterCategory.choices],
    )
    stage = forms.ChoiceField(
        label=_("stage"), required=False, choices=[("", _("All")), *Decision.Stage.choices]
    )
    body = forms.ChoiceField(
        label=_("deciding body"), required=False, choices=[("", _("All")), *Body.choices]
    )
    min_amount = forms.DecimalField(label=_("amount from"), required=False, min_value=0)
    flagged = forms.BooleanField(label=_("flagged only"), required=False)
