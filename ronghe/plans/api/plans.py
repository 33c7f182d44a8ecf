"""Plans and their targets: draft, submit, approve or return; add, change (a revision with a
reason once approved) and remove targets; deploy a target down the tree and follow it in
every organisation (the cascade). The category lists targets and tasks take are in
`catalogue`."""

from datetime import date, datetime
from typing import Any
from uuid import UUID

from django.core.exceptions import PermissionDenied
from django.db.models import Count, F, Q, QuerySet
from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import CursorPagination, paginate

from ronghe.api.idempotency import idempotent
from ronghe.core.access import Cap, get_for_user, reach_of, require_cap
from ronghe.orgs.models import PartyOrg
from ronghe.plans import services
from ronghe.plans.api.common import (
    CategoryRef,
    OrgRef,
    PointRef,
    ReasonIn,
    categories_by_code,
    code_of,
    form_data,
    refusals,
    subtree,
    validated,
    writable_orgs,
)
from ronghe.plans.api.tasks import TaskOut, tasks_for_list
from ronghe.plans.forms import DeployForm, ItemForm, PlanForm, ReasonForm
from ronghe.plans.models import Dimension, Plan, PlanItem, Task

router = Router(tags=["plans"])


class PlanOut(Schema):
    code: UUID
    org: OrgRef
    year: int
    quarter: int = Field(..., description="0: the whole year; 1–4: that quarter")
    title: str
    status: str = Field(..., json_schema_extra={"enum": list(Plan.Status.values)})
    revision: int = Field(..., description="how many revisions the approved plan has had")
    returned_reason: str = Field(..., description="why an approver sent it back to draft")
    submitted_at: datetime | None
    approved_at: datetime | None
    item_count: int

    @staticmethod
    def resolve_item_count(plan: Plan) -> int:
        counted = getattr(plan, "n_items", None)
        return counted if counted is not None else plan.items.count()


class TaskCounts(Schema):
    total: int
    done: int
    late: int = Field(..., description="tasks with a late mark")


class ItemOut(Schema):
    code: UUID
    plan: UUID
    dimension: str = Field(..., json_schema_extra={"enum": list(Dimension.values)})
    title: str
    description: str
    party_category: CategoryRef | None
    business_category: CategoryRef | None
    integration_point: PointRef | None
    deadline: date
    weight: int
    tasks: TaskCounts = Field(..., description="the tasks carrying it out, in every organisation")

    @staticmethod
    def resolve_plan(item: PlanItem) -> UUID:
        return item.plan.code

    @staticmethod
    def resolve_tasks(item: PlanItem) -> dict[str, int]:
        return {
            "total": getattr(item, "n_tasks", 0),
            "done": getattr(item, "n_done", 0),
            "late": getattr(item, "n_late", 0),
        }


class PlanDetailOut(PlanOut):
    items: list[ItemOut]
    may_write: bool
    may_approve: bool

    @staticmethod
    def resolve_items(plan: Plan) -> list[PlanItem]:
        return list(_items().filter(plan=plan))

    @staticmethod
    def resolve_may_write(plan: Plan, context: Any) -> bool:
        user = context["request"].user
        return Plan.objects.writable_by(user).filter(pk=plan.pk).exists()

    @staticmethod
    def resolve_may_approve(plan: Plan, context: Any) -> bool:
        user = context["request"].user
        return reach_of(user).reaches(Cap.APPROVE_PLANS, party_path=plan.org.path)


class PlanFilter(Schema):
    org: UUID | None = Field(None, description="a Party organisation: its whole subtree")
    year: int | None = Field(None, ge=2000, le=2100)
    status: str | None = Field(None, json_schema_extra={"enum": list(Plan.Status.values)})


class PlanIn(Schema):
    org: UUID
    year: int = Field(..., ge=2000, le=2100)
    quarter: int = Field(0, ge=0, le=4, description="0: the whole year; 1–4: that quarter")
    title: str = Field(..., max_length=200)


