"""A year of organisational life for the demo organisation, and the findings it produces.

`build_meeting_history(built)` writes the last twelve months of meetings (the evaluator's
window) up to today for every Party organisation of the demo, plus the next few weeks of
planned ones, then evaluates the compliance rules once so that the board has something to say.
It is seed data, written in bulk without audit rows or the services' per-write
re-evaluation, but it follows what the services would have written — invitees are the
kind's default invitees (every Party member of the subtree, voting if a full member; the
leadership for 支委会/党委会, with the committee members added as `invitee_add` would), held
meetings have no one left "not signed in", leave has a reason, and every vote satisfies the
quorum rules it is checked against (`orglife.quorum`).

Each branch follows a profile, so that the board shows all three colours:

- `MODEL`: every meeting on time, early in its period — a row of green;
- `STEADY`: on time but for a make-up meeting or two in the days after a deadline (met late);
- `BEHIND`: stopped holding 主题党日, 支委会 and 党课 in recent months — red (overdue, then
  missed), and nothing planned for them;
- `POOR_ATTENDANCE`: holds everything, but a third of its members are away at project sites.

The personas' branch (the secretary and member logins) is steady and has a 支部党员大会 today
(or tomorrow, late in the evening) and a 党课 next week, for "my meetings" and the calendar.
Everything is drawn from one seeded `random.Random` and placed relative to the moment of the
build: the same moment gives the same history.
"""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from typing import Any

from django.db import connection
from django.db.models import Count
from django.utils import timezone

from ronghe.accounts.models import RoleAssignment
from ronghe.compliance import services as compliance
from ronghe.compliance.evaluator import WINDOW_MONTHS, add_months, periods
from ronghe.compliance.models import Finding, Period
from ronghe.core.access import Role
from ronghe.demo import meeting_texts as texts
from ronghe.demo.builder import SMALL_BRANCH, Built
from ronghe.orglife.kinds import Invite, spec_of
from ronghe.orglife.models import AgendaTopic, Attendance, Meeting, MeetingKind, Resolution
from ronghe.orglife.quorum import Ballot, Headcount, ballot_breaches, passes
from ronghe.orgs.models import PartyOrg
from ronghe.people.models import PARTY_MEMBER_STATUSES, Person, PoliticalStatus

K = MeetingKind
ORG = PartyOrg.Kind
VOTE = Resolution.VoteKind
PLAN_AHEAD = timedelta(days=21)  # planned meetings reach this far ahead
POOR_ATTENDANCE_BRANCH = "GC-XM2"  # a project department: many members away on site
COMMITTEE_MIN_FULL = 7  # R5.5: a branch elects a committee from 7 full members


class Profile(StrEnum):
    MODEL = "model"
    STEADY = "steady"
    BEHIND = "behind"
    POOR_ATTENDANCE = "poor_attendance"


@dataclass(frozen=True)
class Style:
    reliability: float  # how likely a member comes to a meeting
    leave_share: float  # of those who stay away, how many ask for leave first
    late_share: float  # of those who come, how many come late
    business: float  # the share of meetings with a business topic
    days: tuple[int, int]  # the days of the month its meetings are usually held on


STYLES = {
    Profile.MODEL: Style(0.95, 0.85, 0.04, 0.5, (2, 10)),
    Profile.STEADY: Style(0.92, 0.75, 0.06, 0.35, (6, 18)),
    Profile.BEHIND: Style(0.88, 0.6, 0.08, 0.15, (8, 22)),
    # Reliability is per member here: a third are away at project sites most of the time.
    Profile.POOR_ATTENDANCE: Style(0.8, 0.45, 0.15, 0.3, (6, 18)),
}


class Fate(StrEnum):
    ON_TIME = "on_time"
    LATE = "late"  # made up within the grace days after the deadline
    MISSED = "missed"


