"""Journey 8: Party-affairs staff load a messy roster, see every wrong row, get their own file
back with the reasons, fix it, import it, and export the roster again."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice
from openpyxl.worksheet.cell_range import CellRange
from playwright.sync_api import Page, expect
from pytest_django.live_server_helper import LiveServer

from ronghe.demo.rosters import MESSY_ERRORS
from ronghe.e2e.support import expect_today, sign_in_admin
from ronghe.people.models import Person
from ronghe.testing import Cast

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]
ROSTERS = Path(__file__).resolve().parent.parent / "people" / "tests" / "rosters"


@pytest.fixture(autouse=True)
def private_dir(settings, tmp_path):
    settings.RONGHE_PRIVATE_DIR = tmp_path / "private"


def upload(page: Page, base: str, path: Path, org_name: str) -> None:
    page.goto(f"{base}/people/import/")
    page.locator("input[name=file]").set_input_files(str(path))
    page.locator("select[name=org]").select_option(label=org_name)
    page.get_by_role("button", name="上传并检查").click()
    expect(page.locator("#batch-state")).to_be_visible()


def fix(source: Path, target: Path) -> None:
    """What the clerk does with the annotated file: drop the bad rows, unmerge, paste values."""
    workbook = openpyxl.load_workbook(source)
    sheet = workbook.active
    for row in set(MESSY_ERRORS) - {22, 23}:
        for cell in sheet[row]:
            cell.value = None
    sheet.merged_cells.remove(CellRange("J21:J22"))
    sheet["I23"] = "UA2"
    for row in sheet.iter_rows(min_row=3):  # their note columns go too
        for cell in row[-2:]:
            cell.value = None
    workbook.save(target)


def test_staff_import_a_messy_roster_fix_it_and_export(
    page: Page, live_server: LiveServer, cast: Cast, tmp_path: Path
) -> None:
    base = live_server.url
    staff = cast.users["party_admin"]  # may unmask, so signs in with an authenticator code
    TOTPDevice.objects.create(user=staff, name="phone", confirmed=True)
    sign_in_admin(page, base, staff)
    expect_today(page, base)
    page.locator("#sidebar-menu a[href='/people/import/']").click()
    before = Person.objects.count()

    upload(page, base, ROSTERS / "messy.xlsx", "甲公司党委")
    expect(page.locator("#batch-state")).to_have_text("有错误")
    errors = page.locator("#import-errors tbody tr")
    expect(errors).to_have_count(15)
    expect(page.locator("#import-errors")).to_contain_text("校验码不正确")
    expect(page.locator("#commit-import")).to_have_count(0)
    assert Person.objects.count() == before

    with page.expect_download() as download:
        page.locator("#error-file").click()
    annotated = tmp_path / "annotated.xlsx"
    download.value.save_as(annotated)
    fixed = tmp_path / "fixed.xlsx"
    fix(annotated, fixed)

    upload(page, base, fixed, "甲公司党委")
    expect(page.locator("#batch-state")).to_have_text("可以导入")
    expect(page.locator("#import-preview")).to_contain_text("孙 建国")
    page.locator("#commit-import").click()
    expect(page.locator("#batch-state")).to_have_text("已导入")
    assert Person.objects.count() == before + 6

    page.goto(f"{base}/people/?q=sjg")
    expect(page.locator("#roster-results")).to_contain_text("孙 建国")
    with page.expect_download() as exported:
        page.locator("#roster-export").click()
    path = tmp_path / "export.xlsx"
    exported.value.save_as(path)
    names = [
        row[0]
        for row in openpyxl.load_workbook(path)["名册"].iter_rows(min_row=2, values_only=True)
    ]
    assert names == ["孙 建国"]
