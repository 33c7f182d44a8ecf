"""Forms of plans and tasks. They check the shape of the input; the workflow rules (frozen
plans, leads inside the organisation, evidence, locks) are the services' and come back as
`services.Refused`, which `refused_into` puts next to the field it names."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ronghe.orglife.models import Meeting
from ronghe.orgs.models import PartyOrg
from ronghe.people.models import Person
from ronghe.plans import services
from ronghe.plans.models import Category, Dimension, IntegrationPoint, Plan, PlanItem, Task

# How far ahead a task's deadline may lie (a typo like 9999 would break the date arithmetic).
MAX_DEADLINE_YEARS = 10
# Meetings a report can point to: the organisation's held in the past year.
MEETINGS_BACK_DAYS = 366
# Meetings an integration point can come from: the organisation's own in the past two years.
POINT_MEETINGS_BACK_DAYS = 731
REASON_HELP = _("The plan is approved: the change is kept as a revision with this reason.")


def _field(form: forms.BaseForm, name: str) -> Any:
    """A field whose choices are set per form (django-stubs types them as plain Field)."""
    return form.fields[name]


def refused_into(form: forms.BaseForm, refused: services.Refused) -> None:
    """Show a refusal next to its field, or above the form."""
    field = refused.field if refused.field in form.fields else None
    form.add_error(field, refused.message)


class DateInput(forms.DateInput):
    input_type = "date"


class PlanForm(forms.Form):
    org: forms.ModelChoiceField = forms.ModelChoiceField(
        label=_("organisation"), queryset=PartyOrg.objects.none()
    )
    year = forms.IntegerField(label=_("year"), min_value=2000, max_value=2100)
    quarter = forms.TypedChoiceField(
        label=_("period"),
        coerce=int,
        choices=[(0, _("The whole year")), (1, _("Q1")), (2, _("Q2")), (3, _("Q3")), (4, _("Q4"))],
    )
    title = forms.CharField(label=_("title"), max_length=200)

    def __init__(self, *args: Any, orgs: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _field(self, "org").queryset = orgs
        _field(self, "org").to_field_name = "code"


def _categories(dimension: str, org: PartyOrg) -> Any:
    return Category.objects.usable_for(org).filter(dimension=dimension)


class ItemForm(forms.ModelForm):
    reason = forms.CharField(label=_("reason for the change"), max_length=300, required=False)

    class Meta:
        model = PlanItem
        fields = [
            "dimension",
            "title",
            "description",
            "party_category",
            "business_category",
            "integration_point",
            "deadline",
            "weight",
        ]
        widgets = {"deadline": DateInput(), "description": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args: Any, plan: Plan, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _field(self, "party_category").queryset = _categories(Dimension.PARTY, plan.org)
        _field(self, "business_category").queryset = _categories(Dimension.BUSINESS, plan.org)
        _field(self, "integration_point").queryset = IntegrationPoint.objects.usable_for(plan.org)
        _field(self, "integration_point").to_field_name = "code"
        if plan.frozen:
            self.fields["reason"].required = True
            self.fields["reason"].help_text = REASON_HELP
        else:
            del self.fields["reason"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        dimension = data.get("dimension")
        wanted = "party_category" if dimension == Dimension.PARTY else "business_category"
        if dimension and not data.get(wanted):
            self.add_error(wanted, _("Choose the category of this target's side."))
        return data


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("reason"), max_length=300)


DEPLOY_ALL_BRANCHES = "branches"
DEPLOY_ALL = "all"
DEPLOY_CHOSEN = "chosen"


class DeployForm(forms.Form):
    scope = forms.ChoiceField(
        label=_("deploy to"),
        widget=forms.RadioSelect,
        initial=DEPLOY_CHOSEN,
        choices=[
            (DEPLOY_CHOSEN, _("The organisations chosen below")),
            (DEPLOY_ALL_BRANCHES, _("Every branch below (支部, 总支)")),
            (DEPLOY_ALL, _("Every organisation below, Party groups included")),
        ],
    )
    orgs: forms.ModelMultipleChoiceField = forms.ModelMultipleChoiceField(
        label=_("organisations"),
        queryset=PartyOrg.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args: Any, below: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.below = below
        _field(self, "orgs").queryset = below
        _field(self, "orgs").to_field_name = "code"

    def targets(self) -> list[PartyOrg]:
        scope = self.cleaned_data["scope"]
        if scope == DEPLOY_ALL:
            return list(self.below)
        if scope == DEPLOY_ALL_BRANCHES:
            kinds = (PartyOrg.Kind.BRANCH, PartyOrg.Kind.GENERAL_BRANCH)
            return list(self.below.filter(kind__in=kinds))
        return list(self.cleaned_data["orgs"])

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("scope") == DEPLOY_CHOSEN and not data.get("orgs"):
            self.add_error("orgs", _("Choose at least one organisation."))
        return data


class TaskForm(forms.ModelForm):
    class Meta:
        model = Task
        fields = [
            "title",
            "description",
            "party_category",
            "business_category",
            "integration_point",
            "party_lead",
            "business_lead",
            "deadline",
            "weight",
        ]
        widgets = {
            "deadline": DateInput(),
            "description": forms.Textarea(attrs={"rows": 3}),
            # Searchable in the browser (ronghe.js): a committee's subtree has many people.
            "party_lead": forms.Select(attrs={"data-picker": ""}),
            "business_lead": forms.Select(attrs={"data-picker": ""}),
        }

    def __init__(self, *args: Any, org: PartyOrg, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _field(self, "party_category").queryset = _categories(Dimension.PARTY, org)
        _field(self, "business_category").queryset = _categories(Dimension.BUSINESS, org)
        _field(self, "integration_point").queryset = IntegrationPoint.objects.usable_for(org)
        _field(self, "integration_point").to_field_name = "code"
        people = Person.objects.filter(services.people_within(org)).order_by("name")
        for name in ("party_lead", "business_lead"):
            _field(self, name).queryset = people
            _field(self, name).to_field_name = "code"
        task = self.instance
        if task.pk and task.item_id and task.item.plan.org_id != task.org_id:
            for name in services.FIXED_BY_ITEM:  # deployed from above: follows the plan
                self.fields[name].disabled = True

    def clean_deadline(self) -> date:
        deadline = self.cleaned_data["deadline"]
        today = timezone.localdate()
        if not self.instance.pk and deadline < today:
            raise forms.ValidationError(_("A new task's deadline is today or later."))
        if deadline > today.replace(year=today.year + MAX_DEADLINE_YEARS, day=1):
            raise forms.ValidationError(
                _("A deadline lies within %(n)s years from today.") % {"n": MAX_DEADLINE_YEARS}
            )
        return deadline

    def clean(self) -> dict[str, Any]:
        # The database refuses a task without a dimension too, but in its own words.
        data = super().clean() or {}
        dimensions = ("party_category", "business_category")
        if all(name in self.fields and not data.get(name) for name in dimensions):
            self.add_error(
                "party_category",
                _("Give the task a Party dimension, a business dimension or both."),
            )
        return data

    def values(self) -> dict[str, Any]:
        return {
            name: self.cleaned_data[name]
            for name in self.Meta.fields
            if name in self.changed_data or not self.instance.pk
        }


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    widget = MultipleFileInput

    def clean(self, data: Any, initial: Any = None) -> list[Any]:
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(item, initial) for item in data if item]
        return [single(data, initial)] if data else []


class ReportForm(forms.Form):
    text = forms.CharField(label=_("what was done"), widget=forms.Textarea(attrs={"rows": 3}))
    progress = forms.IntegerField(label=_("progress %"), min_value=0, max_value=100)
    claims_done = forms.BooleanField(label=_("the task is finished"), required=False)
    evidence = MultipleFileField(
        label=_("photos and scans"),
        required=False,
        help_text=_("JPEG, PNG or PDF, up to 10 MB each."),
    )
    meetings: forms.ModelMultipleChoiceField = forms.ModelMultipleChoiceField(
        label=_("meetings"), queryset=Meeting.objects.none(), required=False
    )
    link = forms.URLField(label=_("link"), required=False, assume_scheme="https", max_length=200)

    def __init__(self, *args: Any, task: Task, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        since = timezone.localdate() - timedelta(days=MEETINGS_BACK_DAYS)
        _field(self, "meetings").queryset = (
            Meeting.objects.visible_to(user)
            .filter(org__path__startswith=task.org.path, status=Meeting.Status.HELD)
            .filter(held_on__gte=since)
            .order_by("-starts_at")
        )
        _field(self, "meetings").to_field_name = "code"

    def clean_meetings(self) -> list[Meeting]:
        return list(self.cleaned_data["meetings"])

    def report_input(self) -> services.ReportInput:
        data = self.cleaned_data
        return services.ReportInput(
            text=data["text"],
            progress=data["progress"],
            claims_done=data["claims_done"],
            link=data["link"],
            meetings=data["meetings"],
            files=data["evidence"],
        )


class UnlockForm(forms.Form):
    reason = forms.CharField(label=_("reason"), max_length=300)
    until = forms.DateField(label=_("open until"), widget=DateInput())


class MoveForm(forms.Form):
    status = forms.ChoiceField(label=_("status"), choices=Task.Status.choices)
    reason = forms.CharField(label=_("reason for cancelling"), max_length=300, required=False)


class TaskFilterForm(forms.Form):
    """The task list's filters (GET): bad values are ignored, not errors."""

    dimension = forms.ChoiceField(
        required=False,
        choices=[
            ("", _("Any dimension")),
            ("party", _("Party building")),
            ("business", _("Business")),
            ("both", _("Both")),
        ],
    )
    status = forms.ChoiceField(
        required=False, choices=[("", _("Any status")), *Task.Status.choices]
    )
    late = forms.BooleanField(required=False, label=_("late marks only"))
    lead = forms.CharField(required=False, max_length=50, label=_("lead"))
    q = forms.CharField(required=False, max_length=100, label=_("title"))


