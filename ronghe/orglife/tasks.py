"""Organisational-life jobs: reminders before meetings."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from ronghe.orglife import services


@db_periodic_task(crontab(minute="*/15"))
def remind_upcoming() -> None:
    services.remind_upcoming()
