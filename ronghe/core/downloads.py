"""File downloads of private files: a generated export goes once, then is gone (F-2)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from django.http import FileResponse, Http404

from ronghe.core import private_files
from ronghe.core.spreadsheets import write_xlsx

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def private_download(kind: str, name: str, filename: str) -> FileResponse:
    """Send a private file as an attachment; a generated export is deleted as it is sent
    (the open handle still reads it), so its URL cannot be fetched twice."""
    path = private_files.path_of(kind, name)
    if not path.exists():
        raise Http404
    handle = path.open("rb")
    if kind == "exports":
        path.unlink()
    return FileResponse(handle, as_attachment=True, filename=filename, content_type=XLSX)


def xlsx_download(
    filename: str,
    header: Sequence[str],
    rows: Iterable[Sequence[Any]],
    *,
    title: str = "Sheet1",
    notes: Sequence[tuple[str, str]] = (),
) -> tuple[FileResponse, int]:
    """A list as an .xlsx attachment (cells escaped); returns the response and the row count."""
    name = private_files.new_name(".xlsx")
    count = write_xlsx(
        private_files.path_of("exports", name), header, rows, title=title, notes=notes
    )
    return private_download("exports", name, filename), count
