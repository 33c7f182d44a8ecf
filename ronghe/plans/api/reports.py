"""Progress reports with their evidence (photos and scans, meetings, resolutions, a link), the
checker's acceptance or return, and the download of a report's file."""

from datetime import datetime
from typing import Any
from uuid import UUID

from django import forms
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import FileResponse, HttpRequest
from django.utils.datastructures import MultiValueDict
from ninja import Field, File, Form, Router, Schema, Status
from ninja.files import UploadedFile
from ninja.pagination import CursorPagination, paginate

from ronghe.api.errors import FieldError
from ronghe.api.idempotency import idempotent
from ronghe.core import private_files
from ronghe.core.access import get_for_user
from ronghe.orglife.models import Resolution
from ronghe.plans import services
from ronghe.plans.api.common import ReasonIn, form_data, refusals, validated
from ronghe.plans.forms import ReasonForm, ReportForm
from ronghe.plans.models import ProgressReport, ReportFile, Task

router = Router(tags=["progress reports"])

# What the API calls a field the page's report form names otherwise.
RENAMED = {"evidence": "files"}


class ReportFileOut(Schema):
    code: UUID
    name: str
    content_type: str
    size: int
    url: str

    @staticmethod
    def resolve_url(file: ReportFile) -> str:
        return f"/api/v1/tasks/files/{file.code}"


class ReportOut(Schema):
    code: UUID
    task: UUID
    text: str
    progress: int
    claims_done: bool = Field(..., description="the reporter says the task is finished")
    link: str
    status: str = Field(..., json_schema_extra={"enum": list(ProgressReport.Status.values)})
    times_returned: int
    return_reason: str = Field(..., description="what evidence the checker asked for")
    reported_by: str | None
    submitted_at: datetime
    checked_by: str | None
    checked_at: datetime | None
    files: list[ReportFileOut]
    meetings: list[UUID]
    resolutions: list[UUID]

    @staticmethod
    def resolve_task(report: ProgressReport) -> UUID:
        return report.task.code

    @staticmethod
    def resolve_reported_by(report: ProgressReport) -> str | None:
        return str(report.reported_by) if report.reported_by else None

    @staticmethod
    def resolve_checked_by(report: ProgressReport) -> str | None:
        return str(report.checked_by) if report.checked_by else None

    @staticmethod
    def resolve_files(report: ProgressReport) -> list[ReportFile]:
        return list(report.files.all())

    @staticmethod
    def resolve_meetings(report: ProgressReport) -> list[UUID]:
        return [meeting.code for meeting in report.meetings.all()]

    @staticmethod
    def resolve_resolutions(report: ProgressReport) -> list[UUID]:
        return [resolution.code for resolution in report.resolutions.all()]


class ReportIn(Schema):
    """A progress report, sent as multipart/form-data with its photos and scans as `files`.
    Saying the task is finished needs evidence: a file, a meeting, a resolution or a link."""

    text: str = Field(..., max_length=10_000, description="what was done")
    progress: int = Field(..., ge=0, le=100)
    claims_done: bool = Field(False, description="the task is finished")
    link: str = Field("", max_length=200)
    meetings: list[UUID] = Field(
        default_factory=list, max_length=50, description="held meetings of its organisation"
    )
    resolutions: list[UUID] = Field(
        default_factory=list, max_length=50, description="resolutions of those meetings"
    )


def _reports() -> QuerySet[ProgressReport]:
    return ProgressReport.objects.select_related(
        "task", "reported_by", "checked_by"
    ).prefetch_related("files", "meetings", "resolutions")


