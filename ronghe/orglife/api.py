"""Organisational-life endpoints: the calendar, planning, sign-in, the record and resolutions.

The same forms validate the input as on the pages, the same services write, and the same gate
decides who sees and changes a meeting. A write the Party rules refuse (a quorum not reached,
a sign-in outside its window) answers 422 with `code: "refused"` and the rule in `detail`.
"""

from datetime import date, datetime, time, timedelta
from typing import Any
from uuid import UUID

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import CursorPagination, paginate

from ronghe.api.errors import ApiError, FieldError, form_errors, validated
from ronghe.api.idempotency import idempotent
from ronghe.core.access import Cap, get_for_user, reach_of, require_cap
from ronghe.orglife import services
from ronghe.orglife.forms import (
    AttendanceForm,
    CancelForm,
    InviteForm,
    MeetingEditForm,
    MeetingForm,
    ResolutionForm,
    TopicForm,
    details_of,
    meeting_initial,
    record_form,
)
from ronghe.orglife.kinds import SPECS
from ronghe.orglife.models import Attendance, Meeting, MeetingKind, Resolution
from ronghe.orgs.models import PartyOrg
from ronghe.people.models import Person

router = Router(tags=["organisational life"])
MAX_RANGE = timedelta(days=400)


def refused(exc: services.MeetingRefused) -> ApiError:
    return ApiError(422, "refused", "；".join(str(breach) for breach in exc.breaches))


# --- shapes ----------------------------------------------------------------------------------


class Ref(Schema):
    code: UUID
    name: str


class OrgRef(Schema):
    code: UUID
    org_code: str
    name: str


class TopicOut(Schema):
    title: str
    is_business: bool
    unit: OrgRef | None
    business_note: str


class MeetingOut(Schema):
    code: UUID
    org: OrgRef
    kind: MeetingKind
    title: str
    starts_at: datetime
    ends_at: datetime | None
    place: str
    host: Ref | None
    recorder: Ref | None
    status: str = Field(..., json_schema_extra={"enum": list(Meeting.Status.values)})
    held_on: date | None


class AttendanceOut(Schema):
    person: Ref
    status: str = Field(..., json_schema_extra={"enum": list(Attendance.Status.values)})
    reason: str
    voting: bool = Field(..., description="a full member, who votes (预备党员 do not)")
    signed_at: datetime | None
    method: str


class ResolutionOut(Schema):
    code: UUID
    text: str
    vote_kind: Resolution.VoteKind
    yes: int | None
    no: int | None
    abstain: int | None
    outcome: str
    tasks: list[UUID] = Field(..., description="tasks this resolution became")

    @staticmethod
    def resolve_tasks(resolution: Resolution) -> list[UUID]:
        return [link.task_code for link in resolution.task_links.all()]


class HeadcountOut(Schema):
    should_attend: int
    present: int


class MeetingDetailOut(MeetingOut):
    minutes: str
    details: dict[str, Any] = Field(..., description="the kind's own record fields")
    topics: list[TopicOut]
    attendance: list[AttendanceOut]
    resolutions: list[ResolutionOut]
    voting_headcount: HeadcountOut
    may_write: bool


class TopicIn(Schema):
    title: str = Field(..., max_length=200)
    is_business: bool = False
    unit: UUID | None = Field(None, description="the business unit the topic serves")
    business_note: str = Field("", max_length=200, description="or the business goal it serves")


class MeetingIn(Schema):
    org: UUID
    kind: MeetingKind
    title: str = Field(..., max_length=200)
    starts_at: datetime
    ends_at: datetime | None = None
    place: str = Field("", max_length=200)
    host: UUID | None = Field(None, description="a Party member's code")
    recorder: UUID | None = None
    topics: list[TopicIn] = Field(default_factory=list, max_length=20)


class MeetingPatch(Schema):
    """Only the fields sent change; `topics`, when sent, replaces the agenda."""

    title: str | None = Field(None, max_length=200)
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    place: str | None = Field(None, max_length=200)
    host: UUID | None = None
    recorder: UUID | None = None
    topics: list[TopicIn] | None = Field(None, max_length=20)


