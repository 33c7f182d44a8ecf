"""Plan and task workflows: draft → submit → approve a plan, revise it with a reason, deploy its
items down the tree, and carry tasks out with evidence that a checker accepts or returns.

Every write is audited in its own transaction. A refused write raises `Refused`, naming the
field it concerns when there is one, and changes nothing.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from ronghe.accounts.models import User
from ronghe.core import audit, bulk, private_files
from ronghe.notify.services import notify
from ronghe.orglife import services as orglife
from ronghe.orglife.models import Meeting, Resolution
from ronghe.orgs.models import PartyOrg
from ronghe.people.models import Person
from ronghe.plans.models import (
    Category,
    IntegrationPoint,
    Milestone,
    Plan,
    PlanItem,
    PlanRevision,
    ProgressReport,
    ReportFile,
    Task,
    TaskPolicy,
    TaskUnlock,
)

UNLOCK_MAX_DAYS = 90
# What an item hands down to the tasks carrying it out (revisions reach the open ones).
ITEM_FIELDS = (
    "title",
    "description",
    "party_category",
    "business_category",
    "integration_point",
    "deadline",
    "weight",
)


class Refused(Exception):
    """A write the workflow does not allow. `field` names the input it concerns (None: the
    whole form)."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


# --- policies: countdown colours, reminders, the entry lock ----------------------------------


class Policies:
    """Every task policy, read once; `for_org` picks the deepest that covers an organisation."""

    def __init__(self) -> None:
        rows = list(TaskPolicy.objects.select_related("org"))
        self.default = next((row for row in rows if row.org_id is None), None) or TaskPolicy()
        self.local = sorted(
            ((row.org.path, row) for row in rows if row.org is not None),
            key=lambda entry: len(entry[0]),
            reverse=True,
        )

    def for_org(self, org: PartyOrg) -> TaskPolicy:
        for path, policy in self.local:
            if org.path.startswith(path):
                return policy
        return self.default


def colour(task: Task, policy: TaskPolicy, today: date) -> str:
    """green / yellow / red for an open task by the days left; done or cancelled otherwise."""
    if task.status == Task.Status.DONE:
        return "done"
    if task.status == Task.Status.CANCELLED:
        return "cancelled"
    left = task.days_left(today)
    if left <= policy.red_days:
        return "red"
    if left <= policy.yellow_days:
        return "yellow"
    return "green"


def with_countdowns(tasks: Iterable[Task], today: date | None = None) -> list[dict[str, Any]]:
    """Tasks (their `org` loaded) with their countdown colour and days left, for a page."""
    tasks = list(tasks)
    if not tasks:
        return []  # no policy to read
    today = today or timezone.localdate()
    policies = Policies()
    return [
        {
            "task": task,
            "colour": colour(task, policies.for_org(task.org), today),
            "days_left": task.days_left(today),
        }
        for task in tasks
    ]


def is_locked(task: Task, policy: TaskPolicy, today: date) -> bool:
    """Entry closes `grace_days` after the deadline of an unfinished task, unless reopened."""
    if not task.is_open or today <= task.deadline + timedelta(days=policy.grace_days):
        return False
    return not (task.unlocked_until and today <= task.unlocked_until)


def _refuse_if_locked(task: Task, today: date | None = None) -> None:
    today = today or timezone.localdate()
    if is_locked(task, Policies().for_org(task.org), today):
        raise Refused(
            _(
                "Entry on this task closed after its grace period. A checker can reopen it "
                "with a recorded reason."
            )
        )


def _stored(obj: Any) -> Any:
    """The row as the database holds it. A ModelForm validating against an instance has
    already copied the new values onto it, so "before" must be read again."""
    return type(obj)._default_manager.get(pk=obj.pk)


# --- who may lead -----------------------------------------------------------------------------


def people_within(org: PartyOrg) -> Q:
    """People who belong to the organisation's subtree: its members, and the staff of the
    business units mapped to it (支部建在部门上)."""
    unit_paths = list(
        PartyOrg.units.through.objects.filter(partyorg__path__startswith=org.path)
        .values_list("unit__path", flat=True)
        .distinct()
    )
    condition = Q(party_org__path__startswith=org.path)
    for path in unit_paths:
        condition |= Q(unit__path__startswith=path)
    return condition


def _check_leads(org: PartyOrg, leads: dict[str, Person | None]) -> None:
    chosen = {name: person for name, person in leads.items() if person is not None}
    if not chosen:
        return
    inside = set(
        Person.objects.filter(
            people_within(org), pk__in=[p.pk for p in chosen.values()]
        ).values_list("pk", flat=True)
    )
    for name, person in chosen.items():
        if person.pk not in inside:
            raise Refused(
                _("%(name)s is not in %(org)s or a business unit it is built on.")
                % {"name": person.name, "org": org.name},
                field=name,
            )


# --- plans -------------------------------------------------------------------------------------


