"""Roster export: the list's rows in the import's own columns, masked unless the user may
unmask, audited, and above a row count only after a second person approved (SECURITY.md D-2,
G-3, I-6). An unmasked export imported back with "update existing people" changes nothing.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import connection, transaction
from django.db.models import Exists, OuterRef, Q
from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext as _

from ronghe.core import audit, crypto, private_files
from ronghe.core.access import Cap, reach_of
from ronghe.core.spreadsheets import write_xlsx
from ronghe.orgs.models import PartyOrg, PathNames, Unit
from ronghe.people import listing, roster
from ronghe.people.models import ExportRequest, Person, format_partial_date
from ronghe.people.roster import COLUMNS, TEXT_COLUMNS

HEADER = [column.header for column in COLUMNS]
TEXT_INDEXES = [index for index, column in enumerate(COLUMNS) if column.key in TEXT_COLUMNS]


class ApprovalRequired(Exception):
    """More rows of personal data than one person may take alone."""

    def __init__(self, count: int) -> None:
        super().__init__(count)
        self.count = count


# --- the file ------------------------------------------------------------------------------


ROW_FIELDS = (
    "name",
    "gender",
    "id_number_encrypted",
    "id_number_masked",
    "birth_date",
    "phone_encrypted",
    "phone_masked",
    "education",
    "political_status",
    "party_org__path",
    "joined_on",
    "joined_on_precision",
    "full_member_on",
    "full_member_on_precision",
    "unit__path",
    "post",
    "may_unmask",
)


def roster_rows(people: Any, *, user: Any) -> Iterator[list[Any]]:
    """One row per person in the import's columns; full numbers only where `user` may unmask.

    Plain value tuples, not model instances: building three objects per row (person, branch,
    unit) cost more than writing the workbook (docs/PERFORMANCE.md)."""
    party_names, unit_names = PathNames(PartyOrg), PathNames(Unit)
    unmaskable = Person.objects.unmaskable_by(user).filter(pk=OuterRef("pk"))
    values = people.annotate(may_unmask=Exists(unmaskable)).values_list(*ROW_FIELDS)
    for row in values.iterator(chunk_size=2000):
        (name, gender, id_sealed, id_masked, born, phone_sealed, phone_masked, education,
         status, party_path, joined, joined_precision, full, full_precision, unit_path, post,
         may_unmask) = row  # fmt: skip
        yield [
            name,
            roster.GENDER_LABELS.get(gender, ""),
            crypto.decrypt(id_sealed) if may_unmask else id_masked,
            _iso(born),
            (crypto.decrypt(phone_sealed) if may_unmask and phone_sealed else phone_masked) or None,
            roster.EDUCATION_LABELS.get(education, "") or None,
            roster.STATUS_LABELS.get(status, ""),
            party_names.full(party_path) or None,
            format_partial_date(joined, joined_precision) or None,
            format_partial_date(full, full_precision) or None,
            unit_names.full(unit_path) or None,
            post or None,
        ]


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value else None


def write_roster(people: Any, *, user: Any, target: Path, notes: list[tuple[str, str]]) -> int:
    with transaction.atomic(), _without_jit():
        return write_xlsx(
            target,
            HEADER,
            roster_rows(people, user=user),
            title="名册",
            text_columns=TEXT_INDEXES,
            notes=notes,
        )


@contextmanager
def _without_jit() -> Iterator[None]:
    """PostgreSQL's JIT compiles the export's one long query for 0.5–0.7 s and wins nothing
    back on a plain scan (docs/PERFORMANCE.md); SET LOCAL ends with the transaction."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL jit = off")
    yield


# --- the rules around it ---------------------------------------------------------------------


def export_roster(
    user: Any, params: Any, *, request: ExportRequest | None = None
) -> tuple[Path, int]:
    """Write the list as `params` filter it into a private file; audited. Above the approval
    threshold only with an approved request of this user."""
    filters = listing.read_filters(user, params)
    people = listing.roster_for(user, filters)
    count = people.count()
    if count > settings.RONGHE_EXPORT_APPROVAL_ROWS and request is None:
        raise ApprovalRequired(count)
    target = private_files.path_of("exports", private_files.new_name(".xlsx"))
    notes = _watermark(user, filters, request)
    written = write_roster(people, user=user, target=target, notes=notes)
    audit.record(
        audit.Action.EXPORT,
        actor=user,
        object_type="people.person",
        object_repr=_("Roster"),
        after={
            "rows": written,
            "filters": filters.query(),
            "request": str(request.code) if request else None,
        },
    )
    return target, written