# What each kind of organisation holds in the demo: (kind, period). The rules count most of
# these (compliance migration 0003); 中心组学习 and 党委会 are there because committees hold them.
SCHEDULES: dict[str, list[tuple[str, str]]] = {
    ORG.BRANCH: [
        (K.COMMITTEE_MEETING, Period.MONTH),
        (K.THEME_DAY, Period.MONTH),
        (K.GENERAL_MEETING, Period.QUARTER),
        (K.PARTY_LECTURE, Period.QUARTER),
        (K.ORG_LIFE_MEETING, Period.YEAR),
    ],
    ORG.GROUP: [(K.GROUP_MEETING, Period.MONTH)],
    ORG.GENERAL_BRANCH: [(K.COMMITTEE_SESSION, Period.QUARTER)],
    ORG.COMMITTEE: [
        (K.CENTRAL_GROUP_STUDY, Period.MONTH),
        (K.COMMITTEE_SESSION, Period.MONTH),
        (K.PARTY_LECTURE, Period.YEAR),  # the secretary's own lecture (R1.4)
        (K.DEMOCRATIC_LIFE_MEETING, Period.YEAR),
    ],
}
YEARLY_MONTH: dict[str, int] = {
    K.ORG_LIFE_MEETING: 12,
    K.DEMOCRATIC_LIFE_MEETING: 12,
    K.PARTY_LECTURE: 6,
}
HOURS: dict[str, tuple[time, int]] = {
    K.COMMITTEE_MEETING: (time(16), 90),
    K.THEME_DAY: (time(9), 150),
    K.GENERAL_MEETING: (time(15), 120),
    K.PARTY_LECTURE: (time(14, 30), 120),
    K.ORG_LIFE_MEETING: (time(14, 30), 180),
    K.GROUP_MEETING: (time(16, 30), 60),
    K.DEMOCRATIC_LIFE_MEETING: (time(9), 180),
    K.CENTRAL_GROUP_STUDY: (time(9), 150),
    K.COMMITTEE_SESSION: (time(10), 90),
}


@dataclass(frozen=True)
class Member:
    id: int
    name: str
    full: bool  # full members vote (R1.10)
    reliability: float
    away_reason: str = ""  # why a member who is often away is away


@dataclass
class Org:
    id: int
    path: str
    kind: str
    code: str
    name: str
    profile: Profile
    members: list[Member]  # the Party members of the subtree
    leadership: list[Member] = field(default_factory=list)  # secretary first
    units: list[tuple[int, str]] = field(default_factory=list)  # mapped business units

    @property
    def style(self) -> Style:
        return STYLES[self.profile]

    @property
    def full_members(self) -> int:
        return sum(member.full for member in self.members)


@dataclass(slots=True)
class Seat:
    """One invitee's attendance row, before it is written (see `_insert_attendance`)."""

    person_id: int
    voting: bool
    status: str = Attendance.Status.PENDING
    reason: str = ""
    signed_at: datetime | None = None
    method: str = ""

    @property
    def came(self) -> bool:
        return self.status in (Attendance.Status.PRESENT, Attendance.Status.LATE)


@dataclass
class Draft:
    """A meeting with the rows that hang off it, written after the meetings have their ids."""

    meeting: Meeting
    attendance: list[Seat]
    topics: list[AgendaTopic]
    resolutions: list[Resolution]


@dataclass
class History:
    """What was written: counts, each branch's profile, and the current findings by status."""

    held: int = 0
    planned: int = 0
    attendance: int = 0
    topics: int = 0
    business_topics: int = 0
    resolutions: int = 0
    profiles: dict[str, Profile] = field(default_factory=dict)  # by org_code
    findings: dict[str, int] = field(default_factory=dict)


def build_meeting_history(
    built: Built, *, seed: int = 2026, now: datetime | None = None
) -> History:
    """Write a year of meetings for the organisation `built` (after its personas, whose roles
    make them leadership invitees), then evaluate every organisation once."""
    now = now or timezone.now()
    writer = _HistoryWriter(built, random.Random(seed), now)
    drafts = writer.drafts()
    history = _save(drafts)
    history.profiles = {org.code: org.profile for org in writer.orgs if org.kind == ORG.BRANCH}
    compliance.evaluate_and_notify(today=writer.today)
    history.findings = {
        row["status"]: row["n"]
        for row in Finding.objects.current().values("status").annotate(n=Count("id")).order_by()
    }
    return history