def _item_snapshot(item: PlanItem) -> dict[str, Any]:
    return {
        "dimension": item.dimension,
        "title": item.title,
        "description": item.description,
        "party_category": item.party_category_id,
        "business_category": item.business_category_id,
        "integration_point": str(item.integration_point.code) if item.integration_point else None,
        "deadline": item.deadline.isoformat(),
        "weight": item.weight,
    }


@transaction.atomic
def plan_create(*, org: PartyOrg, year: int, quarter: int, title: str, by: Any) -> Plan:
    if Plan.objects.filter(org=org, year=year, quarter=quarter).exists():
        raise Refused(_("This organisation already has a plan for that period."), field="quarter")
    plan = Plan.objects.create(org=org, year=year, quarter=quarter, title=title, created_by=by)
    audit.record(
        audit.Action.CREATE,
        actor=by,
        obj=plan,
        after={"org": str(org.code), "year": year, "quarter": quarter, "title": title},
    )
    return plan


def _period(plan: Plan) -> tuple[date, date]:
    if plan.quarter:
        first = date(plan.year, 3 * (plan.quarter - 1) + 1, 1)
        last_month = first.month + 2
        following = (
            date(plan.year + 1, 1, 1) if last_month == 12 else date(plan.year, last_month + 1, 1)
        )
        return first, following - timedelta(days=1)
    return date(plan.year, 1, 1), date(plan.year, 12, 31)


def _check_editable(plan: Plan, reason: str) -> None:
    if plan.status == Plan.Status.SUBMITTED:
        raise Refused(
            _("The plan waits for approval: it cannot change until it is approved or returned.")
        )
    if plan.frozen and not reason.strip():
        raise Refused(
            _("The plan is approved: say why it changes. The change is kept as a revision."),
            field="reason",
        )


def _revise(
    plan: Plan, *, reason: str, before: dict[str, Any], after: dict[str, Any], by: Any
) -> None:
    """Record a change to an approved plan as its next revision."""
    plan.revision += 1
    plan.save(update_fields=["revision"])
    PlanRevision.objects.create(
        plan=plan, number=plan.revision, reason=reason.strip(), before=before, after=after, by=by
    )


@transaction.atomic
def item_save(
    *, plan: Plan, item: PlanItem | None, values: dict[str, Any], by: Any, reason: str = ""
) -> PlanItem:
    """Add a target to a plan or change one. In an approved plan the change needs a reason,
    becomes a revision, and reaches the open tasks carrying the item out."""
    _check_editable(plan, reason)
    start, end = _period(plan)
    deadline = values["deadline"]
    if not start <= deadline <= end + timedelta(days=90):
        raise Refused(
            _("The deadline falls outside the plan's period (%(start)s – %(end)s).")
            % {"start": start, "end": end},
            field="deadline",
        )
    point = values.get("integration_point")
    if (
        point is not None
        and not IntegrationPoint.objects.usable_for(plan.org).filter(pk=point.pk).exists()
    ):
        raise Refused(
            _("Choose an integration point of this organisation or above it."),
            field="integration_point",
        )
    created = item is None
    if item is None:
        item = PlanItem(plan=plan, position=plan.items.count())
        before: dict[str, Any] = {}
    else:
        before = _item_snapshot(_stored(item))
    for name, value in values.items():
        setattr(item, name, value)
    item.save()
    after = _item_snapshot(item)
    if plan.frozen:
        old, new = audit.changes(before, after)
        _revise(
            plan,
            reason=reason,
            before={"item": str(item.code), **old},
            after={"item": str(item.code), **new},
            by=by,
        )
        if not created:
            item.tasks.filter(status__in=Task.OPEN_STATUSES).update(
                **{name: getattr(item, name) for name in ITEM_FIELDS},
                updated_at=timezone.now(),
            )
    old, new = audit.changes(before, after)
    audit.record(
        audit.Action.CREATE if created else audit.Action.UPDATE,
        actor=by,
        obj=item,
        before=old or None,
        after=new,
        message=reason.strip(),
    )
    return item


@transaction.atomic
def item_delete(*, item: PlanItem, by: Any, reason: str = "") -> None:
    plan = item.plan
    _check_editable(plan, reason)
    if item.tasks.exists():
        raise Refused(_("Tasks carry this target out: cancel them instead of removing it."))
    before = _item_snapshot(item)
    if plan.frozen:
        _revise(plan, reason=reason, before={"item": str(item.code), **before}, after={}, by=by)
    audit.record(audit.Action.DELETE, actor=by, obj=item, before=before, message=reason.strip())
    item.delete()


@transaction.atomic
def plan_submit(*, plan: Plan, by: Any) -> Plan:
    if plan.status != Plan.Status.DRAFT:
        raise Refused(_("Only a draft plan can be submitted."))
    if not plan.items.exists():
        raise Refused(_("Add at least one target before submitting the plan."))
    plan.status = Plan.Status.SUBMITTED
    plan.submitted_by = by
    plan.submitted_at = timezone.now()
    plan.returned_reason = ""
    plan.save(update_fields=["status", "submitted_by", "submitted_at", "returned_reason"])
    audit.record(
        audit.Action.UPDATE,
        actor=by,
        obj=plan,
        before={"status": "draft"},
        after={"status": plan.status},
    )
    return plan


