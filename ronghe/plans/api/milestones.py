"""A task's milestones: dated checkpoints on the way to its deadline, added, ticked off (or the
tick taken back) and removed by whoever may change the task, while it is open and not locked."""

from datetime import date
from typing import Any
from uuid import UUID

from django.http import HttpRequest
from ninja import Field, Router, Schema, Status
from ninja.pagination import CursorPagination, paginate

from ronghe.api.idempotency import idempotent
from ronghe.core.access import get_for_user
from ronghe.plans import services
from ronghe.plans.api.common import form_data, refusals, validated
from ronghe.plans.api.tasks import LAST_DEADLINE, MilestoneOut
from ronghe.plans.forms import MilestoneForm
from ronghe.plans.models import Milestone, Task

router = Router(tags=["milestones"])


class TaskMilestoneOut(MilestoneOut):
    task: UUID

    @staticmethod
    def resolve_task(milestone: Milestone) -> UUID:
        return milestone.task.code


class MilestoneIn(Schema):
    title: str = Field(..., max_length=200)
    due_on: date = Field(..., le=LAST_DEADLINE, description="on or before the task's deadline")


class DoneIn(Schema):
    done: bool = Field(..., description="true: ticked off today; false: the tick taken back")


@router.get(
    "/tasks/{uuid:code}/milestones",
    response=list[TaskMilestoneOut],
    summary="A task's milestones by due day",
)
@paginate(CursorPagination, ordering=("due_on", "id"), page_size=50, max_page_size=200)
def list_milestones(request: HttpRequest, code: UUID) -> Any:
    task = get_for_user(Task, request.user, code)
    # Through the task's own manager: every row knows its task without a query of its own.
    return task.milestones.all()


@router.post(
    "/tasks/{uuid:code}/milestones", response={201: TaskMilestoneOut}, summary="Add a milestone"
)
@idempotent
def add_milestone(request: HttpRequest, code: UUID, data: MilestoneIn) -> Status[Milestone]:
    task = get_for_user(Task, request.user, code, write=True)
    cleaned = validated(MilestoneForm(form_data(data.dict())))
    with refusals():
        milestone = services.milestone_add(
            task=task, title=cleaned["title"], due_on=cleaned["due_on"], by=request.user
        )
    return Status(201, milestone)


@router.post(
    "/tasks/milestones/{uuid:code}/done",
    response=TaskMilestoneOut,
    summary="Tick a milestone off, or take the tick back",
)
def tick_milestone(request: HttpRequest, code: UUID, data: DoneIn) -> Milestone:
    milestone = get_for_user(Milestone, request.user, code, write=True)
    with refusals():
        return services.milestone_done(milestone=milestone, done=data.done, by=request.user)


@router.delete("/tasks/milestones/{uuid:code}", response={204: None}, summary="Remove a milestone")
def delete_milestone(request: HttpRequest, code: UUID) -> Status[None]:
    milestone = get_for_user(Milestone, request.user, code, write=True)
    with refusals():
        services.milestone_delete(milestone=milestone, by=request.user)
    return Status(204, None)
