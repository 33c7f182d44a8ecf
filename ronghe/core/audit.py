"""Writing the audit trail. Services call `record` inside their transaction, so the change
and its audit row commit together or not at all (SECURITY.md C-5)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import models

from ronghe.core import bulk
from ronghe.core.middleware import current_request_context
from ronghe.core.models import AuditEvent

Action = AuditEvent.Action
Outcome = AuditEvent.Outcome


def _who(actor: Any, username: str = "") -> dict[str, Any]:
    """The actor and request columns every row of one writer shares."""
    context = current_request_context()
    authenticated = actor is not None and getattr(actor, "is_authenticated", False)
    return {
        "actor": actor if authenticated else None,
        "actor_username": (actor.username if authenticated else username)[:150],
        "actor_roles": (",".join(sorted(actor.role_names())) if authenticated else "")[:200],
        "ip": context.ip if context else None,
        "user_agent": context.user_agent if context else "",
        "request_id": context.request_id if context else "",
    }


def _about(obj: models.Model) -> dict[str, str]:
    return {
        "object_type": obj._meta.label_lower,
        "object_id": str(getattr(obj, "code", None) or obj.pk),
        "object_repr": str(obj)[:200],
    }


def record(
    action: str,
    *,
    actor: Any = None,
    obj: models.Model | None = None,
    object_type: str = "",
    object_id: str = "",
    object_repr: str = "",
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    outcome: str = Outcome.SUCCESS,
    message: str = "",
    username: str = "",
) -> AuditEvent:
    """Append one audit row. `before`/`after` must already hold masked values only."""
    about = _about(obj) if obj is not None else {}
    return AuditEvent.objects.create(
        **_who(actor, username),
        action=action,
        outcome=outcome,
        object_type=(object_type or about.get("object_type", ""))[:64],
        object_id=(object_id or about.get("object_id", ""))[:64],
        object_repr=(object_repr or about.get("object_repr", ""))[:200],
        before=before,
        after=after,
        message=message[:300],
    )


def record_many(
    action: str,
    *,
    actor: Any,
    items: Sequence[tuple[models.Model, dict[str, Any] | None, dict[str, Any] | None]],
    message: str = "",
) -> None:
    """Append one audit row per (object, before, after), in one insert (COPY on PostgreSQL):
    a bulk import audits every person it writes without one round trip each."""
    who = _who(actor)
    bulk.insert_new(
        [
            AuditEvent(
                **who,
                **_about(obj),
                action=action,
                before=before,
                after=after,
                message=message[:300],
            )
            for obj, before, after in items
        ]
    )


def changes(before: dict[str, Any], after: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Keep only the keys whose values differ, for a compact before → after record."""
    keys = [key for key in after if before.get(key) != after.get(key)]
    return {key: before.get(key) for key in keys}, {key: after[key] for key in keys}