@transaction.atomic
def plan_approve(*, plan: Plan, by: Any) -> Plan:
    if plan.status != Plan.Status.SUBMITTED:
        raise Refused(_("Only a submitted plan can be approved."))
    if plan.submitted_by_id is not None and plan.submitted_by_id == getattr(by, "pk", None):
        raise Refused(_("Someone other than the person who submitted the plan approves it."))
    plan.status = Plan.Status.APPROVED
    plan.approved_by = by
    plan.approved_at = timezone.now()
    plan.save(update_fields=["status", "approved_by", "approved_at"])
    audit.record(
        audit.Action.UPDATE,
        actor=by,
        obj=plan,
        before={"status": "submitted"},
        after={"status": plan.status},
    )
    return plan


@transaction.atomic
def plan_return(*, plan: Plan, reason: str, by: Any) -> Plan:
    if plan.status != Plan.Status.SUBMITTED:
        raise Refused(_("Only a submitted plan can be returned."))
    if not reason.strip():
        raise Refused(_("Say what the plan needs before it can be approved."), field="reason")
    plan.status = Plan.Status.DRAFT
    plan.returned_reason = reason.strip()
    plan.save(update_fields=["status", "returned_reason"])
    audit.record(
        audit.Action.UPDATE,
        actor=by,
        obj=plan,
        before={"status": "submitted"},
        after={"status": plan.status},
        message=reason.strip(),
    )
    return plan


# --- cascade deployment -------------------------------------------------------------------------


@dataclass
class Deployment:
    created: list[Task] = field(default_factory=list)
    already: int = 0


@transaction.atomic
def deploy(*, item: PlanItem, orgs: Sequence[PartyOrg], by: Any) -> Deployment:
    """Give each organisation its own task carrying the item out, in one transaction. The
    organisations are the plan's own and those below it; one already carrying the item is
    skipped. Tasks and their audit rows are written in bulk (COPY on PostgreSQL)."""
    plan = item.plan
    if plan.status != Plan.Status.APPROVED:
        raise Refused(_("Approve the plan before deploying its targets."))
    if not orgs:
        raise Refused(_("Choose at least one organisation."), field="orgs")
    outside = [org for org in orgs if not org.path.startswith(plan.org.path)]
    if outside:
        raise Refused(
            _("%(org)s is not under %(plan_org)s.")
            % {"org": outside[0].name, "plan_org": plan.org.name},
            field="orgs",
        )
    closed = [org for org in orgs if org.closed_on is not None]
    if closed:
        raise Refused(_("%(org)s is closed.") % {"org": closed[0].name}, field="orgs")
    # The item's carriers are at most the subtree: reading them beats binding every chosen id.
    carrying = set(item.tasks.values_list("org_id", flat=True))
    wanted = {org.pk: org for org in orgs if org.pk not in carrying}
    now = timezone.now()
    tasks = [
        Task(
            org=org,
            item=item,
            **{name: getattr(item, name) for name in ITEM_FIELDS},
            created_by=by,
            created_at=now,
            updated_at=now,
        )
        for org in wanted.values()
    ]
    bulk.insert_new(tasks)
    audit.record_many(
        audit.Action.CREATE,
        actor=by,
        items=[(task, None, {"item": str(item.code), "org": str(task.org.code)}) for task in tasks],
        message="deploy",
    )
    if tasks:
        org_ids = list(wanted)
        transaction.on_commit(lambda: _notify_deployed(item.pk, org_ids))
    return Deployment(created=tasks, already=len(orgs) - len(wanted))


def _notify_deployed(item_id: int, org_ids: list[int]) -> None:
    from ronghe.plans import tasks as jobs

    jobs.notify_deployed(item_id, org_ids)


def notify_deployed(item_id: int, org_ids: list[int]) -> int:
    """Tell the secretaries of the receiving organisations that a task arrived."""
    from ronghe.accounts.models import RoleAssignment
    from ronghe.core.access import Role

    item = PlanItem.objects.select_related("plan__org").get(pk=item_id)
    users = User.objects.filter(
        pk__in=RoleAssignment.objects.filter(party_org_id__in=org_ids, role=Role.SECRETARY).values(
            "user_id"
        ),
        is_active=True,
    )
    return notify(
        users=users,
        key=f"plans.deployed.{item.code}",
        title=_("New task from %(org)s: %(title)s")
        % {"org": item.plan.org.name, "title": item.title},
        body=_("Deadline %(deadline)s") % {"deadline": item.deadline.isoformat()},
        url=reverse("plans:tasks"),
    )


# --- tasks ---------------------------------------------------------------------------------------


