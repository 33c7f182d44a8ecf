"""Plan and task pages: plans with their Party and business targets side by side, approval,
deployment down the tree and the cascade view of one item; the task list, a task's page with
its progress reports, evidence and checks.

Every row is fetched through the access gate (`get_for_user`); writes go through
`plans.services`, whose refusals come back next to the field they concern."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ronghe.accounts.models import RoleAssignment
from ronghe.core import months, private_files
from ronghe.core.access import Cap, get_for_user, reach_of, require_cap
from ronghe.orglife.models import Meeting, Resolution
from ronghe.orgs.models import PartyOrg
from ronghe.people.models import Person
from ronghe.plans import services
from ronghe.plans.forms import (
    DeployForm,
    ItemForm,
    MilestoneForm,
    MoveForm,
    PlanForm,
    ReasonForm,
    ReportForm,
    TaskFilterForm,
    TaskForm,
    UnlockForm,
    refused_into,
)
from ronghe.plans.models import (
    Dimension,
    Milestone,
    Plan,
    PlanItem,
    ProgressReport,
    ReportFile,
    Task,
)

PAGE_SIZE = 50


def _writable_orgs(user: Any) -> Any:
    return (
        PartyOrg.objects.filter(reach_of(user).q(Cap.WRITE_PLANS, party="")).open().order_by("path")
    )


def _may(queryset: Any, obj: Any) -> bool:
    return queryset.filter(pk=obj.pk).exists()


# --- plans ----------------------------------------------------------------------------------------


def plan_list(request: HttpRequest) -> HttpResponse:
    require_cap(request.user, Cap.READ_PLANS)
    plans = (
        Plan.objects.visible_to(request.user)
        .select_related("org")
        .annotate(n_items=Count("items"))
        .order_by("-year", "quarter", "org__path")
    )
    page = Paginator(plans, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "plans/plan_list.html",
        {"page": page, "may_create": reach_of(request.user).has(Cap.WRITE_PLANS)},
    )


def plan_new(request: HttpRequest) -> HttpResponse:
    require_cap(request.user, Cap.WRITE_PLANS)
    orgs = _writable_orgs(request.user)
    form = PlanForm(
        request.POST or None,
        orgs=orgs,
        initial={"year": timezone.localdate().year, "org": orgs.first()},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            plan = services.plan_create(
                org=data["org"],
                year=data["year"],
                quarter=data["quarter"],
                title=data["title"],
                by=request.user,
            )
        except services.Refused as refused:
            refused_into(form, refused)
        else:
            return redirect("plans:plan", plan.code)
    return render(
        request, "plans/plan_new.html", {"form": form}, status=422 if form.errors else 200
    )


def _item_rows(plan: Plan) -> list[dict[str, Any]]:
    """Each item with how the tasks carrying it out stand (one aggregate query)."""
    items = list(
        plan.items.select_related("party_category", "business_category", "integration_point")
    )
    counts = {
        row["item_id"]: row
        for row in Task.objects.filter(item__plan=plan)
        .values("item_id")
        .annotate(
            total=Count("id"),
            done=Count("id", filter=Q(status=Task.Status.DONE)),
            late=Count("id", filter=Q(late_mark=True)),
        )
        .order_by()
    }
    empty = {"total": 0, "done": 0, "late": 0}
    return [{"item": item, **counts.get(item.pk, empty)} for item in items]


def _plan_page(
    request: HttpRequest, plan: Plan, *, return_form: ReasonForm | None = None, status: int = 200
) -> HttpResponse:
    """A plan's targets, Party-building and business side by side, with its approval."""
    rows = _item_rows(plan)
    reach = reach_of(request.user)
    return render(
        request,
        "plans/plan_detail.html",
        {
            "plan": plan,
            "party_rows": [row for row in rows if row["item"].dimension == Dimension.PARTY],
            "business_rows": [row for row in rows if row["item"].dimension == Dimension.BUSINESS],
            "may_write": _may(Plan.objects.writable_by(request.user), plan),
            "may_approve": reach.reaches(Cap.APPROVE_PLANS, party_path=plan.org.path),
            "revisions": _revisions(plan),
            "return_form": return_form or ReasonForm(),
        },
        status=status,
    )


def _revisions(plan: Plan) -> list[dict[str, Any]]:
    """Each revision with its changes labelled in the reader's language."""
    labels = {field.name: field.verbose_name for field in PlanItem._meta.fields}
    return [
        {
            "revision": revision,
            "changes": [
                (labels.get(key, key), revision.before.get(key), value)
                for key, value in revision.after.items()
                if key != "item"
            ],
        }
        for revision in plan.revisions.select_related("by")
    ]


