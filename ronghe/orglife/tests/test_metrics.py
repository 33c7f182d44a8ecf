"""Organisational-life metrics: attendance per organisation (its subtree) and per member, and
the share of held meetings with a business topic — on a small hand-built first quarter."""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from ronghe.core import metrics
from ronghe.core.metrics import Period
from ronghe.orglife.models import AgendaTopic, Attendance, Meeting, MeetingKind
from ronghe.testing import PersonFactory, make_org

S = Attendance.Status
SHANGHAI = ZoneInfo("Asia/Shanghai")
Q1 = Period.quarter(2026, 1)


def meeting(
    org, on: date, invitees=(), *, status=Meeting.Status.HELD, topics=(), kind=None
) -> Meeting:
    """A meeting of `org` on `on`; `invitees` are (person, status) or (person, status,
    excluded); `topics` are is_business flags."""
    held = status == Meeting.Status.HELD
    row = Meeting.objects.create(
        org=org,
        kind=kind or MeetingKind.GENERAL_MEETING,
        title="会议",
        starts_at=datetime.combine(on, time(9), SHANGHAI),
        status=status,
        held_on=on if held else None,
    )
    Attendance.objects.bulk_create(
        Attendance(meeting=row, person=person, status=came, excluded=bool(rest and rest[0]))
        for person, came, *rest in invitees
    )
    AgendaTopic.objects.bulk_create(
        AgendaTopic(meeting=row, position=index, title=f"议题{index}", is_business=business)
        for index, business in enumerate(topics)
    )
    return row


@pytest.fixture
def quarter(cast):
    """A1 (with its group A1G) and A2 hold meetings in the first quarter; B1 holds none."""
    p = cast.people
    meetings = {
        "a1": meeting(
            cast.orgs["A1"],
            date(2026, 2, 10),
            [
                (p["张伟强"], S.PRESENT),
                (p["李娜"], S.LATE),
                (p["王磊"], S.LEAVE),
                (p["赵敏"], S.ABSENT, True),  # excluded from the count (R1.13)
            ],
            topics=[True, True, False],  # two business topics: still one meeting
        ),
        "a1g": meeting(
            cast.orgs["A1G"],
            date(2026, 3, 5),
            [(p["李娜"], S.PRESENT)],
            topics=[False],
            kind=MeetingKind.GROUP_MEETING,
        ),
        "a2": meeting(
            cast.orgs["A2"], date(2026, 1, 20), [(p["陈静"], S.PRESENT), (p["杨帆"], S.ABSENT)]
        ),
    }
    # None of these count: planned, cancelled, and held after the quarter.
    meeting(
        cast.orgs["A2"], date(2026, 3, 30), [(p["杨帆"], S.PENDING)], status=Meeting.Status.PLANNED
    )
    meeting(
        cast.orgs["A2"], date(2026, 2, 2), [(p["杨帆"], S.PENDING)], status=Meeting.Status.CANCELLED
    )
    meeting(cast.orgs["B1"], date(2026, 4, 1), [(p["黄涛"], S.ABSENT)], topics=[True])
    return meetings


def ids(cast, *codes: str) -> list[int]:
    return [cast.orgs[code].pk for code in codes]


def by_code(cast, values: dict[int, float | None]) -> dict[str, float | None]:
    codes = {org.pk: code for code, org in cast.orgs.items()}
    return {codes[org_id]: value for org_id, value in values.items()}


def test_an_organisations_attendance_covers_its_subtree_and_leave_is_not_presence(cast, quarter):
    metric = metrics.get("orglife.attendance_rate")
    values = metric.compute(ids(cast, "G", "A", "A1", "A1G", "A2", "B", "B1", "O"), Q1)
    assert by_code(cast, values) == {
        "G": 4 / 6,
        "A": 4 / 6,  # A1 3 of 4 (with its group), A2 1 of 2
        "A1": 3 / 4,
        "A1G": 1.0,
        "A2": 0.5,
        "B": None,  # nothing held: nothing to measure, which is not 0
        "B1": None,
        "O": None,
    }