def _task_snapshot(task: Task) -> dict[str, Any]:
    return {
        "title": task.title,
        "status": task.status,
        "progress": task.progress,
        "deadline": task.deadline.isoformat(),
        "weight": task.weight,
        "party_category": task.party_category_id,
        "business_category": task.business_category_id,
        "party_lead": str(task.party_lead.code) if task.party_lead else None,
        "business_lead": str(task.business_lead.code) if task.business_lead else None,
        "integration_point": str(task.integration_point.code) if task.integration_point else None,
    }


def _label(model: Any, name: str) -> str:
    return str(getattr(model._meta.get_field(name), "verbose_name", name))


def _check_dimensions(values: dict[str, Any]) -> None:
    if values.get("party_category") is None and values.get("business_category") is None:
        raise Refused(
            _("Give the task a Party dimension, a business dimension or both."),
            field="party_category",
        )


@transaction.atomic
def task_create(
    *, org: PartyOrg, values: dict[str, Any], by: Any, resolution: Resolution | None = None
) -> Task:
    """A task of the organisation's own (not deployed from above)."""
    _check_dimensions(values)
    _check_leads(
        org, {"party_lead": values.get("party_lead"), "business_lead": values.get("business_lead")}
    )
    point = values.get("integration_point")
    if (
        point is not None
        and not IntegrationPoint.objects.usable_for(org).filter(pk=point.pk).exists()
    ):
        raise Refused(
            _("Choose an integration point of this organisation or above it."),
            field="integration_point",
        )
    task = Task.objects.create(org=org, resolution=resolution, created_by=by, **values)
    audit.record(
        audit.Action.CREATE,
        actor=by,
        obj=task,
        after={"org": str(org.code), **_task_snapshot(task)},
    )
    if resolution is not None:
        orglife.resolution_link_task(resolution=resolution, task_code=task.code, by=by)
    return task


# Fields a deployed task takes from its item: the receiving organisation does not change them.
FIXED_BY_ITEM = (
    "title",
    "party_category",
    "business_category",
    "deadline",
    "weight",
    "integration_point",
)


@transaction.atomic
def task_update(*, task: Task, values: dict[str, Any], by: Any) -> Task:
    stored = _stored(task)
    if not stored.is_open:
        raise Refused(_("A finished or cancelled task no longer changes."))
    _refuse_if_locked(stored)
    if stored.item is not None and stored.item.plan.org_id != stored.org_id:
        for name in FIXED_BY_ITEM:
            if name in values and values[name] != getattr(stored, name):
                raise Refused(
                    _("This task was deployed from above: its %(field)s follows the plan.")
                    % {"field": _label(Task, name)},
                    field=name,
                )
    merged = {
        name: getattr(stored, name) for name in ("party_category", "business_category")
    } | values
    _check_dimensions(merged)
    _check_leads(
        stored.org,
        {
            name: values[name]
            for name in ("party_lead", "business_lead")
            if name in values and values[name] != getattr(stored, name)
        },
    )
    before = _task_snapshot(stored)
    for name, value in values.items():
        setattr(task, name, value)
    task.save()
    old, new = audit.changes(before, _task_snapshot(task))
    if new:
        audit.record(audit.Action.UPDATE, actor=by, obj=task, before=old, after=new)
    return task


@transaction.atomic
def task_cancel(*, task: Task, reason: str, by: Any, today: date | None = None) -> Task:
    today = today or timezone.localdate()
    if not task.is_open:
        raise Refused(_("Only an open task can be cancelled."))
    if not reason.strip():
        raise Refused(_("Say why the task is cancelled."), field="reason")
    before = task.status
    task.status = Task.Status.CANCELLED
    task.cancel_reason = reason.strip()
    _mark_if_late(task, today)
    task.save()
    audit.record(
        audit.Action.UPDATE,
        actor=by,
        obj=task,
        before={"status": before},
        after={"status": task.status},
        message=reason.strip(),
    )
    return task


def has_accepted_evidence(task: Task) -> bool:
    """Whether a checker accepted a report on the task that carries evidence."""
    accepted = task.reports.filter(status=ProgressReport.Status.ACCEPTED)
    return accepted.filter(
        Q(files__isnull=False)
        | Q(meetings__isnull=False)
        | Q(resolutions__isnull=False)
        | ~Q(link="")
    ).exists()


@transaction.atomic
def task_move(
    *, task: Task, status: str, by: Any, reason: str = "", today: date | None = None
) -> Task:
    """Change a task's status by hand (the board's drag and the status form): starting it,
    closing it (only with accepted evidence) or cancelling it (with a reason)."""
    today = today or timezone.localdate()
    if status == task.status:
        return task
    if status == Task.Status.CANCELLED:
        return task_cancel(task=task, reason=reason, by=by, today=today)
    if not task.is_open:
        raise Refused(_("A finished or cancelled task no longer changes."))
    _refuse_if_locked(task, today)
    if status == Task.Status.DONE and not has_accepted_evidence(task):
        raise Refused(
            _(
                "Done needs evidence: report progress with a file, a meeting or a link, and have it accepted."
            )
        )
    if status == Task.Status.NOT_STARTED and task.reports.exists():
        raise Refused(_("Progress was reported on this task: it has started."))
    before = task.status
    task.status = status
    if status == Task.Status.DONE:
        task.done_on = today
        task.progress = 100
        _mark_if_late(task, today)
    task.save()
    audit.record(
        audit.Action.UPDATE, actor=by, obj=task, before={"status": before}, after={"status": status}
    )
    return task


