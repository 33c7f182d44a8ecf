"""The messy rosters kept in tests/rosters/: each produces exactly its errors and writes nothing;
the clean ones import fully (SECURITY.md K-1, K-2, I-5 and the §4 import table)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import openpyxl
import pytest
from django.core.management import call_command
from openpyxl.worksheet.cell_range import CellRange

from ronghe.core.models import AuditEvent
from ronghe.core.spreadsheets import Limits, open_sheet
from ronghe.demo.rosters import MESSY_ERRORS
from ronghe.people.importing import RosterImport
from ronghe.people.models import DatePrecision, ImportBatch, Person
from ronghe.testing import PersonFactory

ROSTERS = Path(__file__).parent / "rosters"


def run_import(path: Path, *args: str) -> int:
    try:
        call_command("import_roster", str(path), *args)
    except SystemExit as exit_:
        return int(exit_.code or 0)
    return 0


@pytest.fixture
def private_dir(settings, tmp_path):
    settings.RONGHE_PRIVATE_DIR = tmp_path / "private"
    return settings.RONGHE_PRIVATE_DIR


@pytest.mark.req("K-1")
def test_messy_roster_reports_exactly_its_bad_rows_and_writes_nothing(
    cast, private_dir, tmp_path, capsys
):
    before = Person.objects.count()
    out = tmp_path / "errors.xlsx"
    status = run_import(ROSTERS / "messy.xlsx", "--org", "A", "--errors-out", str(out))
    assert status == 1
    assert Person.objects.count() == before
    batch = ImportBatch.objects.get()
    found: dict[int, set[str]] = {}
    for error in batch.report["errors"]:
        found.setdefault(error["row"], set()).add(error["code"])
    assert found == MESSY_ERRORS
    assert batch.total == 19  # 20 data rows, one blank; the note under the table is not a row
    assert any("1" in warning and "隐藏" in warning for warning in batch.report["warnings"])
    printed = capsys.readouterr().out
    assert "第 7 行【公民身份号码】" in printed
    assert "未写入任何数据" in printed


def test_the_error_report_is_the_users_own_file_with_a_reason_column(cast, private_dir, tmp_path):
    out = tmp_path / "errors.xlsx"
    run_import(ROSTERS / "messy.xlsx", "--org", "A", "--errors-out", str(out))
    sheet = openpyxl.load_workbook(out).active
    assert sheet.title == "党员名册"
    header = [cell.value for cell in sheet[3]]  # the lower row of the two-row header
    assert header[-2:] == ["行号", "错误原因"]
    reasons = {row: sheet.cell(row, len(header)).value for row in range(4, sheet.max_row + 1)}
    assert set(row for row, text in reasons.items() if text) == set(MESSY_ERRORS)
    assert "校验码" in reasons[7] and reasons[7].startswith("公民身份号码：")
    assert "第 9 行" in reasons[8] or "9" in reasons[8]
    assert sheet.cell(7, 3).fill.fgColor.rgb.endswith("FFC7CE")  # the wrong cell is marked
    assert sheet.cell(4, 1).value.strip().startswith("孙")  # their own values, untouched


def test_fixing_the_bad_rows_imports_the_rest(cast, private_dir, tmp_path):
    fixed = tmp_path / "fixed.xlsx"
    workbook = openpyxl.load_workbook(ROSTERS / "messy.xlsx")
    sheet = workbook.active
    for row in set(MESSY_ERRORS) - {22, 23}:  # a cleared row is a blank row: skipped
        for cell in sheet[row]:
            cell.value = None
    sheet.merged_cells.remove(CellRange("J21:J22"))  # 职务 unmerged (row 22 left empty)
    sheet["I23"] = "UA2"  # the formula replaced by its value
    workbook.save(fixed)
    before = Person.objects.count()
    assert run_import(fixed, "--org", "A") == 0
    assert Person.objects.count() == before + 6
    sun = Person.objects.get(name="孙 建国")
    assert sun.joined_on == date(2003, 7, 1) and sun.joined_on_precision == DatePrecision.MONTH
    assert sun.phone() == "13800138000"
    zhou = Person.objects.get(name="周·买买提")
    assert zhou.joined_on == date(2002, 9, 1)  # serial 37500 in the 1900 system
    assert Person.objects.get(name="何十一").party_org == cast.orgs["A2"]  # filled down


@pytest.mark.req("K-1")
def test_a_clean_roster_of_2000_rows_imports_fully(cast, private_dir, capsys):
    before = Person.objects.count()
    assert run_import(ROSTERS / "clean_2000.xlsx", "--org", "A") == 0
    assert Person.objects.count() == before + 2000
    assert AuditEvent.objects.filter(action="create", object_type="people.person").count() >= 2000
    assert AuditEvent.objects.filter(action="import").count() == 1
    assert "新增 2000" in capsys.readouterr().out


@pytest.mark.req("K-2")
def test_the_same_file_twice_creates_nobody_twice(cast, private_dir):
    assert run_import(ROSTERS / "clean_2000.xlsx", "--org", "A") == 0
    count = Person.objects.count()
    assert run_import(ROSTERS / "clean_2000.xlsx", "--org", "A") == 1
    assert Person.objects.count() == count
    latest = ImportBatch.objects.first()
    assert latest.report["errors"][0]["code"] == "already_imported"
    # With --update-existing the same file is a no-op: every row unchanged.
    assert run_import(ROSTERS / "clean_2000.xlsx", "--org", "A", "--update-existing") == 0
    assert ImportBatch.objects.first().unchanged == 2000
    assert Person.objects.count() == count


@pytest.mark.req("K-1")
def test_an_id_number_added_while_writing_rolls_the_whole_import_back(cast):
    importer = RosterImport(org=cast.orgs["A"])
    with open_sheet(ROSTERS / "clean_2000.xlsx", Limits.console()) as sheet:
        assert importer.validate(sheet).ok
    last = importer.plan[-1]  # in the second chunk of 1,000: the first is already in
    PersonFactory.create(id_number=last.values["id_number"], birth_date=last.values["birth_date"])
    people, events = Person.objects.count(), AuditEvent.objects.count()
    report = importer.commit()
    assert not report.committed
    assert [error.code for error in report.errors] == ["conflict"]
    assert Person.objects.count() == people
    assert AuditEvent.objects.count() == events


def test_gbk_csv_and_the_1904_date_system(cast, private_dir):
    assert run_import(ROSTERS / "gbk.csv", "--org", "A") == 0
    assert Person.objects.filter(name__in=["欧阳修", "司马光"]).count() == 2
    assert run_import(ROSTERS / "mac_1904.xlsx", "--org", "A") == 0
    situ = Person.objects.get(name="司徒雷")
    assert situ.birth_date == date(1980, 3, 4) and situ.joined_on == date(2005, 6, 7)


@pytest.mark.req("I-5")
@pytest.mark.parametrize("name", ["entity_bomb.xlsx", "not_a_workbook.xlsx", "old_format.xls"])
def test_hostile_and_foreign_files_are_refused_unread(cast, private_dir, name, capsys):
    before = Person.objects.count()
    assert run_import(ROSTERS / name, "--org", "A") == 2
    assert Person.objects.count() == before
    assert ImportBatch.objects.get().status == ImportBatch.Status.FAILED
    assert not any(private_dir.glob("uploads/*"))  # the upload is gone (F-2)


def test_dry_run_writes_nothing_and_keeps_no_file(cast, private_dir, capsys):
    before = Person.objects.count()
    assert run_import(ROSTERS / "gbk.csv", "--org", "A", "--dry-run") == 0
    assert Person.objects.count() == before
    assert "检查通过" in capsys.readouterr().out
    assert not any(private_dir.glob("uploads/*"))


def test_console_import_as_a_user_stays_in_their_reach(cast, private_dir):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        call_command(
            "import_roster", str(ROSTERS / "gbk.csv"), "--org", "B1", "--user", "secretary"
        )
    status = run_import(ROSTERS / "gbk.csv", "--org", "A1", "--user", "secretary")
    assert status == 0
    assert Person.objects.get(name="欧阳修").party_org == cast.orgs["A1"]