def test_the_attendance_evidence_is_the_rows_counted(cast, quarter):
    rows = metrics.get("orglife.attendance_rate").evidence(cast.orgs["A1"].pk, Q1)
    assert {(row.meeting_id, row.person.name, row.status) for row in rows} == {
        (quarter["a1"].pk, "张伟强", S.PRESENT),
        (quarter["a1"].pk, "李娜", S.LATE),
        (quarter["a1"].pk, "王磊", S.LEAVE),
        (quarter["a1g"].pk, "李娜", S.PRESENT),
    }
    assert len(metrics.get("orglife.attendance_rate").evidence(cast.orgs["A"].pk, Q1)) == 6
    assert not metrics.get("orglife.attendance_rate").evidence(cast.orgs["B"].pk, Q1).exists()


def test_a_members_attendance_is_over_the_meetings_they_were_counted_for(cast, quarter):
    p = cast.people
    metric = metrics.get("orglife.member_attendance_rate")
    people = ["张伟强", "李娜", "王磊", "赵敏", "杨帆", "黄涛"]
    values = metric.compute([p[name].pk for name in people], Q1)
    assert {name: values[p[name].pk] for name in people} == {
        "张伟强": 1.0,
        "李娜": 1.0,  # late counts as attended
        "王磊": 0.0,  # on leave
        "赵敏": None,  # only excluded from the count
        "杨帆": 0.0,  # the planned and cancelled meetings do not count
        "黄涛": None,  # B1's meeting is after the quarter
    }
    evidence = metric.evidence(p["李娜"].pk, Q1)
    assert [row.meeting_id for row in evidence] == [quarter["a1"].pk, quarter["a1g"].pk]


def test_the_business_topic_share_counts_meetings_not_topics(cast, quarter):
    metric = metrics.get("orglife.business_topic_share")
    values = metric.compute(ids(cast, "A", "A1", "A1G", "A2", "B1"), Q1)
    assert by_code(cast, values) == {"A": 1 / 3, "A1": 0.5, "A1G": 0.0, "A2": 0.0, "B1": None}
    assert metric.compute(ids(cast, "B1"), Period.quarter(2026, 2)) == {cast.orgs["B1"].pk: 1.0}
    evidence = metric.evidence(cast.orgs["A1"].pk, Q1)
    assert [(row.pk, row.has_business_topic) for row in evidence] == [
        (quarter["a1"].pk, True),
        (quarter["a1g"].pk, False),
    ]


def queries(metric: metrics.Metric, org_ids: list[int]) -> tuple[int, dict[int, float | None]]:
    with CaptureQueriesContext(connection) as captured:
        values = metric.compute(org_ids, Q1)
    return len(captured), values


@pytest.mark.parametrize("name", ["orglife.attendance_rate", "orglife.business_topic_share"])
def test_the_query_count_does_not_grow_with_the_organisations(cast, quarter, name):
    metric = metrics.get(name)
    few = queries(metric, ids(cast, "A1", "A2"))[0]
    branches = []
    for number in range(23):  # 25 targets: more than Subtrees.MAX_PREFIXES
        branch = make_org(cast.orgs["B"], f"新支部{number}", f"NB{number}", "branch")
        member = PersonFactory.create(party_org=branch, unit=cast.units["UB1"])
        meeting(branch, date(2026, 3, 2), [(member, S.PRESENT)], topics=[True])
        branches.append(branch.pk)
    count, values = queries(metric, [*ids(cast, "A1", "A2"), *branches])
    assert count == few == 2  # the targets' paths, then one aggregate
    assert [values[branch] for branch in branches] == [1.0] * 23


def test_the_member_query_count_does_not_grow_with_the_members(cast, quarter):
    metric = metrics.get("orglife.member_attendance_rate")
    few = queries(metric, [cast.people["李娜"].pk])[0]
    people = [cast.people[name].pk for name in ("张伟强", "李娜", "王磊", "陈静", "杨帆")]
    people += [PersonFactory.create(party_org=cast.orgs["A2"]).pk for _ in range(15)]
    assert queries(metric, people)[0] == few == 1