def plan_detail(request: HttpRequest, code: Any) -> HttpResponse:
    return _plan_page(request, get_for_user(Plan, request.user, code))


def _plan_for_write(request: HttpRequest, code: Any) -> Plan:
    return get_for_user(Plan, request.user, code, write=True)


def item_new(request: HttpRequest, code: Any) -> HttpResponse:
    plan = _plan_for_write(request, code)
    return _item_form(request, plan, None)


def item_edit(request: HttpRequest, code: Any) -> HttpResponse:
    item = get_for_user(PlanItem, request.user, code, write=True)
    return _item_form(request, item.plan, item)


def _item_form(request: HttpRequest, plan: Plan, item: PlanItem | None) -> HttpResponse:
    form = ItemForm(request.POST or None, instance=item, plan=plan)
    if request.method == "POST" and form.is_valid():
        values = {name: form.cleaned_data[name] for name in ItemForm.Meta.fields}
        try:
            services.item_save(
                plan=plan,
                item=item,
                values=values,
                by=request.user,
                reason=form.cleaned_data.get("reason", ""),
            )
        except services.Refused as refused:
            refused_into(form, refused)
        else:
            return redirect("plans:plan", plan.code)
    return render(
        request,
        "plans/item_form.html",
        {"form": form, "plan": plan, "item": item},
        status=422 if form.errors else 200,
    )


@require_POST
def item_delete(request: HttpRequest, code: Any) -> HttpResponse:
    item = get_for_user(PlanItem, request.user, code, write=True)
    plan = item.plan
    try:
        services.item_delete(item=item, by=request.user, reason=request.POST.get("reason", ""))
    except services.Refused as refused:
        messages.error(request, refused.message)
    return redirect("plans:plan", plan.code)


@require_POST
def plan_submit(request: HttpRequest, code: Any) -> HttpResponse:
    plan = _plan_for_write(request, code)
    try:
        services.plan_submit(plan=plan, by=request.user)
    except services.Refused as refused:
        messages.error(request, refused.message)
    return redirect("plans:plan", plan.code)


def _plan_for_approval(request: HttpRequest, code: Any) -> Plan:
    plan = get_for_user(Plan, request.user, code)
    if not reach_of(request.user).reaches(Cap.APPROVE_PLANS, party_path=plan.org.path):
        raise PermissionDenied
    return plan


@require_POST
def plan_approve(request: HttpRequest, code: Any) -> HttpResponse:
    plan = _plan_for_approval(request, code)
    try:
        services.plan_approve(plan=plan, by=request.user)
    except services.Refused as refused:
        messages.error(request, refused.message)
    return redirect("plans:plan", plan.code)


@require_POST
def plan_return(request: HttpRequest, code: Any) -> HttpResponse:
    plan = _plan_for_approval(request, code)
    form = ReasonForm(request.POST)
    if form.is_valid():
        try:
            services.plan_return(plan=plan, reason=form.cleaned_data["reason"], by=request.user)
        except services.Refused as refused:
            refused_into(form, refused)
        else:
            return redirect("plans:plan", plan.code)
    return _plan_page(request, plan, return_form=form, status=422)


# --- deployment and the cascade view --------------------------------------------------------------


def item_deploy(request: HttpRequest, code: Any) -> HttpResponse:
    item = get_for_user(PlanItem, request.user, code, write=True)
    plan = item.plan
    below = (
        PartyOrg.objects.filter(path__startswith=plan.org.path, depth__gt=plan.org.depth)
        .open()
        .order_by("path")
    )
    form = DeployForm(request.POST or None, below=below)
    if request.method == "POST" and form.is_valid():
        try:
            deployment = services.deploy(item=item, orgs=form.targets(), by=request.user)
        except services.Refused as refused:
            refused_into(form, refused)
        else:
            messages.success(
                request,
                _("Deployed to %(n)s organisations (%(already)s already carried it).")
                % {"n": len(deployment.created), "already": deployment.already},
            )
            return redirect("plans:cascade", item.code)
    carrying = set(item.tasks.values_list("org_id", flat=True))
    return render(
        request,
        "plans/deploy.html",
        {
            "item": item,
            "plan": plan,
            "form": form,
            "carrying": carrying,
            "chosen": set(request.POST.getlist("orgs")),
        },
        status=422 if form.errors else 200,
    )