class CancelIn(Schema):
    reason: str = Field(..., max_length=200)


class InviteIn(Schema):
    people: list[UUID] = Field(..., min_length=1, max_length=500)


class AttendanceIn(Schema):
    person: UUID
    status: str = Field(
        ...,
        json_schema_extra={
            "enum": [s for s in Attendance.Status.values if s != Attendance.Status.PENDING]
        },
    )
    reason: str = Field("", max_length=200)


class SignInIn(Schema):
    token: str = Field(..., max_length=200, description="the token the QR code in the room holds")


class RecordIn(Schema):
    minutes: str = Field(..., max_length=50_000)
    details: dict[str, str | bool | date | None] = Field(
        default_factory=dict, description="the kind's record fields (see /meeting-kinds)"
    )


class ResolutionIn(Schema):
    text: str = Field(..., max_length=5000)
    vote_kind: Resolution.VoteKind = Resolution.VoteKind.NONE
    yes: int | None = Field(None, ge=0, le=100_000)
    no: int | None = Field(None, ge=0, le=100_000)
    abstain: int | None = Field(None, ge=0, le=100_000)
    outcome: str = Field(
        "",
        description="the result declared; refused when the votes do not give it",
        json_schema_extra={"enum": ["", *Resolution.Outcome.values]},
    )


class KindFieldOut(Schema):
    key: str
    label: str
    kind: str


class KindOut(Schema):
    kind: MeetingKind
    label: str
    held_by: list[str]
    invites: str
    votes: list[str]
    fields: list[KindFieldOut]


class CalendarFilter(Schema):
    start: date | None = Field(None, description="first day (default: today)")
    end: date | None = Field(None, description="last day (default: start + 31 days; ≤ 400 days)")
    org: UUID | None = Field(None, description="a Party organisation: its whole subtree")
    kind: MeetingKind | None = None
    status: str | None = Field(None, json_schema_extra={"enum": list(Meeting.Status.values)})


# --- reading ---------------------------------------------------------------------------------


def _window(filters: CalendarFilter) -> tuple[datetime, datetime]:
    start = filters.start or timezone.localdate()
    end = filters.end or start + timedelta(days=31)
    if end < start or end - start > MAX_RANGE:
        raise FieldError(
            {"end": [_("The end must be on or after the start, and at most 400 days later.")]}
        )
    tz = timezone.get_current_timezone()
    return datetime.combine(start, time.min, tz), datetime.combine(
        end + timedelta(days=1), time.min, tz
    )


@router.get("/meetings", response=list[MeetingOut], summary="The calendar: meetings in a window")
@paginate(CursorPagination, ordering=("starts_at", "id"), page_size=50, max_page_size=500)
def list_meetings(request: HttpRequest, filters: Query[CalendarFilter]) -> Any:
    reach = reach_of(request.user)
    if not (reach.has(Cap.READ_MEETINGS) or reach.person_id is not None):
        raise PermissionDenied  # members without a role still see the meetings they attend
    start, end = _window(filters)
    meetings = Meeting.objects.visible_to(request.user).between(start, end).for_list()
    if filters.org:
        org = get_for_user(PartyOrg, request.user, filters.org)
        meetings = meetings.filter(org__path__startswith=org.path)
    if filters.kind:
        meetings = meetings.filter(kind=filters.kind)
    if filters.status:
        meetings = meetings.filter(status=filters.status)
    return meetings


@router.get("/meetings/mine", response=list[MeetingOut], summary="Meetings you are invited to")
@paginate(CursorPagination, ordering=("-starts_at", "-id"), page_size=50, max_page_size=500)
def my_meetings(request: HttpRequest) -> Any:
    person_id = reach_of(request.user).person_id
    if person_id is None:
        raise ApiError(403, "forbidden", _("Your account is not linked to a person on the roster."))
    return Meeting.objects.filter(attendance__person_id=person_id).not_cancelled().for_list()


