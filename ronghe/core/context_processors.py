"""What every page's shell needs: the sidebar for the user's roles and the unread count of
the header's bell."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from ronghe.core.access import ADMIN_ROLES, Cap, Role, reach_of


@dataclass(frozen=True)
class NavItem:
    label: Any
    url: str
    icon: str
    prefix: str


def navigation(user: Any) -> list[NavItem]:
    if not getattr(user, "is_authenticated", False):
        return []
    reach = reach_of(user)
    items = [NavItem(_("Today"), reverse("insights:today"), "ti-sun", "/$")]
    if reach.party_paths.get(Cap.READ_ORGS):
        items.append(
            NavItem(_("Party organisations"), reverse("orgs:party_tree"), "ti-flag", "/orgs/")
        )
    if reach.unit_paths.get(Cap.READ_ORGS):
        items.append(
            NavItem(_("Business units"), reverse("orgs:unit_tree"), "ti-building", "/units/")
        )
    if reach.has(Cap.READ_PEOPLE):
        items.append(NavItem(_("Roster"), reverse("people:list"), "ti-users", "/people/"))
        items.append(
            NavItem(_("Exports"), reverse("people:exports"), "ti-file-export", "/people/exports/")
        )
    if reach.has(Cap.WRITE_PEOPLE):
        items.append(
            NavItem(
                _("Import roster"), reverse("people:import"), "ti-file-import", "/people/import/"
            )
        )
    if reach.has(Cap.READ_MEETINGS) or getattr(user, "person_id", None):
        items.append(
            NavItem(
                _("Organisational life"),
                reverse("orglife:calendar"),
                "ti-calendar-event",
                "/meetings/",
            )
        )
    if reach.has(Cap.READ_COMPLIANCE):
        items.append(
            NavItem(
                _("Compliance board"),
                reverse("compliance:board"),
                "ti-traffic-lights",
                "/compliance/",
            )
        )
    if reach.has(Cap.READ_PLANS):
        items.append(
            NavItem(_("Work plans"), reverse("plans:plans"), "ti-clipboard-list", "/plans/")
        )
    if reach.has(Cap.READ_PLANS) or getattr(user, "person_id", None):
        items.append(NavItem(_("Task list"), reverse("plans:tasks"), "ti-checklist", "/tasks/"))
    if getattr(user, "person_id", None):
        items.append(
            NavItem(_("My duties"), reverse("plans:my_duties"), "ti-briefcase", "/duties/")
        )
    if reach.has(Cap.READ_DECISIONS):
        items.append(
            NavItem(_("Decision list"), reverse("decisions:decisions"), "ti-gavel", "/decisions/")
        )
    if getattr(user, "person_id", None) or reach.has(Cap.READ_DECISIONS):
        items.append(
            NavItem(
                _("Decision board"),
                reverse("decisions:board"),
                "ti-speakerphone",
                "/decisions/board/",
            )
        )
    if getattr(user, "person_id", None):
        items.append(NavItem(_("My record"), reverse("people:me"), "ti-id-badge", "/people/me/"))
    if Role.SYSADMIN in reach.roles:
        items.append(
            NavItem(
                _("Accounts"), reverse("accounts:user_list"), "ti-user-cog", "/manage/accounts/"
            )
        )
    if Role.SECADMIN in reach.roles or reach.has(Cap.ASSIGN_ROLES):
        items.append(NavItem(_("Roles"), reverse("accounts:role_list"), "ti-key", "/manage/roles/"))
    if Role.AUDITOR in reach.roles:
        items.append(
            NavItem(_("Audit trail"), reverse("core:audit_list"), "ti-list-search", "/audit/")
        )
    if not reach.roles & ADMIN_ROLES:
        items.append(
            NavItem(_("API tokens"), reverse("accounts:token_list"), "ti-api", "/accounts/tokens/")
        )
    items.append(
        NavItem(
            _("Account security"),
            reverse("accounts:security"),
            "ti-shield-lock",
            "/accounts/security/",
        )
    )
    return items


class Bell:
    """The header's unread count. Counted only when a template first reads it (an htmx
    fragment pays nothing), then kept for the rest of the page: one COUNT on the
    `(user, read_at)` index that stops after `CAP + 1` rows ("99+"), so a neglected inbox
    costs no more than an empty one."""

    CAP = 99

    def __init__(self, user: Any) -> None:
        self.user = user

    @cached_property
    def unread(self) -> int:
        # Imported here: core imports no app at module level (docs/ARCHITECTURE.md).
        from ronghe.notify.models import Notification

        unread = Notification.objects.for_user(self.user).unread().order_by()  # no sort to count
        return unread[: self.CAP + 1].count()

    @property
    def label(self) -> str:
        return f"{self.CAP}+" if self.unread > self.CAP else str(self.unread)


def shell(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    signed_in = getattr(user, "is_authenticated", False)
    return {
        "nav_items": navigation(user) if user is not None else [],
        "bell": Bell(user) if signed_in else None,
    }