def _save(drafts: list[Draft]) -> History:
    Meeting.objects.bulk_create([draft.meeting for draft in drafts], batch_size=1000)
    # The children point at the meetings, which have their ids only now: bulk_create takes
    # them from there.
    topics = [topic for draft in drafts for topic in draft.topics]
    resolutions = [resolution for draft in drafts for resolution in draft.resolutions]
    attendance = _insert_attendance(drafts)
    AgendaTopic.objects.bulk_create(topics, batch_size=2000)
    Resolution.objects.bulk_create(resolutions, batch_size=1000)
    held = sum(draft.meeting.status == Meeting.Status.HELD for draft in drafts)
    return History(
        held=held,
        planned=len(drafts) - held,
        attendance=attendance,
        topics=len(topics),
        business_topics=sum(topic.is_business for topic in topics),
        resolutions=len(resolutions),
    )


def _insert_attendance(drafts: list[Draft]) -> int:
    """Attendance rows as plain tuples through `executemany`. The demo's ~33,000 rows cost
    about 2 s of CPU as model instances through `bulk_create` (building the instances and
    preparing every field), under 0.4 s this way: it keeps `make demo` quick to start.
    Returns how many rows were written."""
    fields = [field for field in Attendance._meta.concrete_fields if not field.primary_key]
    quote = connection.ops.quote_name
    columns = ", ".join(quote(field.column) for field in fields)
    table = quote(Attendance._meta.db_table)
    # Identifiers come from the model's meta; every value is a parameter.
    statement = f"INSERT INTO {table} ({columns}) VALUES ({', '.join(['%s'] * len(fields))})"  # noqa: S608
    # A column this module does not set (`excluded`, or one added later) takes its default.
    defaults = {
        field.attname: field.get_db_prep_save(field.get_default(), connection) for field in fields
    }
    adapt = connection.ops.adapt_datetimefield_value
    rows = []
    for draft in drafts:
        for seat in draft.attendance:
            values = defaults | {
                "meeting_id": draft.meeting.pk,
                "person_id": seat.person_id,
                "status": seat.status,
                "reason": seat.reason,
                "voting": seat.voting,
                "signed_at": adapt(seat.signed_at) if seat.signed_at else None,
                "method": seat.method,
            }
            rows.append(tuple(values[field.attname] for field in fields))
    with connection.cursor() as cursor:
        for start in range(0, len(rows), 5000):
            cursor.executemany(statement, rows[start : start + 5000])
    return len(rows)


