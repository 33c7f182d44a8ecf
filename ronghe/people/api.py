"""Roster endpoints: the same filters, forms, services, gate and masks as the pages.

People: list (cursor-paginated, the list page's filters), detail, create, update. Import: upload
a file (checked at once, or by a job for big files), read the report with every row error, fetch
the annotated file, then commit. Export: the list as an .xlsx, or above the approval threshold a
request that a second person approves.
"""

from datetime import date, datetime
from typing import Any
from uuid import UUID

from django.http import FileResponse, Http404, HttpRequest, QueryDict
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, File, Form, Query, Router, Schema, Status
from ninja.files import UploadedFile
from ninja.pagination import CursorPagination, paginate

from ronghe.api.errors import ApiError, FieldError
from ronghe.api.idempotency import idempotent
from ronghe.core.access import Cap, get_for_user, require_cap
from ronghe.core.downloads import private_download
from ronghe.core.spreadsheets import Limits, UnreadableFile, sniff
from ronghe.orgs.models import PartyOrg, Unit
from ronghe.people import exports, imports, listing, services
from ronghe.people.forms import PersonForm
from ronghe.people.models import (
    Education,
    ExportRequest,
    Gender,
    ImportBatch,
    Person,
    PoliticalStatus,
)

router = Router(tags=["people"])
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


# --- people ----------------------------------------------------------------------------------


class PlaceOut(Schema):
    code: UUID
    org_code: str
    name: str


class PersonOut(Schema):
    code: UUID
    name: str
    gender: str
    birth_date: date
    id_number: str = Field(..., alias="id_number_masked", description="masked: first 6 and last 4")
    phone: str = Field(..., alias="phone_masked", description="masked")
    education: str
    political_status: PoliticalStatus
    party_org: PlaceOut | None
    unit: PlaceOut | None
    post: str
    joined_on: date | None
    joined_on_precision: str = Field(..., description="day, or month for a date like 2003.07")
    full_member_on: date | None
    full_member_on_precision: str


class PeopleFilter(Schema):
    q: str = Field("", max_length=50, description="name part, pinyin initials or last 4 of the ID")
    org: UUID | None = Field(None, description="a Party organisation: its whole subtree")
    unit: UUID | None = Field(None, description="a business unit: its whole subtree")
    status: PoliticalStatus | None = None


class PersonIn(Schema):
    """A new person; the same rules as the form (check digit, birth date and gender from the
    ID number, dates of joining, a place in either tree)."""

    name: str = Field(..., max_length=50)
    id_number: str = Field(..., max_length=40)
    gender: Gender
    birth_date: date | None = None
    phone: str = Field("", max_length=30)
    education: Education | None = None
    post: str = Field("", max_length=100)
    political_status: PoliticalStatus = PoliticalStatus.NON_MEMBER
    party_org: UUID | None = Field(None, description="code of a branch or Party group")
    unit: UUID | None = Field(None, description="code of a business unit")
    joined_on: date | None = None
    full_member_on: date | None = None


class PersonPatch(Schema):
    """Only the fields sent change; an ID number or phone left out keeps the stored one."""

    name: str | None = Field(None, max_length=50)
    id_number: str | None = Field(None, max_length=40)
    gender: Gender | None = None
    birth_date: date | None = None
    phone: str | None = Field(None, max_length=30)
    education: Education | None = None
    post: str | None = Field(None, max_length=100)
    political_status: PoliticalStatus | None = None
    party_org: UUID | None = None
    unit: UUID | None = None
    joined_on: date | None = None
    full_member_on: date | None = None


def _filters(request: HttpRequest, filters: PeopleFilter) -> listing.RosterFilters:
    # An organisation filter outside the caller's reach is a 404, like the object itself.
    org = get_for_user(PartyOrg, request.user, filters.org) if filters.org else None
    unit = get_for_user(Unit, request.user, filters.unit) if filters.unit else None
    return listing.RosterFilters(
        q=filters.q, org=org, unit=unit, status=filters.status.value if filters.status else ""
    )


@router.get("", response=list[PersonOut], summary="List people in your reach")
@paginate(CursorPagination, ordering=("code",), page_size=50, max_page_size=500)
def list_people(request: HttpRequest, filters: Query[PeopleFilter]) -> Any:
    require_cap(request.user, Cap.READ_PEOPLE)
    return listing.roster_for(request.user, _filters(request, filters)).order_by("code")


@router.get("/{uuid:code}", response=PersonOut, summary="One person")
def get_person(request: HttpRequest, code: UUID) -> Person:
    return get_for_user(Person, request.user, code)


