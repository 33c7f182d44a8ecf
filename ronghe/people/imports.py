"""Import batches: upload → check (a job for big files) → report → import, for the page, the
API and the console alike.

Each step is a function over an `ImportBatch`. The upload is kept in the private directory
until the rows are written (or the batch expires); the report and the annotated copy of the
user's file (an added 错误原因 column) are produced by the check (SECURITY.md K-1, K-2, F-2).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta
from pathlib import Path
from typing import Any

import openpyxl
from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from huey.contrib.djhuey import HUEY
from openpyxl.styles import PatternFill

from ronghe.core import audit, private_files
from ronghe.core.access import Cap, reach_of
from ronghe.core.spreadsheets import Limits, UnreadableFile, open_sheet, write_xlsx
from ronghe.orgs.models import PartyOrg
from ronghe.people.importing import ImportReport, RosterImport, RowError
from ronghe.people.models import ImportBatch

Status = ImportBatch.Status
BAD_FILL = PatternFill("solid", fgColor="FFC7CE")
REASON_HEADER = "错误原因"
ROW_HEADER = "行号"


# --- who sees which batch --------------------------------------------------------------------


def batches_visible_to(user: Any) -> Any:
    """A user's own uploads into organisations where they may still file people."""
    reach = reach_of(user).q(Cap.WRITE_PEOPLE, party="party_org__")
    return ImportBatch.objects.filter(reach, uploaded_by=user).select_related("party_org")


def get_batch_for_user(user: Any, code: Any) -> ImportBatch:
    batch = batches_visible_to(user).filter(code=code).first()
    if batch is None:
        raise Http404
    return batch


def target_orgs_for(user: Any) -> Any:
    """Where a user may import into: open Party organisations they may file people under."""
    return PartyOrg.objects.staffable_by(user).open()


# --- the steps -------------------------------------------------------------------------------


def upload(
    *,
    chunks: Iterable[bytes],
    filename: str,
    org: PartyOrg,
    user: Any,
    update_existing: bool,
    source: str,
) -> ImportBatch:
    """Keep the file privately and record the batch (and its audit row)."""
    suffix = Path(filename).suffix.lower()[:6] if Path(filename).suffix.isascii() else ""
    name, sha256, size = private_files.store("uploads", chunks, suffix)
    with transaction.atomic():
        batch = ImportBatch.objects.create(
            party_org=org,
            uploaded_by=user if getattr(user, "is_authenticated", False) else None,
            source=source,
            filename=Path(filename).name[:200] or "roster",
            sha256=sha256,
            size=size,
            update_existing=update_existing,
            stored_name=name,
        )
        audit.record(
            audit.Action.IMPORT_UPLOADED,
            actor=user,
            obj=batch,
            after={"org": org.org_code, "sha256": sha256, "size": size},
        )
    return batch


def check(batch: ImportBatch, *, limits: Limits | None = None) -> ImportReport:
    """Validate the whole file; keep the report (and the annotated copy if rows are wrong)."""
    _set_status(batch, Status.VALIDATING)
    importer, report = _validate(batch, limits or Limits.uploads())
    _finish_check(batch, importer, report)
    return report


def claim(batch: ImportBatch) -> bool:
    """Mark a checked batch as being imported; False if it is not ready or someone (a second
    press of the button, another request) already did. The one guard against double imports."""
    claimed = ImportBatch.objects.filter(pk=batch.pk, status=Status.VALID).update(
        status=Status.COMMITTING
    )
    if claimed:
        batch.status = Status.COMMITTING
    return bool(claimed)


def commit(batch: ImportBatch, *, limits: Limits | None = None) -> ImportReport:
    """Write the rows of a claimed batch; the file is validated again first, against the
    database as it is now. A job retried after its worker died finds the batch still claimed
    and nothing written (the rows go in one transaction), so it simply runs again."""
    batch.refresh_from_db(fields=["status"])
    if batch.status != Status.COMMITTING:
        return _stored_report(batch)
    importer, report = _validate(batch, limits or Limits.uploads())
    return _write(batch, importer, report)


def _write(batch: ImportBatch, importer: RosterImport | None, report: ImportReport) -> ImportReport:
    if importer is not None and report.ok:
        report = importer.commit(batch_label=f"import {batch.code}")
    if report.committed:
        _finish_commit(batch, report)
    else:
        _finish_check(batch, importer, report)
    return report


def run(batch: ImportBatch, *, then_commit: bool, limits: Limits | None = None) -> ImportReport:
    """Check, and if asked and clean, import at once (the console's one-shot path): the rows
    just validated are written without reading the file a second time."""
    _set_status(batch, Status.VALIDATING)
    importer, report = _validate(batch, limits or Limits.uploads())
    _finish_check(batch, importer, report)
    if then_commit and report.ok and claim(batch):
        report = _write(batch, importer, report)
    return report


