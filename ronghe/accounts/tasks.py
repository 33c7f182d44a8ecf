"""Periodic account housekeeping (Huey). Jobs are thin: they call a service."""

from __future__ import annotations

from django.contrib.sessions.models import Session
from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from ronghe.accounts import services


@db_periodic_task(crontab(hour="2", minute="10"))
def disable_dormant_accounts() -> int:
    """Nightly: accounts unused for 90 days are disabled (SECURITY.md B-2)."""
    return services.accounts_disable_dormant()


@db_periodic_task(crontab(hour="2", minute="20"))
def clear_expired_sessions() -> int:
    """Nightly: expired sessions leave the database (SECURITY.md F-1)."""
    deleted, _ = Session.objects.filter(expire_date__lt=timezone.now()).delete()
    return deleted