def _report_input(
    request: HttpRequest, task: Task, data: ReportIn, files: list[UploadedFile] | None
) -> services.ReportInput:
    """The page's report form checks the fields and the files; the resolutions offered are
    those of the meetings it offers."""
    form = ReportForm(
        form_data(data.dict(exclude={"resolutions"})),
        MultiValueDict({"evidence": list(files or [])}),
        task=task,
        user=request.user,
    )
    validated(form, rename=RENAMED)
    report = form.report_input()
    meetings: Any = form.fields["meetings"]
    offered = forms.ModelMultipleChoiceField(
        queryset=Resolution.objects.filter(meeting__in=meetings.queryset),
        to_field_name="code",
        required=False,
    )
    try:
        report.resolutions = list(offered.clean([str(code) for code in data.resolutions]))
    except ValidationError as error:
        raise FieldError({"resolutions": error.messages}) from error
    return report


@router.get(
    "/tasks/{uuid:code}/reports", response=list[ReportOut], summary="A task's reports, newest first"
)
@paginate(CursorPagination, ordering=("-id",), page_size=50, max_page_size=200)
def list_reports(request: HttpRequest, code: UUID) -> Any:
    task = get_for_user(Task, request.user, code)
    return _reports().filter(task=task)


@router.post(
    "/tasks/{uuid:code}/reports",
    response={201: ReportOut},
    summary="Report progress with evidence (multipart: the fields and `files`)",
)
@idempotent
def submit_report(
    request: HttpRequest,
    code: UUID,
    data: Form[ReportIn],
    files: File[list[UploadedFile]] = None,  # type: ignore[assignment]
) -> Status[ProgressReport]:
    task = get_for_user(Task, request.user, code, write=True)
    report_input = _report_input(request, task, data, files)
    with refusals(location="form", rename=RENAMED):
        report = services.report_submit(task=task, data=report_input, by=request.user)
    return Status(201, _reports().get(pk=report.pk))


@router.get("/tasks/reports/{uuid:code}", response=ReportOut, summary="One progress report")
def get_report(request: HttpRequest, code: UUID) -> ProgressReport:
    report = get_for_user(ProgressReport, request.user, code)
    return _reports().get(pk=report.pk)


@router.post(
    "/tasks/reports/{uuid:code}/amend",
    response=ReportOut,
    summary="Amend a returned or unchecked report and submit it again (files are added)",
)
def amend_report(
    request: HttpRequest,
    code: UUID,
    data: Form[ReportIn],
    files: File[list[UploadedFile]] = None,  # type: ignore[assignment]
) -> ProgressReport:
    report = get_for_user(ProgressReport, request.user, code, write=True)
    report_input = _report_input(request, report.task, data, files)
    with refusals(location="form", rename=RENAMED):
        services.report_amend(report=report, data=report_input, by=request.user)
    return _reports().get(pk=report.pk)


def _report_for_check(request: HttpRequest, code: UUID) -> ProgressReport:
    report = get_for_user(ProgressReport, request.user, code)
    if not ProgressReport.objects.checkable_by(request.user).filter(pk=report.pk).exists():
        raise PermissionDenied
    return report


@router.post(
    "/tasks/reports/{uuid:code}/accept",
    response=ReportOut,
    summary="Accept a report (not by its reporter); one saying the task is finished closes it",
)
def accept_report(request: HttpRequest, code: UUID) -> ProgressReport:
    report = _report_for_check(request, code)
    with refusals():
        services.report_accept(report=report, by=request.user)
    return _reports().get(pk=report.pk)


@router.post(
    "/tasks/reports/{uuid:code}/return", response=ReportOut, summary="Return a report for evidence"
)
def return_report(request: HttpRequest, code: UUID, data: ReasonIn) -> ProgressReport:
    report = _report_for_check(request, code)
    cleaned = validated(ReasonForm(data.dict()))
    with refusals():
        services.report_return(report=report, reason=cleaned["reason"], by=request.user)
    return _reports().get(pk=report.pk)


@router.get("/tasks/files/{uuid:code}", summary="A report's photo or scan")
def report_file(request: HttpRequest, code: UUID) -> FileResponse:
    return private_files.attachment_response(get_for_user(ReportFile, request.user, code))