def cascade(request: HttpRequest, code: Any) -> HttpResponse:
    """Every organisation's task carrying one item: status, progress, countdown, late mark."""
    item = get_for_user(PlanItem, request.user, code)
    tasks = Task.objects.visible_to(request.user).filter(item=item)
    summary = tasks.aggregate(
        total=Count("id"),
        done=Count("id", filter=Q(status=Task.Status.DONE)),
        late=Count("id", filter=Q(late_mark=True)),
        waiting=Count(
            "id", filter=Q(reports__status=ProgressReport.Status.SUBMITTED), distinct=True
        ),
    )
    # The page's task ids first (a sort of narrow rows), then those 50 rows with their leads:
    # joining every task of the item to the people before the LIMIT gave PostgreSQL a plan
    # that turned 10× slower when its row estimate became accurate (docs/PERFORMANCE.md).
    ids = tasks.order_by("org__path", "id").values_list("pk", flat=True)
    page = Paginator(ids, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = services.with_countdowns(
        Task.objects.filter(pk__in=page.object_list)
        .select_related("org", "party_lead", "business_lead")
        .order_by("org__path", "id")
    )
    return render(
        request,
        "plans/cascade.html",
        {"item": item, "plan": item.plan, "page": page, "rows": rows, "summary": summary},
    )


# --- tasks ------------------------------------------------------------------------------------------


def _filtered_tasks(request: HttpRequest) -> tuple[Any, TaskFilterForm]:
    tasks = Task.objects.visible_to(request.user).for_list()
    form = TaskFilterForm(request.GET or None)
    if not form.is_valid():
        return tasks, form
    data = form.cleaned_data
    if data["dimension"] == "party":
        tasks = tasks.filter(party_category__isnull=False)
    elif data["dimension"] == "business":
        tasks = tasks.filter(business_category__isnull=False)
    elif data["dimension"] == "both":
        tasks = tasks.filter(party_category__isnull=False, business_category__isnull=False)
    if data["status"]:
        tasks = tasks.filter(status=data["status"])
    if data["late"]:
        tasks = tasks.filter(late_mark=True)
    if data["lead"]:
        tasks = tasks.filter(
            Q(party_lead__name__contains=data["lead"])
            | Q(business_lead__name__contains=data["lead"])
        )
    if data["q"]:
        tasks = tasks.filter(title__contains=data["q"])
    return tasks, form


def task_list(request: HttpRequest) -> HttpResponse:
    reach = reach_of(request.user)
    if not reach.has(Cap.READ_PLANS) and reach.person_id is None:
        raise PermissionDenied
    tasks, form = _filtered_tasks(request)
    page = Paginator(tasks.order_by("deadline", "id"), PAGE_SIZE).get_page(request.GET.get("page"))
    today = timezone.localdate()
    rows = services.with_countdowns(page.object_list, today)
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "plans/task_list.html",
        {
            "page": page,
            "rows": rows,
            "form": form,
            "query": query.urlencode(),
            "may_create": reach.has(Cap.WRITE_PLANS),
            "may_settings": reach.has(Cap.READ_PLANS),
            "today": today,
        },
    )


BOARD_COLUMN_SIZE = 50


def task_board(request: HttpRequest) -> HttpResponse:
    """The task list's filters, grouped by status: the nearest deadlines first in each column."""
    reach = reach_of(request.user)
    if not reach.has(Cap.READ_PLANS) and reach.person_id is None:
        raise PermissionDenied
    tasks, _form = _filtered_tasks(request)
    counts = dict(tasks.order_by().values_list("status").annotate(n=Count("id")))
    columns = []
    for status, label in Task.Status.choices:
        shown = list(tasks.filter(status=status).order_by("deadline", "id")[:BOARD_COLUMN_SIZE])
        count = counts.get(status, 0)
        columns.append(
            {
                "status": status,
                "label": label,
                "tasks": shown,
                "count": count,
                "more": max(0, count - len(shown)),
            }
        )
    query = request.GET.copy()
    return render(request, "plans/board.html", {"columns": columns, "query": query.urlencode()})


TIMELINE_DAY_SIZE = 6


