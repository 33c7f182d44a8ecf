"""Task-list jobs: telling branches a deployed task arrived, and the nightly late marks and
reminders."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from ronghe.plans import services


@db_task(retries=2, retry_delay=60)
def notify_deployed(item_id: int, org_ids: list[int]) -> None:
    services.notify_deployed(item_id, org_ids)


@db_periodic_task(crontab(hour="0", minute="10"))
def nightly() -> None:
    """Just after midnight: yesterday's deadlines leave their late marks, then reminders."""
    services.mark_late()
    services.remind_leads()
