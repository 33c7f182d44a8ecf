"""The task list: read with its filters, create, change, cancel, move between statuses, and
reopen entry past the lock (a checker, with the reason recorded); a meeting's resolution made
a task of the meeting's organisation."""

from datetime import date, datetime
from typing import Any
from uuid import UUID

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import CursorPagination, paginate

from ronghe.api.idempotency import idempotent
from ronghe.core.access import Cap, get_for_user, reach_of, require_cap
from ronghe.orglife.models import Meeting, Resolution
from ronghe.plans import services
from ronghe.plans.api.common import (
    CategoryRef,
    OrgRef,
    PersonRef,
    PointRef,
    ReasonIn,
    categories_by_code,
    clock,
    code_of,
    form_data,
    refusals,
    subtree,
    validated,
    writable_org,
    writable_orgs,
)
from ronghe.plans.forms import MoveForm, ReasonForm, TaskForm, UnlockForm
from ronghe.plans.models import ProgressReport, Task

router = Router(tags=["tasks"])

# The last day a task may fall due: later ones would leave the calendar in the countdown and
# lock arithmetic.
LAST_DEADLINE = date(2100, 12, 31)


class TaskOut(Schema):
    code: UUID
    title: str
    org: OrgRef
    item: UUID | None = Field(..., description="the plan target it carries out")
    plan: UUID | None
    resolution: UUID | None = Field(..., description="the meeting resolution it came from")
    party_category: CategoryRef | None = Field(..., description="its Party-building dimension")
    business_category: CategoryRef | None = Field(..., description="its business dimension")
    integration_point: PointRef | None
    party_lead: PersonRef | None
    business_lead: PersonRef | None
    deadline: date
    weight: int
    status: str = Field(..., json_schema_extra={"enum": list(Task.Status.values)})
    progress: int
    done_on: date | None
    late_mark: bool = Field(..., description="set once the deadline passed unfinished; permanent")
    colour: str = Field(
        ...,
        description="the countdown",
        json_schema_extra={"enum": ["green", "yellow", "red", "done", "cancelled"]},
    )
    days_left: int

    @staticmethod
    def resolve_item(task: Task) -> UUID | None:
        return task.item.code if task.item else None

    @staticmethod
    def resolve_plan(task: Task) -> UUID | None:
        return task.item.plan.code if task.item else None

    @staticmethod
    def resolve_resolution(task: Task) -> UUID | None:
        return task.resolution.code if task.resolution else None

    @staticmethod
    def resolve_colour(task: Task, context: Any) -> str:
        now = clock(context["request"])
        return services.colour(task, now.policy(task), now.today)

    @staticmethod
    def resolve_days_left(task: Task, context: Any) -> int:
        return task.days_left(clock(context["request"]).today)


class MilestoneOut(Schema):
    code: UUID
    title: str
    due_on: date
    done_on: date | None


class UnlockOut(Schema):
    reason: str
    until: date
    at: datetime


class TaskDetailOut(TaskOut):
    description: str
    cancel_reason: str
    late_marked_on: date | None
    unlocked_until: date | None
    locked: bool = Field(..., description="entry closed after the grace period")
    waiting: bool = Field(..., description="a report waits for its check")
    milestones: list[MilestoneOut]
    unlocks: list[UnlockOut]
    may_write: bool
    may_check: bool

    @staticmethod
    def resolve_locked(task: Task, context: Any) -> bool:
        now = clock(context["request"])
        return services.is_locked(task, now.policy(task), now.today)

    @staticmethod
    def resolve_waiting(task: Task) -> bool:
        return task.reports.filter(status=ProgressReport.Status.SUBMITTED).exists()

    @staticmethod
    def resolve_milestones(task: Task) -> list[Any]:
        return list(task.milestones.all())

    @staticmethod
    def resolve_unlocks(task: Task) -> list[Any]:
        return list(task.unlocks.all())

    @staticmethod
    def resolve_may_write(task: Task, context: Any) -> bool:
        user = context["request"].user
        return Task.objects.writable_by(user).filter(pk=task.pk).exists()

    @staticmethod
    def resolve_may_check(task: Task, context: Any) -> bool:
        user = context["request"].user
        return Task.objects.checkable_by(user).filter(pk=task.pk).exists()


class TaskFilter(Schema):
    org: UUID | None = Field(None, description="a Party organisation: its whole subtree")
    dimension: str | None = Field(
        None,
        description="party, business, or both (tasks carrying both dimensions)",
        json_schema_extra={"enum": ["party", "business", "both"]},
    )
    status: str | None = Field(None, json_schema_extra={"enum": list(Task.Status.values)})
    lead: UUID | None = Field(None, description="a person leading it, on either side")
    late: bool = Field(False, description="only tasks with a late mark")


