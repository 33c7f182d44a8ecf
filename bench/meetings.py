"""Bench data for the compliance suite: a year of organisational life for the bench organisation.

A separate step after bench/data.py (which it leaves untouched): about 200,000 meetings of the
5,946 Party organisations under the bench root over the compliance window (the 12 months up to
the reference day, and for quarterly and yearly rules the start of the period holding the
window's first day), and about 3.8 million `Attendance` rows, all pointing at bench people
(200,656 and 3,814,881 when generated on 2026-11-25; the counts move a little with the day).
Meetings and attendance go in by `COPY` in one transaction, so an interrupted run leaves
nothing; a later run finds the meetings (`is_generated`) and skips.

The mix per organisation kind (per period, before gaps; the rules that count them are the
seeded rule set, compliance migration 0003):

- 党小组 (group): 党小组会 1–4 a month (mean 2.37), the group's members.
- 党支部 (branch): 支委会 1–2 a month (only with ≥ 7 full members: R5.5), the secretary and 4–6
  committee members; 党员大会 1–2 a quarter, members and 发展对象 (candidates) attending;
  党课 1–2 a quarter and 主题党日 1–2 a month, members with activists and candidates;
  组织生活会 once a year (with the 民主评议党员 in 85%), a second, topical one in 30%;
  座谈会 in 30% of months, 8–15 people.
- 党委 (committee): 党委会 1–2 a month and 中心组学习 monthly, the committee (its secretary and
  secretaries of organisations under it); the secretary's 党课 once a year, to the secretaries
  of its subtree; 民主生活会 once a year; 座谈会 in 30% of quarters.

Every organisation has a diligence drawn once: most skip a period's meeting in 1% of periods,
some in 8%, 25% or 60%. Half the skipped periods get a make-up meeting 1–20 days after the
deadline (met late while in the grace days). Meetings dated after the reference day are
planned; 15% of those in its last week are not yet recorded; 1.5% of all are cancelled.
Attendance of a held meeting: present 85%, late 4%, on leave 7%, absent 4%; planned and
cancelled meetings keep their invitees pending. `voting` is set for full members, as at
planning (orglife.services).

The reference day is the day of generation. The root committee holds a 党委会 on it, so it
is the latest `held_on` of the bench meetings and `reference_day()` finds it again later.

Django must be set up before these functions are called (`bench/run.py` does it).
"""

from __future__ import annotations

import json
import random
import time
import uuid
from bisect import insort
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from datetime import time as clock
from typing import Any
from zoneinfo import ZoneInfo

SEED = 4004  # the bench data uses 2026, the exchange file 3003
EXPECTED_MEETINGS = (150_000, 260_000)
SKIP_CODES = ("BENCH-XCHG",)  # the exchange suite's throwaway committee: no meetings
SHANGHAI = ZoneInfo("Asia/Shanghai")
CHUNK = 200_000  # attendance rows per COPY statement

Log = Callable[[str], None]

LABELS = {
    "general_meeting": "支部党员大会",
    "committee_meeting": "支部委员会会议",
    "group_meeting": "党小组会",
    "party_lecture": "党课",
    "theme_day": "主题党日",
    "org_life_meeting": "组织生活会",
    "democratic_life_meeting": "民主生活会",
    "central_group_study": "党委理论学习中心组学习",
    "committee_session": "党委会",
    "forum": "座谈会",
}
DILIGENCE = ((0.60, 0.01), (0.25, 0.08), (0.12, 0.25), (0.03, 0.60))  # (share, gap chance)
ATTENDANCE = (("present", 0.85), ("late", 0.04), ("leave", 0.07), ("absent", 0.04))
REASONS = {"leave": ("出差", "病假", "外出培训", "事假", "值班"), "absent": ("未请假", "", "")}
PLACES = ("党员活动室", "第一会议室", "第二会议室", "线上（视频会议）", "党建阵地", "会议中心")


@dataclass
class Plan:
    """One meeting kind an organisation holds: how often, and whom it invites."""

    kind: str
    period: str  # month | quarter | year
    counts: tuple[tuple[int, float], ...]  # (meetings in a period, chance)
    invite: str  # members | observers | candidates | leadership | secretaries | some
    details: Callable[[random.Random], dict[str, Any]] = lambda rng: {}
    months: tuple[int, ...] | None = None  # yearly kinds: the months they are held in