def task_timeline(request: HttpRequest) -> HttpResponse:
    """The task list's filters on a month calendar: each task on its deadline, each open
    milestone on its due day (a phone gets the same as a list by day)."""
    reach = reach_of(request.user)
    if not reach.has(Cap.READ_PLANS) and reach.person_id is None:
        raise PermissionDenied
    first = months.month_from(request.GET.get("month", ""))
    last = months.last_day(first)
    tasks, form = _filtered_tasks(request)
    due = list(
        tasks.filter(deadline__range=(first, last)).order_by("deadline", "-weight", "id")[:1000]
    )
    milestones = list(
        Milestone.objects.filter(task__in=tasks, due_on__range=(first, last))
        .select_related("task")
        .order_by("due_on", "id")[:1000]
    )
    today = timezone.localdate()
    by_day: dict[date, dict[str, list[Any]]] = {}
    for row in services.with_countdowns(due, today):
        by_day.setdefault(row["task"].deadline, {"tasks": [], "milestones": []})["tasks"].append(
            row
        )
    for milestone in milestones:
        by_day.setdefault(milestone.due_on, {"tasks": [], "milestones": []})["milestones"].append(
            milestone
        )
    grid = []
    for week in months.weeks(first):
        cells = []
        for day in week:
            entry = by_day.get(day, {"tasks": [], "milestones": []})
            cells.append(
                {
                    "day": day,
                    "in_month": day.month == first.month,
                    "tasks": entry["tasks"][:TIMELINE_DAY_SIZE],
                    "more": max(0, len(entry["tasks"]) - TIMELINE_DAY_SIZE),
                    "milestones": entry["milestones"][:TIMELINE_DAY_SIZE],
                }
            )
        grid.append(cells)
    query = request.GET.copy()
    query.pop("month", None)
    previous, following = months.neighbours(first)
    return render(
        request,
        "plans/timeline.html",
        {
            "first": first,
            "weeks": grid,
            "days": sorted(by_day.items()),
            "weekdays": months.WEEKDAYS,
            "form": form,
            "query": query.urlencode(),
            "previous": previous,
            "following": following,
            "today": today,
            "truncated": len(due) == 1000,
        },
    )


def task_new(request: HttpRequest) -> HttpResponse:
    require_cap(request.user, Cap.WRITE_PLANS)
    orgs = _writable_orgs(request.user)
    org = orgs.filter(code=request.GET.get("org")).first() if request.GET.get("org") else None
    org = org or orgs.first()
    if org is None:
        raise PermissionDenied
    form = TaskForm(request.POST or None, org=org)
    if request.method == "POST" and form.is_valid():
        try:
            task = services.task_create(org=org, values=form.values(), by=request.user)
        except services.Refused as refused:
            refused_into(form, refused)
        else:
            return redirect("plans:task", task.code)
    return render(
        request,
        "plans/task_form.html",
        {"form": form, "org": org, "orgs": orgs, "task": None},
        status=422 if form.errors else 200,
    )


def task_edit(request: HttpRequest, code: Any) -> HttpResponse:
    task = get_for_user(Task, request.user, code, write=True)
    form = TaskForm(request.POST or None, instance=task, org=task.org)
    if request.method == "POST" and form.is_valid():
        try:
            services.task_update(task=task, values=form.values(), by=request.user)
        except services.Refused as refused:
            task.refresh_from_db()
            refused_into(form, refused)
        else:
            return redirect("plans:task", task.code)
    return render(
        request,
        "plans/task_form.html",
        {"form": form, "org": task.org, "task": task},
        status=422 if form.errors else 200,
    )


def _task_page(request: HttpRequest, task: Task, status: int = 200, **forms: Any) -> HttpResponse:
    today = timezone.localdate()
    policy = services.Policies().for_org(task.org)
    may_write = _may(Task.objects.writable_by(request.user), task)
    may_check = _may(Task.objects.checkable_by(request.user), task)
    reports = list(
        task.reports.select_related("reported_by", "checked_by").prefetch_related(
            "files", "meetings", "resolutions"
        )
    )
    context = {
        "task": task,
        "colour": services.colour(task, policy, today),
        "days_left": task.days_left(today),
        "locked": services.is_locked(task, policy, today),
        "policy": policy,
        "reports": reports,
        "waiting": any(r.status == ProgressReport.Status.SUBMITTED for r in reports),
        "may_write": may_write,
        "may_check": may_check,
        "report_form": forms.get("report_form") or ReportForm(task=task, user=request.user),
        "unlock_form": forms.get("unlock_form") or UnlockForm(),
        "move_form": forms.get("move_form") or MoveForm(initial={"status": task.status}),
        "return_form": forms.get("return_form") or ReasonForm(),
        "blank_return_form": ReasonForm(),
        "return_for": forms.get("return_for"),
        "unlocks": task.unlocks.select_related("by"),
        "milestones": task.milestones.all(),
        "milestone_form": forms.get("milestone_form") or MilestoneForm(),
        # A branch carries a committee's target without seeing the committee's plan.
        "may_see_plan": task.item_id is not None
        and Plan.objects.visible_to(request.user).filter(items=task.item_id).exists(),
    }
    return render(request, "plans/task_detail.html", context, status=status)


