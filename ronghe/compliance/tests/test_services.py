"""Local rule settings are audited and re-evaluate the subtree; findings reach secretaries once."""

from __future__ import annotations

from datetime import date

from ronghe.compliance import services
from ronghe.compliance.models import Finding, Rule, RuleSetting
from ronghe.compliance.tests.test_views import held
from ronghe.core.models import AuditEvent
from ronghe.notify.models import Notification


def test_a_local_setting_is_audited_and_changed_in_place(cast, django_capture_on_commit_callbacks):
    rule = Rule.objects.get(key="theme-day-monthly")
    with django_capture_on_commit_callbacks(execute=True):
        services.rule_setting_save(
            rule=rule,
            org=cast.orgs["A"],
            data={"min_count": 2, "reason": "甲公司党委规定每月两次"},
            by=cast.users["party_admin"],
        )
    assert Finding.objects.filter(rule=rule, org=cast.orgs["A1"], required=2).exists()
    assert not Finding.objects.filter(rule=rule, org=cast.orgs["B1"]).exists()  # not re-evaluated
    services.rule_setting_save(
        rule=rule, org=cast.orgs["A"], data={"disabled": True}, by=cast.users["party_admin"]
    )
    setting = RuleSetting.objects.get()
    assert (setting.min_count, setting.disabled) == (2, True)
    actions = list(
        AuditEvent.objects.filter(object_type="compliance.rulesetting").values_list(
            "action", flat=True
        )
    )
    assert sorted(actions) == ["create", "update"]
    services.rule_setting_delete(setting=setting, by=cast.users["party_admin"])
    assert not RuleSetting.objects.exists()
    assert AuditEvent.objects.filter(object_type="compliance.rulesetting").count() == 3


def test_a_finding_turning_red_notifies_the_secretary_once(cast):
    services.evaluate_and_notify(today=date(2026, 3, 5))  # February's theme day is overdue
    services.evaluate_and_notify(today=date(2026, 3, 6))
    titles = list(
        Notification.objects.filter(user=cast.users["secretary"]).values_list("title", flat=True)
    )
    overdue = [title for title in titles if "主题党日每月1次" in title and "逾期" in title]
    assert len(overdue) == 1
    assert not Notification.objects.filter(user=cast.users["member"]).exists()


def test_findings_a_local_setting_no_longer_asks_for_are_withdrawn(cast):
    """Monthly 主题党日 switched to quarterly for A's subtree: the monthly periods A1 owed are
    no longer owed (else the board and the metrics would still count them)."""
    rule = Rule.objects.get(key="theme-day-monthly")
    a1 = cast.orgs["A1"]
    services.evaluate_and_notify(today=date(2026, 3, 5))
    assert Finding.objects.filter(rule=rule, org=a1, status=Finding.Status.OVERDUE).exists()
    RuleSetting.objects.create(rule=rule, org=cast.orgs["A"], period="quarter", reason="季度一次")
    services.evaluate_and_notify(today=date(2026, 3, 5))
    starts = set(Finding.objects.filter(rule=rule, org=a1).values_list("period_start", flat=True))
    assert all(start.month in (1, 4, 7, 10) for start in starts), starts
    assert (
        not Finding.objects.filter(rule=rule, org=a1)
        .current()
        .exclude(period_start=date(2026, 1, 1))
        .exists()
    )
    b1_months = Finding.objects.filter(rule=rule, org=cast.orgs["B1"]).count()
    assert b1_months > 4  # untouched outside the subtree: still monthly


def test_a_meeting_before_the_window_still_meets_the_period_that_straddles_it(cast):
    """The window starts 2025-12-01; the quarter holding that day began on 2025-10-01, so a
    党员大会 held in November 2025 meets it (it was once read as missed)."""
    a1 = cast.orgs["A1"]
    held(a1, "general_meeting", date(2025, 11, 10))
    services.evaluate_and_notify(today=date(2026, 11, 25))
    quarter = Finding.objects.get(
        rule__key="general-meeting-quarterly", org=a1, period_start=date(2025, 10, 1)
    )
    assert quarter.status == Finding.Status.OK and quarter.met_on == date(2025, 11, 10)