@dataclass
class Org:
    id: int
    path: str
    kind: str
    secretary_id: int | None
    members: list[tuple[int, bool]] = field(default_factory=list)  # (person id, full member)
    observers: list[tuple[int, bool]] = field(default_factory=list)  # activists, candidates
    candidates: list[tuple[int, bool]] = field(default_factory=list)
    leadership: list[tuple[int, bool]] = field(default_factory=list)
    secretaries: list[tuple[int, bool]] = field(default_factory=list)
    gap: float = 0.0


def _one_of(pairs: tuple[tuple[Any, float], ...], roll: float) -> Any:
    for value, share in pairs:
        if roll < share:
            return value
        roll -= share
    return pairs[-1][0]


def plans(kind: str, full_members: int) -> list[Plan]:
    from ronghe.orgs.models import PartyOrg

    K = PartyOrg.Kind
    if kind == K.GROUP:
        return [
            Plan("group_meeting", "month", ((1, 0.15), (2, 0.45), (3, 0.28), (4, 0.12)), "members")
        ]
    if kind == K.BRANCH:
        branch = [
            Plan("general_meeting", "quarter", ((1, 0.5), (2, 0.5)), "candidates"),
            Plan("party_lecture", "quarter", ((1, 0.5), (2, 0.5)), "observers"),
            Plan("theme_day", "month", ((1, 0.5), (2, 0.5)), "observers"),
            Plan(
                "org_life_meeting",
                "year",
                ((1, 0.7), (2, 0.3)),
                "members",
                lambda rng: {"talks_before": True, "member_review": rng.random() < 0.85},
                months=(11, 12),
            ),
            Plan("forum", "month", ((0, 0.7), (1, 0.3)), "some"),
        ]
        if full_members >= 7:  # only a branch of 7 or more full members has a committee
            branch.insert(0, Plan("committee_meeting", "month", ((1, 0.7), (2, 0.3)), "leadership"))
        return branch
    return [
        Plan("committee_session", "month", ((1, 0.5), (2, 0.5)), "leadership"),
        Plan("central_group_study", "month", ((1, 1.0),), "leadership"),
        Plan(
            "party_lecture",
            "year",
            ((1, 1.0),),
            "secretaries",
            lambda rng: {"by_secretary": True},
            months=(3, 4, 5, 6, 7, 9, 10, 11, 12),
        ),
        Plan("democratic_life_meeting", "year", ((1, 1.0),), "leadership", months=(12,)),
        Plan("forum", "quarter", ((0, 0.7), (1, 0.3)), "some"),
    ]


# --- presence and counts ------------------------------------------------------------------------


def _bench_meetings() -> Any:
    from bench import data
    from ronghe.orglife.models import Meeting

    return Meeting.objects.filter(org__path__startswith=data._root_path())


def is_generated() -> bool:
    meetings = _bench_meetings().count()
    if not meetings:
        return False
    low, high = EXPECTED_MEETINGS
    if not low <= meetings <= high:
        raise SystemExit(
            f"The bench database holds {meetings:,} bench meetings (expected {low:,}–{high:,})."
            " Empty the orglife tables (TRUNCATE orglife_meeting CASCADE) and run again."
        )
    return True


def reference_day() -> date:
    """The day the meetings were generated for: the latest day a bench meeting was held on."""
    from django.db.models import Max

    day = _bench_meetings().aggregate(day=Max("held_on"))["day"]
    if day is None:
        raise SystemExit("No bench meetings: generate them first.")
    return day


