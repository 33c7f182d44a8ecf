"""Sending notifications. Callers name the event with a key; a user gets each key once."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

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
