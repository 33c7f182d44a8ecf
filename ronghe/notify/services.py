"""Sending notifications and marking them read. Callers name the event with a key; a user
gets each key once. Reading one is a write like any other: it leaves an audit row."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.utils import timezone

from ronghe.core import audit
from ronghe.notify.models import Notification


def notify(*, users: Iterable[Any], key: str, title: str, body: str = "", url: str = "") -> int:
    """Create one notification per user who has not had `key` yet; returns how many."""
    users = list({user.pk: user for user in users}.values())
    if not users:
        return 0
    already = set(
        Notification.objects.filter(user__in=users, key=key).values_list("user_id", flat=True)
    )
    fresh = [
        Notification(user=user, key=key[:200], title=title[:200], body=body, url=url[:300])
        for user in users
        if user.pk not in already
    ]
    Notification.objects.bulk_create(fresh, ignore_conflicts=True)
    return len(fresh)


@transaction.atomic
def mark_read(*, notification: Notification, by: Any) -> bool:
    """Mark one notification read, with one audit row; returns whether anything changed.

    The caller fetched `notification` through the gate (its addressee's alone). Opening one
    that is already read changes nothing and is not audited again; two tabs opening the same
    one at once write one row, because only the update that finds it unread counts.
    """
    now = timezone.now()
    changed = Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(
        read_at=now
    )
    if not changed:
        return False
    notification.read_at = now
    audit.record(
        audit.Action.UPDATE,
        actor=by,
        obj=notification,
        before={"read_at": None},
        after={"read_at": now.isoformat()},
    )
    return True


@transaction.atomic
def mark_all_read(*, user: Any, by: Any) -> int:
    """Mark every unread notification of `user` read in one update, with one audit row that
    holds the count (none when there was nothing to mark); returns the count."""
    now = timezone.now()
    count = Notification.objects.for_user(user).unread().update(read_at=now)
    if count:
        audit.record(
            audit.Action.UPDATE,
            actor=by,
            object_type=Notification._meta.label_lower,
            object_repr=f"{user.username}: {count}",
            after={"read_at": now.isoformat(), "count": count},
            message="all marked read",
        )
    return count
