"""Compliance workflows: evaluate findings (after a write and daily), tell the people who
must act, and adjust a rule for a subtree."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date
from typing import Any

from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext_lazy

from ronghe.accounts.models import RoleAssignment
from ronghe.compliance import evaluator
from ronghe.compliance.models import Finding, Rule, RuleSetting
from ronghe.core import audit
from ronghe.core.access import Role
from ronghe.notify.services import notify
from ronghe.orgs.models import PartyOrg


def evaluate_soon(org_ids: Iterable[int]) -> None:
    """Re-evaluate these organisations once the current transaction commits (a job)."""
    from ronghe.compliance import tasks  # the job module imports this one

    ids = sorted(set(org_ids))
    transaction.on_commit(lambda: tasks.evaluate_orgs(ids))


def evaluate_and_notify(
    *, org_ids: Iterable[int] | None = None, today: date | None = None
) -> evaluator.Result:
    result = evaluator.evaluate(org_ids=org_ids, today=today)
    _notify_changes(result.changes)
    return result


STATUS_TITLES: dict[str, Any] = {
    Finding.Status.DUE_SOON: gettext_lazy("%(org)s: %(rule)s is due by %(deadline)s"),
    Finding.Status.OVERDUE: gettext_lazy("%(org)s: %(rule)s is overdue since %(deadline)s"),
    Finding.Status.VIOLATED: gettext_lazy("%(org)s: %(rule)s was missed (deadline %(deadline)s)"),
}


def _notify_changes(changes: list[evaluator.Change]) -> None:
    """Each finding that turned yellow or red goes to the organisation's secretaries."""
    if not changes:
        return
    org_ids = {change.org_id for change in changes}
    secretaries: dict[int, list[Any]] = defaultdict(list)
    for assignment in RoleAssignment.objects.filter(
        party_org_id__in=org_ids, role=Role.SECRETARY, user__is_active=True
    ).select_related("user"):
        if assignment.party_org_id is not None:
            secretaries[assignment.party_org_id].append(assignment.user)
    orgs = PartyOrg.objects.in_bulk(org_ids)
    for change in changes:
        users = secretaries.get(change.org_id)
        org = orgs.get(change.org_id)
        if not users or org is None:
            continue
        title = str(STATUS_TITLES[change.status]) % {
            "org": org.name,
            "rule": change.rule.name,
            "deadline": change.deadline.isoformat(),
        }
        notify(
            users=users,
            key=f"finding:{change.rule.pk}:{org.pk}:{change.deadline}:{change.status}",
            title=title,
            body=change.rule.source,
            url=reverse("compliance:org", args=[org.code]),
        )


def _setting_snapshot(setting: RuleSetting) -> dict[str, Any]:
    return {
        "rule": setting.rule.key,
        "org": setting.org.org_code,
        "period": setting.period,
        "min_count": setting.min_count,
        "due_soon_days": setting.due_soon_days,
        "grace_days": setting.grace_days,
        "disabled": setting.disabled,
        "reason": setting.reason,
    }


@transaction.atomic
def rule_setting_save(*, rule: Rule, org: PartyOrg, data: dict[str, Any], by: Any) -> RuleSetting:
    """Adjust a rule for the subtree of `org` (audited); findings there are evaluated again."""
    setting = RuleSetting.objects.filter(rule=rule, org=org).first()
    before = _setting_snapshot(setting) if setting else None
    if setting is None:
        setting = RuleSetting(rule=rule, org=org, created_by=by)
    for key in ("period", "min_count", "due_soon_days", "grace_days", "disabled", "reason"):
        setattr(setting, key, data.get(key, getattr(setting, key)))
    setting.period = setting.period or ""
    setting.save()
    after = _setting_snapshot(setting)
    if before is None:
        audit.record(
            audit.Action.CREATE, actor=by, obj=setting, object_repr=f"{rule} · {org}", after=after
        )
    else:
        old, new = audit.changes(before, after)
        audit.record(
            audit.Action.UPDATE,
            actor=by,
            obj=setting,
            object_repr=f"{rule} · {org}",
            before=old,
            after=new,
        )
    evaluate_soon(PartyOrg.objects.filter(path__startswith=org.path).values_list("pk", flat=True))
    return setting


@transaction.atomic
def rule_setting_delete(*, setting: RuleSetting, by: Any) -> None:
    org = setting.org
    audit.record(
        audit.Action.UPDATE,
        actor=by,
        obj=setting,
        object_repr=f"{setting.rule} · {org}",
        before=_setting_snapshot(setting),
        message="setting removed",
    )
    setting.delete()
    evaluate_soon(PartyOrg.objects.filter(path__startswith=org.path).values_list("pk", flat=True))
