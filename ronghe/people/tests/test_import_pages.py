"""The upload page: check, report, annotated file, one-button import; bad input refused."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from ronghe.demo.rosters import MESSY_ERRORS
from ronghe.people.models import ImportBatch, Person

ROSTERS = Path(__file__).parent / "rosters"


@pytest.fixture(autouse=True)
def private_dir(settings, tmp_path):
    settings.RONGHE_PRIVATE_DIR = tmp_path / "private"
    return settings.RONGHE_PRIVATE_DIR


def upload(client, name: str, org, *, content: bytes | None = None, update: bool = False):
    data = content if content is not None else (ROSTERS / name).read_bytes()
    return client.post(
        reverse("people:import"),
        {
            "file": SimpleUploadedFile(name, data),
            "org": str(org.code),
            **({"update_existing": "on"} if update else {}),
        },
    )


def test_a_messy_file_comes_back_with_every_wrong_row_and_nothing_written(cast, private_dir):
    client = cast.client("party_admin")
    before = Person.objects.count()
    response = upload(client, "messy.xlsx", cast.orgs["A"])
    batch = ImportBatch.objects.get()
    assert response.status_code == 302 and response.url == reverse(
        "people:import_batch", args=[batch.code]
    )
    assert batch.status == ImportBatch.Status.INVALID
    page = client.get(response.url).content.decode()
    assert "校验码不正确" in page and "无法恢复" in page
    assert "import-preview" in page and "隐藏" in page
    assert "commit-import" not in page  # no import button while rows are wrong
    errors = client.get(reverse("people:import_errors", args=[batch.code]))
    assert errors.status_code == 200
    path = private_dir / "annotated.xlsx"
    path.write_bytes(b"".join(errors.streaming_content))
    sheet = openpyxl.load_workbook(path).active
    reason_column = sheet.max_column
    assert {
        row for row in range(4, sheet.max_row + 1) if sheet.cell(row, reason_column).value
    } == set(MESSY_ERRORS)
    assert Person.objects.count() == before
    # A commit of a batch with errors is refused and writes nothing.
    client.post(reverse("people:import_commit", args=[batch.code]))
    assert Person.objects.count() == before


def test_a_clean_file_is_previewed_then_imported_once(cast, private_dir):
    client = cast.client("secretary")
    response = upload(client, "gbk.csv", cast.orgs["A1"])
    batch = ImportBatch.objects.get()
    assert batch.status == ImportBatch.Status.VALID and batch.created == 2
    page = client.get(response.url).content.decode()
    assert "欧阳修" in page and "commit-import" in page
    assert Person.objects.filter(name="欧阳修").count() == 0  # nothing written before the button
    client.post(reverse("people:import_commit", args=[batch.code]))
    client.post(reverse("people:import_commit", args=[batch.code]))  # pressed twice
    assert Person.objects.filter(name__in=["欧阳修", "司马光"]).count() == 2
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.COMMITTED and batch.created == 2
    assert not any((private_dir / "uploads").iterdir())  # the upload is deleted (F-2)


def test_a_big_file_runs_as_a_job_with_the_same_result(
    cast, private_dir, settings, django_capture_on_commit_callbacks
):
    settings.RONGHE_IMPORT_INLINE_BYTES = 0  # everything goes through the Huey task
    client = cast.client("party_admin")
    with django_capture_on_commit_callbacks(execute=True) as queued:
        response = upload(client, "clean_2000.xlsx", cast.orgs["A"])
    assert len(queued) == 1  # the check was queued, not run in the request
    batch = ImportBatch.objects.get()
    assert batch.status == ImportBatch.Status.VALID and batch.total == 2000
    assert "2000" in client.get(response.url).content.decode()
    before = Person.objects.count()
    with django_capture_on_commit_callbacks(execute=True) as queued:
        client.post(reverse("people:import_commit", args=[batch.code]))
    assert len(queued) == 1
    assert Person.objects.count() == before + 2000


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("empty.xlsx", b"", "空文件"),  # Django's own words for an empty upload
        ("page.xlsx", b"<!DOCTYPE html><html></html>", "这不是电子表格"),
        ("old.xls", b"\xd0\xcf\x11\xe0" + bytes(600), "另存为 .xlsx"),
        ("huge.csv", b"a" * (10 * 1024 * 1024 + 1), "超过 10 MB"),
    ],
)
def test_bad_files_are_refused_next_to_the_field(cast, name, content, message):
    response = upload(cast.client("secretary"), name, cast.orgs["A1"], content=content)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not ImportBatch.objects.exists()


def test_an_organisation_outside_reach_is_not_offered(cast):
    response = upload(cast.client("secretary"), "gbk.csv", cast.orgs["B1"])
    assert response.status_code == 200 and "org" in response.context["form"].errors
    assert not ImportBatch.objects.exists()


def test_batches_are_private_to_their_uploader(cast):
    upload(cast.client("secretary"), "gbk.csv", cast.orgs["A1"])
    batch = ImportBatch.objects.get()
    for persona in ("outsider", "member", "party_admin"):
        assert (
            cast.client(persona).get(reverse("people:import_batch", args=[batch.code])).status_code
            == 404
        )
    assert cast.client("member").get(reverse("people:import")).status_code == 403


def test_the_template_has_the_import_columns(cast, private_dir):
    response = cast.client("secretary").get(reverse("people:import_template"))
    path = private_dir / "template.xlsx"
    path.write_bytes(b"".join(response.streaming_content))
    header = [cell.value for cell in openpyxl.load_workbook(path).active[1]]
    assert header[:3] == ["姓名", "性别", "身份证号"]
