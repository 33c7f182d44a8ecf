"""Periodic core housekeeping (Huey). Jobs are thin: they call one QuerySet method."""

from __future__ import annotations

from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from ronghe.core.models import IdempotencyKey


@db_periodic_task(crontab(minute="35"))
def prune_idempotency_keys() -> int:
    """Hourly: API idempotency keys are kept 24 hours, then forgotten (SECURITY.md J-3)."""
    cutoff = timezone.now() - IdempotencyKey.KEEP_FOR
    deleted, _ = IdempotencyKey.objects.older_than(cutoff).delete()
    return deleted
