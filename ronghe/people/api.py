"""Roster endpoints: the same gate and masks as the pages."""

from datetime import date
from typing import Any
from uuid import UUID

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema
from ninja.pagination import LimitOffsetPagination, paginate

from ronghe.core.access import Cap, get_for_user, require_cap
from ronghe.orgs.models import PartyOrg, Unit
from ronghe.people.models import Person, PoliticalStatus

router = Router(tags=["people"])


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
    full_member_on: date | None


class PeopleFilter(Schema):
    q: str = Field("", max_length=50, description="name part, pinyin initials or last 4 of the ID")
    org: UUID | None = Field(None, description="a Party organisation: its whole subtree")
    unit: UUID | None = Field(None, description="a business unit: its whole subtree")
    status: PoliticalStatus | None = None


@router.get("", response=list[PersonOut], summary="List people in your reach")
@paginate(LimitOffsetPagination)
def list_people(request: HttpRequest, filters: Query[PeopleFilter]) -> Any:
    require_cap(request.user, Cap.READ_PEOPLE)
    people = Person.objects.visible_to(request.user).for_list().search(filters.q)
    if filters.org is not None:
        org = get_for_user(PartyOrg, request.user, filters.org)
        people = people.filter(party_org__path__startswith=org.path)
    if filters.unit is not None:
        unit = get_for_user(Unit, request.user, filters.unit)
        people = people.filter(unit__path__startswith=unit.path)
    if filters.status is not None:
        people = people.filter(political_status=filters.status)
    return people.order_by("name_pinyin", "id")


@router.get("/{code}", response=PersonOut, summary="One person")
def get_person(request: HttpRequest, code: UUID) -> Person:
    return get_for_user(Person, request.user, code)
