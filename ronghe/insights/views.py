"""The "today" page: after signing in, each person first sees what needs them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ronghe.accounts.models import RoleAssignment, User
from ronghe.accounts.services import confirmed_device
from ronghe.compliance.evaluator import NEEDS_ACTION
from ronghe.compliance.models import Finding
from ronghe.core.access import ADMIN_ROLES, Cap, Role, reach_of
from ronghe.core.models import AuditEvent
from ronghe.orglife.models import Attendance, Meeting
from ronghe.orgs.models import PartyOrg
from ronghe.orgs.rules import org_health
from ronghe.people.models import Person, PoliticalStatus
from ronghe.plans import services as plans

PASSWORD_WARNING_DAYS = 14
MAX_ORG_ITEMS = 12
NEXT_MEETING_DAYS = 14


@dataclass(frozen=True)
class Item:
    level: str  # Tabler colour: danger, warning, info
    text: str
    url: str = ""
    rule: str = ""


def _own_items(user: User) -> list[Item]:
    items: list[Item] = []
    left = settings.PASSWORD_MAX_AGE - (timezone.now() - user.password_changed_at)
    if left <= timedelta(days=PASSWORD_WARNING_DAYS):
        items.append(
            Item(
                "warning",
                _("Your password expires in %(n)d days.") % {"n": max(left.days, 0)},
                reverse("accounts:password_change"),
            )
        )
    if confirmed_device(user) is None:
        items.append(
            Item(
                "info",
                _("Turn on two-factor authentication to protect your account."),
                reverse("accounts:security"),
            )
        )
    return items


def _org_items(user: User) -> tuple[list[Item], int]:
    orgs = PartyOrg.objects.visible_to(user).open().exclude(kind=PartyOrg.Kind.GROUP)
    found: list[Item] = []
    for health in org_health(orgs):
        for warning in health.warnings:
            found.append(
                Item(
                    warning.level,
                    f"{health.org.name}: {warning.message}",
                    reverse("orgs:party_detail", args=[health.org.code]),
                    warning.rule,
                )
            )
    found.sort(key=lambda item: item.level != "danger")
    return found[:MAX_ORG_ITEMS], len(found)


def _roster_counts(user: User) -> dict[str, int]:
    rows = (
        Person.objects.visible_to(user)
        .values("political_status")
        .annotate(n=Count("id"))
        .order_by()
    )
    counts = {row["political_status"]: row["n"] for row in rows}
    return {
        "everyone": sum(counts.values()),
        "full": counts.get(PoliticalStatus.FULL_MEMBER, 0),
        "probationary": counts.get(PoliticalStatus.PROBATIONARY, 0),
        "pipeline": sum(
            counts.get(s, 0)
            for s in (
                PoliticalStatus.APPLICANT,
                PoliticalStatus.ACTIVIST,
                PoliticalStatus.CANDIDATE,
            )
        ),
    }


def _admin_items(user: User, roles: frozenset[str]) -> list[Item]:
    items: list[Item] = []
    now = timezone.now()
    if Role.SYSADMIN in roles:
        locked = User.objects.filter(locked_until__gt=now).count()
        if locked:
            items.append(
                Item(
                    "warning",
                    _("%(n)d accounts are locked after failed logins.") % {"n": locked},
                    reverse("accounts:user_list"),
                )
            )
    if Role.SECADMIN in roles:
        admins = User.objects.filter(
            role_assignments__role__in=ADMIN_ROLES, is_active=True
        ).distinct()
        without = admins.exclude(totpdevice__confirmed=True).count()
        if without:
            items.append(
                Item(
                    "warning",
                    _("%(n)d administrators have not enrolled an authenticator yet.")
                    % {"n": without},
                    reverse("accounts:role_list"),
                )
            )
        unmask = RoleAssignment.objects.filter(may_unmask=True).count()
        items.append(
            Item(
                "info",
                _("%(n)d role assignments may view full ID numbers.") % {"n": unmask},
                reverse("accounts:role_list"),
            )
        )
    if Role.AUDITOR in roles:
        since = now - timedelta(hours=24)
        failures = AuditEvent.objects.filter(
            at__gte=since, outcome=AuditEvent.Outcome.FAILURE
        ).count()
        lockouts = AuditEvent.objects.filter(
            at__gte=since, action=AuditEvent.Action.LOCKOUT
        ).count()
        if failures or lockouts:
            items.append(
                Item(
                    "warning",
                    _("Last 24 hours: %(f)d failed operations, %(l)d lockouts.")
                    % {"f": failures, "l": lockouts},
                    f"{reverse('core:audit_list')}?outcome=failure",
                )
            )
    return items


def _compliance_items(user: User) -> tuple[list[Item], int]:
    """What the organisations the user runs owe: findings due soon, overdue or missed, the
    most urgent first (two queries, whatever the number of organisations)."""
    behind = (
        Finding.objects.current()
        .filter(
            reach_of(user).q(Cap.WRITE_MEETINGS, party="org__"),
            status__in=NEEDS_ACTION,
            org__closed_on__isnull=True,
        )
        .select_related("rule", "org")
    )
    rank: dict[str, int] = {
        Finding.Status.VIOLATED: 0,
        Finding.Status.OVERDUE: 1,
        Finding.Status.DUE_SOON: 2,
    }
    found = sorted(
        behind.order_by("deadline")[: MAX_ORG_ITEMS * 3],
        key=lambda finding: (rank[finding.status], finding.deadline),
    )[:MAX_ORG_ITEMS]
    items = [
        Item(
            "warning" if finding.status == Finding.Status.DUE_SOON else "danger",
            str(COMPLIANCE_TEXT[finding.status])
            % {
                "org": finding.org.name,
                "rule": finding.rule.name,
                "deadline": finding.deadline.isoformat(),
                "n": max(finding.days_left or 0, 0),
            },
            reverse("compliance:org", args=[finding.org.code]),
            finding.rule.source,
        )
        for finding in found
    ]
    return items, behind.count()


COMPLIANCE_TEXT: dict[str, Any] = {
    Finding.Status.DUE_SOON: gettext_lazy(
        "%(org)s: %(rule)s is due by %(deadline)s (%(n)d days left)"
    ),
    Finding.Status.OVERDUE: gettext_lazy("%(org)s: %(rule)s is overdue since %(deadline)s"),
    Finding.Status.VIOLATED: gettext_lazy("%(org)s: %(rule)s was missed (deadline %(deadline)s)"),
}


def _next_meetings(person_id: int) -> list[Attendance]:
    now = timezone.now()
    return list(
        Attendance.objects.filter(
            person_id=person_id,
            meeting__status=Meeting.Status.PLANNED,
            meeting__starts_at__gte=now - timedelta(hours=3),
            meeting__starts_at__lt=now + timedelta(days=NEXT_MEETING_DAYS),
        )
        .select_related("meeting", "meeting__org")
        .order_by("meeting__starts_at")[:5]
    )


MY_TASKS = 5


def today(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    reach = reach_of(user)
    context: dict[str, Any] = {
        "own_items": _own_items(user),
        "admin_items": _admin_items(user, reach.roles),
    }
    if reach.party_paths.get(Cap.READ_ORGS):
        context["org_items"], context["org_item_total"] = _org_items(user)
    if reach.has(Cap.WRITE_MEETINGS):
        context["compliance_items"], context["compliance_total"] = _compliance_items(user)
    if reach.has(Cap.READ_PEOPLE):
        context["roster"] = _roster_counts(user)
    if user.person_id:
        # One's own record is always visible to one (`Person.visible_to` ORs it in), so the
        # gate's look-up would only repeat that.
        context["me"] = Person.objects.for_list().filter(pk=user.person_id).first()
        context["next_meetings"] = _next_meetings(user.person_id)
        context["my_tasks"] = plans.with_countdowns(plans.my_open_tasks(user.person_id, MY_TASKS))
    context["roles"] = sorted(
        user.role_assignments.with_places(),
        key=lambda a: a.role,  # type: ignore[attr-defined]
    )
    return render(request, "insights/today.html", context)