class ItemIn(Schema):
    """A target. Its side's category is required; an approved plan changes only with a
    `reason`, kept as a revision."""

    dimension: str = Field(..., json_schema_extra={"enum": list(Dimension.values)})
    title: str = Field(..., max_length=200)
    description: str = Field("", max_length=5000)
    party_category: UUID | None = None
    business_category: UUID | None = None
    integration_point: UUID | None = None
    deadline: date
    weight: int = Field(1, ge=1, le=100)
    reason: str = Field("", max_length=300, description="required once the plan is approved")


class ItemPatch(Schema):
    """Only the fields sent change."""

    dimension: str | None = Field(None, json_schema_extra={"enum": list(Dimension.values)})
    title: str | None = Field(None, max_length=200)
    description: str | None = Field(None, max_length=5000)
    party_category: UUID | None = None
    business_category: UUID | None = None
    integration_point: UUID | None = None
    deadline: date | None = None
    weight: int | None = Field(None, ge=1, le=100)
    reason: str = Field("", max_length=300, description="required once the plan is approved")


class ItemDeleteQuery(Schema):
    reason: str = Field("", max_length=300, description="required once the plan is approved")


class DeployIn(Schema):
    scope: str = Field(
        "chosen",
        description="chosen: the organisations in `orgs`; branches: every 支部 and 总支 below; "
        "all: every organisation below",
        json_schema_extra={"enum": ["chosen", "branches", "all"]},
    )
    orgs: list[UUID] = Field(default_factory=list, max_length=2000)


class DeploymentOut(Schema):
    created: int = Field(..., description="organisations given a task now")
    already: int = Field(..., description="organisations that already carried the target")


def _items() -> QuerySet[PlanItem]:
    """Targets with what `ItemOut` answers: categories, point, and their tasks' counts."""
    return PlanItem.objects.select_related(
        "plan", "party_category", "business_category", "integration_point"
    ).annotate(
        n_tasks=Count("tasks"),
        n_done=Count("tasks", filter=Q(tasks__status=Task.Status.DONE)),
        n_late=Count("tasks", filter=Q(tasks__late_mark=True)),
    )


# --- plans ---------------------------------------------------------------------------------------


@router.get("/plans", response=list[PlanOut], summary="Plans in your reach")
@paginate(CursorPagination, ordering=("id",), page_size=50, max_page_size=200)
def list_plans(request: HttpRequest, filters: Query[PlanFilter]) -> Any:
    require_cap(request.user, Cap.READ_PLANS)
    plans = (
        Plan.objects.visible_to(request.user).select_related("org").annotate(n_items=Count("items"))
    )
    if filters.org:
        plans = plans.filter(org__path__startswith=subtree(request.user, filters.org))
    if filters.year:
        plans = plans.filter(year=filters.year)
    if filters.status:
        plans = plans.filter(status=filters.status)
    return plans


@router.post("/plans", response={201: PlanDetailOut}, summary="Draft a plan for a period")
@idempotent
def create_plan(request: HttpRequest, data: PlanIn) -> Status[Plan]:
    require_cap(request.user, Cap.WRITE_PLANS)
    cleaned = validated(PlanForm(form_data(data.dict()), orgs=writable_orgs(request.user)))
    with refusals():
        plan = services.plan_create(
            org=cleaned["org"],
            year=cleaned["year"],
            quarter=cleaned["quarter"],
            title=cleaned["title"],
            by=request.user,
        )
    return Status(201, plan)


@router.get("/plans/{uuid:code}", response=PlanDetailOut, summary="A plan with its targets")
def get_plan(request: HttpRequest, code: UUID) -> Plan:
    return get_for_user(Plan, request.user, code)


@router.post("/plans/{uuid:code}/submit", response=PlanDetailOut, summary="Submit for approval")
def submit_plan(request: HttpRequest, code: UUID) -> Plan:
    plan = get_for_user(Plan, request.user, code, write=True)
    with refusals():
        return services.plan_submit(plan=plan, by=request.user)


def _plan_for_approval(request: HttpRequest, code: UUID) -> Plan:
    plan = get_for_user(Plan, request.user, code)
    if not reach_of(request.user).reaches(Cap.APPROVE_PLANS, party_path=plan.org.path):
        raise PermissionDenied
    return plan