def _mark_if_late(task: Task, today: date) -> None:
    """The permanent late mark: set when a task is still open after its deadline or finished
    after it; nothing ever clears it."""
    finished_on = task.done_on if task.status == Task.Status.DONE else today
    if not task.late_mark and finished_on is not None and finished_on > task.deadline:
        task.late_mark = True
        task.late_marked_on = task.deadline + timedelta(days=1)


@transaction.atomic
def task_unlock(
    *, task: Task, reason: str, until: date, by: Any, today: date | None = None
) -> TaskUnlock:
    today = today or timezone.localdate()
    if not task.is_open:
        raise Refused(_("Only an open task can be reopened."))
    if not reason.strip():
        raise Refused(_("Say why entry is reopened."), field="reason")
    if not today <= until <= today + timedelta(days=UNLOCK_MAX_DAYS):
        raise Refused(
            _("Reopen entry from today for at most %(days)s days.") % {"days": UNLOCK_MAX_DAYS},
            field="until",
        )
    unlock = TaskUnlock.objects.create(task=task, reason=reason.strip(), until=until, by=by)
    before = task.unlocked_until
    task.unlocked_until = until
    task.save(update_fields=["unlocked_until", "updated_at"])
    audit.record(
        audit.Action.UPDATE,
        actor=by,
        obj=task,
        before={"unlocked_until": before.isoformat() if before else None},
        after={"unlocked_until": until.isoformat()},
        message=reason.strip(),
    )
    return unlock


# --- progress reports ---------------------------------------------------------------------------


@dataclass
class ReportInput:
    text: str
    progress: int
    claims_done: bool = False
    link: str = ""
    meetings: Sequence[Meeting] = ()
    resolutions: Sequence[Resolution] = ()
    files: Sequence[Any] = ()