def _form_data(data: dict[str, Any], user: Any) -> dict[str, Any]:
    """JSON values as the form's POST data; codes of places become the form's choices."""
    form_data: dict[str, Any] = {}
    for key, value in data.items():
        if value is None:
            form_data[key] = ""
        elif key in ("party_org", "unit"):
            model: Any = PartyOrg if key == "party_org" else Unit
            node = model.objects.visible_to(user).filter(code=value).first()
            form_data[key] = str(node.pk) if node else "0"  # unknown → the form's "invalid choice"
        elif isinstance(value, date):
            form_data[key] = value.isoformat()
        else:
            form_data[key] = str(getattr(value, "value", value))
    return form_data


def _validated(form: PersonForm) -> dict[str, Any]:
    if not form.is_valid():
        raise FieldError(
            {field: [str(m) for m in messages] for field, messages in form.errors.items()}
        )
    return form.cleaned_data


@router.post("", response={201: PersonOut}, summary="Add a person to the roster")
@idempotent
def create_person(request: HttpRequest, data: PersonIn) -> Status[Person]:
    require_cap(request.user, Cap.WRITE_PEOPLE)
    form = PersonForm(_form_data(data.dict(), request.user), user=request.user)
    try:
        person = services.person_create(data=_validated(form), by=request.user)
    except services.DuplicateIdNumber as exc:
        raise FieldError(
            {"id_number": [_("A person with this ID number already exists.")]}
        ) from exc
    return Status(201, Person.objects.for_list().get(pk=person.pk))


@router.patch("/{uuid:code}", response=PersonOut, summary="Change a person's record")
def update_person(request: HttpRequest, code: UUID, data: PersonPatch) -> Person:
    person = get_for_user(Person, request.user, code, write=True)
    current = _current_values(person)
    sent = data.dict(exclude_unset=True)
    form = PersonForm(
        _form_data({**current, **sent}, request.user), instance=person, user=request.user
    )
    try:
        services.person_update(person=person, data=_validated(form), by=request.user)
    except services.DuplicateIdNumber as exc:
        raise FieldError(
            {"id_number": [_("A person with this ID number already exists.")]}
        ) from exc
    return Person.objects.for_list().get(pk=person.pk)


def _current_values(person: Person) -> dict[str, Any]:
    return {
        "name": person.name,
        "gender": person.gender,
        "birth_date": person.birth_date,
        "education": person.education,
        "post": person.post,
        "political_status": person.political_status,
        "party_org": person.party_org.code if person.party_org else None,
        "unit": person.unit.code if person.unit else None,
        "joined_on": person.joined_on,
        "full_member_on": person.full_member_on,
    }


# --- import ----------------------------------------------------------------------------------


class RowErrorOut(Schema):
    row: int = Field(..., description="the Excel row number the user sees; 0 = the whole file")
    column: str
    value: str
    code: str
    message: str


class ImportOut(Schema):
    code: UUID
    # Plain strings with their values listed: two enums both named `Status` would share one
    # OpenAPI component, and the schema would promise the wrong values.
    status: str = Field(..., json_schema_extra={"enum": list(ImportBatch.Status.values)})
    filename: str
    party_org: PlaceOut
    update_existing: bool
    total: int
    created: int = Field(..., description="added, or before the import: to add")
    updated: int
    unchanged: int
    error_count: int
    errors: list[RowErrorOut] = Field(..., description="the first 1,000 row errors")
    warnings: list[str]
    error_file: str | None = Field(None, description="URL of the file with 错误原因 added")
    created_at: datetime

    @staticmethod
    def resolve_errors(batch: ImportBatch) -> list[dict[str, Any]]:
        return list((batch.report or {}).get("errors", []))

    @staticmethod
    def resolve_warnings(batch: ImportBatch) -> list[str]:
        return list((batch.report or {}).get("warnings", []))

    @staticmethod
    def resolve_error_file(batch: ImportBatch) -> str | None:
        return f"/api/v1/people/imports/{batch.code}/errors.xlsx" if batch.error_file else None


