"""The one access gate (DESIGN.md §3).

A user's reach is the set of their role assignments `(role, org)`; a role on an organisation
reaches its whole subtree. This module is the only place that turns a user into query filters:
model QuerySets call `reach_of(user).q(...)` in their `visible_to(user)` / `writable_by(user)`,
and views, API endpoints, exports and jobs fetch single rows with `get_for_user`. Not visible →
404; visible but not writable → 403.

The three administrators (三员) reach no Party or business data at all: they hold capabilities
over accounts, roles and the audit trail, never over the trees.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, TypeVar

from django.core.exceptions import PermissionDenied
from django.db import models
from django.db.models import Q
from django.http import Http404
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    LEADER = "leader", _("Leader")
    PARTY_ADMIN = "party_admin", _("Party-affairs staff")
    SECRETARY = "secretary", _("Branch secretary")
    COMMITTEE = "committee", _("Committee member")
    BUSINESS_HEAD = "business_head", _("Business head")
    MEMBER = "member", _("Member")
    SYSADMIN = "sysadmin", _("System administrator")
    SECADMIN = "secadmin", _("Security administrator")
    AUDITOR = "auditor", _("Audit administrator")


ADMIN_ROLES = frozenset({Role.SYSADMIN, Role.SECADMIN, Role.AUDITOR})
# Roles held on a business unit rather than on a Party organisation.
UNIT_ROLES = frozenset({Role.BUSINESS_HEAD, Role.LEADER})
PARTY_ROLES = frozenset(set(Role) - ADMIN_ROLES - {Role.BUSINESS_HEAD})


class Cap(StrEnum):
    """What a role lets its holder do within the subtree it is assigned on."""

    READ_ORGS = "read_orgs"  # browse the organisation tree
    READ_PEOPLE = "read_people"  # the roster, masked
    WRITE_PEOPLE = "write_people"  # create and edit people
    MANAGE_ORGS = "manage_orgs"  # create, rename, move, close organisations
    ASSIGN_ROLES = "assign_roles"  # grant non-administrator roles within the subtree
    UNMASK = "unmask"  # see full ID and phone numbers (granted per assignment, audited)
    READ_MEETINGS = "read_meetings"  # the organisational-life calendar and records
    WRITE_MEETINGS = "write_meetings"  # plan meetings, sign people in, record minutes
    READ_COMPLIANCE = "read_compliance"  # findings: which organisation owes what, by when
    MANAGE_RULES = "manage_rules"  # adjust rule parameters and task thresholds for a subtree
    READ_PLANS = "read_plans"  # work plans, integration points and the task list
    WRITE_PLANS = "write_plans"  # draft plans, deploy items, create tasks, report progress
    APPROVE_PLANS = "approve_plans"  # approve or return a submitted plan
    CHECK_TASKS = "check_tasks"  # accept or return progress reports, unlock late entry
    READ_DECISIONS = "read_decisions"  # the decision list (三重一大), unredacted
    WRITE_DECISIONS = "write_decisions"  # propose matters, record prior study and decisions


ROLE_CAPS: dict[str, frozenset[Cap]] = {
    Role.LEADER: frozenset(
        {
            Cap.READ_ORGS,
            Cap.READ_PEOPLE,
            Cap.READ_MEETINGS,
            Cap.READ_COMPLIANCE,
            Cap.READ_PLANS,
            Cap.APPROVE_PLANS,
            Cap.CHECK_TASKS,
            Cap.READ_DECISIONS,
        }
    ),
    Role.PARTY_ADMIN: frozenset(
        {
            Cap.READ_ORGS,
            Cap.READ_PEOPLE,
            Cap.WRITE_PEOPLE,
            Cap.MANAGE_ORGS,
            Cap.ASSIGN_ROLES,
            Cap.READ_MEETINGS,
            Cap.WRITE_MEETINGS,
            Cap.READ_COMPLIANCE,
            Cap.MANAGE_RULES,
            Cap.READ_PLANS,
            Cap.WRITE_PLANS,
            Cap.APPROVE_PLANS,
            Cap.CHECK_TASKS,
            Cap.READ_DECISIONS,
            Cap.WRITE_DECISIONS,
        }
    ),
    Role.SECRETARY: frozenset(
        {
            Cap.READ_ORGS,
            Cap.READ_PEOPLE,
            Cap.WRITE_PEOPLE,
            Cap.READ_MEETINGS,
            Cap.WRITE_MEETINGS,
            Cap.READ_COMPLIANCE,
            Cap.READ_PLANS,
            Cap.WRITE_PLANS,
            Cap.READ_DECISIONS,
            Cap.WRITE_DECISIONS,
        }
    ),
    # The 组织委员 keeps the meeting records (DOMAIN-RULES R1.15).
    Role.COMMITTEE: frozenset(
        {
            Cap.READ_ORGS,
            Cap.READ_PEOPLE,
            Cap.READ_MEETINGS,
            Cap.WRITE_MEETINGS,
            Cap.READ_COMPLIANCE,
            Cap.READ_PLANS,
            Cap.WRITE_PLANS,
            Cap.READ_DECISIONS,
            Cap.WRITE_DECISIONS,
        }
    ),
    Role.BUSINESS_HEAD: frozenset({Cap.READ_ORGS, Cap.READ_PEOPLE}),
    Role.MEMBER: frozenset({Cap.READ_ORGS, Cap.READ_MEETINGS}),
}


def _collapse(paths: set[str]) -> tuple[str, ...]:
    """Drop paths already covered by an ancestor path, so filters stay short."""
    kept: list[str] = []
    for path in sorted(paths):
        if not kept or not path.startswith(kept[-1]):
            kept.append(path)
    return tuple(kept)


MAX_ID_LIST = 500


@dataclass(frozen=True)
class Reach:
    """Everything the gate needs about one user, loaded once per request."""

    roles: frozenset[str] = frozenset()
    party_paths: dict[Cap, tuple[str, ...]] = field(default_factory=dict)
    unit_paths: dict[Cap, tuple[str, ...]] = field(default_factory=dict)
    person_id: int | None = None
    # Node ids under a set of paths, fetched on first use (see `q`).
    _node_ids: dict[tuple[str, tuple[str, ...]], list[int]] = field(
        default_factory=dict, compare=False, repr=False
    )

    def q(self, cap: Cap, *, party: str | None = None, unit: str | None = None) -> Q:
        """A filter matching rows whose Party org (field prefix `party`, e.g. "party_org__")
        or business unit (prefix `unit`) lies in a subtree where the user holds `cap`. `""`
        means the model itself is the tree node. No reach → a filter that matches nothing.

        For rows that point at a node (a person's `party_org`, `unit`), the filter is a list
        of node ids, not a join on the path: `party_org_id IN (…) OR unit_id IN (…)` lets
        PostgreSQL combine two index scans, where an OR of path prefixes across two joined
        tables forces a scan of every row (docs/PERFORMANCE.md)."""
        condition = Q(pk__in=[])
        for side, prefix, paths in (
            ("party", party, self.party_paths.get(cap, ())),
            ("unit", unit, self.unit_paths.get(cap, ())),
        ):
            if prefix is None or not paths:
                continue
            if prefix == "":
                for path in paths:
                    condition |= Q(path__startswith=path)
            else:
                condition |= Q(**{f"{prefix}in": self._nodes(side, paths)})
        return condition

    def _nodes(self, side: str, paths: tuple[str, ...]) -> Any:
        """The nodes under `paths`: a short list of ids (fetched once), or, for a reach of
        more than MAX_ID_LIST nodes, a sub-select — thousands of bound ids cost more to
        plan than the scan they would save."""
        from ronghe.orgs.models import PartyOrg, Unit

        model: Any = PartyOrg if side == "party" else Unit
        under = Q(pk__in=[])
        for path in paths:
            under |= Q(path__startswith=path)
        nodes = model.objects.filter(under).values_list("pk", flat=True)
        key = (side, paths)
        if key not in self._node_ids:
            self._node_ids[key] = list(nodes.order_by()[: MAX_ID_LIST + 1])
        ids = self._node_ids[key]
        return nodes.order_by() if len(ids) > MAX_ID_LIST else ids

    def reaches(
        self, cap: Cap, *, party_path: str | None = None, unit_path: str | None = None
    ) -> bool:
        """Whether a node with the given tree path lies inside a subtree granting `cap`."""
        if party_path is not None and any(
            party_path.startswith(p) for p in self.party_paths.get(cap, ())
        ):
            return True
        return unit_path is not None and any(
            unit_path.startswith(p) for p in self.unit_paths.get(cap, ())
        )

    def has(self, cap: Cap) -> bool:
        return bool(self.party_paths.get(cap) or self.unit_paths.get(cap))

    def is_admin(self, role: Role) -> bool:
        return role in self.roles


NO_REACH = Reach()
_CACHE_ATTR = "_ronghe_reach"


def reach_of(user: Any) -> Reach:
    """The user's reach, computed once per user object (that is, once per request)."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return NO_REACH
    cached = getattr(user, _CACHE_ATTR, None)
    if cached is not None:
        return cached
    # Imported here: core must not import the domain apps at module level.
    from ronghe.accounts.models import RoleAssignment

    party: dict[Cap, set[str]] = {}
    unit: dict[Cap, set[str]] = {}
    roles: set[str] = set()
    rows = RoleAssignment.objects.filter(user=user).values_list(
        "role",
        "party_org__path",
        "party_org__closed_on",
        "unit__path",
        "unit__closed_on",
        "may_unmask",
    )
    for role, party_path, party_closed, unit_path, unit_closed, may_unmask in rows:
        roles.add(role)
        caps = set(ROLE_CAPS.get(role, ()))
        if may_unmask:
            caps.add(Cap.UNMASK)
        if party_path and party_closed is None:
            for cap in caps:
                party.setdefault(cap, set()).add(party_path)
        if unit_path and unit_closed is None:
            for cap in caps:
                unit.setdefault(cap, set()).add(unit_path)
    _add_mapped_units(party, unit)
    reach = Reach(
        roles=frozenset(roles),
        party_paths={cap: _collapse(paths) for cap, paths in party.items()},
        unit_paths={cap: _collapse(paths) for cap, paths in unit.items()},
        person_id=getattr(user, "person_id", None),
    )
    setattr(user, _CACHE_ATTR, reach)
    return reach


# Browsing and managing a Party subtree extends to the business units mapped to it
# ("支部建在部门上"): a secretary picks a member's department, staff keep the mapping current.
def _add_mapped_units(party: dict[Cap, set[str]], unit: dict[Cap, set[str]]) -> None:
    """A role on a Party subtree also covers the business units mapped to it (支部建在部门上):
    the branch built on a department reaches that department's people, members or not, and
    its staff keep the department's records. One query over the mapping rows."""
    all_paths = _collapse(set().union(*party.values())) if party else ()
    if not all_paths:
        return
    from ronghe.orgs.models import PartyOrg

    under = Q(pk__in=[])
    for path in all_paths:
        under |= Q(partyorg__path__startswith=path)
    pairs = list(
        PartyOrg.units.through.objects.filter(under)
        .values_list("partyorg__path", "unit__path")
        .order_by("unit__path")
    )
    # Capabilities held on the same subtrees (one assignment gives several) share one walk.
    groups: dict[tuple[str, ...], list[Cap]] = {}
    for cap, cap_paths in party.items():
        groups.setdefault(_collapse(cap_paths), []).append(cap)
    for paths, caps in groups.items():
        # Rows come in unit-path order, so a unit under one already added follows it
        # directly: comparing with the last added path keeps the walk linear.
        added: list[str] = []
        for party_path, unit_path in pairs:
            if added and unit_path.startswith(added[-1]):
                continue  # an ancestor unit is already reached
            if party_path.startswith(paths):  # str.startswith takes a tuple of prefixes
                added.append(unit_path)
        for cap in caps:
            unit.setdefault(cap, set()).update(added)


def forget_reach(user: Any) -> None:
    """Drop the cached reach after the user's roles changed within the same request."""
    if hasattr(user, _CACHE_ATTR):
        delattr(user, _CACHE_ATTR)


M = TypeVar("M", bound=models.Model)


def get_for_user(model: type[M], user: Any, code: Any, *, write: bool = False) -> M:
    """Fetch one org-owned row by its public code through the model's gate.

    The model's manager must offer `visible_to(user)` and, for writes, `writable_by(user)`.
    Not visible → Http404 (existence is not leaked); visible, not writable → PermissionDenied.
    """
    manager: Any = model._default_manager
    obj = manager.visible_to(user).filter(code=code).first()
    if obj is None:
        raise Http404
    if write and not manager.writable_by(user).filter(pk=obj.pk).exists():
        raise PermissionDenied
    return obj


def require_role(user: Any, role: Role) -> None:
    """Administrator pages are not org-owned: a signed-in user without the role gets 403."""
    if role not in reach_of(user).roles:
        raise PermissionDenied


def require_cap(user: Any, cap: Cap) -> None:
    """List and create pages: a user who holds `cap` nowhere gets 403."""
    if not reach_of(user).has(cap):
        raise PermissionDenied
