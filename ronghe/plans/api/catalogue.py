"""The lists behind plans and tasks, as on the task settings page: the Party and business
categories (a committee adds its own for its subtree and retires them), and the thresholds
(countdown colours, reminders, the entry lock) each subtree sets, the deepest winning.
Changing either needs `manage_rules` on the organisation."""

from datetime import datetime
from typing import Any
from uuid import UUID

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404, HttpRequest
from ninja import Field, Query, Router, Schema, Status

from ronghe.api.idempotency import idempotent
from ronghe.core.access import Cap, get_for_user, reach_of, require_cap
from ronghe.orgs.models import PartyOrg
from ronghe.plans import services
from ronghe.plans.api.common import OrgRef, form_data, refusals, validated
from ronghe.plans.forms import CategoryForm, PolicyForm
from ronghe.plans.models import Category, Dimension, TaskPolicy

router = Router(tags=["categories and thresholds"])


def managed_orgs(user: Any) -> QuerySet[PartyOrg]:
    """Open organisations whose subtree the user sets rules for."""
    return (
        PartyOrg.objects.filter(reach_of(user).q(Cap.MANAGE_RULES, party=""))
        .open()
        .order_by("path")
    )


# --- categories ------------------------------------------------------------------------------------


class CategoryOut(Schema):
    code: UUID
    dimension: str = Field(..., json_schema_extra={"enum": list(Dimension.values)})
    name: str
    org: OrgRef | None = Field(..., description="the organisation that added it (none: platform)")
    active: bool = Field(..., description="false: retired, kept only where it was chosen")


class CategoryFilter(Schema):
    org: UUID | None = Field(
        None, description="only those a target or task of it may take (never retired ones)"
    )
    dimension: str | None = Field(None, json_schema_extra={"enum": list(Dimension.values)})
    retired: bool = Field(False, description="retired categories too")


class CategoryIn(Schema):
    org: UUID = Field(..., description="the organisation whose subtree it serves")
    dimension: str = Field(..., json_schema_extra={"enum": list(Dimension.values)})
    name: str = Field(..., max_length=60)


class ActiveIn(Schema):
    active: bool = Field(..., description="false retires it; true brings it back")


@router.get(
    "/plans/categories", response=list[CategoryOut], summary="The Party and business categories"
)
def list_categories(request: HttpRequest, filters: Query[CategoryFilter]) -> list[Category]:
    require_cap(request.user, Cap.READ_PLANS)
    categories = Category.objects.visible_to(request.user)
    if filters.org:
        categories = Category.objects.usable_for(get_for_user(PartyOrg, request.user, filters.org))
    elif not filters.retired:
        categories = categories.filter(active=True)
    if filters.dimension:
        categories = categories.filter(dimension=filters.dimension)
    return list(categories.select_related("org"))


@router.post(
    "/plans/categories",
    response={201: CategoryOut},
    summary="Add a category for an organisation and its subtree",
)
@idempotent
def add_category(request: HttpRequest, data: CategoryIn) -> Status[Category]:
    require_cap(request.user, Cap.MANAGE_RULES)
    cleaned = validated(CategoryForm(form_data(data.dict()), orgs=managed_orgs(request.user)))
    with refusals():
        category = services.category_add(
            org=cleaned["org"],
            dimension=cleaned["dimension"],
            name=cleaned["name"],
            by=request.user,
        )
    return Status(201, category)


@router.post(
    "/plans/categories/{uuid:code}/active",
    response=CategoryOut,
    summary="Retire an organisation's category or bring it back",
)
def set_category_active(request: HttpRequest, code: UUID, data: ActiveIn) -> Category:
    category = get_for_user(Category, request.user, code, write=True)
    with refusals():
        return services.category_set_active(category=category, active=data.active, by=request.user)


# --- thresholds ------------------------------------------------------------------------------------


class ThresholdsOut(Schema):
    code: UUID
    org: OrgRef | None = Field(
        ..., description="the subtree they apply to (none: the platform default)"
    )
    yellow_days: int = Field(..., description="yellow from this many days left")
    red_days: int = Field(..., description="red from this many days left")
    remind_days: int = Field(..., description="the leads are reminded this many days before")
    grace_days: int = Field(..., description="entry locks this many days after the deadline")
    updated_at: datetime


class ThresholdsIn(Schema):
    yellow_days: int = Field(..., ge=0, le=365, description="yellow from this many days left")
    red_days: int = Field(
        ..., ge=0, le=365, description="red from this many days left; ≤ yellow_days"
    )
    remind_days: int = Field(
        ..., ge=0, le=365, description="remind the leads this many days before"
    )
    grace_days: int = Field(
        ..., ge=0, le=365, description="entry locks this many days after the deadline"
    )


def _managed_org(request: HttpRequest, code: UUID) -> PartyOrg:
    """The organisation in the path: 404 outside the caller's reach, 403 if they do not set
    rules for it."""
    org = get_for_user(PartyOrg, request.user, code)
    if not reach_of(request.user).reaches(Cap.MANAGE_RULES, party_path=org.path):
        raise PermissionDenied
    return org


@router.get(
    "/tasks/thresholds",
    response=list[ThresholdsOut],
    summary="The thresholds of the subtrees in your reach and above it, in tree order",
)
def list_thresholds(request: HttpRequest) -> list[TaskPolicy]:
    require_cap(request.user, Cap.READ_PLANS)
    policies = TaskPolicy.objects.visible_to(request.user).select_related("org")
    return sorted(policies, key=lambda policy: policy.org.path if policy.org else "")


@router.put(
    "/tasks/thresholds/{uuid:code}",
    response=ThresholdsOut,
    summary="Set an organisation's thresholds for its subtree",
)
def save_thresholds(request: HttpRequest, code: UUID, data: ThresholdsIn) -> TaskPolicy:
    org = _managed_org(request, code)
    form = PolicyForm(form_data({"org": org.code, **data.dict()}), orgs=managed_orgs(request.user))
    validated(form)
    with refusals():
        return services.policy_save(org=org, values=form.values(), by=request.user)


@router.delete(
    "/tasks/thresholds/{uuid:code}",
    response={204: None},
    summary="Remove an organisation's thresholds: the ones above apply again",
)
def delete_thresholds(request: HttpRequest, code: UUID) -> Status[None]:
    org = _managed_org(request, code)
    policy = TaskPolicy.objects.writable_by(request.user).filter(org=org).first()
    if policy is None:
        raise Http404
    with refusals():
        services.policy_delete(policy=policy, by=request.user)
    return Status(204, None)