def task_detail(request: HttpRequest, code: Any) -> HttpResponse:
    task = get_for_user(Task, request.user, code)
    return _task_page(request, task)


@require_POST
def report_new(request: HttpRequest, code: Any) -> HttpResponse:
    task = get_for_user(Task, request.user, code, write=True)
    form = ReportForm(request.POST, request.FILES, task=task, user=request.user)
    if form.is_valid():
        try:
            services.report_submit(task=task, data=form.report_input(), by=request.user)
        except services.Refused as refused:
            refused_into(form, refused)
        else:
            messages.success(request, _("Progress reported; it waits for a check."))
            return redirect("plans:task", task.code)
    return _task_page(request, task, status=422, report_form=form)


@require_POST
def report_amend(request: HttpRequest, code: Any) -> HttpResponse:
    report = get_for_user(ProgressReport, request.user, code, write=True)
    task = report.task
    form = ReportForm(request.POST, request.FILES, task=task, user=request.user)
    if form.is_valid():
        try:
            services.report_amend(report=report, data=form.report_input(), by=request.user)
        except services.Refused as refused:
            refused_into(form, refused)
        else:
            messages.success(request, _("Report resubmitted; it waits for a check."))
            return redirect("plans:task", task.code)
    return _task_page(request, task, status=422, report_form=form)


def _report_for_check(request: HttpRequest, code: Any) -> ProgressReport:
    report = get_for_user(ProgressReport, request.user, code)
    if not _may(ProgressReport.objects.checkable_by(request.user), report):
        raise PermissionDenied
    return report


@require_POST
def report_accept(request: HttpRequest, code: Any) -> HttpResponse:
    report = _report_for_check(request, code)
    try:
        services.report_accept(report=report, by=request.user)
    except services.Refused as refused:
        messages.error(request, refused.message)
    return redirect("plans:task", report.task.code)


@require_POST
def report_return(request: HttpRequest, code: Any) -> HttpResponse:
    report = _report_for_check(request, code)
    form = ReasonForm(request.POST)
    if form.is_valid():
        try:
            services.report_return(
                report=report, reason=form.cleaned_data["reason"], by=request.user
            )
        except services.Refused as refused:
            refused_into(form, refused)
        else:
            return redirect("plans:task", report.task.code)
    return _task_page(request, report.task, status=422, return_form=form, return_for=report.pk)


@require_POST
def task_unlock(request: HttpRequest, code: Any) -> HttpResponse:
    task = get_for_user(Task, request.user, code)
    if not _may(Task.objects.checkable_by(request.user), task):
        raise PermissionDenied
    form = UnlockForm(request.POST)
    if form.is_valid():
        try:
            services.task_unlock(
                task=task,
                reason=form.cleaned_data["reason"],
                until=form.cleaned_data["until"],
                by=request.user,
            )
        except services.Refused as refused:
            refused_into(form, refused)
        else:
            return redirect("plans:task", task.code)
    return _task_page(request, task, status=422, unlock_form=form)


@require_POST
def task_move(request: HttpRequest, code: Any) -> HttpResponse:
    """The status form on a task's page and the board's drag: the same checks either way."""
    task = get_for_user(Task, request.user, code, write=True)
    form = MoveForm(request.POST)
    refusal = None
    if form.is_valid():
        try:
            services.task_move(
                task=task,
                status=form.cleaned_data["status"],
                reason=form.cleaned_data["reason"],
                by=request.user,
            )
        except services.Refused as refused:
            refusal = refused
            refused_into(form, refused)
    if request.htmx:  # type: ignore[attr-defined]  # the board: answer with the card (moved or not) and the refusal
        task.refresh_from_db()
        return render(
            request,
            "plans/_board_card.html",
            {"task": task, "refusal": refusal, "today": timezone.localdate()},
            status=200 if refusal is None and form.is_valid() else 422,
        )
    if form.is_valid() and refusal is None:
        return redirect("plans:task", task.code)
    return _task_page(request, task, status=422, move_form=form)


# --- milestones ------------------------------------------------------------------------------------