class TaskIn(Schema):
    """A task of an organisation's own. It needs a Party dimension, a business dimension or
    both; the leads belong to the organisation or the business units it is built on."""

    org: UUID
    title: str = Field(..., max_length=200)
    description: str = Field("", max_length=5000)
    party_category: UUID | None = None
    business_category: UUID | None = None
    integration_point: UUID | None = None
    party_lead: UUID | None = None
    business_lead: UUID | None = None
    deadline: date = Field(..., le=LAST_DEADLINE, description="today or later")
    weight: int = Field(1, ge=1, le=100)


class ResolutionTaskIn(Schema):
    """The task a resolution becomes, of the meeting's organisation: the fields of a new task
    but its organisation, with the title and description taken from the resolution unless
    sent."""

    title: str | None = Field(
        None, max_length=200, description="default: the resolution's first line"
    )
    description: str | None = Field(
        None, max_length=5000, description="default: the resolution's text"
    )
    party_category: UUID | None = None
    business_category: UUID | None = None
    integration_point: UUID | None = None
    party_lead: UUID | None = None
    business_lead: UUID | None = None
    deadline: date = Field(..., le=LAST_DEADLINE, description="today or later")
    weight: int = Field(1, ge=1, le=100)


class TaskPatch(Schema):
    """Only the fields sent change. A task deployed from above keeps its target's title,
    dimensions, integration point, deadline and weight."""

    title: str | None = Field(None, max_length=200)
    description: str | None = Field(None, max_length=5000)
    party_category: UUID | None = None
    business_category: UUID | None = None
    integration_point: UUID | None = None
    party_lead: UUID | None = None
    business_lead: UUID | None = None
    deadline: date | None = Field(None, le=LAST_DEADLINE)
    weight: int | None = Field(None, ge=1, le=100)


class MoveIn(Schema):
    status: str = Field(..., json_schema_extra={"enum": list(Task.Status.values)})
    reason: str = Field("", max_length=300, description="required to cancel")


class UnlockIn(Schema):
    reason: str = Field(..., max_length=300)
    until: date = Field(..., description="entry stays open up to this day (at most 90 days)")


def tasks_for_list(user: Any) -> QuerySet[Task]:
    """The tasks the user sees, with everything `TaskOut` answers in the same query."""
    return (
        Task.objects.visible_to(user)
        .for_list()
        .select_related("item__plan", "integration_point", "resolution")
    )


def _answer(task: Task) -> Task:
    """A task the endpoint already let through the gate, as it stands now (a lead who just
    handed the task to someone else still gets the answer to their change)."""
    return (
        Task.objects.for_list()
        .select_related("item__plan", "integration_point", "resolution")
        .get(pk=task.pk)
    )


@router.get("/tasks", response=list[TaskOut], summary="The task list")
@paginate(CursorPagination, ordering=("id",), page_size=50, max_page_size=200)
def list_tasks(request: HttpRequest, filters: Query[TaskFilter]) -> Any:
    reach = reach_of(request.user)
    if not reach.has(Cap.READ_PLANS) and reach.person_id is None:
        raise PermissionDenied  # a member without a role still sees the tasks they lead
    tasks = tasks_for_list(request.user)
    if filters.org:
        tasks = tasks.filter(org__path__startswith=subtree(request.user, filters.org))
    if filters.dimension == "party":
        tasks = tasks.filter(party_category__isnull=False)
    elif filters.dimension == "business":
        tasks = tasks.filter(business_category__isnull=False)
    elif filters.dimension == "both":
        tasks = tasks.filter(party_category__isnull=False, business_category__isnull=False)
    if filters.status:
        tasks = tasks.filter(status=filters.status)
    if filters.lead:
        tasks = tasks.filter(Q(party_lead__code=filters.lead) | Q(business_lead__code=filters.lead))
    if filters.late:
        tasks = tasks.filter(late_mark=True)
    return tasks


@router.post("/tasks", response={201: TaskDetailOut}, summary="Create a task of an organisation")
@idempotent
def create_task(request: HttpRequest, data: TaskIn) -> Status[Task]:
    require_cap(request.user, Cap.WRITE_PLANS)
    org = writable_org(request.user, data.org)
    form = categories_by_code(TaskForm(form_data(data.dict(exclude={"org"})), org=org))
    validated(form)
    with refusals():
        task = services.task_create(org=org, values=form.values(), by=request.user)
    return Status(201, _answer(task))