@router.post("/imports", response={202: ImportOut}, summary="Upload a roster file to check")
@idempotent
def upload_roster(
    request: HttpRequest,
    file: File[UploadedFile],
    org: Form[UUID],
    update_existing: Form[bool] = False,
) -> Status[ImportBatch]:
    require_cap(request.user, Cap.WRITE_PEOPLE)
    target = imports.target_orgs_for(request.user).filter(code=org).first()
    if target is None:
        raise FieldError(
            {"org": [_("Choose an open Party organisation where you may file people.")]}
        )
    try:
        sniff(file, file.size or 0, Limits.uploads())
    except UnreadableFile as exc:
        raise FieldError({"file": [str(exc)]}) from exc
    batch = imports.upload(
        chunks=file.chunks(),
        filename=file.name or "roster",
        org=target,
        user=request.user,
        update_existing=update_existing,
        source=ImportBatch.Source.API,
    )
    imports.schedule(batch, step="check")
    batch.refresh_from_db()
    return Status(202, batch)


@router.get("/imports/{uuid:code}", response=ImportOut, summary="An import: status, counts, errors")
def get_import(request: HttpRequest, code: UUID) -> ImportBatch:
    return imports.get_batch_for_user(request.user, code)


@router.post(
    "/imports/{uuid:code}/commit", response={202: ImportOut}, summary="Write the checked rows"
)
@idempotent
def commit_import(request: HttpRequest, code: UUID) -> Status[ImportBatch]:
    batch = imports.get_batch_for_user(request.user, code)
    if imports.claim(batch):
        imports.schedule(batch, step="commit")
    elif batch.status != ImportBatch.Status.COMMITTED:
        raise ApiError(409, "not_ready", _("This file is not ready to import."))
    batch.refresh_from_db()
    return Status(202, batch)


@router.get("/imports/{uuid:code}/errors.xlsx", summary="The uploaded file with 错误原因 added")
def import_errors(request: HttpRequest, code: UUID) -> FileResponse:
    batch = imports.get_batch_for_user(request.user, code)
    return private_download("reports", imports.error_report(batch, by=request.user), "errors.xlsx")


# --- export ----------------------------------------------------------------------------------


class ExportRequestIn(PeopleFilter):
    reason: str = Field(..., min_length=1, max_length=200, description="what the data is for")


class ExportRequestOut(Schema):
    code: UUID
    status: str = Field(..., json_schema_extra={"enum": list(ExportRequest.Status.values)})
    row_count: int
    reason: str
    party_org: PlaceOut
    created_at: datetime
    decided_at: datetime | None
    file: str | None = None

    @staticmethod
    def resolve_file(export: ExportRequest) -> str | None:
        if export.status != ExportRequest.Status.APPROVED:
            return None
        return f"/api/v1/people/exports/{export.code}/file"


def _query_of(request: HttpRequest, filters: PeopleFilter) -> QueryDict:
    query = QueryDict(mutable=True)
    query.update(_filters(request, filters).query())
    return query


def _xlsx(path: Any, name: str) -> FileResponse:
    return private_download("exports", path.name, name)


@router.get(
    "/export.xlsx",
    summary="The list as an .xlsx (403 approval_required above the threshold)",
    response={200: None, 403: dict},
)
def export_people(request: HttpRequest, filters: Query[PeopleFilter]) -> Any:
    require_cap(request.user, Cap.READ_PEOPLE)
    try:
        path, _count = exports.export_roster(request.user, _query_of(request, filters))
    except exports.ApprovalRequired as needed:
        raise ApiError(
            403,
            "approval_required",
            _("%(n)s rows of personal data: ask for approval (POST /api/v1/people/exports).")
            % {"n": needed.count},
        ) from needed
    return _xlsx(path, f"roster-{timezone.localdate():%Y%m%d}.xlsx")


@router.post("/exports", response={201: ExportRequestOut}, summary="Ask for a big export")
@idempotent
def request_export(request: HttpRequest, data: ExportRequestIn) -> Status[ExportRequest]:
    require_cap(request.user, Cap.READ_PEOPLE)
    reason = " ".join(data.reason.split())
    if not reason:
        raise FieldError({"reason": [_("Say what the data is needed for.")]})
    export = exports.request_export(request.user, _query_of(request, data), reason=reason)
    return Status(201, export)


@router.get("/exports/{uuid:code}", response=ExportRequestOut, summary="An export request")
def get_export(request: HttpRequest, code: UUID) -> ExportRequest:
    export = exports.visible_requests(request.user).filter(code=code).first()
    if export is None:
        raise Http404
    return export


@router.get("/exports/{uuid:code}/file", summary="The approved export (within its hours)")
def export_file(request: HttpRequest, code: UUID) -> FileResponse:
    export = get_export(request, code)
    path, _count = exports.approved_file(export, request.user)
    return _xlsx(path, f"roster-{timezone.localdate():%Y%m%d}.xlsx")