@router.get("/meeting-kinds", response=list[KindOut], summary="Meeting kinds and their records")
def meeting_kinds(request: HttpRequest) -> list[dict[str, Any]]:
    return [
        {
            "kind": spec.kind,
            "label": str(MeetingKind(spec.kind).label),
            "held_by": sorted(spec.held_by),
            "invites": spec.invite,
            "votes": list(spec.votes),
            "fields": [{"key": f.key, "label": str(f.label), "kind": f.kind} for f in spec.fields],
        }
        for spec in SPECS.values()
    ]


def _detail(request: HttpRequest, meeting: Meeting) -> dict[str, Any]:
    meeting = Meeting.objects.for_list().get(pk=meeting.pk)
    return {
        **{name: getattr(meeting, name) for name in MeetingOut.model_fields},
        "minutes": meeting.minutes,
        "details": meeting.details,
        "topics": list(meeting.topics.select_related("unit")),
        "attendance": list(
            meeting.attendance.select_related("person").order_by("person__name_pinyin")
        ),
        "resolutions": list(meeting.resolutions.prefetch_related("task_links")),
        "voting_headcount": services.headcount(meeting, voting_only=True).__dict__,
        "may_write": Meeting.objects.writable_by(request.user).filter(pk=meeting.pk).exists(),
    }


@router.get("/meetings/{uuid:code}", response=MeetingDetailOut, summary="One meeting in full")
def get_meeting(request: HttpRequest, code: UUID) -> dict[str, Any]:
    return _detail(request, get_for_user(Meeting, request.user, code))


# --- planning --------------------------------------------------------------------------------


