"""Reading untrusted spreadsheets and writing safe ones (SECURITY.md I-5, I-6 and §4).

Reading: the file type comes from its first bytes, never its name; the size, the uncompressed
size and the row count are capped before any XML is parsed. The workbook's own small parts
(sheet names, date system) are parsed by defusedxml; the sheet's tags are scanned as bytes for
merged ranges, hidden rows and formulas; its cells are read by python-calamine (Rust), which
refuses DTD entities (an entity bomb is a damaged file) and never evaluates formulas (their
cached values are read, and a formula without one is reported). calamine holds one sheet's
cells in memory (about 70 MB for 100,000 rows of 12 columns) and reads them 15 times faster
than openpyxl's read-only mode, which cost a 100,000-row import half its time.

Writing: openpyxl's write-only mode, with every text cell that Excel would take for a formula
prefixed by an apostrophe.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import IO, Any

import openpyxl
import python_calamine
from defusedxml import ElementTree as DefusedET
from defusedxml.common import DTDForbidden, EntitiesForbidden
from django.conf import settings
from django.utils.translation import gettext as _
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.utils.cell import range_boundaries
from openpyxl.utils.datetime import CALENDAR_MAC_1904, WINDOWS_EPOCH

XLSX_MAGIC = b"PK\x03\x04"
XLS_MAGIC = b"\xd0\xcf\x11\xe0"
CSV_ENCODINGS = ("utf-8-sig", "gb18030")
HEADER_MARGIN = 20  # title and header rows above the data do not count towards the row cap
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\x00")


class UnreadableFile(Exception):
    """The file cannot be read at all (wrong type, too big, damaged): a message in Chinese."""


@dataclass(frozen=True)
class Limits:
    max_bytes: int
    max_rows: int
    max_uncompressed: int

    @classmethod
    def uploads(cls) -> Limits:
        """What the web page and the API accept (SECURITY.md I-5)."""
        return cls(
            max_bytes=settings.RONGHE_IMPORT_MAX_BYTES,
            max_rows=settings.RONGHE_IMPORT_MAX_ROWS,
            max_uncompressed=settings.RONGHE_IMPORT_MAX_UNCOMPRESSED,
        )

    @classmethod
    def console(cls) -> Limits:
        """An operator at the server's console may load a whole province at once."""
        return cls(max_bytes=200 << 20, max_rows=500_000, max_uncompressed=2 << 30)


@dataclass(frozen=True)
class MergedRange:
    min_row: int
    min_col: int
    max_row: int
    max_col: int

    def covers(self, row: int, col: int) -> bool:
        return self.min_row <= row <= self.max_row and self.min_col <= col <= self.max_col


@dataclass
class Sheet:
    """One worksheet's rows as (Excel row number, cell values), with what the values hide."""

    kind: str  # "xlsx" or "csv"
    rows: Iterator[tuple[int, tuple[Any, ...]]]
    title: str = ""
    epoch: datetime = WINDOWS_EPOCH
    merged: list[MergedRange] = field(default_factory=list)
    hidden_rows: set[int] = field(default_factory=set)
    formulas_without_value: set[tuple[int, int]] = field(default_factory=set)


def file_kind(head: bytes) -> str:
    if head.startswith(XLSX_MAGIC):
        return "xlsx"
    if head.startswith(XLS_MAGIC):
        raise UnreadableFile(_("This is an old .xls workbook: save it as .xlsx and try again."))
    if b"\x00" in head or head.lstrip().lower().startswith(
        (b"<!doctype", b"<html", b"<?xml", b"mz")
    ):
        raise UnreadableFile(_("This is not a spreadsheet: upload an .xlsx or .csv file."))
    return "csv"