@require_POST
def milestone_new(request: HttpRequest, code: Any) -> HttpResponse:
    task = get_for_user(Task, request.user, code, write=True)
    form = MilestoneForm(request.POST)
    if form.is_valid():
        try:
            services.milestone_add(
                task=task,
                title=form.cleaned_data["title"],
                due_on=form.cleaned_data["due_on"],
                by=request.user,
            )
        except services.Refused as refused:
            refused_into(form, refused)
        else:
            return redirect("plans:task", task.code)
    return _task_page(request, task, status=422, milestone_form=form)


@require_POST
def milestone_done(request: HttpRequest, code: Any) -> HttpResponse:
    milestone = get_for_user(Milestone, request.user, code, write=True)
    try:
        services.milestone_done(
            milestone=milestone, done=milestone.done_on is None, by=request.user
        )
    except services.Refused as refused:
        messages.error(request, refused.message)
    return redirect("plans:task", milestone.task.code)


@require_POST
def milestone_delete(request: HttpRequest, code: Any) -> HttpResponse:
    milestone = get_for_user(Milestone, request.user, code, write=True)
    try:
        services.milestone_delete(milestone=milestone, by=request.user)
    except services.Refused as refused:
        messages.error(request, refused.message)
    return redirect("plans:task", milestone.task.code)


# --- a meeting's resolution becomes a task ---------------------------------------------------------


def resolution_task(request: HttpRequest, code: Any) -> HttpResponse:
    """The task form, filled from a resolution, for the meeting's organisation; the task links
    back to the meeting and the meeting lists the task."""
    resolution = (
        Resolution.objects.filter(code=code, meeting__in=Meeting.objects.visible_to(request.user))
        .select_related("meeting", "meeting__org")
        .first()
    )
    if resolution is None:
        raise Http404
    org = resolution.meeting.org
    if not _may(_writable_orgs(request.user), org):
        raise PermissionDenied
    initial = {
        "title": resolution.text.strip().splitlines()[0][:200] if resolution.text.strip() else "",
        "description": resolution.text,
    }
    form = TaskForm(request.POST or None, org=org, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            task = services.task_from_resolution(
                resolution=resolution, values=form.values(), by=request.user
            )
        except services.Refused as refused:
            refused_into(form, refused)
        else:
            messages.success(request, _("The resolution is now a task."))
            return redirect("plans:task", task.code)
    return render(
        request,
        "plans/task_form.html",
        {"form": form, "org": org, "task": None, "resolution": resolution},
        status=422 if form.errors else 200,
    )


def report_file(request: HttpRequest, code: Any) -> FileResponse:
    attachment = get_for_user(ReportFile, request.user, code)
    return private_files.attachment_response(attachment)


# --- one post, two duties (一岗双责) ------------------------------------------------------------------

DUTY_LIST_SIZE = 100


def duties(request: HttpRequest, code: Any = None) -> HttpResponse:
    """A responsible person's posts, their Party and business tasks side by side, the evidence
    they reported and their late marks. Anyone may open their own (the tasks one leads are
    always visible to one); others need the person in their reach, and see only the tasks in
    theirs."""
    if code is None:
        person_id = reach_of(request.user).person_id
        if person_id is None:
            raise Http404
        person = Person.objects.select_related("party_org", "unit").get(pk=person_id)
    else:
        person = get_for_user(Person, request.user, code)
    tasks = Task.objects.visible_to(request.user).filter(
        Q(party_lead=person) | Q(business_lead=person)
    )
    tasks = tasks.for_list().order_by("deadline", "id")
    summary = tasks.aggregate(
        total=Count("id"),
        open=Count("id", filter=Q(status__in=Task.OPEN_STATUSES)),
        done=Count("id", filter=Q(status=Task.Status.DONE)),
        late=Count("id", filter=Q(late_mark=True)),
    )
    party = services.with_countdowns(tasks.filter(party_lead=person)[:DUTY_LIST_SIZE])
    business = services.with_countdowns(tasks.filter(business_lead=person)[:DUTY_LIST_SIZE])
    evidence = (
        ProgressReport.objects.filter(task__in=tasks, reported_by__person=person)
        .select_related("task")
        .annotate(n_files=Count("files"))
        .order_by("-submitted_at")[:20]
    )
    posts = RoleAssignment.objects.filter(user__person=person).with_places()
    return render(
        request,
        "plans/duties.html",
        {
            "person": person,
            "posts": posts,
            "summary": summary,
            "party_rows": party,
            "business_rows": business,
            "evidence": evidence,
            "late": services.with_countdowns(tasks.filter(late_mark=True)[:DUTY_LIST_SIZE]),
        },
    )
