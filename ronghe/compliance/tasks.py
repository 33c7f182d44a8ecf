"""Compliance jobs: the daily evaluation of every organisation, and the one after a write."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from ronghe.compliance import services


@db_task(retries=2, retry_delay=60)
def evaluate_orgs(org_ids: list[int]) -> None:
    services.evaluate_and_notify(org_ids=org_ids)


@db_periodic_task(crontab(hour="1", minute="5"))
def evaluate_all() -> None:
    services.evaluate_and_notify()
