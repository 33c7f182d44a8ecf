"""Meeting compliance and on-time rates: over the meeting-frequency periods inside the asked
period whose deadline has passed, for an organisation and its subtree."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from ronghe.compliance import evaluator
from ronghe.compliance.models import Finding, Rule
from ronghe.core import metrics
from ronghe.core.metrics import Period
from ronghe.orglife.models import Meeting
from ronghe.testing import make_org

S = Finding.Status
SHANGHAI = ZoneInfo("Asia/Shanghai")
Q1 = Period.quarter(2026, 1)
COMPLIANCE = "compliance.meeting_compliance_rate"
ON_TIME = "compliance.meeting_on_time_rate"


def on(day: date):
    """Today is `day` (the metrics count only periods whose deadline has passed)."""
    return time_machine.travel(datetime.combine(day, time(10), SHANGHAI), tick=False)


def finding(key: str, org, start: date, status: str, *, late=False, deadline=None) -> Finding:
    rule = Rule.objects.get(key=key)
    if deadline is None:
        deadline = next(evaluator.periods(rule.period, start, start))[1]
    met = status == S.OK
    return Finding.objects.create(
        rule=rule,
        org=org,
        period_start=start,
        deadline=deadline,
        status=status,
        done=1 if met else 0,
        met_on=(deadline + timedelta(days=3) if late else deadline) if met else None,
        late=late,
        evaluated_at=timezone.now(),
    )


@pytest.fixture
def findings(cast):
    """On 15 April 2026: A1 met January on time, February late, March is overdue, its quarter
    was met; its group A1G missed February; A2 missed January; B1 owes nothing yet."""
    a1, a1g, a2 = cast.orgs["A1"], cast.orgs["A1G"], cast.orgs["A2"]
    rows = [
        finding("theme-day-monthly", a1, date(2026, 1, 1), S.OK),
        finding("theme-day-monthly", a1, date(2026, 2, 1), S.OK, late=True),
        finding("theme-day-monthly", a1, date(2026, 3, 1), S.OVERDUE),
        finding("general-meeting-quarterly", a1, date(2026, 1, 1), S.OK),
        finding("group-meeting-monthly", a1g, date(2026, 1, 1), S.OK),
        finding("group-meeting-monthly", a1g, date(2026, 2, 1), S.VIOLATED),
        finding("group-meeting-monthly", a1g, date(2026, 3, 1), S.OK),
        finding("theme-day-monthly", a2, date(2026, 1, 1), S.VIOLATED),
    ]
    # None of these count in the first quarter: a period after it, a yearly period not yet
    # due, and term expiry, which is not a meeting rule.
    finding("theme-day-monthly", a1, date(2026, 4, 1), S.OK)
    finding("org-life-meeting-yearly", a1, date(2026, 1, 1), S.OPEN)
    finding("term-renewal", a1, date(2023, 1, 10), S.VIOLATED, deadline=date(2026, 1, 10))
    return rows


def by_code(cast, values):
    codes = {org.pk: code for code, org in cast.orgs.items()}
    return {codes[org_id]: value for org_id, value in values.items()}


def ids(cast, *codes):
    return [cast.orgs[code].pk for code in codes]


def test_the_compliance_rate_counts_met_periods_late_or_not_over_the_subtree(cast, findings):
    with on(date(2026, 4, 15)):
        values = metrics.get(COMPLIANCE).compute(ids(cast, "G", "A", "A1", "A1G", "A2", "B1"), Q1)
    assert by_code(cast, values) == {
        "G": 5 / 8,
        "A": 5 / 8,
        "A1": 5 / 7,  # its own 3 of 4 (March still overdue), its group's 2 of 3
        "A1G": 2 / 3,
        "A2": 0.0,
        "B1": None,  # nothing due: nothing to measure
    }


def test_the_on_time_rate_leaves_out_periods_met_late(cast, findings):
    with on(date(2026, 4, 15)):
        values = metrics.get(ON_TIME).compute(ids(cast, "A", "A1", "A1G", "A2", "B1"), Q1)
    assert by_code(cast, values) == {"A": 4 / 8, "A1": 4 / 7, "A1G": 2 / 3, "A2": 0.0, "B1": None}


def test_a_period_whose_deadline_has_not_passed_does_not_count_even_when_met(cast, findings):
    with on(date(2026, 3, 31)):  # March and the first quarter end today
        values = metrics.get(COMPLIANCE).compute(ids(cast, "A1", "A1G"), Q1)
    assert by_code(cast, values) == {"A1": 3 / 4, "A1G": 0.5}


def test_a_yearly_period_counts_in_its_year_once_due_and_never_in_a_quarter(cast, findings):
    Finding.objects.filter(rule__key="org-life-meeting-yearly").update(status=S.VIOLATED)
    metric = metrics.get(COMPLIANCE)
    with on(date(2027, 3, 1)):
        assert metric.compute(ids(cast, "A1"), Q1) == {cast.orgs["A1"].pk: 5 / 7}
        # the year adds April (met) and the yearly organisational-life meeting (missed)
        assert metric.compute(ids(cast, "A1"), Period.year(2026)) == {cast.orgs["A1"].pk: 6 / 9}


def test_the_evidence_is_the_due_findings_of_the_subtree(cast, findings):
    with on(date(2026, 4, 15)):
        rows = list(metrics.get(COMPLIANCE).evidence(cast.orgs["A1"].pk, Q1))
        assert metrics.get(ON_TIME).evidence(cast.orgs["B1"].pk, Q1).count() == 0
    assert {row.pk for row in rows} == {
        row.pk for row in findings if row.org.org_code in ("A1", "A1G")
    }
    assert [(row.rule.key, row.org.org_code) for row in rows][:2] == [
        ("general-meeting-quarterly", "A1"),
        ("theme-day-monthly", "A1"),
    ]


def hold(org, day: date) -> None:
    Meeting.objects.create(
        org=org,
        kind="theme_day",
        title="主题党日",
        starts_at=datetime.combine(day, time(9), SHANGHAI),
        status=Meeting.Status.HELD,
        held_on=day,
    )


def test_the_rates_read_what_the_evaluator_writes(cast):
    Rule.objects.exclude(key="theme-day-monthly").delete()
    a1, a2 = cast.orgs["A1"], cast.orgs["A2"]
    hold(a1, date(2026, 1, 10))  # February missed: March keeps its own meeting
    hold(a1, date(2026, 3, 5))
    hold(a2, date(2026, 1, 12))
    hold(a2, date(2026, 3, 3))  # makes up for February, late
    hold(a2, date(2026, 3, 20))
    evaluator.evaluate(today=date(2026, 4, 20))
    with on(date(2026, 4, 20)):
        compliance = metrics.get(COMPLIANCE).compute(ids(cast, "A", "A1", "A2"), Q1)
        on_time = metrics.get(ON_TIME).compute(ids(cast, "A", "A1", "A2"), Q1)
    assert by_code(cast, compliance) == {"A": 5 / 6, "A1": 2 / 3, "A2": 1.0}
    assert by_code(cast, on_time) == {"A": 4 / 6, "A1": 2 / 3, "A2": 2 / 3}


@pytest.mark.parametrize("name", [COMPLIANCE, ON_TIME])
def test_the_query_count_does_not_grow_with_the_organisations(cast, findings, name):
    metric = metrics.get(name)

    def measured(org_ids):
        with on(date(2026, 4, 15)), CaptureQueriesContext(connection) as captured:
            values = metric.compute(org_ids, Q1)
        return len(captured), values

    few = measured(ids(cast, "A1", "A2"))[0]
    branches = []
    for number in range(23):  # 25 targets: more than Subtrees.MAX_PREFIXES
        branch = make_org(cast.orgs["B"], f"新支部{number}", f"NB{number}", "branch")
        finding("theme-day-monthly", branch, date(2026, 1, 1), S.OK)
        finding("theme-day-monthly", branch, date(2026, 2, 1), S.VIOLATED)
        branches.append(branch.pk)
    count, values = measured([*ids(cast, "A1", "A2"), *branches])
    assert count == few == 2  # the targets' paths, then one aggregate
    assert [values[branch] for branch in branches] == [0.5] * 23
