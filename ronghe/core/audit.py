"""Writing the audit trail. Services call `record` inside their transaction, so the change
and its audit row commit together or not at all (SECURITY.md C-5)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import models

from ronghe.core.middleware import current_request_context
from ronghe.core.models import AuditEvent

Action = AuditEvent.Action
Outcome = AuditEvent.Outcome


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
    context = current_request_context()
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or str(getattr(obj, "code", None) or obj.pk)
        object_repr = object_repr or str(obj)
    authenticated = actor is not None and getattr(actor, "is_authenticated", False)
    return AuditEvent.objects.create(
        actor=actor if authenticated else None,
        actor_username=(actor.username if authenticated else username)[:150],
        actor_roles=(",".join(sorted(actor.role_names())) if authenticated else "")[:200],
        action=action,
        outcome=outcome,
        object_type=object_type[:64],
        object_id=object_id[:64],
        object_repr=object_repr[:200],
        before=before,
        after=after,
        message=message[:300],
        ip=context.ip if context else None,
        user_agent=context.user_agent if context else "",
        request_id=context.request_id if context else "",
    )


def record_many(
    action: str,
    *,
    actor: Any,
    items: Sequence[tuple[models.Model, dict[str, Any] | None, dict[str, Any] | None]],
    message: str = "",
) -> None:
    """Append one audit row per (object, before, after), in one insert: a bulk import audits
    every person it writes without one round trip each."""
    context = current_request_context()
    authenticated = actor is not None and getattr(actor, "is_authenticated", False)
    username = actor.username[:150] if authenticated else ""
    roles = ",".join(sorted(actor.role_names()))[:200] if authenticated else ""
    AuditEvent.objects.bulk_create(
        [
            AuditEvent(
                actor=actor if authenticated else None,
                actor_username=username,
                actor_roles=roles,
                action=action,
                object_type=obj._meta.label_lower,
                object_id=str(getattr(obj, "code", None) or obj.pk),
                object_repr=str(obj)[:200],
                before=before,
                after=after,
                message=message[:300],
                ip=context.ip if context else None,
                user_agent=context.user_agent if context else "",
                request_id=context.request_id if context else "",
            )
            for obj, before, after in items
        ],
        batch_size=500,
    )


def changes(before: dict[str, Any], after: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Keep only the keys whose values differ, for a compact before → after record."""
    keys = [key for key in after if before.get(key) != after.get(key)]
    return {key: before.get(key) for key in keys}, {key: after[key] for key in keys}