class _HistoryWriter:
    def __init__(self, built: Built, rng: random.Random, now: datetime) -> None:
        self.rng = rng
        self.now = now
        self.tz = timezone.get_current_timezone()
        self.today = timezone.localdate(now)
        self.window_start = add_months(
            date(self.today.year, self.today.month, 1), -(WINDOW_MONTHS - 1)
        )
        # The branches of the secretary and member logins.
        self.persona_branches = set(
            RoleAssignment.objects.filter(
                role__in=(Role.SECRETARY, Role.MEMBER), party_org__kind=ORG.BRANCH
            ).values_list("party_org__path", flat=True)
        )
        self.orgs = self._load(built.party_root)

    # --- the organisation as the meetings see it ---------------------------------------

    def _load(self, root: PartyOrg) -> list[Org]:
        rows = list(
            PartyOrg.objects.filter(path__startswith=root.path)
            .open()
            .order_by("path")
            .values_list(
                "id",
                "path",
                "kind",
                "org_code",
                "name",
                "secretary_id",
                "term_started_on",
                "term_years",
            )
        )
        people = list(
            Person.objects.filter(
                political_status__in=PARTY_MEMBER_STATUSES, party_org__path__startswith=root.path
            )
            .order_by("party_org__path", "id")
            .values_list("id", "name", "political_status", "party_org__path")
        )
        profiles = self._profiles(rows)
        branch_paths = [path for _, path, kind, *_ in rows if kind == ORG.BRANCH]
        members: list[tuple[str, Member]] = []
        for person_id, name, status, path in people:
            profile = profiles.get(next((b for b in branch_paths if path.startswith(b)), ""))
            members.append((path, self._member(person_id, name, status, profile)))
        by_id = {member.id: member for _, member in members}
        roles: dict[int, list[int]] = {}
        for org_id, person_id in RoleAssignment.objects.filter(
            party_org__path__startswith=root.path,
            role__in=(Role.SECRETARY, Role.COMMITTEE, Role.LEADER),
            user__person__isnull=False,
        ).values_list("party_org_id", "user__person_id"):
            if org_id is not None and person_id is not None:
                roles.setdefault(org_id, []).append(person_id)
        units: dict[int, list[tuple[int, str]]] = {}
        through = PartyOrg.units.through
        for org_id, unit_id, unit_name in (
            through.objects.filter(partyorg__path__startswith=root.path)
            .order_by("partyorg_id", "unit_id")
            .values_list("partyorg_id", "unit_id", "unit__name")
        ):
            units.setdefault(org_id, []).append((unit_id, unit_name))

        orgs: list[Org] = []
        secretaries: dict[str, int] = {}
        for org_id, path, kind, code, name, secretary_id, _, _ in rows:
            org = Org(
                id=org_id,
                path=path,
                kind=kind,
                code=code,
                name=name,
                profile=profiles.get(path, Profile.MODEL),
                members=[member for where, member in members if where.startswith(path)],
                units=units.get(org_id, []),
            )
            if secretary_id in by_id:
                secretaries[path] = secretary_id
            orgs.append(org)
        for org in orgs:
            org.units = org.units or self._nearest_units(org, orgs, units)
            org.leadership = self._leadership(org, orgs, secretaries, roles, by_id)
        return orgs

    def _profiles(self, rows: list[tuple[Any, ...]]) -> dict[str, Profile]:
        """Each branch's profile; a group follows its branch. Model branches are picked among
        those whose term is not ending, so that their whole row is green."""
        branches = [row for row in rows if row[2] == ORG.BRANCH]
        fixed: dict[str, Profile] = {}
        for _, path, _, code, *_ in branches:
            if path in self.persona_branches:
                fixed[path] = Profile.STEADY
            elif code == POOR_ATTENDANCE_BRANCH:
                fixed[path] = Profile.POOR_ATTENDANCE
            elif code == SMALL_BRANCH:
                fixed[path] = Profile.BEHIND
        rest = [row for row in branches if row[1] not in fixed]
        self.rng.shuffle(rest)

        def term_runs_on(row: tuple[Any, ...]) -> bool:
            started, years = row[6], row[7]
            if not started or not years:
                return True
            return self.today < add_months(add_months(started, 12 * years), -6)

        running = [row for row in rest if term_runs_on(row)]
        model = {row[1] for row in running[: max(3, (len(running) + 1) // 2)]}
        others = [row for row in rest if row[1] not in model]
        behind = {row[1] for row in others[: len(others) // 3]}
        profiles = dict(fixed)
        for row in rest:
            path = row[1]
            profiles[path] = (
                Profile.MODEL
                if path in model
                else Profile.BEHIND
                if path in behind
                else Profile.STEADY
            )
        for _, path, kind, *_ in rows:
            if kind == ORG.GROUP:
                profiles[path] = next(
                    (p for b, p in profiles.items() if path.startswith(b) and b != path),
                    Profile.MODEL,
                )
        return profiles

    def _member(self, person_id: int, name: str, status: str, profile: Profile | None) -> Member:
        full = status == PoliticalStatus.FULL_MEMBER
        style = STYLES[profile or Profile.MODEL]
        if profile == Profile.POOR_ATTENDANCE and self.rng.random() < 0.35:
            return Member(person_id, name, full, 0.2, texts.SITE_LEAVE)
        spread = self.rng.uniform(-0.05, 0.04)
        return Member(person_id, name, full, min(0.99, style.reliability + spread))

    def _nearest_units(
        self, org: Org, orgs: list[Org], units: dict[int, list[tuple[int, str]]]
    ) -> list[tuple[int, str]]:
        """A group or general branch serves the units of its nearest mapped ancestor."""
        for other in sorted(orgs, key=lambda o: -len(o.path)):
            if org.path.startswith(other.path) and units.get(other.id):
                return units[other.id]
        return []

    def _leadership(
        self,
        org: Org,
        orgs: list[Org],
        secretaries: dict[str, int],
        roles: dict[int, list[int]],
        by_id: dict[int, Member],
    ) -> list[Member]:
        """Whom 支委会/党委会 invite: the leadership the services compute (secretary and role
        holders), plus the committee members a secretary would add (R5.5: 3–5 in a branch
        with 7 or more full members; a committee's members are its branches' secretaries)."""
        chosen: list[int] = []
        if org.path in secretaries:
            chosen.append(secretaries[org.path])
        chosen += [pid for pid in roles.get(org.id, []) if pid in by_id and pid not in chosen]
        full = [member.id for member in org.members if member.full and member.id not in chosen]
        if not chosen and full:
            chosen.append(full.pop(0))
        if org.kind == ORG.BRANCH and org.full_members >= COMMITTEE_MIN_FULL:
            wanted = self.rng.randint(3, 5)
            chosen += self.rng.sample(full, max(0, min(len(full), wanted - len(chosen))))
        elif org.kind in (ORG.COMMITTEE, ORG.GENERAL_BRANCH):
            depth = len(org.path) + PartyOrg.steplen
            below = [
                secretaries[o.path]
                for o in orgs
                if len(o.path) == depth and o.path.startswith(org.path) and o.path in secretaries
            ]
            chosen += [pid for pid in below if pid not in chosen][:6]
        elif org.kind == ORG.GROUP:
            # The 党小组长 leads, another member keeps the record.
            chosen = [member.id for member in org.members if member.full][:2]
        return [by_id[pid] for pid in chosen if pid in by_id]

    # --- when meetings happen -----------------------------------------------------------

    def drafts(self) -> list[Draft]:
        drafts: list[Draft] = []
        for org in self.orgs:
            if not org.members:
                continue
            for kind, period in SCHEDULES.get(org.kind, []):
                if kind == K.COMMITTEE_MEETING and org.full_members < COMMITTEE_MIN_FULL:
                    continue  # a small branch has a secretary, not a committee (R5.5)
                drafts += self._series(org, kind, period)
        drafts += self._persona_meetings()
        return drafts

    def _series(self, org: Org, kind: str, period: str) -> list[Draft]:
        slots = self._slots(org, kind, period)
        # The period holding today: the ones before it are history, the ones after it can
        # only hold planned meetings.
        current = sum(start <= self.today for start, _, _ in slots) - 1
        fates = self._fates(org, kind, period, len(slots), current)
        drafts = []
        for index, ((start, end, day), fate) in enumerate(zip(slots, fates, strict=True)):
            if fate == Fate.MISSED:
                continue
            title = texts.title(kind, org.kind, start, self.rng)
            if fate == Fate.LATE:
                make_up = self._make_up(
                    end, slots[index + 1][2] if index + 1 < len(slots) else None
                )
                if make_up is not None and fates[index + 1] == Fate.ON_TIME:
                    day, title = make_up, f"{title}（补开）"
            draft = self._meeting(org, kind, day, period_start=start, title=title)
            if draft is not None:
                drafts.append(draft)
        return drafts

    def _slots(self, org: Org, kind: str, period: str) -> list[tuple[date, date, date]]:
        """(period start, period end, the day it is held) for every period of the window and
        the ones starting within PLAN_AHEAD."""
        low, high = org.style.days
        usual_day = self.rng.randint(low, high)
        usual_month = self.rng.randint(0, 1 if org.profile == Profile.MODEL else 2)
        slots = []
        for start, end in periods(period, self.window_start, self.today + PLAN_AHEAD):
            if period == Period.YEAR:
                wanted = date(start.year, YEARLY_MONTH[kind], usual_day)
            elif period == Period.QUARTER:
                wanted = add_months(start, usual_month).replace(day=usual_day)
            else:
                wanted = start.replace(day=usual_day)
            earliest = max(start, self.window_start)
            if wanted < earliest:
                wanted = earliest + timedelta(days=self.rng.randint(1, 6))
            day = _workday(wanted, earliest, end)
            if day is not None:
                slots.append((start, end, day))
        return slots

    def _fates(self, org: Org, kind: str, period: str, count: int, current: int) -> list[Fate]:
        fates = [Fate.ON_TIME] * count
        rng = self.rng
        if org.profile == Profile.STEADY and period == Period.MONTH and current > 4:
            # Late in a period whose next one is over too: that one's own meeting is held,
            # so the make-up before it is left for the late period to claim.
            if kind == K.THEME_DAY or rng.random() < 0.5:
                fates[rng.randrange(1, current - 1)] = Fate.LATE
        elif org.profile == Profile.BEHIND:
            recent = 0
            if kind in (K.THEME_DAY, K.COMMITTEE_MEETING):
                recent = rng.randint(2, 3)
            elif kind == K.PARTY_LECTURE:
                recent = 2  # the last quarter's and this quarter's
            elif kind == K.GROUP_MEETING and org.path.endswith("0001"):  # the first group
                recent = 2
            for index in range(max(0, current - recent + 1), count):
                fates[index] = Fate.MISSED  # and nothing planned either
            if kind == K.THEME_DAY and current > 6:
                fates[rng.randrange(1, current - 4)] = Fate.MISSED  # a lapse long ago
        elif kind in (K.CENTRAL_GROUP_STUDY, K.COMMITTEE_SESSION) and period == Period.MONTH:
            # No rule counts these: a committee skips one now and then.
            fates = [Fate.MISSED if rng.random() < 0.15 else fate for fate in fates]
        return fates

    def _make_up(self, deadline: date, next_day: date | None) -> date | None:
        """A make-up meeting just after the deadline, before the next period's own meeting
        (which the next period claims first), and already held."""
        day = _workday(
            deadline + timedelta(days=self.rng.randint(1, 3)),
            deadline + timedelta(days=1),
            deadline + timedelta(days=10),
        )
        if day is None or next_day is None or day >= next_day or day >= self.today:
            return None
        return day

    # --- one meeting -------------------------------------------------------------------

    def _meeting(
        self,
        org: Org,
        kind: str,
        day: date,
        *,
        period_start: date,
        title: str,
        at: datetime | None = None,
    ) -> Draft | None:
        begins, minutes_long = HOURS[kind]
        starts_at = at or datetime.combine(day, begins, self.tz)
        ends_at = starts_at + timedelta(minutes=minutes_long)
        if ends_at <= self.now:
            status = Meeting.Status.HELD
        elif starts_at - self.now <= PLAN_AHEAD:
            status = Meeting.Status.PLANNED
        else:
            return None
        rng = self.rng
        invitees = self._invitees(org, kind)
        if not invitees:
            return None
        host = org.leadership[0] if org.leadership else invitees[0]
        recorder = org.leadership[1] if len(org.leadership) > 1 else host
        unit_id, unit_name = rng.choice(org.units) if org.units else (None, org.name)
        topics = self._topics(org, kind, title, unit_id, unit_name)
        meeting = Meeting(
            org_id=org.id,
            kind=kind,
            title=title,
            starts_at=starts_at,
            ends_at=ends_at,
            place=texts.place(kind, unit_name, rng),
            host_id=host.id,
            recorder_id=recorder.id,
            status=status,
        )
        for topic in topics:
            topic.meeting = meeting
        draft = Draft(meeting, [], topics, [])
        if status == Meeting.Status.PLANNED:
            draft.attendance = [
                Seat(person_id=member.id, voting=member.full) for member in invitees
            ]
            return draft
        draft.attendance = self._attendance(org, meeting, invitees)
        meeting.held_on = day
        meeting.recorded_at = min(ends_at + timedelta(hours=rng.randint(1, 30)), self.now)
        meeting.details = self._details(org, kind, day, period_start, topics)
        draft.resolutions = self._resolutions(org, meeting, draft.attendance)
        meeting.minutes = texts.minutes(
            kind,
            host=host.name,
            recorder=recorder.name,
            statuses=Counter(seat.status for seat in draft.attendance),
            topics=[(topic.title, topic.is_business) for topic in topics],
            resolutions=draft.resolutions,
            record=meeting.details,
            rng=rng,
        )
        return draft

    def _invitees(self, org: Org, kind: str) -> list[Member]:
        invite = spec_of(kind).invite
        if invite == Invite.MEMBERS:
            return org.members
        if invite == Invite.LEADERSHIP:
            return org.leadership
        return []

    def _attendance(self, org: Org, meeting: Meeting, invitees: list[Member]) -> list[Seat]:
        rng, style = self.rng, org.style
        kind, starts_at = meeting.kind, meeting.starts_at
        leaders = spec_of(kind).invite == Invite.LEADERSHIP
        rows = []
        for member in invitees:
            comes = max(member.reliability, 0.9) if leaders else member.reliability
            row = Seat(person_id=member.id, voting=member.full)
            if rng.random() < comes:
                late = rng.random() < style.late_share
                row.status = Attendance.Status.LATE if late else Attendance.Status.PRESENT
                offset = rng.randint(12, 35) if late else -rng.randint(0, 15)
                row.signed_at = starts_at + timedelta(minutes=offset)
                row.method = (
                    Attendance.Method.QR if rng.random() < 0.6 else Attendance.Method.RECORDER
                )
            elif member.away_reason or rng.random() < style.leave_share:
                row.status = Attendance.Status.LEAVE
                row.reason = member.away_reason or rng.choice(texts.LEAVE_REASONS)
                row.method = Attendance.Method.RECORDER
            else:
                row.status = Attendance.Status.ABSENT
                row.reason = rng.choice(texts.ABSENT_REASONS)
            rows.append(row)
        floor = spec_of(kind).attendance_floor
        if floor:  # 民主生活会 is only held with 2/3 of its members (R2.6)
            numerator, denominator = floor[0], floor[1]
            for row in rows:
                came = sum(r.came for r in rows)
                if came * denominator >= len(rows) * numerator:
                    break
                if not row.came:
                    row.status, row.reason = Attendance.Status.PRESENT, ""
                    row.signed_at, row.method = starts_at, Attendance.Method.RECORDER
        return rows

    def _topics(
        self, org: Org, kind: str, title: str, unit_id: int | None, unit_name: str
    ) -> list[AgendaTopic]:
        rng = self.rng
        topics = [AgendaTopic(title=text) for text in texts.agenda(kind, title, rng)]
        business: list[tuple[str, str]] = []
        if kind == K.COMMITTEE_SESSION:
            business = rng.sample(texts.COMMITTEE_SESSION_TOPICS, rng.randint(1, 2))
        elif kind in (K.COMMITTEE_MEETING, K.GENERAL_MEETING, K.THEME_DAY, K.GROUP_MEETING):
            share = org.style.business / (2 if kind == K.GROUP_MEETING else 1)
            if rng.random() < share:
                business = [rng.choice(texts.BUSINESS_TOPICS)]
        for template, note in business:
            named = rng.random() < 0.8 and unit_id is not None
            topics.append(
                AgendaTopic(
                    title=template.format(unit=unit_name, company=unit_name),
                    is_business=True,
                    unit_id=unit_id if named else None,
                    business_note=note if named else note or "年度重点工作",
                )
            )
        for position, topic in enumerate(topics):
            topic.position = position
        return topics

    def _details(
        self, org: Org, kind: str, day: date, period_start: date, topics: list[AgendaTopic]
    ) -> dict[str, Any]:
        host = org.leadership[0].name if org.leadership else ""
        lecturer = host
        if kind == K.PARTY_LECTURE and org.kind != ORG.COMMITTEE and self.rng.random() < 0.5:
            lecturer = self.rng.choice(org.leadership).name  # a committee member, or the secretary
        return texts.details(
            kind,
            period_start=period_start,
            day=day,
            today=self.today,
            lecturer=lecturer,
            by_secretary=lecturer == host,
            speakers="、".join(member.name for member in org.leadership[:3]),
            first_topic=topics[0].title,
            rng=self.rng,
        )

    def _resolutions(self, org: Org, meeting: Meeting, attendance: list[Seat]) -> list[Resolution]:
        rng, kind = self.rng, meeting.kind
        voting = [row for row in attendance if row.voting]
        heads = Headcount(should_attend=len(voting), present=sum(row.came for row in voting))
        texts_and_votes: list[tuple[str, str]] = []
        if kind == K.GENERAL_MEETING:
            chosen = rng.sample(texts.GENERAL_RESOLUTIONS, rng.randint(1, 2))
            texts_and_votes = [(text, VOTE.ORDINARY) for text in chosen]
        elif kind == K.COMMITTEE_MEETING and rng.random() < 0.4:
            texts_and_votes = [(rng.choice(texts.COMMITTEE_RESOLUTIONS), VOTE.ORDINARY)]
        elif kind == K.COMMITTEE_SESSION:
            texts_and_votes = [(rng.choice(texts.COMMITTEE_SESSION_RESOLUTIONS), VOTE.ORDINARY)]
        elif kind == K.THEME_DAY and rng.random() < 0.2:
            texts_and_votes = [(rng.choice(texts.THEME_DAY_RESOLUTIONS), VOTE.NONE)]
        elif kind == K.ORG_LIFE_MEETING:
            texts_and_votes = [("通过整改清单，明确责任人和完成时限。", VOTE.NONE)]
        rows = []
        for position, (text, vote) in enumerate(texts_and_votes):
            resolution = Resolution(meeting=meeting, position=position, text=text, vote_kind=vote)
            if vote == VOTE.ORDINARY:
                abstain = min(heads.present, rng.choice((0, 0, 0, 1, 2)))
                against = min(heads.present - abstain, rng.choice((0, 0, 0, 0, 1)))
                ballot = Ballot(yes=heads.present - abstain - against, no=against, abstain=abstain)
                if not passes(vote, heads, ballot) and org.profile != Profile.POOR_ATTENDANCE:
                    # Motions are prepared to pass; only where a third stay away do a couple
                    # of abstentions sink one (yes must exceed half of 应到, R1.8).
                    ballot = Ballot(yes=heads.present, no=0, abstain=0)
                if ballot_breaches(kind, vote, heads, ballot, declared=""):
                    # Too few voting members came: the matter waits for the next meeting.
                    resolution.text, resolution.vote_kind = texts.NO_QUORUM, VOTE.NONE
                else:
                    resolution.yes, resolution.no, resolution.abstain = (
                        ballot.yes,
                        ballot.no,
                        ballot.abstain,
                    )
                    resolution.outcome = (
                        Resolution.Outcome.PASSED
                        if passes(vote, heads, ballot)
                        else Resolution.Outcome.FAILED
                    )
            rows.append(resolution)
        return rows

    # --- what the personas have coming ---------------------------------------------------

    def _persona_meetings(self) -> list[Draft]:
        """A 支部党员大会 today (or tomorrow) and a 党课 next week for the personas' branch."""
        drafts = []
        local = timezone.localtime(self.now, self.tz)
        soon = (local + timedelta(hours=2)).replace(minute=0, second=0, microsecond=0)
        if soon.date() != local.date() or soon.hour > 20:
            soon = datetime.combine(local.date() + timedelta(days=1), time(15), self.tz)
        elif soon.hour < 9:
            soon = soon.replace(hour=9)
        next_week = _workday(
            local.date() + timedelta(days=7), local.date(), local.date() + timedelta(days=14)
        )
        for org in self.orgs:
            if org.path not in self.persona_branches:
                continue
            for kind, title, at in (
                (K.GENERAL_MEETING, "支部党员大会：推荐年度优秀共产党员", soon),
                (
                    K.PARTY_LECTURE,
                    f"专题党课：{texts.LECTURES[0]}",
                    datetime.combine(next_week or local.date(), time(14, 30), self.tz),
                ),
            ):
                draft = self._meeting(
                    org, kind, at.date(), period_start=at.date(), title=title, at=at
                )
                if draft is not None:
                    drafts.append(draft)
        return drafts


def _workday(day: date, earliest: date, latest: date) -> date | None:
    """The first Monday–Friday from `day`, else the last one before it, within the bounds."""
    for step in (1, -1):
        candidate = day
        while earliest <= candidate <= latest:
            if candidate.weekday() < 5:
                return candidate
            candidate += timedelta(days=step)
    return None