@router.post(
    "/plans/{uuid:code}/approve",
    response=PlanDetailOut,
    summary="Approve a submitted plan (not by its submitter)",
)
def approve_plan(request: HttpRequest, code: UUID) -> Plan:
    plan = _plan_for_approval(request, code)
    with refusals():
        return services.plan_approve(plan=plan, by=request.user)


@router.post(
    "/plans/{uuid:code}/return", response=PlanDetailOut, summary="Return a submitted plan to draft"
)
def return_plan(request: HttpRequest, code: UUID, data: ReasonIn) -> Plan:
    plan = _plan_for_approval(request, code)
    cleaned = validated(ReasonForm(data.dict()))
    with refusals():
        return services.plan_return(plan=plan, reason=cleaned["reason"], by=request.user)


# --- targets ---------------------------------------------------------------------------------------


def _save_item(
    request: HttpRequest, plan: Plan, item: PlanItem | None, values: dict[str, Any]
) -> PlanItem:
    form = categories_by_code(ItemForm(form_data(values), plan=plan))
    cleaned = validated(form)
    with refusals():
        saved = services.item_save(
            plan=plan,
            item=item,
            values={name: cleaned[name] for name in ItemForm.Meta.fields},
            by=request.user,
            reason=cleaned.get("reason", ""),
        )
    return _items().get(pk=saved.pk)


@router.post("/plans/{uuid:code}/items", response={201: ItemOut}, summary="Add a target")
@idempotent
def add_item(request: HttpRequest, code: UUID, data: ItemIn) -> Status[PlanItem]:
    plan = get_for_user(Plan, request.user, code, write=True)
    return Status(201, _save_item(request, plan, None, data.dict()))


@router.get("/plans/items/{uuid:code}", response=ItemOut, summary="One target")
def get_item(request: HttpRequest, code: UUID) -> PlanItem:
    item = get_for_user(PlanItem, request.user, code)
    return _items().get(pk=item.pk)


@router.patch(
    "/plans/items/{uuid:code}",
    response=ItemOut,
    summary="Change a target (with a reason once the plan is approved)",
)
def update_item(request: HttpRequest, code: UUID, data: ItemPatch) -> PlanItem:
    item = get_for_user(PlanItem, request.user, code, write=True)
    current = {
        "dimension": item.dimension,
        "title": item.title,
        "description": item.description,
        "party_category": code_of(item.party_category),
        "business_category": code_of(item.business_category),
        "integration_point": code_of(item.integration_point),
        "deadline": item.deadline,
        "weight": item.weight,
    }
    return _save_item(request, item.plan, item, current | data.dict(exclude_unset=True))


@router.delete(
    "/plans/items/{uuid:code}", response={204: None}, summary="Remove a target no task carries out"
)
def delete_item(request: HttpRequest, code: UUID, query: Query[ItemDeleteQuery]) -> Status[None]:
    item = get_for_user(PlanItem, request.user, code, write=True)
    with refusals(location="query"):
        services.item_delete(item=item, by=request.user, reason=query.reason)
    return Status(204, None)


@router.post(
    "/plans/items/{uuid:code}/deploy",
    response=DeploymentOut,
    summary="Deploy an approved target to organisations below (one task each)",
)
@idempotent
def deploy_item(request: HttpRequest, code: UUID, data: DeployIn) -> dict[str, int]:
    item = get_for_user(PlanItem, request.user, code, write=True)
    org = item.plan.org
    below = (
        PartyOrg.objects.filter(path__startswith=org.path, depth__gt=org.depth)
        .open()
        .order_by("path")
    )
    form = DeployForm(form_data(data.dict()), below=below)
    validated(form)
    with refusals():
        deployment = services.deploy(item=item, orgs=form.targets(), by=request.user)
    return {"created": len(deployment.created), "already": deployment.already}


@router.get(
    "/plans/items/{uuid:code}/cascade",
    response=list[TaskOut],
    summary="Every organisation's task carrying one target, in tree order",
)
@paginate(CursorPagination, ordering=("org_path",), page_size=100, max_page_size=200)
def item_cascade(request: HttpRequest, code: UUID) -> Any:
    item = get_for_user(PlanItem, request.user, code)
    return tasks_for_list(request.user).filter(item=item).annotate(org_path=F("org__path"))
