"""Meeting input: planning with an agenda, attendance, the record, resolutions."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from ronghe.core.access import Cap, reach_of
from ronghe.orglife.kinds import spec_of
from ronghe.orglife.models import Attendance, Meeting, MeetingKind, Resolution
from ronghe.orglife.quorum import Ballot
from ronghe.orglife.services import TopicInput
from ronghe.orgs.models import PartyOrg, Unit
from ronghe.people.models import Person

DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class _Form(forms.Form):
    def _field(self, name: str) -> Any:
        """A field whose choices are set per user (django-stubs types them as plain Field)."""
        return self.fields[name]


class MeetingForm(_Form):
    org: forms.ModelChoiceField = forms.ModelChoiceField(
        label=gettext_lazy("organisation"), queryset=PartyOrg.objects.none(), to_field_name="code"
    )
    kind = forms.ChoiceField(label=gettext_lazy("kind"), choices=MeetingKind.choices)
    title = forms.CharField(label=gettext_lazy("theme"), max_length=200)
    starts_at = forms.DateTimeField(label=gettext_lazy("starts at"), widget=DATETIME)
    ends_at = forms.DateTimeField(label=gettext_lazy("ends at"), widget=DATETIME, required=False)
    place = forms.CharField(label=gettext_lazy("place"), max_length=200, required=False)
    host = forms.ModelChoiceField(
        label=gettext_lazy("host"),
        queryset=Person.objects.none(),
        to_field_name="code",
        required=False,
    )
    recorder = forms.ModelChoiceField(
        label=gettext_lazy("recorder"),
        queryset=Person.objects.none(),
        to_field_name="code",
        required=False,
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._field("org").queryset = writable_orgs(user)
        people = Person.objects.visible_to(user).party_members().order_by("name_pinyin")
        self._field("host").queryset = people
        self._field("recorder").queryset = people

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        org, kind = data.get("org"), data.get("kind")
        if org is not None and kind and org.kind not in spec_of(kind).held_by:
            self.add_error(
                "kind",
                _("A %(org_kind)s does not hold a %(kind)s.")
                % {"org_kind": org.get_kind_display(), "kind": MeetingKind(kind).label},
            )
        starts, ends = data.get("starts_at"), data.get("ends_at")
        if starts and ends and ends <= starts:
            self.add_error("ends_at", _("The end must come after the start."))
        return data


class MeetingEditForm(MeetingForm):
    """Change a planned meeting: everything but its organisation and kind."""

    def __init__(self, *args: Any, meeting: Meeting, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, user=user, **kwargs)
        del self.fields["org"]
        del self.fields["kind"]
        self.meeting = meeting

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if self.meeting.status != Meeting.Status.PLANNED:
            raise forms.ValidationError(_("Only a planned meeting can be changed."))
        return data


def meeting_initial(meeting: Meeting) -> dict[str, Any]:
    """A meeting's current values as the edit form's data (codes for people)."""
    tz_starts = timezone.localtime(meeting.starts_at)
    tz_ends = timezone.localtime(meeting.ends_at) if meeting.ends_at else None
    return {
        "title": meeting.title,
        "starts_at": tz_starts.strftime("%Y-%m-%dT%H:%M"),
        "ends_at": tz_ends.strftime("%Y-%m-%dT%H:%M") if tz_ends else "",
        "place": meeting.place,
        "host": str(meeting.host.code) if meeting.host else "",
        "recorder": str(meeting.recorder.code) if meeting.recorder else "",
    }


class CancelForm(forms.Form):
    reason = forms.CharField(label=gettext_lazy("reason for cancelling"), max_length=200)

    def clean_reason(self) -> str:
        reason = " ".join(self.cleaned_data["reason"].split())
        if not reason:
            raise forms.ValidationError(_("Say why the meeting is cancelled."))
        return reason


class AttachmentForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("photo or scan"),
        help_text=gettext_lazy("JPEG, PNG or PDF, at most 10 MB."),
        widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png,application/pdf"}),
    )


class InviteForm(_Form):
    people = forms.ModelMultipleChoiceField(
        label=gettext_lazy("people to invite"),
        queryset=Person.objects.none(),
        to_field_name="code",
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._field("people").queryset = Person.objects.visible_to(user)


def writable_orgs(user: Any) -> Any:
    return PartyOrg.objects.open().filter(reach_of(user).q(Cap.WRITE_MEETINGS, party=""))


class TopicForm(_Form):
    title = forms.CharField(label=gettext_lazy("topic"), max_length=200, required=False)
    is_business = forms.BooleanField(label=gettext_lazy("business topic"), required=False)
    unit: forms.ModelChoiceField = forms.ModelChoiceField(
        label=gettext_lazy("business unit"),
        queryset=Unit.objects.none(),
        to_field_name="code",
        required=False,
    )
    business_note = forms.CharField(
        label=gettext_lazy("business goal served"), max_length=200, required=False
    )

    def __init__(self, *args: Any, user: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if user is not None:
            self._field("unit").queryset = Unit.objects.visible_to(user).open()

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("is_business") and not data.get("title"):
            self.add_error("title", _("Enter the topic."))
        if data.get("is_business") and not (data.get("unit") or data.get("business_note")):
            self.add_error(
                "unit", _("Name the business unit or the business goal this topic serves.")
            )
        return data

    def topic(self) -> TopicInput | None:
        data = self.cleaned_data
        if not data.get("title"):
            return None
        return TopicInput(
            title=data["title"],
            is_business=bool(data.get("is_business")),
            unit=data.get("unit"),
            business_note=data.get("business_note", ""),
        )


TopicFormSet = forms.formset_factory(TopicForm, extra=4, max_num=20, validate_max=True)


def topic_formset(user: Any, data: Any = None, initial: Any = None) -> Any:
    return TopicFormSet(data, prefix="topics", form_kwargs={"user": user}, initial=initial)


class AttendanceForm(forms.Form):
    person = forms.UUIDField()
    status = forms.ChoiceField(
        choices=[(s.value, s.label) for s in Attendance.Status if s != Attendance.Status.PENDING]
    )
    reason = forms.CharField(
        label=pgettext_lazy("attendance", "reason"), max_length=200, required=False
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if (
            data.get("status") in (Attendance.Status.LEAVE, Attendance.Status.ABSENT)
            and not (data.get("reason") or "").strip()
        ):
            self.add_error("reason", _("Give the reason for leave or absence."))
        return data


def record_form(meeting: Meeting, data: Any = None) -> forms.Form:
    """The record of a held meeting: minutes, and the kind's own fields."""
    fields: dict[str, forms.Field] = {
        "minutes": forms.CharField(
            label=gettext_lazy("minutes"),
            widget=forms.Textarea(attrs={"rows": 8}),
            max_length=50_000,
        )
    }
    for spec_field in spec_of(meeting.kind).fields:
        label: Any = spec_field.label
        if spec_field.kind == "yes_no":
            field: forms.Field = forms.BooleanField(label=label, required=False)
        elif spec_field.kind == "date":
            field = forms.DateField(
                label=label,
                required=False,
                widget=forms.DateInput(attrs={"type": "date"}),
            )
        elif spec_field.kind == "long_text":
            field = forms.CharField(
                label=label,
                required=False,
                max_length=10_000,
                widget=forms.Textarea(attrs={"rows": 3}),
            )
        else:
            field = forms.CharField(label=label, required=False, max_length=200)
        field.help_text = str(spec_field.help)
        fields[f"detail_{spec_field.key}"] = field
    form_class = type("RecordForm", (forms.Form,), fields)
    initial = {"minutes": meeting.minutes} | {
        f"detail_{key}": value for key, value in meeting.details.items()
    }
    return form_class(data, initial=initial)


