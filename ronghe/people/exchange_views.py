"""Roster import and export pages.

Import: upload → the check (a job with a progress bar for big files) → the report with a
preview, every wrong row and the annotated file → one button that writes all rows.
Export: the list as filtered, at once up to the approval threshold, else a request that a
second person approves (SECURITY.md G-3).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, QueryDict
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from ronghe.core import private_files
from ronghe.core.access import Cap, require_cap
from ronghe.core.downloads import private_download
from ronghe.core.spreadsheets import write_xlsx
from ronghe.people import exports, imports, listing
from ronghe.people.import_forms import RosterUploadForm
from ronghe.people.models import ExportRequest, ImportBatch

Status = ImportBatch.Status
RUNNING = (Status.UPLOADED, Status.VALIDATING, Status.COMMITTING)
SHOWN_ERRORS = 200


# --- import ----------------------------------------------------------------------------------


@never_cache
def import_upload(request: HttpRequest) -> HttpResponseBase:
    require_cap(request.user, Cap.WRITE_PEOPLE)
    form = RosterUploadForm(request.POST or None, request.FILES or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        batch = imports.upload(
            chunks=upload.chunks(),
            filename=upload.name,
            org=form.cleaned_data["org"],
            user=request.user,
            update_existing=form.cleaned_data["update_existing"],
            source=ImportBatch.Source.WEB,
        )
        imports.schedule(batch, step="check")
        return redirect("people:import_batch", code=batch.code)
    batches = imports.batches_visible_to(request.user)[:10]
    return render(
        request,
        "people/import.html",
        {"form": form, "batches": batches, "max_rows": settings.RONGHE_IMPORT_MAX_ROWS},
    )


@never_cache
def import_batch(request: HttpRequest, code: Any) -> HttpResponseBase:
    batch = imports.get_batch_for_user(request.user, code)
    report = batch.report or {}
    context = {
        "batch": batch,
        "running": batch.status in RUNNING,
        "progress": imports.progress_of(batch) if batch.status in RUNNING else {},
        "errors": report.get("errors", [])[:SHOWN_ERRORS],
        "more_errors": max(0, batch.error_count - SHOWN_ERRORS),
        "warnings": report.get("warnings", []),
        "preview": report.get("preview", []),
    }
    if request.htmx:  # type: ignore[attr-defined]
        return render(request, "people/import_batch.html#status", context)
    return render(request, "people/import_batch.html", context)


@require_POST
@never_cache
def import_commit(request: HttpRequest, code: Any) -> HttpResponseBase:
    batch = imports.get_batch_for_user(request.user, code)
    if imports.claim(batch):
        imports.schedule(batch, step="commit")
    elif batch.status != Status.COMMITTED:
        messages.error(request, _("This file is not ready to import."))
    return redirect("people:import_batch", code=batch.code)


@never_cache
def import_errors(request: HttpRequest, code: Any) -> HttpResponseBase:
    batch = imports.get_batch_for_user(request.user, code)
    stem = batch.filename.rsplit(".", 1)[0]
    return private_download(
        "reports", imports.error_report(batch, by=request.user), f"{stem}-错误原因.xlsx"
    )


@never_cache
def import_template(request: HttpRequest) -> HttpResponseBase:
    """An empty roster with the accepted headers; the ID and date columns are Text."""
    require_cap(request.user, Cap.WRITE_PEOPLE)
    target = private_files.path_of("exports", private_files.new_name(".xlsx"))
    write_xlsx(target, exports.HEADER, [], title="名册", text_columns=exports.TEXT_INDEXES)
    return private_download("exports", target.name, "名册模板.xlsx")


# --- export ----------------------------------------------------------------------------------


@never_cache
def roster_export(request: HttpRequest) -> HttpResponseBase:
    require_cap(request.user, Cap.READ_PEOPLE)
    try:
        path, _count = exports.export_roster(request.user, request.GET)
    except exports.ApprovalRequired as needed:
        filters = listing.read_filters(request.user, request.GET)
        return render(
            request,
            "people/export_request.html",
            {
                "count": needed.count,
                "threshold": settings.RONGHE_EXPORT_APPROVAL_ROWS,
                "query": request.GET.urlencode(),
                "filters": filters,
            },
        )
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    return private_download("exports", path.name, f"名册-{stamp}.xlsx")


@require_POST
@never_cache
def export_request(request: HttpRequest) -> HttpResponseBase:
    require_cap(request.user, Cap.READ_PEOPLE)
    reason = " ".join(request.POST.get("reason", "").split())[:200]
    params = request.POST.copy()
    if not reason:
        filters = listing.read_filters(request.user, params)
        return render(
            request,
            "people/export_request.html",
            {
                "count": listing.roster_for(request.user, filters).count(),
                "threshold": settings.RONGHE_EXPORT_APPROVAL_ROWS,
                "query": params.get("query", ""),
                "filters": filters,
                "reason_error": _("Say what the data is needed for."),
            },
            status=400,
        )
    exports.request_export(request.user, QueryDict(params.get("query", "")), reason=reason)
    messages.success(request, _("Your request was sent for approval."))
    return redirect("people:exports")


@never_cache
def export_list(request: HttpRequest) -> HttpResponseBase:
    return render(
        request,
        "people/exports.html",
        {
            "own": exports.own_requests(request.user)[:20],
            "to_decide": exports.requests_to_decide(request.user),
            "hours": settings.RONGHE_EXPORT_FILE_HOURS,
        },
    )


def _request_for(user: Any, code: Any) -> ExportRequest:
    export = exports.visible_requests(user).filter(code=code).first()
    if export is None:
        raise Http404
    return export


@require_POST
@never_cache
def export_decide(request: HttpRequest, code: Any) -> HttpResponseBase:
    export = _request_for(request.user, code)
    if not exports.requests_to_decide(request.user).filter(pk=export.pk).exists():
        raise PermissionDenied
    decision = request.POST.get("decision")
    if decision not in ("approve", "refuse"):
        messages.error(request, _("Choose approve or refuse."))
        return redirect("people:exports")
    approve = decision == "approve"
    note = " ".join(request.POST.get("note", "").split())[:200]
    exports.decide(export, by=request.user, approve=approve, note=note)
    messages.success(request, _("Approved.") if approve else _("Refused."))
    return redirect("people:exports")


@never_cache
def export_download(request: HttpRequest, code: Any) -> HttpResponseBase:
    export = _request_for(request.user, code)
    path, _count = exports.approved_file(export, request.user)
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    return private_download("exports", path.name, f"名册-{stamp}.xlsx")
