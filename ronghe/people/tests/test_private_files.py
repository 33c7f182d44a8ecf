"""Uploaded rosters, error reports and exports do not outlive their use (SECURITY.md F-2)."""

from __future__ import annotations

import contextlib
import os
import time
from pathlib import Path

import pytest
from django.core.management import call_command

from ronghe.core import private_files
from ronghe.people import tasks
from ronghe.people.models import ImportBatch

ROSTERS = Path(__file__).parent / "rosters"


@pytest.fixture(autouse=True)
def private_dir(settings, tmp_path):
    settings.RONGHE_PRIVATE_DIR = tmp_path / "private"
    return settings.RONGHE_PRIVATE_DIR


def age(path: Path, hours: float) -> None:
    then = time.time() - hours * 3600
    os.utime(path, (then, then))


@pytest.mark.req("F-2")
def test_an_import_leaves_no_file_behind_whether_it_succeeds_or_fails(cast, private_dir):
    for name in ("gbk.csv", "old_format.xls"):
        with contextlib.suppress(SystemExit):  # the unreadable file exits with status 2
            call_command("import_roster", str(ROSTERS / name), "--org", "A1")
    assert not list((private_dir / "uploads").iterdir())
    assert {batch.status for batch in ImportBatch.objects.all()} == {
        ImportBatch.Status.COMMITTED,
        ImportBatch.Status.FAILED,
    }


@pytest.mark.req("F-2")
def test_the_hourly_purge_removes_old_exports_uploads_and_reports(cast, private_dir, settings):
    old_export = private_files.path_of("exports", "old.xlsx")
    fresh_export = private_files.path_of("exports", "fresh.xlsx")
    old_upload = private_files.path_of("uploads", "old.xlsx")
    for path in (old_export, fresh_export, old_upload):
        path.write_bytes(b"x")
    age(old_export, settings.RONGHE_EXPORT_FILE_HOURS + 1)
    age(old_upload, settings.RONGHE_TEMP_FILE_HOURS + 1)
    tasks.purge_private_files.call_local()
    assert not old_export.exists() and not old_upload.exists()
    assert fresh_export.exists()


def test_a_stored_name_cannot_leave_its_directory():
    for name in ("../secret", "a/b", ".hidden", ""):
        with pytest.raises(ValueError):
            private_files.path_of("uploads", name)