def details_of(form: forms.Form) -> dict[str, Any]:
    details = {}
    for name, value in form.cleaned_data.items():
        if name.startswith("detail_") and value not in (None, ""):
            details[name.removeprefix("detail_")] = (
                value.isoformat() if hasattr(value, "isoformat") else value
            )
    return details


class ResolutionForm(_Form):
    text = forms.CharField(
        label=gettext_lazy("resolution"), max_length=5000, widget=forms.Textarea(attrs={"rows": 3})
    )
    vote_kind = forms.ChoiceField(label=gettext_lazy("vote"), choices=Resolution.VoteKind.choices)
    yes = forms.IntegerField(label=gettext_lazy("in favour"), min_value=0, required=False)
    no = forms.IntegerField(label=gettext_lazy("against"), min_value=0, required=False)
    abstain = forms.IntegerField(label=gettext_lazy("abstaining"), min_value=0, required=False)
    outcome = forms.ChoiceField(
        label=gettext_lazy("outcome"),
        choices=[("", "—"), *Resolution.Outcome.choices],
        required=False,
    )

    def __init__(self, *args: Any, meeting: Meeting, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        allowed = {Resolution.VoteKind.NONE, *spec_of(meeting.kind).votes}
        self._field("vote_kind").choices = [
            choice for choice in Resolution.VoteKind.choices if choice[0] in allowed
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("vote_kind") and data["vote_kind"] != Resolution.VoteKind.NONE:
            for name in ("yes", "no", "abstain"):
                if data.get(name) is None:
                    self.add_error(name, _("Enter the number of votes (0 if none)."))
        return data

    def ballot(self) -> Ballot | None:
        data = self.cleaned_data
        if data["vote_kind"] == Resolution.VoteKind.NONE:
            return None
        return Ballot(data["yes"], data["no"], data["abstain"])