def schedule(batch: ImportBatch, *, step: str) -> None:
    """Small files are handled at once; bigger ones by a job, with progress on the page."""
    from ronghe.people import tasks

    if batch.size <= settings.RONGHE_IMPORT_INLINE_BYTES:
        (check if step == "check" else commit)(batch)
        return
    transaction.on_commit(lambda: tasks.import_step(batch.pk, step))


def error_report(batch: ImportBatch, *, by: Any) -> str:
    """The stored name of the annotated copy, for a download that is audited like any export
    (it holds the uploaded rows); 404 when the batch has none."""
    if not batch.error_file:
        raise Http404
    audit.record(audit.Action.EXPORT, actor=by, obj=batch, message="import error report")
    return batch.error_file


def discard(batch: ImportBatch) -> None:
    """A checked batch nobody will import (a dry run): its files go at once."""
    private_files.delete("uploads", batch.stored_name)
    private_files.delete("reports", batch.error_file)
    batch.stored_name = batch.error_file = ""
    if batch.status == Status.VALID:
        batch.status = Status.EXPIRED
    batch.save(update_fields=["stored_name", "error_file", "status"])


def expire_old_batches() -> int:
    """Uploads nobody imported within the allowed time: delete the files (F-2)."""
    limit = timezone.now() - timedelta(hours=settings.RONGHE_TEMP_FILE_HOURS)
    stale = ImportBatch.objects.filter(created_at__lt=limit).exclude(
        Q(stored_name="") & Q(error_file="")
    )
    count = 0
    for batch in stale:
        private_files.delete("uploads", batch.stored_name)
        private_files.delete("reports", batch.error_file)
        if batch.status not in (Status.COMMITTED, Status.FAILED):
            batch.status = Status.EXPIRED
        batch.stored_name = batch.error_file = ""
        batch.save(update_fields=["status", "stored_name", "error_file"])
        count += 1
    return count


# --- progress (kept in the job queue's store, which the web and the workers share) ------------


def _progress_key(batch: ImportBatch) -> str:
    return f"import-progress:{batch.code}"


def progress_of(batch: ImportBatch) -> dict[str, Any]:
    value = HUEY.storage.peek_data(_progress_key(batch))
    if value is None or value is getattr(HUEY.storage, "EmptyData", object()):
        return {}
    try:
        return dict(HUEY.serializer.deserialize(value))
    except Exception:
        return {}


def _reporter(batch: ImportBatch) -> Any:
    def report(phase: str, done: int) -> None:
        HUEY.storage.put_data(
            _progress_key(batch), HUEY.serializer.serialize({"phase": phase, "done": done})
        )

    return report


# --- internals -------------------------------------------------------------------------------


def _set_status(batch: ImportBatch, status: str) -> None:
    batch.status = status
    ImportBatch.objects.filter(pk=batch.pk).update(status=status)


def _validate(batch: ImportBatch, limits: Limits) -> tuple[RosterImport | None, ImportReport]:
    path = private_files.path_of("uploads", batch.stored_name) if batch.stored_name else None
    if path is None or not path.exists():
        report = ImportReport()
        report.errors.append(
            RowError(
                0, "", "", "expired", _("The uploaded file is no longer kept: upload it again.")
            )
        )
        return None, report
    importer = RosterImport(
        org=batch.party_org,
        user=batch.uploaded_by,
        update_existing=batch.update_existing,
        progress=_reporter(batch),
    )
    try:
        with open_sheet(path, limits) as sheet:
            importer.sheet_title = sheet.title
            importer.validate(sheet)
    except UnreadableFile as exc:
        report = ImportReport()
        report.errors.append(RowError(0, "", "", "unreadable", str(exc)))
        return None, report
    _refuse_repeated_file(batch, importer.report)
    return importer, importer.report


def _refuse_repeated_file(batch: ImportBatch, report: ImportReport) -> None:
    """The same file into the same organisation again creates nobody twice (K-2)."""
    if batch.update_existing:
        return  # an explicit update: unchanged rows are simply left alone
    earlier = (
        ImportBatch.objects.filter(
            sha256=batch.sha256, party_org=batch.party_org, status=Status.COMMITTED
        )
        .exclude(pk=batch.pk)
        .first()
    )
    if earlier is not None:
        report.errors.insert(
            0,
            RowError(
                0,
                "",
                "",
                "already_imported",
                _("This file was already imported on %(when)s (%(n)s people added).")
                % {
                    "when": timezone.localtime(earlier.finished_at or earlier.created_at).strftime(
                        "%Y-%m-%d %H:%M"
                    ),
                    "n": earlier.created,
                },
            ),
        )