@router.get("/tasks/{uuid:code}", response=TaskDetailOut, summary="One task")
def get_task(request: HttpRequest, code: UUID) -> Task:
    return _answer(get_for_user(Task, request.user, code))


@router.patch("/tasks/{uuid:code}", response=TaskDetailOut, summary="Change a task")
def update_task(request: HttpRequest, code: UUID, data: TaskPatch) -> Task:
    task = get_for_user(Task, request.user, code, write=True)
    current = {
        "title": task.title,
        "description": task.description,
        "party_category": code_of(task.party_category),
        "business_category": code_of(task.business_category),
        "integration_point": code_of(task.integration_point),
        "party_lead": code_of(task.party_lead),
        "business_lead": code_of(task.business_lead),
        "deadline": task.deadline,
        "weight": task.weight,
    }
    sent = data.dict(exclude_unset=True)
    # The form validates a copy: it writes every field it cleaned into its instance, and
    # `task_update` saves the whole row, where only the fields sent may change.
    form = categories_by_code(
        TaskForm(
            form_data(current | sent),
            instance=Task.objects.select_related("item__plan").get(pk=task.pk),
            org=task.org,
        )
    )
    for name in services.FIXED_BY_ITEM:
        # The page shows these locked on a deployed task; here the service refuses a change
        # to them by name instead of the form ignoring it.
        form.fields[name].disabled = False
    cleaned = validated(form)
    with refusals():
        services.task_update(
            task=task, values={name: cleaned[name] for name in sent}, by=request.user
        )
    return _answer(task)


@router.post("/tasks/{uuid:code}/cancel", response=TaskDetailOut, summary="Cancel a task")
def cancel_task(request: HttpRequest, code: UUID, data: ReasonIn) -> Task:
    task = get_for_user(Task, request.user, code, write=True)
    cleaned = validated(ReasonForm(data.dict()))
    with refusals():
        services.task_cancel(task=task, reason=cleaned["reason"], by=request.user)
    return _answer(task)


@router.post(
    "/tasks/{uuid:code}/status",
    response=TaskDetailOut,
    summary="Move a task to another status (done only with accepted evidence)",
)
def move_task(request: HttpRequest, code: UUID, data: MoveIn) -> Task:
    task = get_for_user(Task, request.user, code, write=True)
    cleaned = validated(MoveForm(data.dict()))
    with refusals():
        services.task_move(
            task=task, status=cleaned["status"], reason=cleaned["reason"], by=request.user
        )
    return _answer(task)


@router.post(
    "/tasks/{uuid:code}/unlock",
    response=TaskDetailOut,
    summary="Reopen entry on a locked task, with the reason recorded",
)
def unlock_task(request: HttpRequest, code: UUID, data: UnlockIn) -> Task:
    task = get_for_user(Task, request.user, code)
    if not Task.objects.checkable_by(request.user).filter(pk=task.pk).exists():
        raise PermissionDenied
    cleaned = validated(UnlockForm(form_data(data.dict())))
    with refusals():
        services.task_unlock(
            task=task, reason=cleaned["reason"], until=cleaned["until"], by=request.user
        )
    return _answer(task)


@router.post(
    "/resolutions/{uuid:code}/task",
    response={201: TaskDetailOut},
    summary="Make a resolution (not one that failed) a task of the meeting's organisation",
)
@idempotent
def task_from_resolution(request: HttpRequest, code: UUID, data: ResolutionTaskIn) -> Status[Task]:
    # Resolutions are seen with their meeting; making one a task is planning for the
    # meeting's organisation, as on the page.
    resolution = (
        Resolution.objects.filter(code=code, meeting__in=Meeting.objects.visible_to(request.user))
        .select_related("meeting__org")
        .first()
    )
    if resolution is None:
        raise Http404
    org = resolution.meeting.org
    if not writable_orgs(request.user).filter(pk=org.pk).exists():
        raise PermissionDenied
    text = resolution.text.strip()
    values = data.dict()
    if values["title"] is None:
        values["title"] = text.splitlines()[0][:200] if text else ""
    if values["description"] is None:
        values["description"] = resolution.text
    form = categories_by_code(TaskForm(form_data(values), org=org))
    validated(form)
    with refusals():
        task = services.task_from_resolution(
            resolution=resolution, values=form.values(), by=request.user
        )
    return Status(201, _answer(task))