def _form_value(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M:%S") if value.tzinfo else value
    if isinstance(value, date | UUID):
        return str(value)
    return value


def _topics(request: HttpRequest, topics: list[TopicIn]) -> list[services.TopicInput]:
    agenda: list[services.TopicInput] = []
    errors: dict[str, list[str]] = {}
    for index, topic in enumerate(topics):
        form = TopicForm(
            {key: _form_value(value) for key, value in topic.dict().items()}, user=request.user
        )
        if not form.is_valid():
            errors |= form_errors(form, prefix=f"topics[{index}].")
        elif (item := form.topic()) is not None:
            agenda.append(item)
    if errors:
        raise FieldError(errors)
    return agenda


@router.post("/meetings", response={201: MeetingDetailOut}, summary="Plan a meeting")
@idempotent
def plan_meeting(request: HttpRequest, data: MeetingIn) -> Status[dict[str, Any]]:
    require_cap(request.user, Cap.WRITE_MEETINGS)
    values = {k: _form_value(v) for k, v in data.dict(exclude={"topics"}).items()}
    form = MeetingForm(values, user=request.user)
    cleaned = validated(form)
    agenda = _topics(request, data.topics)
    meeting = services.meeting_plan(
        org=cleaned["org"], data=cleaned, topics=agenda, by=request.user
    )
    return Status(201, _detail(request, meeting))


@router.patch(
    "/meetings/{uuid:code}", response=MeetingDetailOut, summary="Change a planned meeting"
)
def update_meeting(request: HttpRequest, code: UUID, data: MeetingPatch) -> dict[str, Any]:
    meeting = get_for_user(Meeting, request.user, code, write=True)
    sent = data.dict(exclude_unset=True)
    topics = sent.pop("topics", None)
    values = meeting_initial(meeting) | {k: _form_value(v) for k, v in sent.items()}
    form = MeetingEditForm(values, meeting=meeting, user=request.user)
    cleaned = validated(form)
    agenda = _topics(request, data.topics or []) if topics is not None else None
    services.meeting_update(meeting=meeting, data=cleaned, topics=agenda, by=request.user)
    return _detail(request, meeting)


@router.post("/meetings/{uuid:code}/cancel", response=MeetingDetailOut, summary="Cancel a meeting")
def cancel_meeting(request: HttpRequest, code: UUID, data: CancelIn) -> dict[str, Any]:
    meeting = get_for_user(Meeting, request.user, code, write=True)
    cleaned = validated(CancelForm(data.dict()))
    try:
        services.meeting_cancel(meeting=meeting, reason=cleaned["reason"], by=request.user)
    except services.MeetingRefused as exc:
        raise refused(exc) from exc
    return _detail(request, meeting)


@router.post(
    "/meetings/{uuid:code}/invitees", response=MeetingDetailOut, summary="Invite more people"
)
def invite(request: HttpRequest, code: UUID, data: InviteIn) -> dict[str, Any]:
    meeting = get_for_user(Meeting, request.user, code, write=True)
    cleaned = validated(InviteForm({"people": [str(c) for c in data.people]}, user=request.user))
    try:
        services.invitee_add(meeting=meeting, people=cleaned["people"], by=request.user)
    except services.MeetingRefused as exc:
        raise refused(exc) from exc
    return _detail(request, meeting)


# --- signing in and recording ----------------------------------------------------------------


@router.post(
    "/meetings/{uuid:code}/attendance",
    response=AttendanceOut,
    summary="The recorder marks one invitee present, late, on leave or absent",
)
def record_attendance(request: HttpRequest, code: UUID, data: AttendanceIn) -> Attendance:
    meeting = get_for_user(Meeting, request.user, code, write=True)
    cleaned = validated(AttendanceForm({**data.dict(), "person": str(data.person)}))
    person = Person.objects.filter(code=cleaned["person"]).first()
    if person is None:
        raise FieldError({"person": [_("This person is not invited to this meeting.")]})
    try:
        return services.attendance_record(
            meeting=meeting,
            person=person,
            status=cleaned["status"],
            reason=cleaned["reason"],
            by=request.user,
        )
    except services.MeetingRefused as exc:
        raise refused(exc) from exc


@router.post(
    "/meetings/sign-in",
    response={200: AttendanceOut, 410: dict},
    summary="Sign yourself in (QR token)",
)
def sign_in(request: HttpRequest, data: SignInIn) -> Attendance:
    meeting_code = services.meeting_code_from_token(data.token)
    if meeting_code is None:
        raise ApiError(
            410, "expired", _("This sign-in code has expired: scan the code in the room again.")
        )
    meeting = Meeting.objects.filter(code=meeting_code).first()
    if meeting is None:
        raise Http404
    person_id = reach_of(request.user).person_id
    person = Person.objects.filter(pk=person_id).first() if person_id else None
    try:
        return services.attendance_self_sign_in(meeting=meeting, person=person, by=request.user)
    except services.MeetingRefused as exc:
        raise refused(exc) from exc


@router.post(
    "/meetings/{uuid:code}/record", response=MeetingDetailOut, summary="Record the meeting as held"
)
def record_meeting(request: HttpRequest, code: UUID, data: RecordIn) -> dict[str, Any]:
    meeting = get_for_user(Meeting, request.user, code, write=True)
    values = {"minutes": data.minutes} | {
        f"detail_{key}": _form_value(value) for key, value in data.details.items()
    }
    form = record_form(meeting, values)
    validated(form)
    try:
        services.meeting_record(
            meeting=meeting,
            minutes=form.cleaned_data["minutes"],
            details=details_of(form),
            by=request.user,
        )
    except services.MeetingRefused as exc:
        raise refused(exc) from exc
    return _detail(request, meeting)


@router.post(
    "/meetings/{uuid:code}/resolutions",
    response={201: ResolutionOut},
    summary="Add a resolution (a vote is checked against the quorum rules)",
)
@idempotent
def add_resolution(request: HttpRequest, code: UUID, data: ResolutionIn) -> Status[Resolution]:
    meeting = get_for_user(Meeting, request.user, code, write=True)
    values = {k: _form_value(v) for k, v in data.dict().items()}
    form = ResolutionForm(values, meeting=meeting)
    cleaned = validated(form)
    try:
        resolution = services.resolution_add(
            meeting=meeting,
            text=cleaned["text"],
            vote_kind=cleaned["vote_kind"],
            ballot=form.ballot(),
            declared=cleaned["outcome"],
            by=request.user,
        )
    except services.MeetingRefused as exc:
        raise refused(exc) from exc
    return Status(201, resolution)