def _watermark(
    user: Any, filters: listing.RosterFilters, request: ExportRequest | None
) -> list[tuple[str, str]]:
    """Who took this file and when, on a sheet of its own (GB/T 35273 §7.1)."""
    notes = [
        ("导出人", getattr(user, "display_name", "") or user.username),
        ("导出时间", timezone.localtime().strftime("%Y-%m-%d %H:%M:%S")),
        ("筛选条件", urlencode(filters.query()) or "（全部）"),
        ("说明", "本文件含个人信息，仅限工作使用，不得外传。"),
    ]
    if request is not None and request.decided_by is not None:
        notes.insert(2, ("审批人", request.decided_by.username))
    return notes


def approval_scope(user: Any, filters: listing.RosterFilters) -> PartyOrg | None:
    """The organisation an approver must manage: the filter's, else the top of the
    requester's reach."""
    if filters.org is not None:
        return filters.org
    paths = reach_of(user).party_paths.get(Cap.READ_PEOPLE, ())
    if not paths:
        return None
    return PartyOrg.objects.filter(path=min(paths, key=len)).first()


@transaction.atomic
def request_export(user: Any, params: Any, *, reason: str) -> ExportRequest:
    filters = listing.read_filters(user, params)
    scope = approval_scope(user, filters)
    if scope is None:
        raise PermissionDenied
    export = ExportRequest.objects.create(
        requested_by=user,
        party_org=scope,
        query=urlencode(filters.query()),
        row_count=listing.roster_for(user, filters).count(),
        reason=reason,
    )
    audit.record(
        audit.Action.EXPORT_REQUESTED,
        actor=user,
        obj=export,
        after={"rows": export.row_count, "filters": filters.query(), "reason": reason},
    )
    return export


def requests_to_decide(user: Any) -> Any:
    """Pending requests of others over organisations this user manages."""
    reach = reach_of(user).q(Cap.MANAGE_ORGS, party="party_org__")
    return (
        ExportRequest.objects.filter(reach, status=ExportRequest.Status.PENDING)
        .exclude(requested_by=user)
        .select_related("requested_by", "party_org")
    )


def own_requests(user: Any) -> Any:
    return ExportRequest.objects.filter(requested_by=user).select_related("party_org", "decided_by")


@transaction.atomic
def decide(export: ExportRequest, *, by: Any, approve: bool, note: str = "") -> ExportRequest:
    if export.requested_by_id == by.pk:
        raise PermissionDenied  # the second person must be another person
    locked = ExportRequest.objects.select_for_update().get(pk=export.pk)
    if locked.status != ExportRequest.Status.PENDING:
        return locked
    locked.status = ExportRequest.Status.APPROVED if approve else ExportRequest.Status.REFUSED
    locked.decided_by, locked.decided_at, locked.decision_note = by, timezone.now(), note
    locked.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
    audit.record(
        audit.Action.EXPORT_APPROVED if approve else audit.Action.EXPORT_REFUSED,
        actor=by,
        obj=locked,
        after={"rows": locked.row_count, "note": note},
    )
    return locked


def approved_file(export: ExportRequest, user: Any) -> tuple[Path, int]:
    """The approved export, made now for its requester, within the allowed hours."""
    if export.requested_by_id != user.pk or export.status != ExportRequest.Status.APPROVED:
        raise PermissionDenied
    assert export.decided_at is not None
    if timezone.now() - export.decided_at > timedelta(hours=settings.RONGHE_EXPORT_FILE_HOURS):
        raise PermissionDenied
    return export_roster(user, QueryDict(export.query), request=export)


def visible_requests(user: Any) -> Any:
    """Requests a user may open: their own, and those they may decide."""
    decidable = reach_of(user).q(Cap.MANAGE_ORGS, party="party_org__")
    return ExportRequest.objects.filter(Q(requested_by=user) | decidable).select_related(
        "requested_by", "party_org", "decided_by"
    )