def _check_files(files: Sequence[Any], already: int = 0) -> list[tuple[Any, str, str]]:
    """Every upload must be a photo or scan within the limits; checked before anything is kept."""
    limit = settings.RONGHE_ATTACHMENT_MAX_BYTES
    if already + len(files) > settings.RONGHE_ATTACHMENTS_PER_MEETING:
        raise Refused(
            _("A report keeps at most %(n)s files.")
            % {"n": settings.RONGHE_ATTACHMENTS_PER_MEETING},
            field="evidence",
        )
    accepted = []
    for upload in files:
        if (upload.size or 0) > limit:
            raise Refused(
                _("%(name)s is larger than %(mb)s MB.")
                % {"name": upload.name, "mb": limit // (1024 * 1024)},
                field="evidence",
            )
        kind = private_files.photo_or_scan(upload)
        if kind is None:
            raise Refused(
                _("%(name)s is not a photo (JPEG, PNG) or a scan (PDF).") % {"name": upload.name},
                field="evidence",
            )
        accepted.append((upload, *kind))
    return accepted


def _has_evidence(data: ReportInput, stored_files: int = 0) -> bool:
    return bool(
        data.files or stored_files or data.meetings or data.resolutions or data.link.strip()
    )


def _check_report(task: Task, data: ReportInput, stored_files: int = 0) -> None:
    if not data.text.strip():
        raise Refused(_("Say what was done."), field="text")
    if not 0 <= data.progress <= 100:
        raise Refused(_("Progress is between 0 and 100."), field="progress")
    if data.claims_done and not _has_evidence(data, stored_files):
        raise Refused(
            _(
                "Done needs evidence: attach a photo or scan, or link a meeting, a resolution or a page."
            ),
            field="evidence",
        )
    if data.claims_done and data.progress != 100:
        raise Refused(_("A finished task is at 100%."), field="progress")
    root = task.org.path[: task.org.steplen]
    if any(not meeting.org.path.startswith(root) for meeting in data.meetings):
        raise Refused(_("Link meetings of this organisation's own tree."), field="meetings")


def report_submit(
    *, task: Task, data: ReportInput, by: Any, today: date | None = None
) -> ProgressReport:
    if not task.is_open:
        raise Refused(_("A finished or cancelled task takes no more reports."))
    _refuse_if_locked(task, today)
    _check_report(task, data)
    if task.reports.filter(status=ProgressReport.Status.SUBMITTED).exists():
        raise Refused(_("A report on this task waits for its check: amend it instead."))
    files = _check_files(data.files)
    return _write_report(task=task, report=None, data=data, files=files, by=by)


def report_amend(
    *, report: ProgressReport, data: ReportInput, by: Any, today: date | None = None
) -> ProgressReport:
    """Add evidence to a returned (or not yet checked) report and submit it again."""
    task = report.task
    if report.status == ProgressReport.Status.ACCEPTED:
        raise Refused(_("An accepted report no longer changes."))
    if not task.is_open:
        raise Refused(_("A finished or cancelled task takes no more reports."))
    _refuse_if_locked(task, today)
    already = report.files.count()
    _check_report(task, data, stored_files=already)
    files = _check_files(data.files, already)
    return _write_report(task=task, report=report, data=data, files=files, by=by)


def _write_report(
    *,
    task: Task,
    report: ProgressReport | None,
    data: ReportInput,
    files: list[tuple[Any, str, str]],
    by: Any,
) -> ProgressReport:
    stored: list[str] = []
    try:
        with transaction.atomic():
            created = report is None
            if report is None:
                report = ProgressReport(task=task, reported_by=by)
            before = None if created else {"status": report.status, "progress": report.progress}
            report.text = data.text.strip()
            report.progress = data.progress
            report.claims_done = data.claims_done
            report.link = data.link.strip()
            report.status = ProgressReport.Status.SUBMITTED
            report.submitted_at = timezone.now()
            report.save()
            report.meetings.set(data.meetings)
            report.resolutions.set(data.resolutions)
            for upload, content_type, suffix in files:
                name, digest, size = private_files.store("attachments", upload.chunks(), suffix)
                stored.append(name)
                ReportFile.objects.create(
                    report=report,
                    name=(upload.name or "file").rsplit("/", 1)[-1][:200],
                    content_type=content_type,
                    size=size,
                    sha256=digest,
                    stored_name=name,
                    uploaded_by=by if getattr(by, "is_authenticated", False) else None,
                )
            if task.status == Task.Status.NOT_STARTED:
                task.status = Task.Status.IN_PROGRESS
                task.save(update_fields=["status", "updated_at"])
            audit.record(
                audit.Action.CREATE if created else audit.Action.UPDATE,
                actor=by,
                obj=report,
                object_repr=f"{task} · {report}"[:200],
                before=before,
                after={
                    "task": str(task.code),
                    "progress": report.progress,
                    "claims_done": report.claims_done,
                    "files": len(files),
                },
            )
    except BaseException:
        for name in stored:  # no row, no file
            private_files.delete("attachments", name)
        raise
    return report


@transaction.atomic
def report_accept(*, report: ProgressReport, by: Any) -> ProgressReport:
    """The checker accepts a report: the task takes its progress, and a report saying the task
    is finished closes it on the day the report was submitted."""
    _check_checker(report, by)
    task = report.task
    report.status = ProgressReport.Status.ACCEPTED
    report.checked_by = by
    report.checked_at = timezone.now()
    report.save(update_fields=["status", "checked_by", "checked_at"])
    before = _task_snapshot(task)
    task.progress = max(task.progress, report.progress)
    if report.claims_done and task.is_open:
        task.status = Task.Status.DONE
        task.progress = 100
        task.done_on = timezone.localdate(report.submitted_at)
        _mark_if_late(task, task.done_on)
    task.save()
    audit.record(
        audit.Action.UPDATE,
        actor=by,
        obj=report,
        object_repr=f"{task} · {report}"[:200],
        before={"status": ProgressReport.Status.SUBMITTED},
        after={"status": report.status},
    )
    old, new = audit.changes(before, _task_snapshot(task))
    if new:
        audit.record(
            audit.Action.UPDATE,
            actor=by,
            obj=task,
            before=old,
            after=new,
            message="report accepted",
        )
    return report


@transaction.atomic
def report_return(*, report: ProgressReport, reason: str, by: Any) -> ProgressReport:
    _check_checker(report, by)
    if not reason.strip():
        raise Refused(_("Say what evidence is missing."), field="reason")
    report.status = ProgressReport.Status.RETURNED
    report.times_returned += 1
    report.return_reason = reason.strip()
    report.checked_by = by
    report.checked_at = timezone.now()
    report.save(
        update_fields=["status", "times_returned", "return_reason", "checked_by", "checked_at"]
    )
    audit.record(
        audit.Action.UPDATE,
        actor=by,
        obj=report,
        object_repr=f"{report.task} · {report}"[:200],
        before={"status": ProgressReport.Status.SUBMITTED},
        after={"status": report.status},
        message=reason.strip(),
    )
    _notify_reporter(report)
    return report


def _check_checker(report: ProgressReport, by: Any) -> None:
    if report.status != ProgressReport.Status.SUBMITTED:
        raise Refused(_("Only a report waiting for its check can be accepted or returned."))
    if report.reported_by_id is not None and report.reported_by_id == getattr(by, "pk", None):
        raise Refused(_("Someone other than the reporter checks a report."))


def _notify_reporter(report: ProgressReport) -> None:
    if report.reported_by_id is None:
        return
    notify(
        users=User.objects.filter(pk=report.reported_by_id, is_active=True),
        key=f"plans.returned.{report.code}.{report.times_returned}",
        title=_("Evidence asked for: %(task)s") % {"task": report.task.title},
        body=report.return_reason,
        url=reverse("plans:task", args=[report.task.code]),
    )


# --- milestones ------------------------------------------------------------------------------------


def _check_milestone_task(task: Task) -> None:
    if not task.is_open:
        raise Refused(_("A finished or cancelled task no longer changes."))
    _refuse_if_locked(task)


@transaction.atomic
def milestone_add(*, task: Task, title: str, due_on: date, by: Any) -> Milestone:
    """A checkpoint on the way to the deadline (never after it)."""
    _check_milestone_task(task)
    if not title.strip():
        raise Refused(_("Name the milestone."), field="title")
    if due_on > task.deadline:
        raise Refused(
            _("A milestone falls on or before the task's deadline (%(deadline)s).")
            % {"deadline": task.deadline.isoformat()},
            field="due_on",
        )
    position = task.milestones.count()
    milestone = Milestone.objects.create(
        task=task, title=title.strip(), due_on=due_on, position=position
    )
    audit.record(
        audit.Action.CREATE,
        actor=by,
        obj=milestone,
        after={"task": str(task.code), "title": milestone.title, "due_on": due_on.isoformat()},
    )
    return milestone


@transaction.atomic
def milestone_done(*, milestone: Milestone, done: bool, by: Any) -> Milestone:
    """Tick a milestone off (today) or take the tick back."""
    _check_milestone_task(milestone.task)
    before = {"done_on": milestone.done_on.isoformat() if milestone.done_on else None}
    milestone.done_on = timezone.localdate() if done else None
    milestone.save(update_fields=["done_on"])
    after = {"done_on": milestone.done_on.isoformat() if milestone.done_on else None}
    audit.record(audit.Action.UPDATE, actor=by, obj=milestone, before=before, after=after)
    return milestone


@transaction.atomic
def milestone_delete(*, milestone: Milestone, by: Any) -> None:
    _check_milestone_task(milestone.task)
    audit.record(
        audit.Action.DELETE,
        actor=by,
        obj=milestone,
        before={"task": str(milestone.task.code), "title": milestone.title},
    )
    milestone.delete()


# --- the catalogues: integration points and categories; the task policy -------------------------

POINT_FIELDS = ("title", "party_work", "business_goal", "source", "source_meeting", "source_note")


def _point_snapshot(point: IntegrationPoint) -> dict[str, Any]:
    return {
        "title": point.title,
        "party_work": point.party_work,
        "business_goal": point.business_goal,
        "source": point.source,
        "source_meeting": str(point.source_meeting.code) if point.source_meeting else None,
        "source_note": point.source_note,
        "active": point.active,
    }


def _check_point(org: PartyOrg, values: dict[str, Any]) -> None:
    for name in ("title", "party_work", "business_goal"):
        if not str(values.get(name) or "").strip():
            raise Refused(_("This field is required."), field=name)
    meeting = values.get("source_meeting")
    if meeting is not None and not meeting.org.path.startswith(org.path):
        raise Refused(
            _("Choose a meeting of this organisation or below it."), field="source_meeting"
        )
    forum_unnamed = meeting is None and not str(values.get("source_note") or "").strip()
    if values.get("source") == IntegrationPoint.Source.FORUM and forum_unnamed:
        raise Refused(
            _("Name the forum (座谈会) it came from: choose its meeting or describe it."),
            field="source_meeting",
        )


@transaction.atomic
def point_save(
    *,
    org: PartyOrg,
    values: dict[str, Any],
    by: Any,
    point: IntegrationPoint | None = None,
) -> IntegrationPoint:
    """Add an integration point to an organisation's catalogue, or change one. `values` holds
    POINT_FIELDS and optionally `active` (a retired point stays on the targets that used it)."""
    _check_point(org, values)
    if point is None:
        point = IntegrationPoint(org=org, created_by=by)
        before: dict[str, Any] = {}
    else:
        before = _point_snapshot(_stored(point))
    for name in (*POINT_FIELDS, "active"):
        if name in values:
            value = values[name]
            setattr(point, name, value.strip() if isinstance(value, str) else value)
    point.save()
    if not before:
        audit.record(
            audit.Action.CREATE,
            actor=by,
            obj=point,
            after={"org": str(org.code), **_point_snapshot(point)},
        )
    else:
        old, new = audit.changes(before, _point_snapshot(point))
        if new:
            audit.record(audit.Action.UPDATE, actor=by, obj=point, before=old, after=new)
    return point


@transaction.atomic
def category_add(*, org: PartyOrg, dimension: str, name: str, by: Any) -> Category:
    """A category of the organisation's own, offered to its subtree next to the platform's."""
    name = name.strip()
    if not name:
        raise Refused(_("This field is required."), field="name")
    if Category.objects.usable_for(org).filter(dimension=dimension, name=name).exists():
        raise Refused(_("This list already has a category of that name."), field="name")
    if Category.objects.filter(org=org, dimension=dimension, name=name).exists():
        raise Refused(
            _("A retired category of that name exists: bring it back instead."), field="name"
        )
    position = Category.objects.filter(org=org, dimension=dimension).count()
    category = Category.objects.create(org=org, dimension=dimension, name=name, position=position)
    audit.record(
        audit.Action.CREATE,
        actor=by,
        obj=category,
        after={"org": str(org.code), "dimension": dimension, "name": name},
    )
    return category


@transaction.atomic
def category_set_active(*, category: Category, active: bool, by: Any) -> Category:
    """Retire a category (no new targets or tasks take it; those that did keep it) or bring
    it back."""
    if category.org_id is None:
        raise Refused(_("The platform's categories are not changed here."))
    if category.active != active:
        category.active = active
        category.save(update_fields=["active"])
        audit.record(
            audit.Action.UPDATE,
            actor=by,
            obj=category,
            before={"active": not active},
            after={"active": active},
        )
    return category


POLICY_FIELDS = ("yellow_days", "red_days", "remind_days", "grace_days")


@transaction.atomic
def policy_save(*, org: PartyOrg, values: dict[str, int], by: Any) -> TaskPolicy:
    """Set the countdown, reminder and lock thresholds for an organisation's subtree."""
    for name in POLICY_FIELDS:
        value = values.get(name)
        if value is None or not 0 <= value <= 365:
            raise Refused(_("Enter a number of days from 0 to 365."), field=name)
    if values["red_days"] > values["yellow_days"]:
        raise Refused(
            _("Red comes nearer the deadline than yellow: at most the yellow days."),
            field="red_days",
        )
    policy = TaskPolicy.objects.filter(org=org).first()
    before = {name: getattr(policy, name) for name in POLICY_FIELDS} if policy else {}
    policy = policy or TaskPolicy(org=org)
    for name in POLICY_FIELDS:
        setattr(policy, name, values[name])
    policy.updated_by = by
    policy.save()
    after = {name: getattr(policy, name) for name in POLICY_FIELDS}
    audit.record(
        audit.Action.UPDATE if before else audit.Action.CREATE,
        actor=by,
        obj=policy,
        before=before or None,
        after={"org": str(org.code), **after},
    )
    return policy


@transaction.atomic
def policy_delete(*, policy: TaskPolicy, by: Any) -> None:
    """Remove a subtree's thresholds: the next setting above it applies again."""
    org = policy.org
    if org is None:
        raise Refused(_("The platform default stays; change its values instead."))
    audit.record(
        audit.Action.DELETE,
        actor=by,
        obj=policy,
        before={"org": str(org.code), **{n: getattr(policy, n) for n in POLICY_FIELDS}},
    )
    policy.delete()


# --- resolutions become tasks --------------------------------------------------------------------


def task_from_resolution(*, resolution: Resolution, values: dict[str, Any], by: Any) -> Task:
    """The hook from organisational life: a passed resolution becomes a task of the meeting's
    organisation, linked both ways."""
    if resolution.outcome == Resolution.Outcome.FAILED:
        raise Refused(_("A resolution that did not pass does not become a task."))
    return task_create(org=resolution.meeting.org, values=values, by=by, resolution=resolution)


# --- the daily job ---------------------------------------------------------------------------------


def mark_late(*, today: date | None = None) -> int:
    """Set the permanent late mark on every open task past its deadline (one UPDATE)."""
    today = today or timezone.localdate()
    return Task.objects.filter(
        status__in=Task.OPEN_STATUSES, deadline__lt=today, late_mark=False
    ).update(late_mark=True, late_marked_on=today)


def remind_leads(*, today: date | None = None) -> int:
    """Notify the leads of open tasks entering their reminder window, once per deadline."""
    today = today or timezone.localdate()
    policies = Policies()
    horizon = max([policies.default.remind_days, *(p.remind_days for _, p in policies.local)])
    candidates = (
        Task.objects.open()
        .filter(deadline__gte=today, deadline__lte=today + timedelta(days=horizon))
        .filter(Q(reminded_for__isnull=True) | ~Q(reminded_for=F("deadline")))
        .select_related("org")
    )
    sent = 0
    for task in candidates:
        if task.days_left(today) > policies.for_org(task.org).remind_days:
            continue
        users = User.objects.filter(
            Q(person_id=task.party_lead_id) | Q(person_id=task.business_lead_id),
            person__isnull=False,
            is_active=True,
        )
        sent += notify(
            users=users,
            key=f"plans.due.{task.code}.{task.deadline.isoformat()}",
            title=_("Due in %(days)s days: %(task)s")
            % {"days": task.days_left(today), "task": task.title},
            url=reverse("plans:task", args=[task.code]),
        )
        task.reminded_for = task.deadline
        task.save(update_fields=["reminded_for"])
    return sent


# --- one post, two duties (一岗双责) ------------------------------------------------------------------


def led_by(person_id: int) -> Any:
    """Tasks the person leads, on either side."""
    return Task.objects.filter(Q(party_lead_id=person_id) | Q(business_lead_id=person_id))


def my_open_tasks(person_id: int, limit: int) -> list[Task]:
    """The open tasks a person leads, the nearest deadline first (the today page)."""
    return list(led_by(person_id).open().select_related("org").order_by("deadline", "id")[:limit])