def sniff(handle: IO[bytes], size: int, limits: Limits) -> str:
    """The quick checks an upload form runs before keeping a file: size, type, zip bomb.
    Returns "xlsx" or "csv", or raises UnreadableFile."""
    if size == 0:
        raise UnreadableFile(_("The file is empty."))
    if size > limits.max_bytes:
        raise UnreadableFile(
            _("The file is larger than %(mb)s MB.") % {"mb": limits.max_bytes // (1 << 20)}
        )
    handle.seek(0)
    kind = file_kind(handle.read(512))
    handle.seek(0)
    if kind == "xlsx":
        _check_archive(handle, limits)
        handle.seek(0)
    return kind


@contextmanager
def open_sheet(path: Path, limits: Limits, *, sheet_name: str = "") -> Iterator[Sheet]:
    """Open an uploaded .xlsx or .csv, or raise UnreadableFile saying why in Chinese."""
    size = path.stat().st_size
    if size == 0:
        raise UnreadableFile(_("The file is empty."))
    if size > limits.max_bytes:
        raise UnreadableFile(
            _("The file is larger than %(mb)s MB.") % {"mb": limits.max_bytes // (1 << 20)}
        )
    with path.open("rb") as handle:
        kind = file_kind(handle.read(512))
    if kind == "csv":
        yield Sheet(kind="csv", rows=_capped(_csv_rows(path), limits.max_rows))
        return
    with _xlsx_sheet(path, limits, sheet_name) as sheet:
        yield sheet


def _capped(rows: Iterator[tuple[int, tuple[Any, ...]]], max_rows: int) -> Iterator[Any]:
    for row_number, values in rows:
        if row_number > max_rows + HEADER_MARGIN:
            raise UnreadableFile(_("The file has more than %(n)s rows.") % {"n": max_rows})
        yield row_number, values


def _csv_rows(path: Path) -> Iterator[tuple[int, tuple[Any, ...]]]:
    raw = path.read_bytes()
    for encoding in CSV_ENCODINGS:
        try:
            text = raw.decode(encoding)
        except UnicodeDecodeError:
            continue
        break
    else:
        raise UnreadableFile(_("The file's text encoding is not recognised (use UTF-8 or GBK)."))
    try:
        for number, values in enumerate(csv.reader(io.StringIO(text, newline="")), start=1):
            yield number, tuple(value or None for value in values)
    except csv.Error as exc:
        raise UnreadableFile(_("The CSV file is damaged: %(error)s") % {"error": exc}) from exc


@contextmanager
def _xlsx_sheet(path: Path, limits: Limits, sheet_name: str) -> Iterator[Sheet]:
    _check_archive(path, limits)
    with zipfile.ZipFile(path) as archive:
        book = _book_facts(archive)
        if sheet_name and sheet_name not in book.sheets:
            raise UnreadableFile(
                _("The workbook has no sheet named %(name)s.") % {"name": sheet_name}
            )
        title = sheet_name or next(iter(book.sheets), "")
        part = book.sheets.get(title)
        if part is None or part not in archive.namelist():
            raise UnreadableFile(_("The workbook cannot be opened: it may be damaged."))
        layout = _scan_layout(archive, part)
    if layout.last_row > limits.max_rows + HEADER_MARGIN:
        raise UnreadableFile(_("The file has more than %(n)s rows.") % {"n": limits.max_rows})
    try:
        workbook = python_calamine.CalamineWorkbook.from_path(str(path))
        worksheet = workbook.get_sheet_by_name(title)
    except (python_calamine.CalamineError, ValueError) as exc:
        # calamine refuses DTD entities (an entity bomb) like any other damage
        raise UnreadableFile(_("The workbook cannot be opened: it may be damaged.")) from exc
    try:
        sheet = Sheet(
            kind="xlsx",
            title=title,
            rows=_capped(_xlsx_rows(worksheet), limits.max_rows),
            epoch=CALENDAR_MAC_1904 if book.date1904 else WINDOWS_EPOCH,
            merged=layout.merged,
            hidden_rows=layout.hidden_rows,
        )
        if layout.has_formulas:
            sheet.formulas_without_value = _formulas_without_value(path, title)
        yield sheet
    finally:
        workbook.close()


def _check_archive(path: Path | IO[bytes], limits: Limits) -> None:
    """Refuse zip bombs and non-workbooks before a single XML byte is parsed."""
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
            names = {member.filename for member in members}
    except zipfile.BadZipFile as exc:
        raise UnreadableFile(_("The workbook cannot be opened: it may be damaged.")) from exc
    if "[Content_Types].xml" not in names:
        raise UnreadableFile(_("This is not a spreadsheet: upload an .xlsx or .csv file."))
    # zipfile stops at each member's declared size and checks its CRC, so a member that
    # inflates beyond what it declares fails to read instead of filling the memory.
    if sum(member.file_size for member in members) > limits.max_uncompressed:
        raise UnreadableFile(
            _("The workbook unpacks to more than %(mb)s MB.")
            % {"mb": limits.max_uncompressed // (1 << 20)}
        )


@dataclass
class _Book:
    sheets: dict[str, str]  # sheet name → its XML part in the archive, in workbook order
    date1904: bool


_RELATIONSHIP_ID = re.compile(r"^\{[^}]*relationships\}id$")


def _book_facts(archive: zipfile.ZipFile) -> _Book:
    """Sheet names, where each sheet's XML lives, and the date system, from the two small
    parts that say so (parsed by defusedxml, which refuses DTDs and entities)."""
    try:
        book = DefusedET.fromstring(archive.read("xl/workbook.xml"))
        links = DefusedET.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
    except (KeyError, DefusedET.ParseError, DTDForbidden, EntitiesForbidden) as exc:
        raise UnreadableFile(_("The workbook cannot be opened: it may be damaged.")) from exc
    targets = {
        link.get("Id"): link.get("Target", "")
        for link in links
        if link.tag.endswith("}Relationship")
    }
    sheets = {}
    date1904 = False
    for element in book.iter():
        if element.tag.endswith("}workbookPr"):
            date1904 = element.get("date1904", "").lower() in ("1", "true")
        elif element.tag.endswith("}sheet"):
            link = next((v for k, v in element.attrib.items() if _RELATIONSHIP_ID.match(k)), "")
            target = targets.get(link, "")
            part = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
            sheets[element.get("name", "")] = part
    return _Book(sheets=sheets, date1904=date1904)


def _xlsx_rows(worksheet: Any) -> Iterator[tuple[int, tuple[Any, ...]]]:
    """calamine yields every row from the first, and each from the first used column: the
    leading empty columns are put back so that column numbers stay Excel's. Empty cells
    become None and whole numbers int, as openpyxl gives them (the importer relies on both)."""
    lead = (None,) * (worksheet.start[1] if worksheet.start else 0)
    for number, values in enumerate(worksheet.iter_rows(), start=1):
        yield number, lead + tuple([_value(value) for value in values])


def _value(value: Any) -> Any:
    if value == "":
        return None
    if type(value) is float and value.is_integer() and abs(value) < 1e15:
        return int(value)
    return value


@dataclass
class _Layout:
    merged: list[MergedRange] = field(default_factory=list)
    hidden_rows: set[int] = field(default_factory=set)
    has_formulas: bool = False
    last_row: int = 0


_MERGE = re.compile(rb'<mergeCell\s+ref="([A-Z]+\d+:[A-Z]+\d+)"')
_ROW_TAG = re.compile(rb"<row\b[^>]*>")
_ROW_NUMBER = re.compile(rb'\br="(\d+)"')
_HIDDEN = re.compile(rb'\bhidden="(1|true)"')
_FORMULA = re.compile(rb"<f[\s>/]")
_SCAN_CHUNK = 1 << 20
_SCAN_OVERLAP = 512


def _scan_layout(archive: zipfile.ZipFile, part: str) -> _Layout:
    """Merged ranges, hidden rows, the last row and whether formulas exist, from the sheet's
    XML scanned as bytes (tags only, nothing is parsed or expanded): the row cap is checked
    before the sheet is loaded."""
    layout = _Layout()
    with archive.open(part) as stream:
        tail = b""
        while chunk := stream.read(_SCAN_CHUNK):
            text = tail + chunk
            for match in _ROW_TAG.finditer(text):
                tag = match.group(0)
                number = _ROW_NUMBER.search(tag)
                if number:
                    row = int(number.group(1))
                    layout.last_row = max(layout.last_row, row)
                    if _HIDDEN.search(tag):
                        layout.hidden_rows.add(row)
                else:
                    layout.last_row += 1  # rows may leave out their number: they count on
            for match in _MERGE.finditer(text):
                min_col, min_row, max_col, max_row = range_boundaries(match.group(1).decode())
                merged = MergedRange(min_row, min_col, max_row, max_col)  # type: ignore[arg-type]
                if merged not in layout.merged:
                    layout.merged.append(merged)
            layout.has_formulas = layout.has_formulas or bool(_FORMULA.search(text))
            tail = text[-_SCAN_OVERLAP:]
    return layout


def _formulas_without_value(path: Path, title: str) -> set[tuple[int, int]]:
    """Cells holding a formula: a second, rare pass, only when the sheet has formulas."""
    workbook = openpyxl.load_workbook(path, read_only=True, data_only=False)
    try:
        cells = set()
        for row in workbook[title].iter_rows():
            for cell in row:
                if getattr(cell, "data_type", None) == "f":
                    cells.add((cell.row, cell.column))
        return cells
    finally:
        workbook.close()


# --- writing -----------------------------------------------------------------------------


def escape_cell(value: Any) -> Any:
    """Text that Excel would run as a formula becomes literal text (SECURITY.md I-6); control
    characters, which the xlsx format cannot hold, are dropped."""
    if not isinstance(value, str):
        return value
    if value.startswith(FORMULA_TRIGGERS):
        value = "'" + value
    return ILLEGAL_CHARACTERS_RE.sub("", value)


def unescape_cell(value: Any) -> Any:
    """The inverse of `escape_cell`, so that an exported file imports back unchanged."""
    if isinstance(value, str) and value.startswith("'") and value[1:2] and value[1] in "=+-@":
        return value[1:]
    return value


def write_xlsx(
    target: IO[bytes] | Path,
    header: Sequence[str],
    rows: Iterable[Sequence[Any]],
    *,
    title: str = "Sheet1",
    text_columns: Sequence[int] = (),
    notes: Sequence[tuple[str, str]] = (),
) -> int:
    """Stream rows into a new workbook; returns the number of data rows written.

    `text_columns` (0-based) are formatted as Text, so that Excel keeps an ID number typed
    into them as the 18 characters it is instead of a rounded number. `notes` (label, value)
    go on a second sheet: who exported what, when.
    """
    workbook = openpyxl.Workbook(write_only=True)
    worksheet = workbook.create_sheet(title=title[:31])
    for index in text_columns:
        letter = openpyxl.utils.get_column_letter(index + 1)
        worksheet.column_dimensions[letter].number_format = "@"
        worksheet.column_dimensions[letter].width = 22
    worksheet.append([escape_cell(name) for name in header])
    count = 0
    for row in rows:
        worksheet.append([escape_cell(value) for value in row])
        count += 1
    if notes:
        about = workbook.create_sheet(title="说明")
        for label, value in notes:
            about.append([escape_cell(label), escape_cell(value)])
    workbook.save(target)
    return count


def write_csv(target: IO[bytes], header: Sequence[str], rows: Iterable[Sequence[Any]]) -> int:
    """CSV for Excel: UTF-8 with a byte-order mark, cells escaped like the workbook's."""
    target.write(codecs.BOM_UTF8)
    text = io.TextIOWrapper(target, encoding="utf-8", newline="", write_through=True)
    writer = csv.writer(text)
    writer.writerow([escape_cell(name) for name in header])
    count = 0
    for row in rows:
        writer.writerow(["" if value is None else escape_cell(value) for value in row])
        count += 1
    text.detach()
    return count
