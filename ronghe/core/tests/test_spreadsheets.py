"""Untrusted spreadsheets are checked before they are parsed; exports are safe to open."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import openpyxl
import pytest
from openpyxl.utils.datetime import CALENDAR_MAC_1904

from ronghe.core.spreadsheets import (
    Limits,
    UnreadableFile,
    escape_cell,
    open_sheet,
    sniff,
    unescape_cell,
    write_xlsx,
)

SMALL = Limits(max_bytes=1 << 20, max_rows=100, max_uncompressed=1 << 20)


def zip_bomb(path: Path, inflated: int) -> None:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"\x00" * inflated)


@pytest.mark.req("I-5")
def test_a_workbook_that_unpacks_beyond_the_cap_is_refused_before_parsing(tmp_path: Path) -> None:
    path = tmp_path / "bomb.xlsx"
    zip_bomb(path, inflated=2 << 20)  # 2 MB of zeros: a few kB on disk
    assert path.stat().st_size < 20_000
    with pytest.raises(UnreadableFile, match="解压后超过"), open_sheet(path, SMALL):
        pass
    with path.open("rb") as handle, pytest.raises(UnreadableFile):
        sniff(handle, path.stat().st_size, SMALL)


@pytest.mark.req("I-5")
def test_too_many_rows_are_refused_while_streaming(tmp_path: Path) -> None:
    path = tmp_path / "long.csv"
    path.write_text("姓名,身份证号\n" + "张三,1\n" * 200, encoding="utf-8")
    with pytest.raises(UnreadableFile, match="超过 100 行"), open_sheet(path, SMALL) as sheet:
        list(sheet.rows)


def test_a_zip_that_is_not_a_workbook_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "archive.xlsx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("readme.txt", "hello")
    with pytest.raises(UnreadableFile, match="不是电子表格"), open_sheet(path, SMALL):
        pass


@pytest.mark.req("I-6")
@pytest.mark.parametrize(
    "value", ["=1+1", "+86", "-5", "@SUM(A1)", "\tx", '=HYPERLINK("http://x","a")']
)
def test_cells_excel_would_run_are_written_as_text_and_read_back_as_typed(
    tmp_path: Path, value: str
) -> None:
    path = tmp_path / "out.xlsx"
    write_xlsx(path, ["名"], [[value]])
    cell = openpyxl.load_workbook(path).active["A2"]
    assert cell.data_type == "s" and cell.value.startswith("'")
    assert escape_cell(value) == cell.value
    if value[0] in "=+-@":
        assert unescape_cell(cell.value) == value


def test_plain_text_is_left_alone() -> None:
    for value in ("张三", "'quoted", "1-2", None, 3):
        assert escape_cell(value) == value
    assert unescape_cell("'quoted") == "'quoted"


def test_a_gbk_csv_is_read(tmp_path: Path) -> None:
    path = tmp_path / "gbk.csv"
    path.write_bytes("姓名,身份证号\r\n欧阳修,x\r\n".encode("gb18030"))
    with open_sheet(path, SMALL) as sheet:
        assert list(sheet.rows)[1] == (2, ("欧阳修", "x"))


def test_sniff_accepts_a_real_workbook() -> None:
    buffer = io.BytesIO()
    openpyxl.Workbook().save(buffer)
    assert sniff(buffer, len(buffer.getvalue()), SMALL) == "xlsx"


def test_rows_and_columns_keep_excel_numbers_when_the_sheet_starts_late(tmp_path: Path) -> None:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet["D7"], sheet["E9"], sheet["F9"] = "名", 13900139000, 2.5
    path = tmp_path / "late.xlsx"
    workbook.save(path)
    with open_sheet(path, SMALL) as opened:
        rows = dict(opened.rows)
    assert rows[7] == (None, None, None, "名", None, None)
    # empty cells are None and a whole number an int, as openpyxl gives them
    assert rows[9] == (None, None, None, None, 13900139000, 2.5)
    assert rows[8] == (None,) * 6


def test_a_1904_workbook_says_so(tmp_path: Path) -> None:
    workbook = openpyxl.Workbook()
    workbook.epoch = CALENDAR_MAC_1904
    workbook.active["A1"] = 1
    path = tmp_path / "mac.xlsx"
    workbook.save(path)
    with open_sheet(path, SMALL) as opened:
        assert opened.epoch == CALENDAR_MAC_1904
        assert list(opened.rows) == [(1, (1,))]


@pytest.mark.req("I-5")
def test_an_xlsx_with_too_many_rows_is_refused_before_it_is_loaded(tmp_path: Path) -> None:
    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet()
    for number in range(200):
        sheet.append(["张三", number])
    path = tmp_path / "long.xlsx"
    workbook.save(path)
    with pytest.raises(UnreadableFile, match="超过 100 行"), open_sheet(path, SMALL):
        pass


def test_a_named_sheet_is_read_and_a_missing_one_refused(tmp_path: Path) -> None:
    workbook = openpyxl.Workbook()
    workbook.active["A1"] = "first"
    workbook.create_sheet("名册")["B2"] = "second"
    path = tmp_path / "two.xlsx"
    workbook.save(path)
    with open_sheet(path, SMALL, sheet_name="名册") as opened:
        assert opened.title == "名册"
        assert list(opened.rows) == [(1, (None, None)), (2, (None, "second"))]
    with pytest.raises(UnreadableFile, match="没有名为"), open_sheet(path, SMALL, sheet_name="x"):
        pass
