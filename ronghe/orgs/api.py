"""Organisation tree endpoints: the nodes of both trees within the caller's reach."""

from datetime import date
from typing import Any
from uuid import UUID

from django.db.models import Q
from django.http import HttpRequest
from ninja import Field, Query, Router, Schema
from ninja.pagination import CursorPagination, paginate

from ronghe.core.access import Cap, get_for_user, require_cap
from ronghe.orgs.models import PartyOrg, Unit

router = Router(tags=["organisations"])


class PartyOrgOut(Schema):
    code: UUID
    org_code: str
    name: str
    # A plain string with its values: `PartyOrg.Kind` and `Unit.Kind` would share one OpenAPI
    # component named `Kind`.
    kind: str = Field(..., json_schema_extra={"enum": list(PartyOrg.Kind.values)})
    depth: int
    path: str
    established_on: date | None
    term_started_on: date | None
    term_years: int | None
    term_ends_on: date | None
    closed_on: date | None
    units: list[UUID] = Field(..., description="the business units it is built on (支部建在部门上)")

    @staticmethod
    def resolve_units(org: PartyOrg) -> list[UUID]:
        return [unit.code for unit in org.units.all()]


class UnitOut(Schema):
    code: UUID
    org_code: str
    name: str
    kind: str = Field(..., json_schema_extra={"enum": list(Unit.Kind.values)})
    depth: int
    path: str
    closed_on: date | None
    party_orgs: list[UUID] = Field(..., description="the Party organisations built on it")

    @staticmethod
    def resolve_party_orgs(unit: Unit) -> list[UUID]:
        return [org.code for org in unit.party_orgs.all()]


class NodeFilter(Schema):
    q: str = Field("", max_length=50, description="part of the name, or of the organisation code")


def _matching(nodes: Any, text: str) -> Any:
    text = text.strip()
    if not text:
        return nodes
    return nodes.filter(Q(name__contains=text) | Q(org_code__icontains=text))


@router.get("/orgs", response=list[PartyOrgOut], summary="Party organisations in your reach")
@paginate(CursorPagination, ordering=("path",), page_size=50, max_page_size=500)
def list_party_orgs(request: HttpRequest, filters: Query[NodeFilter]) -> Any:
    require_cap(request.user, Cap.READ_ORGS)
    nodes = PartyOrg.objects.visible_to(request.user).prefetch_related("units")
    return _matching(nodes, filters.q)


@router.get("/orgs/{uuid:code}", response=PartyOrgOut, summary="One Party organisation")
def get_party_org(request: HttpRequest, code: UUID) -> PartyOrg:
    return get_for_user(PartyOrg, request.user, code)


@router.get("/units", response=list[UnitOut], summary="Business units in your reach")
@paginate(CursorPagination, ordering=("path",), page_size=50, max_page_size=500)
def list_units(request: HttpRequest, filters: Query[NodeFilter]) -> Any:
    require_cap(request.user, Cap.READ_ORGS)
    nodes = Unit.objects.visible_to(request.user).prefetch_related("party_orgs")
    return _matching(nodes, filters.q)


@router.get("/units/{uuid:code}", response=UnitOut, summary="One business unit")
def get_unit(request: HttpRequest, code: UUID) -> Unit:
    return get_for_user(Unit, request.user, code)