def counts() -> dict[str, Any]:
    from django.db import connection
    from django.db.models import Count

    from ronghe.orglife.models import Attendance

    meetings = _bench_meetings()
    by_status = dict(meetings.order_by().values_list("status").annotate(n=Count("id")))
    by_kind = dict(meetings.order_by().values_list("kind").annotate(n=Count("id")))
    result: dict[str, Any] = {
        "meetings": sum(by_status.values()),
        "meetings_by_status": by_status,
        "meetings_by_kind": by_kind,
        "attendance": Attendance.objects.filter(meeting__in=meetings.values("id")).count(),
        "reference_day": reference_day().isoformat(),
    }
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_total_relation_size('orglife_meeting'),"
                " pg_total_relation_size('orglife_attendance')"
            )
            meeting_bytes, attendance_bytes = cursor.fetchone()
        result["meeting_table_mb"] = round(meeting_bytes / 1e6)
        result["attendance_table_mb"] = round(attendance_bytes / 1e6)
    return result


# --- generation -------------------------------------------------------------------------------


def _load(rng: random.Random) -> list[Org]:
    """The bench organisations with their invitee lists, in path order."""
    from django.db.models import Q

    from bench import data
    from ronghe.orgs.models import PartyOrg
    from ronghe.people.models import Person, PoliticalStatus

    root = data._root_path()
    skip = Q()
    for code in SKIP_CODES:
        skip |= Q(org_code__startswith=code)
    orgs = [
        Org(id=pk, path=path, kind=kind, secretary_id=secretary)
        for pk, path, kind, secretary in PartyOrg.objects.filter(
            path__startswith=root, closed_on=None
        )
        .exclude(skip)
        .order_by("path")
        .values_list("id", "path", "kind", "secretary_id")
    ]
    by_path = {org.path: org for org in orgs}
    by_id = {org.id: org for org in orgs}
    step = PartyOrg.steplen
    people = (
        Person.objects.filter(party_org_id__in=list(by_id))
        .order_by("id")
        .values_list("id", "party_org_id", "political_status")
    )
    for person_id, org_id, status in people:
        full = status == PoliticalStatus.FULL_MEMBER
        home = by_id[org_id]
        if status in (PoliticalStatus.FULL_MEMBER, PoliticalStatus.PROBATIONARY):
            for end in range(step, len(home.path) + 1, step):  # every organisation above
                if (org := by_path.get(home.path[:end])) is not None:
                    org.members.append((person_id, full))
        elif status in (PoliticalStatus.CANDIDATE, PoliticalStatus.ACTIVIST):
            home.observers.append((person_id, False))
            if status == PoliticalStatus.CANDIDATE:
                home.candidates.append((person_id, False))
    secretary_of = {org.id: org.secretary_id for org in orgs if org.secretary_id}
    for org in orgs:
        org.gap = _one_of(DILIGENCE, rng.random())
        own = [(org.secretary_id, True)] if org.secretary_id else []
        if org.kind == PartyOrg.Kind.BRANCH:
            others = [m for m in org.members if m[1] and m[0] != org.secretary_id]
            org.leadership = own + rng.sample(others, min(len(others), rng.randint(4, 6)))
        elif org.kind == PartyOrg.Kind.GROUP:
            org.leadership = org.members[:1]  # the 党小组长
        else:
            below = [
                (secretary_of[o.id], True)
                for o in orgs
                if o.path.startswith(org.path) and o is not org and o.id in secretary_of
            ]
            children = [
                (secretary_of[o.id], True)
                for o in orgs
                if len(o.path) == len(org.path) + step
                and o.path.startswith(org.path)
                and o.id in secretary_of
            ]
            org.leadership = own + rng.sample(children, min(len(children), rng.randint(6, 8)))
            org.secretaries = list(dict.fromkeys(own + below))
    return orgs


def _periods(period: str, first: date, last: date) -> Iterator[tuple[date, date]]:
    from ronghe.compliance.evaluator import periods

    return periods(period, first, last)


def _days(rng: random.Random, start: date, end: date, n: int) -> list[date]:
    span = (end - start).days + 1
    return sorted(start + timedelta(days=d) for d in rng.sample(range(span), min(n, span)))


