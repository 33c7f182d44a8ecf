"""The task-list metrics: values on a small world, the subtree roll-up, the evidence behind a
value, and a query count that does not depend on how many organisations are asked."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from ronghe.core import metrics
from ronghe.core.metrics import Period
from ronghe.plans.models import Category, Dimension, Plan, PlanItem, ProgressReport, Task

TODAY = date(2026, 6, 15)
Q2 = Period.quarter(2026, 2)
SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.fixture(autouse=True)
def _on_today():
    with time_machine.travel(datetime.combine(TODAY, time(10), SHANGHAI), tick=False):
        yield


def task(org, *, deadline, status=Task.Status.NOT_STARTED, late=False, both=True, item=None):
    party = Category.objects.filter(dimension=Dimension.PARTY).first()
    business = Category.objects.filter(dimension=Dimension.BUSINESS).first()
    return Task.objects.create(
        org=org,
        title="任务",
        deadline=deadline,
        status=status,
        late_mark=late,
        party_category=party,
        business_category=business if both else None,
        item=item,
    )


@pytest.fixture
def world(cast):
    a1, a2 = cast.orgs["A1"], cast.orgs["A2"]
    plan = Plan.objects.create(org=cast.orgs["A"], year=2026, title="计划", status="approved")
    item = PlanItem.objects.create(plan=plan, dimension="party", title="目标", deadline=TODAY)
    task(a1, deadline=date(2026, 5, 1), status=Task.Status.DONE, item=item)  # on time
    task(a1, deadline=date(2026, 5, 2), status=Task.Status.DONE, late=True, both=False)
    task(a1, deadline=date(2026, 5, 3), late=True)  # still open, late
    task(a1, deadline=date(2026, 5, 4), status=Task.Status.CANCELLED)  # left out
    task(a2, deadline=date(2026, 6, 1), item=item, late=True)  # deployed, not done
    task(a1, deadline=date(2026, 6, 30))  # in Q2 but not yet due
    task(a1, deadline=date(2026, 8, 1))  # outside Q2
    return cast


def values(name, cast, *codes):
    ids = [cast.orgs[code].pk for code in codes]
    answer = metrics.get(name).compute(ids, Q2)
    return [answer[cast.orgs[code].pk] for code in codes]


def test_on_time_rate(world):
    assert values("plans.on_time_rate", world, "A1", "A2", "A", "B") == [1 / 3, 0.0, 1 / 4, None]


def test_late_marks_count_and_stay_after_done(world):
    assert values("plans.late_mark_count", world, "A1", "A2", "A") == [2.0, 1.0, 3.0]


def test_linkage_coverage(world):
    # A1: 4 tasks in Q2 (the cancelled one out), one without a business dimension
    assert values("plans.linkage_coverage", world, "A1", "A") == [3 / 4, 4 / 5]


def test_deployed_completion(world):
    assert values("plans.deployed_completion", world, "A1", "A2", "A") == [1.0, 0.0, 0.5]


def test_evidence_returned_rate(world):
    first = Task.objects.filter(org=world.orgs["A1"]).first()
    at = timezone.make_aware(datetime(2026, 5, 1, 9))
    ProgressReport.objects.create(
        task=first, text="a", progress=50, submitted_at=at, status="accepted"
    )
    ProgressReport.objects.create(
        task=first, text="b", progress=50, submitted_at=at, status="accepted", times_returned=1
    )
    ProgressReport.objects.create(task=first, text="c", progress=50, submitted_at=at)  # unchecked
    assert values("plans.evidence_returned_rate", world, "A1", "A2") == [0.5, None]


def test_the_evidence_is_the_tasks_behind_the_value(world):
    late = metrics.get("plans.late_mark_count").evidence(world.orgs["A"].pk, Q2)
    assert {t.deadline for t in late} == {date(2026, 5, 2), date(2026, 5, 3), date(2026, 6, 1)}


@pytest.mark.parametrize(
    "name",
    [
        "plans.on_time_rate",
        "plans.late_mark_count",
        "plans.linkage_coverage",
        "plans.deployed_completion",
        "plans.evidence_returned_rate",
    ],
)
def test_two_queries_for_any_number_of_organisations(world, name):
    metric = metrics.get(name)
    with CaptureQueriesContext(connection) as two:
        metric.compute([world.orgs["A1"].pk, world.orgs["A2"].pk], Q2)
    everyone = [org.pk for org in world.orgs.values()]
    with CaptureQueriesContext(connection) as all_of_them:
        metric.compute(everyone, Q2)
    assert len(two) == len(all_of_them) == 2


def test_a_period_of_a_past_deadline_only_counts_what_was_due(world):
    later = Period(TODAY - timedelta(days=1), TODAY + timedelta(days=30))
    answer = metrics.get("plans.on_time_rate").compute([world.orgs["A1"].pk], later)
    assert answer[world.orgs["A1"].pk] is None  # its only task there is not yet due
