"""The metrics registry (DESIGN.md §5): periods, registering and finding metrics, what
`compute` promises its callers, and rolling a subtree's rows up to the organisations above."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db.models import Q

from ronghe.core import metrics
from ronghe.core.metrics import Metric, Period, Scope, Subject, Subtrees
from ronghe.orgs.models import PartyOrg


@pytest.fixture
def registry(monkeypatch):
    """An empty registry for the test, the real one back afterwards."""
    monkeypatch.setattr(metrics, "_registry", {})


def constant(value):
    calls = []

    def measure(ids, period):
        calls.append(list(ids))
        return {subject_id: value for subject_id in ids if subject_id % 2}  # odd ids only

    return measure, calls


def no_evidence(subject_id, period):
    return []


def test_periods_are_calendar_spans_with_both_ends_included():
    assert Period.year(2026) == Period(date(2026, 1, 1), date(2026, 12, 31))
    assert Period.quarter(2026, 1) == Period(date(2026, 1, 1), date(2026, 3, 31))
    assert Period.quarter(2026, 4) == Period(date(2026, 10, 1), date(2026, 12, 31))
    assert Period.month(2028, 2) == Period(date(2028, 2, 1), date(2028, 2, 29))
    march = Period.month(2026, 3)
    assert date(2026, 3, 31) in march and date(2026, 4, 1) not in march
    assert str(march) == "2026-03-01/2026-03-31"


def test_a_period_cannot_end_before_it_starts_nor_have_a_fifth_quarter():
    with pytest.raises(ValueError, match="before it starts"):
        Period(date(2026, 2, 1), date(2026, 1, 31))
    with pytest.raises(ValueError, match="quarter"):
        Period.quarter(2026, 5)


def test_a_registered_metric_is_found_by_name_and_listed_by_subject(registry):
    measure, _ = constant(0.5)
    org_metric = metrics.register(
        Metric(name="demo.org_rate", label="Rate", measure=measure, explain=no_evidence)
    )
    person_metric = metrics.register(
        Metric(
            name="demo.person_rate",
            label="Rate",
            measure=measure,
            explain=no_evidence,
            subject=Subject.PERSON,
            scope=Scope.OWN,
        )
    )
    assert metrics.get("demo.org_rate") is org_metric
    assert metrics.all() == [org_metric, person_metric]
    assert metrics.all(Subject.PERSON) == [person_metric]
    metrics.register(org_metric)  # registering the same object again is harmless
    with pytest.raises(LookupError, match=r"demo\.unknown"):
        metrics.get("demo.unknown")


def test_two_metrics_cannot_share_a_name_and_names_carry_their_app(registry):
    measure, _ = constant(1.0)
    metrics.register(Metric(name="demo.rate", label="A", measure=measure, explain=no_evidence))
    with pytest.raises(ImproperlyConfigured, match="Two metrics"):
        metrics.register(Metric(name="demo.rate", label="B", measure=measure, explain=no_evidence))
    with pytest.raises(ImproperlyConfigured, match="<app>"):
        Metric(name="rate", label="C", measure=measure, explain=no_evidence)


def test_a_person_metric_covers_only_the_persons_own_records():
    measure, _ = constant(1.0)
    with pytest.raises(ImproperlyConfigured, match="person metric"):
        Metric(
            name="demo.rate",
            label="A",
            measure=measure,
            explain=no_evidence,
            subject=Subject.PERSON,
        )


def test_compute_answers_every_id_asked_once_and_asks_nothing_for_no_ids():
    measure, calls = constant(0.25)
    metric = Metric(name="demo.rate", label="A", measure=measure, explain=no_evidence)
    period = Period.year(2026)
    assert metric.compute([3, 4, 3, 5], period) == {3: 0.25, 4: None, 5: 0.25}
    assert calls == [[3, 4, 5]]
    assert metric.compute([], period) == {}
    assert calls == [[3, 4, 5]]


def test_the_apps_metrics_are_discovered_at_start_up():
    names = {metric.name for metric in metrics.all()}
    assert {
        "orglife.attendance_rate",
        "orglife.member_attendance_rate",
        "orglife.business_topic_share",
        "compliance.meeting_compliance_rate",
        "compliance.meeting_on_time_rate",
    } <= names
    for metric in metrics.all():
        assert str(metric.label) and str(metric.description)


def test_a_ratio_of_nothing_is_none_not_zero():
    assert metrics.ratio(0, 0) is None
    assert metrics.ratio(0, 4) == 0.0
    assert metrics.ratio(3, 4) == 0.75


# Paths of four characters per level, as treebeard writes them.
TREE = {1: "0001", 2: "00010001", 3: "000100010001", 4: "00010002", 5: "0002"}


def test_rows_roll_up_to_every_target_at_or_above_them():
    targets = Subtrees({1: TREE[1], 2: TREE[2], 4: TREE[4]}, steplen=4)
    rows = [
        ("00010001", 3, 1),  # the branch itself
        ("000100010001", 2, 2),  # its group: counts for the branch and the committee
        ("00010002", 1, 0),
        ("0002", 5, 5),  # another tree: nobody asked
    ]
    assert targets.roll_up(rows) == {1: [6, 3], 2: [5, 3], 4: [1, 0]}
    assert Subtrees({3: TREE[3]}, steplen=4).roll_up(rows) == {3: [2, 2]}


def lookups(condition: Q) -> list[tuple[str, str]]:
    return sorted(condition.children)


def test_the_query_is_limited_to_the_topmost_targets_subtrees():
    nested = Subtrees({1: TREE[1], 2: TREE[2], 5: TREE[5]}, steplen=4)
    assert lookups(nested.q("org__path")) == [
        ("org__path__startswith", "0001"),
        ("org__path__startswith", "0002"),
    ]
    assert Subtrees({}, steplen=4).q("org__path") == Q(pk__in=[])


def test_many_separate_subtrees_are_limited_by_the_node_above_them_all():
    branches = {n: f"0001{n:04d}" for n in range(1, 30)}
    assert lookups(Subtrees(branches, steplen=4).q("org__path")) == [
        ("org__path__startswith", "0001")
    ]
    roots = {n: f"{n:04d}" for n in range(1, 30)}
    assert Subtrees(roots, steplen=4).q("org__path") == Q()


def test_targets_are_read_by_id_and_the_evidence_filter_names_one_subtree(cast):
    a, a1g = cast.orgs["A"], cast.orgs["A1G"]
    targets = Subtrees.of([a.pk, a1g.pk, 999_999])
    assert targets.paths == {a.pk: a.path, a1g.pk: a1g.path}
    inside = PartyOrg.objects.filter(metrics.in_subtree("path", a.pk))
    assert set(inside.values_list("org_code", flat=True)) == {"A", "A1", "A1G", "A2"}
    assert not PartyOrg.objects.filter(metrics.in_subtree("path", 999_999)).exists()
