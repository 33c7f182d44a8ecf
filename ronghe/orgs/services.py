"""Writes to the two trees: create, edit, move a subtree, close. One transaction each."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from treebeard.exceptions import InvalidMoveToDescendant

from ronghe.core import audit
from ronghe.orgs.models import PartyOrg, Unit

TreeNode = PartyOrg | Unit


class TreeRuleError(Exception):
    """A tree change that the rules refuse; the message is shown to the user."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


def node_snapshot(node: TreeNode) -> dict[str, Any]:
    data: dict[str, Any] = {
        "name": node.name,
        "org_code": node.org_code,
        "kind": node.kind,
        "closed_on": node.closed_on.isoformat() if node.closed_on else None,
    }
    if isinstance(node, PartyOrg):
        data.update(
            established_on=node.established_on.isoformat() if node.established_on else None,
            term_started_on=node.term_started_on.isoformat() if node.term_started_on else None,
            term_years=node.term_years,
            secretary=str(node.secretary.code) if node.secretary else None,
            units=sorted(node.units.values_list("org_code", flat=True)) if node.pk else [],
        )
    return data


def check_parent_kind(model: type[TreeNode], kind: str, parent: TreeNode | None) -> None:
    allowed = model.ALLOWED_PARENTS[kind]
    parent_kind = parent.kind if parent is not None else None
    if parent_kind not in allowed:
        label = model.Kind(kind).label
        if parent is None:
            raise TreeRuleError(
                _("A %(kind)s cannot be a top-level organisation.") % {"kind": label}, "parent"
            )
        raise TreeRuleError(
            _("A %(kind)s cannot sit under a %(parent)s.")
            % {"kind": label, "parent": model.Kind(parent.kind).label},
            "parent",
        )
    if parent is not None and parent.closed_on is not None:
        raise TreeRuleError(_("The parent organisation is closed."), "parent")


_TREE_FIELDS = (
    "name",
    "org_code",
    "kind",
    "established_on",
    "term_started_on",
    "term_years",
    "secretary",
)


@transaction.atomic
def node_create(
    *, model: type[TreeNode], parent: TreeNode | None, data: dict[str, Any], by: Any
) -> TreeNode:
    check_parent_kind(model, data["kind"], parent)
    fields = {key: value for key, value in data.items() if key in _TREE_FIELDS}
    if model is PartyOrg and not fields.get("term_years"):
        fields["term_years"] = PartyOrg.DEFAULT_TERM_YEARS[data["kind"]]
    node = model(**fields)
    manager: Any = model.objects
    node = (
        manager.add_child(parent, instance=node)
        if parent is not None
        else manager.add_root(instance=node)
    )
    if isinstance(node, PartyOrg) and data.get("units") is not None:
        _check_mapping_change(node, data["units"], by)
        node.units.set(data["units"])
    audit.record(audit.Action.CREATE, actor=by, obj=node, after=node_snapshot(node))
    return node


@transaction.atomic
def node_update(*, node: TreeNode, data: dict[str, Any], by: Any) -> TreeNode:
    """Rename and edit the record of an organisation (its place in the tree is `node_move`)."""
    before = node_snapshot(node)
    if data.get("kind", node.kind) != node.kind:
        check_parent_kind(type(node), data["kind"], type(node).objects.get_parent(node))
        if any(
            child.kind not in _kinds_allowed_under(type(node), data["kind"])
            for child in type(node).objects.get_children(node)
        ):
            raise TreeRuleError(
                _("Its sub-organisations could not stay under the new kind."), "kind"
            )
    if isinstance(node, PartyOrg) and data.get("units") is not None:
        _check_mapping_change(node, data["units"], by)
    fields = [key for key in _TREE_FIELDS if key in data]
    for key in fields:
        setattr(node, key, data[key])
    node.save(update_fields=fields)
    if isinstance(node, PartyOrg) and data.get("units") is not None:
        node.units.set(data["units"])
    old, new = audit.changes(before, node_snapshot(node))
    if new:
        audit.record(audit.Action.UPDATE, actor=by, obj=node, before=old, after=new)
    return node


def _check_mapping_change(org: PartyOrg, units: Any, by: Any) -> None:
    """The mapping extends the branch's reach to the units' people (支部建在部门上), so only
    units the actor already manages may be added or removed; reading a unit is not enough."""
    wanted = {unit.pk for unit in units}
    current = set(org.units.values_list("pk", flat=True)) if org.pk else set()
    changed = wanted ^ current
    if changed and Unit.objects.writable_by(by).filter(pk__in=changed).count() != len(changed):
        raise TreeRuleError(_("You may only map business units that you manage."), "units")


def _kinds_allowed_under(model: type[TreeNode], kind: str) -> set[str]:
    return {child for child, parents in model.ALLOWED_PARENTS.items() if kind in parents}


@transaction.atomic
def node_move(*, node: TreeNode, new_parent: TreeNode, by: Any) -> TreeNode:
    """Move an organisation with its whole subtree under another parent."""
    if new_parent.pk == node.pk or new_parent.path.startswith(node.path):
        raise TreeRuleError(
            _("An organisation cannot move under itself or its own sub-organisation."), "parent"
        )
    check_parent_kind(type(node), node.kind, new_parent)
    old_parent = type(node).objects.get_parent(node)
    try:
        type(node).objects.move(node, new_parent, "last-child")  # type: ignore[attr-defined]
    except InvalidMoveToDescendant as exc:  # the check above should have caught it
        raise TreeRuleError(
            _("An organisation cannot move under itself or its own sub-organisation."), "parent"
        ) from exc
    node.refresh_from_db()
    audit.record(
        audit.Action.MOVE,
        actor=by,
        obj=node,
        before={"parent": old_parent.org_code if old_parent else None},
        after={"parent": new_parent.org_code},
    )
    return node


@transaction.atomic
def node_close(*, node: TreeNode, by: Any, on: date | None = None) -> TreeNode:
    """Close an organisation that no longer has open sub-organisations or people."""
    if node.closed_on is not None:
        raise TreeRuleError(_("This organisation is already closed."))
    if (
        type(node)
        .objects.filter(path__startswith=node.path, closed_on__isnull=True)
        .exclude(pk=node.pk)
        .exists()
    ):
        raise TreeRuleError(_("Close or move its sub-organisations first."))
    if node.people.exists():
        raise TreeRuleError(_("Transfer its people to another organisation first."))
    node.closed_on = on or timezone.localdate()
    node.save(update_fields=["closed_on"])
    audit.record(
        audit.Action.CLOSE, actor=by, obj=node, after={"closed_on": node.closed_on.isoformat()}
    )
    return node
