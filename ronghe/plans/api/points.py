"""The integration-point catalogue (融合点): where Party work serves a business goal, and where
each idea came from. A branch sees its committee's points as well as its own."""

from datetime import datetime
from typing import Any
from uuid import UUID

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import CursorPagination, paginate

from ronghe.api.idempotency import idempotent
from ronghe.core.access import Cap, get_for_user, require_cap
from ronghe.plans import services
from ronghe.plans.api.common import (
    OrgRef,
    code_of,
    form_data,
    refusals,
    subtree,
    validated,
    writable_org,
)
from ronghe.plans.forms import PointForm
from ronghe.plans.models import IntegrationPoint

router = Router(tags=["integration points"])


class PointOut(Schema):
    code: UUID
    org: OrgRef
    title: str
    party_work: str
    business_goal: str
    source: str = Field(..., json_schema_extra={"enum": list(IntegrationPoint.Source.values)})
    source_meeting: UUID | None = Field(..., description="the meeting it came from")
    source_note: str
    active: bool
    created_at: datetime

    @staticmethod
    def resolve_source_meeting(point: IntegrationPoint) -> UUID | None:
        return point.source_meeting.code if point.source_meeting else None


class PointFilter(Schema):
    org: UUID | None = Field(None, description="a Party organisation: its whole subtree")
    source: str | None = Field(
        None, json_schema_extra={"enum": list(IntegrationPoint.Source.values)}
    )
    retired: bool = Field(False, description="retired points too")


class PointIn(Schema):
    org: UUID
    title: str = Field(..., max_length=200)
    party_work: str = Field(..., max_length=300)
    business_goal: str = Field(..., max_length=300)
    source: str = Field(..., json_schema_extra={"enum": list(IntegrationPoint.Source.values)})
    source_meeting: UUID | None = Field(None, description="a meeting of the organisation")
    source_note: str = Field("", max_length=300)


class PointPatch(Schema):
    """Only the fields sent change; `active: false` retires the point."""

    title: str | None = Field(None, max_length=200)
    party_work: str | None = Field(None, max_length=300)
    business_goal: str | None = Field(None, max_length=300)
    source: str | None = Field(
        None, json_schema_extra={"enum": list(IntegrationPoint.Source.values)}
    )
    source_meeting: UUID | None = None
    source_note: str | None = Field(None, max_length=300)
    active: bool | None = None


@router.get("/integration-points", response=list[PointOut], summary="The 融合点 catalogue")
@paginate(CursorPagination, ordering=("id",), page_size=50, max_page_size=200)
def list_points(request: HttpRequest, filters: Query[PointFilter]) -> Any:
    require_cap(request.user, Cap.READ_PLANS)
    points = IntegrationPoint.objects.visible_to(request.user).select_related(
        "org", "source_meeting"
    )
    if filters.org:
        points = points.filter(org__path__startswith=subtree(request.user, filters.org))
    if filters.source:
        points = points.filter(source=filters.source)
    if not filters.retired:
        points = points.filter(active=True)
    return points


@router.post("/integration-points", response={201: PointOut}, summary="Add an integration point")
@idempotent
def create_point(request: HttpRequest, data: PointIn) -> Status[IntegrationPoint]:
    require_cap(request.user, Cap.WRITE_PLANS)
    org = writable_org(request.user, data.org)
    form = PointForm(form_data(data.dict(exclude={"org"})), org=org)
    validated(form)
    with refusals():
        point = services.point_save(org=org, values=form.values(), by=request.user)
    return Status(201, point)


@router.get("/integration-points/{uuid:code}", response=PointOut, summary="One integration point")
def get_point(request: HttpRequest, code: UUID) -> IntegrationPoint:
    return get_for_user(IntegrationPoint, request.user, code)


@router.patch(
    "/integration-points/{uuid:code}", response=PointOut, summary="Change or retire a point"
)
def update_point(request: HttpRequest, code: UUID, data: PointPatch) -> IntegrationPoint:
    point = get_for_user(IntegrationPoint, request.user, code, write=True)
    current = {
        "title": point.title,
        "party_work": point.party_work,
        "business_goal": point.business_goal,
        "source": point.source,
        "source_meeting": code_of(point.source_meeting),
        "source_note": point.source_note,
        "active": point.active,
    }
    form = PointForm(
        form_data(current | data.dict(exclude_unset=True)), instance=point, org=point.org
    )
    validated(form)
    with refusals():
        return services.point_save(
            org=point.org, point=point, values=form.values(), by=request.user
        )