class MilestoneForm(forms.Form):
    title = forms.CharField(label=_("milestone"), max_length=200)
    due_on = forms.DateField(label=_("due on"), widget=DateInput())


def _meeting_label(meeting: Meeting) -> str:
    return f"{timezone.localtime(meeting.starts_at):%Y-%m-%d} {meeting.title}"


class PointForm(forms.ModelForm):
    """An integration point of the catalogue: the Party work, the business goal it serves and
    where the idea came from (a 座谈会 is chosen among the organisation's forum meetings)."""

    class Meta:
        model = IntegrationPoint
        fields = [
            "title",
            "party_work",
            "business_goal",
            "source",
            "source_meeting",
            "source_note",
            "active",
        ]

    def __init__(self, *args: Any, org: PartyOrg, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        since = timezone.now() - timedelta(days=POINT_MEETINGS_BACK_DAYS)
        _field(self, "source_meeting").queryset = (
            Meeting.objects.filter(org=org, starts_at__gte=since)
            .not_cancelled()
            .order_by("-starts_at")
        )
        _field(self, "source_meeting").to_field_name = "code"
        _field(self, "source_meeting").label_from_instance = _meeting_label
        if not self.instance.pk:
            del self.fields["active"]

    def values(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in self.fields}


class PointOrgForm(forms.Form):
    org: forms.ModelChoiceField = forms.ModelChoiceField(
        label=_("organisation"), queryset=PartyOrg.objects.none()
    )

    def __init__(self, *args: Any, orgs: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _field(self, "org").queryset = orgs
        _field(self, "org").to_field_name = "code"


class CategoryForm(PointOrgForm):
    dimension = forms.ChoiceField(label=_("dimension"), choices=Dimension.choices)
    name = forms.CharField(label=_("name"), max_length=60)


class PolicyForm(PointOrgForm):
    yellow_days = forms.IntegerField(label=_("yellow from (days left)"), min_value=0, max_value=365)
    red_days = forms.IntegerField(label=_("red from (days left)"), min_value=0, max_value=365)
    remind_days = forms.IntegerField(
        label=_("remind the leads (days before)"), min_value=0, max_value=365
    )
    grace_days = forms.IntegerField(
        label=_("entry locks (days after the deadline)"), min_value=0, max_value=365
    )

    def values(self) -> dict[str, int]:
        return {name: self.cleaned_data[name] for name in services.POLICY_FIELDS}
