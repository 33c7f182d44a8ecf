"""Every seeded rule at its boundaries: a meeting on the deadline, the day before and after it,
a make-up meeting that leaves the period met late, and the end of the grace days."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from ronghe.compliance import evaluator
from ronghe.compliance.models import Finding, Rule, RuleSetting
from ronghe.orglife.models import Meeting
from ronghe.testing import PersonFactory, make_org

S = Finding.Status
SHANGHAI = ZoneInfo("Asia/Shanghai")
ANCHOR = date(2026, 3, 15)

# rule key → (organisation, what a meeting's record must say)
MEETING_RULES = {
    "branch-committee-monthly": ("A1", {}),
    "general-meeting-quarterly": ("A1", {}),
    "group-meeting-monthly": ("A1G", {}),
    "party-lecture-quarterly": ("A1", {}),
    "secretary-lecture-yearly": ("A", {"by_secretary": True}),
    "theme-day-monthly": ("A1", {}),
    "org-life-meeting-yearly": ("A1", {}),
    "member-review-yearly": ("A1", {"member_review": True}),
    "democratic-life-yearly": ("A", {}),
}


@pytest.fixture
def world(cast):
    # A branch committee exists from 7 full members (R5.5): A1 has 3, add 4.
    for _ in range(4):
        PersonFactory.create(party_org=cast.orgs["A1"], unit=cast.units["UA1"])
    return cast


def hold(org, kind: str, on: date, details=None) -> Meeting:
    return Meeting.objects.create(
        org=org,
        kind=kind,
        title="会议",
        starts_at=datetime.combine(on, time(9), SHANGHAI),
        status=Meeting.Status.HELD,
        held_on=on,
        details=details or {},
    )


def period_of(rule: Rule) -> tuple[date, date]:
    return next(span for span in evaluator.periods(rule.period, ANCHOR, ANCHOR))


def finding(rule: Rule, org, start: date) -> Finding:
    return Finding.objects.get(rule=rule, org=org, period_start=start)


def test_the_seeded_rule_set_is_loaded_with_its_sources(db):
    rules = {rule.key: rule for rule in Rule.objects.all()}
    assert set(MEETING_RULES) | {"term-renewal"} <= set(rules)
    for rule in rules.values():
        assert rule.source_document and rule.confidence in "VSU"
    assert rules["branch-committee-monthly"].source == "中国共产党支部工作条例（试行） 第十二条"


@pytest.mark.parametrize("key", sorted(MEETING_RULES))
def test_a_meeting_on_the_deadline_meets_the_period(world, key):
    rule = Rule.objects.get(key=key)
    org_code, details = MEETING_RULES[key]
    org = world.orgs[org_code]
    start, deadline = period_of(rule)
    hold(org, rule.meeting_kind, deadline, details)
    evaluator.evaluate(today=deadline)
    found = finding(rule, org, start)
    assert (found.status, found.met_on, found.late) == (S.OK, deadline, False)
    assert found.evidence.held_on == deadline


@pytest.mark.parametrize("key", sorted(MEETING_RULES))
def test_without_a_meeting_it_is_due_then_overdue_then_missed(world, key):
    rule = Rule.objects.get(key=key)
    org = world.orgs[MEETING_RULES[key][0]]
    start, deadline = period_of(rule)
    for today, status in (
        (deadline - timedelta(days=rule.due_soon_days), S.OPEN),
        (deadline - timedelta(days=rule.due_soon_days - 1), S.DUE_SOON),
        (deadline, S.DUE_SOON),
        (deadline + timedelta(days=1), S.OVERDUE),
        (deadline + timedelta(days=rule.grace_days), S.OVERDUE),
        (deadline + timedelta(days=rule.grace_days + 1), S.VIOLATED),
    ):
        evaluator.evaluate(today=today)
        assert finding(rule, org, start).status == status, today


@pytest.mark.parametrize("key", sorted(MEETING_RULES))
def test_a_make_up_meeting_leaves_the_period_met_late(world, key):
    rule = Rule.objects.get(key=key)
    org_code, details = MEETING_RULES[key]
    org = world.orgs[org_code]
    start, deadline = period_of(rule)
    # Two meetings after the deadline: the next period keeps its own (the later one), the
    # earlier one makes up for the missed period.
    hold(org, rule.meeting_kind, deadline + timedelta(days=3), details)
    hold(org, rule.meeting_kind, deadline + timedelta(days=5), details)
    evaluator.evaluate(today=deadline + timedelta(days=6))
    found = finding(rule, org, start)
    assert (found.status, found.late, found.met_on) == (S.OK, True, deadline + timedelta(days=3))
    following = finding(rule, org, deadline + timedelta(days=1))
    assert (following.status, following.late) == (S.OK, False)


def test_a_single_make_up_meeting_counts_once(world):
    rule = Rule.objects.get(key="theme-day-monthly")
    org = world.orgs["A1"]
    hold(org, rule.meeting_kind, date(2026, 4, 2))
    evaluator.evaluate(today=date(2026, 4, 3))
    assert finding(rule, org, date(2026, 3, 1)).status == S.OVERDUE
    assert finding(rule, org, date(2026, 4, 1)).status == S.OK


def test_a_meeting_whose_record_lacks_the_required_detail_does_not_count(world):
    rule = Rule.objects.get(key="member-review-yearly")
    org = world.orgs["A1"]
    hold(org, rule.meeting_kind, date(2026, 11, 20), {"member_review": False})
    evaluator.evaluate(today=date(2026, 12, 31))
    assert finding(rule, org, date(2026, 1, 1)).status == S.DUE_SOON
    assert (
        Finding.objects.get(
            rule__key="org-life-meeting-yearly", org=org, period_start=date(2026, 1, 1)
        ).status
        == S.OK
    )


def test_a_small_branch_owes_no_committee_meetings(cast):
    evaluator.evaluate(today=ANCHOR)
    assert not Finding.objects.filter(rule__key="branch-committee-monthly").exists()
    assert Finding.objects.filter(rule__key="theme-day-monthly", org=cast.orgs["A1"]).exists()


def test_a_local_setting_changes_the_rule_for_its_subtree_only(world):
    rule = Rule.objects.get(key="theme-day-monthly")
    RuleSetting.objects.create(
        rule=rule, org=world.orgs["A"], min_count=2, reason="本单位规定每月两次"
    )
    hold(world.orgs["A1"], rule.meeting_kind, date(2026, 3, 10))
    hold(world.orgs["B1"], rule.meeting_kind, date(2026, 3, 10))
    evaluator.evaluate(today=date(2026, 3, 31))
    a1 = finding(rule, world.orgs["A1"], date(2026, 3, 1))
    assert (a1.status, a1.required, a1.done) == (S.DUE_SOON, 2, 1)
    assert finding(rule, world.orgs["B1"], date(2026, 3, 1)).status == S.OK


def test_term_expiry_warns_six_months_ahead_and_a_late_renewal_stays_late(cast):
    rule = Rule.objects.get(key="term-renewal")
    branch = cast.orgs["A1"]
    branch.term_started_on, branch.term_years = date(2023, 12, 1), 3
    branch.save(update_fields=["term_started_on", "term_years"])
    start = date(2023, 12, 1)
    for today, status in (
        (date(2026, 5, 31), S.OPEN),
        (date(2026, 6, 1), S.DUE_SOON),
        (date(2026, 12, 1), S.DUE_SOON),
        (date(2026, 12, 2), S.OVERDUE),
        (date(2027, 12, 2), S.VIOLATED),
    ):
        evaluator.evaluate(today=today)
        assert finding(rule, branch, start).status == status, today
    branch.term_started_on = date(2027, 12, 10)
    branch.save(update_fields=["term_started_on"])
    evaluator.evaluate(today=date(2027, 12, 10))
    old = finding(rule, branch, start)
    assert (old.status, old.late, old.is_latest) == (S.OK, True, False)
    assert finding(rule, branch, date(2027, 12, 10)).status == S.OPEN


def test_a_second_evaluation_writes_nothing(world):
    first = evaluator.evaluate(today=ANCHOR)
    assert first.written > 0
    again = evaluator.evaluate(today=ANCHOR)
    assert (again.written, again.unchanged) == (0, first.written)


def reads_for_evaluation(today: date) -> int:
    """The queries that read; writes are one COPY (PostgreSQL) or batches of rows (SQLite)."""
    with CaptureQueriesContext(connection) as captured:
        evaluator.evaluate(today=today)
    return sum(1 for query in captured if query["sql"].lstrip().upper().startswith("SELECT"))


def test_the_number_of_queries_does_not_grow_with_the_organisations(world):
    small = reads_for_evaluation(ANCHOR)
    parent = world.orgs["B"]
    for number in range(12):
        branch = make_org(parent, f"新支部{number}", f"NB{number}", "branch")
        hold(branch, "theme_day", date(2026, 3, 2))
        make_org(branch, f"新小组{number}", f"NG{number}", "group")
    Finding.objects.all().delete()
    assert reads_for_evaluation(ANCHOR) == small
    assert Finding.objects.filter(org__org_code__startswith="N").count() > 100
