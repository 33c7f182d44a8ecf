"""Roster jobs: big imports, and the hourly purge of private files (SECURITY.md F-2)."""

from __future__ import annotations

from django.conf import settings
from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from ronghe.core import private_files
from ronghe.people import imports
from ronghe.people.models import ImportBatch


@db_task(retries=1, retry_delay=30)
def import_step(batch_id: int, step: str) -> None:
    """Check or write one batch. A worker that dies mid-write leaves nothing behind (the rows
    go in one transaction), and the retry finds the batch where it was."""
    batch = ImportBatch.objects.select_related("party_org", "uploaded_by").get(pk=batch_id)
    if step == "check":
        imports.check(batch)
    else:
        imports.commit(batch)


@db_periodic_task(crontab(minute="17"))
def purge_private_files() -> None:
    imports.expire_old_batches()
    private_files.purge("uploads", settings.RONGHE_TEMP_FILE_HOURS)
    private_files.purge("reports", settings.RONGHE_TEMP_FILE_HOURS)
    private_files.purge("exports", settings.RONGHE_EXPORT_FILE_HOURS)