def _schedule(
    org: Org, plan: Plan, rng: random.Random, window_start: date, today: date
) -> Iterator[date]:
    """The days this organisation holds this kind over the window (and into the current
    period's remainder, as planned meetings)."""
    horizon = today + timedelta(days=40)
    for start, end in _periods(plan.period, window_start, today):
        wanted = _one_of(plan.counts, rng.random())
        if wanted and rng.random() < org.gap:
            if rng.random() < 0.5:  # a make-up meeting after the deadline
                yield end + timedelta(days=rng.randint(1, 20))
            continue
        if plan.months:  # yearly kinds: held near the end of the year
            months = [m for m in plan.months if start <= date(start.year, m, 1) <= horizon]
            if not months:
                months = [plan.months[-1]]
            for _ in range(wanted):
                month = rng.choice(months)
                first = date(start.year, month, 1)
                following = date(start.year + month // 12, month % 12 + 1, 1)
                yield first + timedelta(days=rng.randrange((following - first).days))
        else:
            yield from _days(rng, start, end, wanted)


def _meeting_rows(
    orgs: list[Org], rng: random.Random, window_start: date, today: date, root_id: int
) -> list[tuple[Any, ...]]:
    """(org, kind, day, status, plan) for every meeting, in org order."""
    from ronghe.orgs.models import PartyOrg

    rows: list[tuple[Any, ...]] = []
    for org in orgs:
        full = sum(1 for _, is_full in org.members if is_full)
        for plan in plans(org.kind, full if org.kind == PartyOrg.Kind.BRANCH else 99):
            days: list[date] = []
            for day in _schedule(org, plan, rng, window_start, today):
                insort(days, day)
            for day in days:
                if org.id == root_id and plan.kind == "committee_session" and day == today:
                    continue  # the reference meeting below is the only one that day
                if day > today:
                    status = "planned"
                elif rng.random() < 0.015:
                    status = "cancelled"
                elif (today - day).days < 7 and rng.random() < 0.15:
                    status = "planned"  # not yet recorded
                else:
                    status = "held"
                rows.append((org, plan, day, status))
    root = next(org for org in orgs if org.id == root_id)
    session = plans(PartyOrg.Kind.COMMITTEE, 99)[0]
    rows.append((root, session, today, "held"))  # the reference day's marker
    return rows


def _invitees(org: Org, plan: Plan, rng: random.Random) -> list[tuple[int, bool]]:
    if plan.invite == "members":
        return org.members
    if plan.invite == "observers":
        return org.members + org.observers
    if plan.invite == "candidates":
        return org.members + org.candidates
    if plan.invite == "leadership":
        return org.leadership
    if plan.invite == "secretaries":
        return org.secretaries
    pool = org.members + org.observers  # a 座谈会 hears whom it needs
    return rng.sample(pool, min(len(pool), rng.randint(8, 15)))


def _text(value: str) -> str:
    """A value for COPY's text format."""
    return value.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n")


def _iso(moment: datetime | None) -> str:
    return "\\N" if moment is None else moment.isoformat()


def generate(log: Log = print) -> dict[str, Any]:
    """Write the meetings and their attendance; returns counts and the seconds it took."""
    from django.db import connection, transaction
    from django.utils import timezone

    from bench import data
    from ronghe.compliance.evaluator import WINDOW_MONTHS, add_months
    from ronghe.orgs.models import PartyOrg

    started = time.perf_counter()
    rng = random.Random(SEED)
    today = timezone.localdate()
    window_start = add_months(date(today.year, today.month, 1), -(WINDOW_MONTHS - 1))
    root_id = PartyOrg.objects.get(org_code=data.ROOT_CODE).pk
    orgs = _load(rng)
    log(
        f"Generating a year of meetings ({window_start} – {today}) for {len(orgs):,} "
        "organisations …"
    )
    planned = _meeting_rows(orgs, rng, window_start, today, root_id)
    loaded = time.perf_counter()

    meeting_columns = (
        "id, code, org_id, kind, title, starts_at, ends_at, place, host_id, recorder_id, status,"
        " held_on, minutes, details, recorded_at, reminded_at, created_by_id, created_at,"
        " updated_at"
    )
    attendance_columns = (
        "meeting_id, person_id, status, reason, voting, excluded, signed_at, method"
    )
    with connection.cursor() as cursor:  # ids first (nextval is not rolled back: gaps at most)
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence('orglife_meeting', 'id'))"
            " FROM generate_series(1, %s)",
            [len(planned)],
        )
        ids = [row[0] for row in cursor.fetchall()]
    lines: list[str] = []
    invited: list[tuple[int, str, datetime, list[tuple[int, bool]]]] = []
    for meeting_id, (org, plan, day, status) in zip(ids, planned, strict=True):
        hour = rng.choice((clock(9), clock(14, 30), clock(19)))
        starts = datetime.combine(day, hour, SHANGHAI)
        ends = starts + timedelta(minutes=rng.choice((60, 90, 120)))
        people = _invitees(org, plan, rng)
        leaders = org.leadership or people[:1]
        host = org.secretary_id or (leaders[0][0] if leaders else None)
        recorder = rng.choice(leaders)[0] if leaders else host
        held = status == "held"
        recorded = ends + timedelta(days=rng.randint(0, 3)) if held else None
        created = starts - timedelta(days=rng.randint(3, 21))
        details = plan.details(rng) if held else {}
        title = f"{day.year}年{day.month}月{LABELS[plan.kind]}"
        code = uuid.UUID(int=rng.getrandbits(128), version=4)
        fields = (
            str(meeting_id),
            str(code),
            str(org.id),
            plan.kind,
            _text(title),
            starts.isoformat(),
            ends.isoformat(),
            rng.choice(PLACES),
            "\\N" if host is None else str(host),
            "\\N" if recorder is None else str(recorder),
            status,
            day.isoformat() if held else "\\N",
            _text(f"{title}：传达学习上级精神，研究部署近期工作。") if held else "",
            _text(json.dumps(details, ensure_ascii=False)),
            _iso(recorded),
            "\\N",
            "\\N",
            created.isoformat(),
            (recorded or created).isoformat(),
        )
        lines.append("\t".join(fields) + "\n")
        invited.append((meeting_id, status, starts, people))

    meetings = len(lines)
    attendance = 0
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # check each COPY's keys as it ends
        raw = cursor.cursor  # psycopg's own cursor: Django's has no copy()
        with raw.copy(f"COPY orglife_meeting ({meeting_columns}) FROM STDIN") as pipe:
            for index in range(0, len(lines), 20_000):
                pipe.write("".join(lines[index : index + 20_000]))
        del lines
        log(f"  {meetings:,} meetings written; attendance …")

        buffer: list[str] = []

        def flush() -> None:
            with raw.copy(f"COPY orglife_attendance ({attendance_columns}) FROM STDIN") as pipe:
                for index in range(0, len(buffer), 20_000):
                    pipe.write("".join(buffer[index : index + 20_000]))
            buffer.clear()

        random_ = rng.random
        for meeting_id, status, starts, people in invited:
            held = status == "held"
            prefix = f"{meeting_id}\t"
            for person_id, full in people:
                voting = "t" if full else "f"
                if not held:
                    buffer.append(f"{prefix}{person_id}\tpending\t\t{voting}\tf\t\\N\t\n")
                    continue
                came = _one_of(ATTENDANCE, random_())
                if came in ("present", "late"):
                    signed = starts + timedelta(minutes=int(random_() * 40) - 15)
                    method = "qr" if random_() < 0.6 else "recorder"
                    buffer.append(
                        f"{prefix}{person_id}\t{came}\t\t{voting}\tf\t{signed.isoformat()}\t{method}\n"
                    )
                else:
                    reason = rng.choice(REASONS[came])
                    buffer.append(
                        f"{prefix}{person_id}\t{came}\t{reason}\t{voting}\tf\t\\N\trecorder\n"
                    )
            if len(buffer) >= CHUNK:
                attendance += len(buffer)
                flush()
        attendance += len(buffer)
        flush()
    written = time.perf_counter()
    log(f"  {attendance:,} attendance rows written; VACUUM (ANALYZE) …")
    with connection.cursor() as cursor:
        for table in ("orglife_meeting", "orglife_attendance"):
            cursor.execute(f'VACUUM (ANALYZE) "{table}"')
    elapsed = time.perf_counter() - started
    log(f"  done in {elapsed:.0f} s")
    return {
        "meetings": meetings,
        "attendance": attendance,
        "seed": SEED,
        "reference_day": today.isoformat(),
        "plan_s": round(loaded - started, 1),
        "copy_s": round(written - loaded, 1),
        "generation_s": round(elapsed, 1),
    }