def _finish_check(batch: ImportBatch, importer: RosterImport | None, report: ImportReport) -> None:
    if importer is None:
        batch.status = Status.FAILED
        private_files.delete("uploads", batch.stored_name)
        batch.stored_name = ""
    else:
        batch.status = Status.VALID if report.ok else Status.INVALID
    private_files.delete("reports", batch.error_file)
    batch.error_file = ""
    if importer is not None and not report.ok:
        batch.error_file = write_error_report(batch, importer)
    _store_report(batch, report)
    with transaction.atomic():
        batch.save()
        if not report.ok:
            audit.record(
                audit.Action.IMPORT_REFUSED,
                actor=batch.uploaded_by,
                obj=batch,
                outcome=audit.Outcome.FAILURE,
                after={"rows": report.total, "errors": len(report.errors)},
            )


def _finish_commit(batch: ImportBatch, report: ImportReport) -> None:
    private_files.delete("uploads", batch.stored_name)
    private_files.delete("reports", batch.error_file)
    batch.stored_name = batch.error_file = ""
    batch.status = Status.COMMITTED
    batch.finished_at = timezone.now()
    _store_report(batch, report)
    with transaction.atomic():
        batch.save()
        audit.record(
            audit.Action.IMPORT,
            actor=batch.uploaded_by,
            obj=batch,
            after={
                "org": batch.party_org.org_code,
                "rows": report.total,
                "created": report.created,
                "updated": report.updated,
                "unchanged": report.unchanged,
            },
        )


def _store_report(batch: ImportBatch, report: ImportReport) -> None:
    batch.report = report.as_dict()
    batch.report["preview"] = report.preview
    batch.total, batch.created, batch.updated = report.total, report.created, report.updated
    batch.unchanged, batch.error_count = report.unchanged, len(report.errors)
    if not report.committed:  # before the import: what it would do
        batch.created, batch.updated = report.planned_created, report.planned_updated
        batch.unchanged = report.planned_unchanged


def _stored_report(batch: ImportBatch) -> ImportReport:
    data = batch.report or {}
    report = ImportReport(
        total=batch.total,
        created=batch.created,
        updated=batch.updated,
        unchanged=batch.unchanged,
        committed=batch.status == Status.COMMITTED,
    )
    report.errors = [RowError(**error) for error in data.get("errors", [])]
    report.warnings = list(data.get("warnings", []))
    return report


# --- the annotated copy ----------------------------------------------------------------------


def write_error_report(batch: ImportBatch, importer: RosterImport) -> str:
    """The user's own file with 行号 and 错误原因 added and the wrong cells marked."""
    source = private_files.path_of("uploads", batch.stored_name)
    name = private_files.new_name(".xlsx")
    target = private_files.path_of("reports", name)
    report = importer.report
    by_row = report.errors_by_row()
    if source.read_bytes()[:4] == b"PK\x03\x04":
        _annotate_workbook(source, target, importer, by_row)
    else:
        _annotate_csv(source, target, importer, by_row)
    target.chmod(0o600)
    return name


def _reason(errors: list[RowError]) -> str:
    return "；".join(
        f"{error.column}：{error.message}" if error.column else error.message for error in errors
    )


def _annotate_workbook(
    source: Path, target: Path, importer: RosterImport, by_row: dict[int, list[RowError]]
) -> None:
    workbook = openpyxl.load_workbook(source)  # formulas stay formulas: it is their file
    sheet = workbook[importer.sheet_title] if importer.sheet_title else workbook.worksheets[0]
    header_row = importer.report.header_row or 1
    row_col, reason_col = sheet.max_column + 1, sheet.max_column + 2
    sheet.cell(header_row, row_col, ROW_HEADER)
    sheet.cell(header_row, reason_col, REASON_HEADER).fill = BAD_FILL
    sheet.column_dimensions[openpyxl.utils.get_column_letter(reason_col)].width = 60
    columns_by_header = {header: col for col, header in importer.header_columns().items()}
    for row, errors in by_row.items():
        at = row or header_row
        sheet.cell(at, row_col, row or "")
        sheet.cell(at, reason_col, _reason(errors)).fill = BAD_FILL
        for error in errors:
            col = columns_by_header.get(error.column)
            if row and col:
                sheet.cell(row, col).fill = BAD_FILL
    workbook.save(target)


def _annotate_csv(
    source: Path, target: Path, importer: RosterImport, by_row: dict[int, list[RowError]]
) -> None:
    with open_sheet(source, Limits.console()) as sheet:
        rows = list(sheet.rows)
    header_row = importer.report.header_row or 1
    header = ["" if value is None else str(value) for value in dict(rows).get(header_row, ())]
    width = max((len(values) for _, values in rows), default=0)

    def lines() -> Iterable[list[Any]]:
        for row, values in rows:
            if row == header_row:
                continue
            cells = ["" if value is None else value for value in values]
            cells += [""] * (width - len(cells))
            errors = by_row.get(row, [])
            yield [*cells, row if errors else "", _reason(errors)]

    header += [""] * (width - len(header))
    top = by_row.get(0, [])
    write_xlsx(
        target,
        [*header, ROW_HEADER, REASON_HEADER + (f"（{_reason(top)}）" if top else "")],
        lines(),
    )
