"""Local rule settings are audited and re-evaluate the subtree; findings reach secretaries once."""

from __future__ import annotations

from datetime import date

from ronghe.compliance import services
from ronghe.compliance.models import Finding, Rule, RuleSetting
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
