"""Organisational-life workflows: plan a meeting, sign people in, record it, take resolutions.

Every write is audited in its own transaction, and once it commits the organisation's
compliance findings are evaluated again (`compliance.services.evaluate_soon`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from ronghe.accounts.models import RoleAssignment, User
from ronghe.compliance import services as compliance
from ronghe.core import audit
from ronghe.core.access import Role
from ronghe.notify.services import notify
from ronghe.orglife.kinds import Invite, spec_of
from ronghe.orglife.models import AgendaTopic, Attendance, Meeting, Resolution, ResolutionTask
from ronghe.orglife.quorum import (
    Ballot,
    Breach,
    Headcount,
    attendance_breach,
    ballot_breaches,
    passes,
)
from ronghe.orgs.models import PartyOrg
from ronghe.people.models import Person, PoliticalStatus

SIGN_IN_SALT = "orglife.sign-in"
SIGN_IN_MAX_AGE = timedelta(minutes=10)
# Signing in after the start plus this much counts as late.
LATE_AFTER = timedelta(minutes=10)
SIGN_IN_OPENS = timedelta(hours=2)


class MeetingRefused(Exception):
    """A write the rules do not allow; `breaches` say which rule and why."""

    def __init__(self, breaches: Sequence[Breach | str]) -> None:
        super().__init__("; ".join(str(breach) for breach in breaches))
        self.breaches = list(breaches)


@dataclass
class TopicInput:
    title: str
    is_business: bool = False
    unit: Any = None
    business_note: str = ""


# --- who is invited ------------------------------------------------------------------------


def leadership_of(org: PartyOrg) -> QuerySet[Person]:
    """The organisation's secretary and committee members: people whose accounts hold the
    secretary or committee role on it (or the leader role, for a 党委), and the secretary."""
    person_ids = set(
        RoleAssignment.objects.filter(
            party_org=org,
            role__in=(Role.SECRETARY, Role.COMMITTEE, Role.LEADER),
            user__person__isnull=False,
        ).values_list("user__person_id", flat=True)
    )
    if org.secretary_id:
        person_ids.add(org.secretary_id)
    return Person.objects.filter(pk__in=person_ids)


def default_invitees(org: PartyOrg, kind: str) -> QuerySet[Person]:
    invite = spec_of(kind).invite
    if invite == Invite.MEMBERS:
        return Person.objects.party_members().filter(party_org__path__startswith=org.path)
    if invite == Invite.LEADERSHIP:
        return leadership_of(org)
    return Person.objects.none()


def _attendance_rows(meeting: Meeting, people: Iterable[Person]) -> list[Attendance]:
    return [
        Attendance(
            meeting=meeting,
            person=person,
            voting=person.political_status == PoliticalStatus.FULL_MEMBER,
        )
        for person in people
    ]


# --- planning ------------------------------------------------------------------------------


def _snapshot(meeting: Meeting) -> dict[str, Any]:
    return {
        "org": meeting.org.org_code,
        "kind": meeting.kind,
        "title": meeting.title,
        "starts_at": meeting.starts_at.isoformat(),
        "place": meeting.place,
        "host": str(meeting.host) if meeting.host else None,
        "recorder": str(meeting.recorder) if meeting.recorder else None,
        "status": meeting.status,
    }


def _replace_topics(meeting: Meeting, topics: Sequence[TopicInput]) -> None:
    meeting.topics.all().delete()
    AgendaTopic.objects.bulk_create(
        AgendaTopic(
            meeting=meeting,
            position=position,
            title=topic.title,
            is_business=topic.is_business,
            unit=topic.unit if topic.is_business else None,
            business_note=topic.business_note if topic.is_business else "",
        )
        for position, topic in enumerate(topics)
    )


@transaction.atomic
def agenda_add(*, meeting: Meeting, topic: TopicInput, by: Any) -> AgendaTopic:
    """Append one topic to a planned meeting's agenda (the decision list puts a matter before
    the Party committee this way)."""
    added = AgendaTopic.objects.create(
        meeting=meeting,
        position=meeting.topics.count(),
        title=topic.title[:200],
        is_business=topic.is_business,
        unit=topic.unit if topic.is_business else None,
        business_note=topic.business_note[:200] if topic.is_business else "",
    )
    audit.record(
        audit.Action.UPDATE,
        actor=by,
        obj=meeting,
        after={"topic": added.title},
        message="agenda topic added",
    )
    return added


@transaction.atomic
def meeting_plan(
    *, org: PartyOrg, data: dict[str, Any], topics: Sequence[TopicInput], by: Any
) -> Meeting:
    """Put a meeting on the calendar with its agenda; the kind's default invitees are
    invited (full members with a vote, probationary members without)."""
    meeting = Meeting(org=org, created_by=by if getattr(by, "is_authenticated", False) else None)
    for key in ("kind", "title", "starts_at", "ends_at", "place", "host", "recorder"):
        setattr(meeting, key, data.get(key))
    meeting.place = meeting.place or ""
    meeting.save()
    _replace_topics(meeting, topics)
    Attendance.objects.bulk_create(_attendance_rows(meeting, default_invitees(org, meeting.kind)))
    audit.record(audit.Action.CREATE, actor=by, obj=meeting, after=_snapshot(meeting))
    compliance.evaluate_soon([org.pk])
    return meeting


@transaction.atomic
def meeting_update(
    *, meeting: Meeting, data: dict[str, Any], topics: Sequence[TopicInput] | None, by: Any
) -> Meeting:
    before = _snapshot(Meeting.objects.for_list().get(pk=meeting.pk))
    starts_at = meeting.starts_at
    for key in ("title", "starts_at", "ends_at", "place", "host", "recorder"):
        if key in data:
            setattr(meeting, key, data[key] if key != "place" else (data[key] or ""))
    if meeting.starts_at != starts_at:
        meeting.reminded_at = None  # moved: remind again before the new time
    meeting.save(
        update_fields=[
            "title",
            "starts_at",
            "ends_at",
            "place",
            "host",
            "recorder",
            "reminded_at",
            "updated_at",
        ]
    )
    if topics is not None:
        _replace_topics(meeting, topics)
    old, new = audit.changes(before, _snapshot(meeting))
    audit.record(audit.Action.UPDATE, actor=by, obj=meeting, before=old, after=new)
    compliance.evaluate_soon([meeting.org_id])
    return meeting


@transaction.atomic
def meeting_cancel(*, meeting: Meeting, reason: str, by: Any) -> Meeting:
    if meeting.status != Meeting.Status.PLANNED:
        raise MeetingRefused([_("Only a planned meeting can be cancelled.")])
    meeting.status = Meeting.Status.CANCELLED
    meeting.save(update_fields=["status", "updated_at"])
    audit.record(
        audit.Action.UPDATE,
        actor=by,
        obj=meeting,
        before={"status": Meeting.Status.PLANNED},
        after={"status": meeting.status},
        message=reason,
    )
    compliance.evaluate_soon([meeting.org_id])
    return meeting


@transaction.atomic
def invitee_add(*, meeting: Meeting, people: Iterable[Person], by: Any) -> int:
    """Invite more people (列席, a 座谈会's guests); someone already invited stays as they are."""
    present = set(meeting.attendance.values_list("person_id", flat=True))
    rows = _attendance_rows(meeting, [person for person in people if person.pk not in present])
    Attendance.objects.bulk_create(rows)
    if rows:
        audit.record(
            audit.Action.UPDATE,
            actor=by,
            obj=meeting,
            after={"invited": [str(row.person) for row in rows]},
        )
    return len(rows)


# --- reminders -------------------------------------------------------------------------------


def remind_upcoming(*, now: Any = None) -> int:
    """Tell every invitee with an account about each planned meeting starting within
    RONGHE_MEETING_REMINDER_HOURS that has not been announced yet; returns how many meetings.
    A fixed number of queries per meeting due, whatever the number of invitees."""
    now = now or timezone.now()
    due = list(
        Meeting.objects.filter(
            status=Meeting.Status.PLANNED,
            reminded_at__isnull=True,
            starts_at__gt=now,
            starts_at__lte=now + timedelta(hours=settings.RONGHE_MEETING_REMINDER_HOURS),
        ).select_related("org")
    )
    for meeting in due:
        users = User.objects.filter(
            is_active=True,
            person__isnull=False,
            person_id__in=meeting.attendance.exclude(status=Attendance.Status.LEAVE).values(
                "person_id"
            ),
        )
        starts = timezone.localtime(meeting.starts_at)
        notify(
            users=users,
            key=f"meeting-reminder:{meeting.code}:{meeting.starts_at.isoformat()}",
            title=_("%(kind)s on %(when)s: %(title)s")
            % {
                "kind": meeting.get_kind_display(),
                "when": starts.strftime("%Y-%m-%d %H:%M"),
                "title": meeting.title,
            },
            body=" · ".join(part for part in (meeting.org.name, meeting.place) if part),
            url=reverse("orglife:detail", args=[meeting.code]),
        )
        Meeting.objects.filter(pk=meeting.pk).update(reminded_at=now)
    return len(due)


# --- signing in ------------------------------------------------------------------------------


def sign_in_token(meeting: Meeting) -> str:
    """What the QR code in the room carries: the meeting, signed, valid SIGN_IN_MAX_AGE."""
    return signing.TimestampSigner(salt=SIGN_IN_SALT).sign(str(meeting.code))


def meeting_code_from_token(token: str) -> str | None:
    try:
        return signing.TimestampSigner(salt=SIGN_IN_SALT).unsign(token, max_age=SIGN_IN_MAX_AGE)
    except signing.BadSignature:  # includes SignatureExpired
        return None


def _came_status(meeting: Meeting, at: Any) -> str:
    return (
        Attendance.Status.LATE if at > meeting.starts_at + LATE_AFTER else Attendance.Status.PRESENT
    )


@transaction.atomic
def attendance_record(
    *, meeting: Meeting, person: Person, status: str, reason: str, by: Any
) -> Attendance:
    """The recorder marks one invitee present, late, on leave or absent. Leave and absence
    need a reason; a cancelled meeting takes no sign-ins."""
    if meeting.status == Meeting.Status.CANCELLED:
        raise MeetingRefused([_("The meeting was cancelled.")])
    row = Attendance.objects.select_for_update().filter(meeting=meeting, person=person).first()
    if row is None:
        raise MeetingRefused(
            [_("%(name)s is not invited to this meeting.") % {"name": person.name}]
        )
    if status in (Attendance.Status.LEAVE, Attendance.Status.ABSENT) and not reason.strip():
        raise MeetingRefused([_("Give the reason for leave or absence.")])
    before = {"status": row.status, "reason": row.reason}
    row.status, row.reason = status, reason.strip()
    row.method = Attendance.Method.RECORDER
    row.signed_at = timezone.now() if row.came else None
    row.save(update_fields=["status", "reason", "method", "signed_at"])
    audit.record(
        audit.Action.UPDATE,
        actor=by,
        obj=meeting,
        object_repr=f"{meeting} · {person.name}"[:200],
        before=before,
        after={"status": row.status, "reason": row.reason},
        message="attendance",
    )
    return row


@transaction.atomic
def attendance_self_sign_in(*, meeting: Meeting, person: Person | None, by: Any) -> Attendance:
    """A member scanned the code in the room. Only invitees sign in; signing in twice keeps
    the first time."""
    if meeting.status == Meeting.Status.CANCELLED:
        raise MeetingRefused([_("The meeting was cancelled.")])
    now = timezone.now()
    day = timezone.localtime(meeting.starts_at).date()
    if now < meeting.starts_at - SIGN_IN_OPENS or timezone.localdate(now) != day:
        raise MeetingRefused([_("Signing in opens two hours before the meeting, on its day.")])
    row = (
        Attendance.objects.select_for_update().filter(meeting=meeting, person=person).first()
        if person is not None
        else None
    )
    if row is None:
        raise MeetingRefused([_("You are not invited to this meeting: ask the recorder.")])
    if row.came:
        return row
    row.status = _came_status(meeting, now)
    row.reason, row.signed_at, row.method = "", now, Attendance.Method.QR
    row.save(update_fields=["status", "reason", "signed_at", "method"])
    audit.record(
        audit.Action.UPDATE,
        actor=by,
        obj=meeting,
        object_repr=f"{meeting} · {row.person.name}"[:200],
        after={"status": row.status},
        message="attendance qr",
    )
    return row


# --- recording -----------------------------------------------------------------------------


def headcount(meeting: Meeting, *, voting_only: bool) -> Headcount:
    rows = meeting.attendance.filter(excluded=False)
    if voting_only:
        rows = rows.filter(voting=True)
    statuses = list(rows.values_list("status", flat=True))
    came = sum(
        1 for status in statuses if status in (Attendance.Status.PRESENT, Attendance.Status.LATE)
    )
    return Headcount(should_attend=len(statuses), present=came)


@transaction.atomic
def meeting_record(*, meeting: Meeting, minutes: str, details: dict[str, Any], by: Any) -> Meeting:
    """Record the meeting as held: minutes and the kind's own fields. Invitees nobody signed
    in count as absent. A kind that needs a share of its members present (民主生活会 2/3) is
    refused below it."""
    if meeting.status == Meeting.Status.CANCELLED:
        raise MeetingRefused([_("The meeting was cancelled.")])
    if meeting.starts_at > timezone.now():
        raise MeetingRefused([_("A meeting can be recorded once it has started.")])
    breach = attendance_breach(
        spec_of(meeting.kind).attendance_floor, headcount(meeting, voting_only=False)
    )
    if breach:
        raise MeetingRefused([breach])
    first_time = meeting.status != Meeting.Status.HELD
    before = {"status": meeting.status, "minutes": len(meeting.minutes)}
    meeting.status = Meeting.Status.HELD
    meeting.held_on = timezone.localtime(meeting.starts_at).date()
    meeting.minutes = minutes
    meeting.details = details
    meeting.recorded_at = timezone.now()
    meeting.save(
        update_fields=["status", "held_on", "minutes", "details", "recorded_at", "updated_at"]
    )
    if first_time:
        meeting.attendance.filter(status=Attendance.Status.PENDING).update(
            status=Attendance.Status.ABSENT
        )
    audit.record(
        audit.Action.UPDATE,
        actor=by,
        obj=meeting,
        before=before,
        after={"status": meeting.status, "minutes": len(minutes), "details": details},
        message="record",
    )
    compliance.evaluate_soon([meeting.org_id])
    return meeting


@transaction.atomic
def resolution_add(
    *,
    meeting: Meeting,
    text: str,
    vote_kind: str,
    ballot: Ballot | None,
    declared: str,
    by: Any,
) -> Resolution:
    """Add a resolution. A vote is checked against the quorum and majority rules from the
    meeting's attendance; a result the numbers do not give is refused, naming the rule."""
    spec = spec_of(meeting.kind)
    if vote_kind != Resolution.VoteKind.NONE:
        if vote_kind not in spec.votes:
            raise MeetingRefused([_("This kind of meeting does not take this kind of vote.")])
        if ballot is None:
            raise MeetingRefused([_("Enter the votes.")])
        heads = headcount(meeting, voting_only=True)
        breaches = ballot_breaches(meeting.kind, vote_kind, heads, ballot, declared)
        if breaches:
            raise MeetingRefused(breaches)
        outcome: str = (
            Resolution.Outcome.PASSED
            if passes(vote_kind, heads, ballot)
            else Resolution.Outcome.FAILED
        )
    else:
        outcome = ""
    resolution = Resolution.objects.create(
        meeting=meeting,
        position=meeting.resolutions.count(),
        text=text,
        vote_kind=vote_kind,
        yes=ballot.yes if ballot and vote_kind != Resolution.VoteKind.NONE else None,
        no=ballot.no if ballot and vote_kind != Resolution.VoteKind.NONE else None,
        abstain=ballot.abstain if ballot and vote_kind != Resolution.VoteKind.NONE else None,
        outcome=outcome,
        created_by=by if getattr(by, "is_authenticated", False) else None,
    )
    audit.record(
        audit.Action.CREATE,
        actor=by,
        obj=resolution,
        after={
            "meeting": str(meeting.code),
            "vote": vote_kind,
            "yes": resolution.yes,
            "no": resolution.no,
            "abstain": resolution.abstain,
            "outcome": outcome,
        },
    )
    return resolution


@transaction.atomic
def resolution_link_task(*, resolution: Resolution, task_code: Any, by: Any) -> ResolutionTask:
    """The hook the task list calls when a resolution becomes a task: records the link once."""
    link, created = ResolutionTask.objects.get_or_create(
        resolution=resolution,
        task_code=task_code,
        defaults={"created_by": by if getattr(by, "is_authenticated", False) else None},
    )
    if created:
        audit.record(
            audit.Action.UPDATE,
            actor=by,
            obj=resolution,
            after={"task": str(task_code)},
            message="resolution → task",
        )
    return link
