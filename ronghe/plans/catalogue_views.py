"""The catalogues behind plans and tasks: integration points (融合点) with where each came from,
the Party and business category lists, and the task thresholds (countdown colours, reminders,
the entry lock) per subtree.

Reads go through the access gate; writes through `plans.services`, whose refusals come back
next to their field."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ronghe.core.access import Cap, get_for_user, reach_of, require_cap
from ronghe.orgs.models import PartyOrg
from ronghe.plans import services
from ronghe.plans.forms import CategoryForm, PointForm, PolicyForm, refused_into
from ronghe.plans.models import Category, Dimension, IntegrationPoint, PlanItem, Task, TaskPolicy

PAGE_SIZE = 50


def _orgs_with(user: Any, cap: Cap) -> Any:
    return PartyOrg.objects.filter(reach_of(user).q(cap, party="")).open().order_by("path")


# --- integration points ---------------------------------------------------------------------------


def point_list(request: HttpRequest) -> HttpResponse:
    """The catalogue: each point with how many targets and tasks serve it."""
    require_cap(request.user, Cap.READ_PLANS)
    points = IntegrationPoint.objects.visible_to(request.user).select_related(
        "org", "source_meeting"
    )
    source = request.GET.get("source", "")
    if source in IntegrationPoint.Source.values:
        points = points.filter(source=source)
    if request.GET.get("retired") != "1":
        points = points.filter(active=True)
    page = Paginator(points.order_by("org__path", "-created_at"), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    # Only the tasks the reader sees are counted (a branch sees its own, not its siblings').
    counts = {
        row["integration_point_id"]: row
        for row in Task.objects.visible_to(request.user)
        .filter(integration_point__in=[point.pk for point in page.object_list])
        .values("integration_point_id")
        .annotate(
            total=Count("id"),
            done=Count("id", filter=Q(status=Task.Status.DONE)),
            late=Count("id", filter=Q(late_mark=True)),
        )
        .order_by()
    }
    empty = {"total": 0, "done": 0, "late": 0}
    return render(
        request,
        "plans/point_list.html",
        {
            "page": page,
            "rows": [{"point": p, **counts.get(p.pk, empty)} for p in page.object_list],
            "sources": IntegrationPoint.Source.choices,
            "source": source,
            "retired": request.GET.get("retired") == "1",
            "may_create": reach_of(request.user).has(Cap.WRITE_PLANS),
        },
    )


def point_new(request: HttpRequest) -> HttpResponse:
    require_cap(request.user, Cap.WRITE_PLANS)
    orgs = _orgs_with(request.user, Cap.WRITE_PLANS)
    chosen = request.GET.get("org")
    org = (orgs.filter(code=chosen).first() if chosen else None) or orgs.first()
    if org is None:
        raise PermissionDenied
    return _point_form(request, org, None, orgs=orgs)


def point_edit(request: HttpRequest, code: Any) -> HttpResponse:
    point = get_for_user(IntegrationPoint, request.user, code, write=True)
    return _point_form(request, point.org, point)


def _point_form(
    request: HttpRequest, org: PartyOrg, point: IntegrationPoint | None, orgs: Any = None
) -> HttpResponse:
    form = PointForm(request.POST or None, instance=point, org=org)
    if request.method == "POST" and form.is_valid():
        try:
            saved = services.point_save(org=org, point=point, values=form.values(), by=request.user)
        except services.Refused as refused:
            refused_into(form, refused)
        else:
            return redirect("plans:point", saved.code)
    return render(
        request,
        "plans/point_form.html",
        {"form": form, "org": org, "orgs": orgs, "point": point},
        status=422 if form.errors else 200,
    )


def point_detail(request: HttpRequest, code: Any) -> HttpResponse:
    """One point: where it came from, the plan targets linked to it and the tasks serving it."""
    point = get_for_user(IntegrationPoint, request.user, code)
    items = (
        PlanItem.objects.visible_to(request.user)
        .filter(integration_point=point)
        .select_related("plan", "plan__org")
        .order_by("-plan__year", "deadline")[:PAGE_SIZE]
    )
    tasks = (
        Task.objects.visible_to(request.user)
        .filter(integration_point=point)
        .for_list()
        .order_by("deadline", "id")
    )
    summary = tasks.aggregate(
        total=Count("id"),
        done=Count("id", filter=Q(status=Task.Status.DONE)),
        late=Count("id", filter=Q(late_mark=True)),
    )
    return render(
        request,
        "plans/point_detail.html",
        {
            "point": point,
            "items": items,
            "rows": services.with_countdowns(tasks[:PAGE_SIZE]),
            "summary": summary,
            "may_write": IntegrationPoint.objects.writable_by(request.user)
            .filter(pk=point.pk)
            .exists(),
        },
    )


# --- categories and thresholds --------------------------------------------------------------------


def task_settings(request: HttpRequest) -> HttpResponse:
    """The category lists and the thresholds in force; those who set rules for a subtree add
    categories and change thresholds here."""
    require_cap(request.user, Cap.READ_PLANS)
    manage_orgs = _orgs_with(request.user, Cap.MANAGE_RULES)
    may_manage = reach_of(request.user).has(Cap.MANAGE_RULES)
    category_form = policy_form = None
    if may_manage:
        category_form = CategoryForm(orgs=manage_orgs, initial={"org": manage_orgs.first()})
        policy_form = PolicyForm(orgs=manage_orgs, initial=_policy_initial(request, manage_orgs))
    return _settings_page(request, category_form, policy_form)


def _policy_initial(request: HttpRequest, orgs: Any) -> dict[str, Any]:
    org = orgs.filter(code=request.GET.get("org")).first() if request.GET.get("org") else None
    org = org or orgs.first()
    if org is None:
        return {}
    policy = services.Policies().for_org(org)
    return {"org": org, **{name: getattr(policy, name) for name in services.POLICY_FIELDS}}


def _settings_page(
    request: HttpRequest,
    category_form: CategoryForm | None,
    policy_form: PolicyForm | None,
    status: int = 200,
) -> HttpResponse:
    categories = Category.objects.visible_to(request.user).select_related("org")
    policies = TaskPolicy.objects.visible_to(request.user).select_related("org")
    writable_categories = set(
        Category.objects.writable_by(request.user).values_list("pk", flat=True)
    )
    return render(
        request,
        "plans/settings.html",
        {
            "party": [c for c in categories if c.dimension == Dimension.PARTY],
            "business": [c for c in categories if c.dimension == Dimension.BUSINESS],
            "policies": sorted(policies, key=lambda p: p.org.path if p.org else ""),
            "writable_categories": writable_categories,
            "writable_policies": set(
                TaskPolicy.objects.writable_by(request.user).values_list("pk", flat=True)
            ),
            "category_form": category_form,
            "policy_form": policy_form,
        },
        status=status,
    )


def _managed_forms(request: HttpRequest) -> tuple[Any, CategoryForm, PolicyForm]:
    require_cap(request.user, Cap.MANAGE_RULES)
    orgs = _orgs_with(request.user, Cap.MANAGE_RULES)
    return (
        orgs,
        CategoryForm(orgs=orgs, initial={"org": orgs.first()}),
        PolicyForm(orgs=orgs, initial=_policy_initial(request, orgs)),
    )


@require_POST
def category_add(request: HttpRequest) -> HttpResponse:
    orgs, _blank, policy_form = _managed_forms(request)
    form = CategoryForm(request.POST, orgs=orgs)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.category_add(
                org=data["org"], dimension=data["dimension"], name=data["name"], by=request.user
            )
        except services.Refused as refused:
            refused_into(form, refused)
        else:
            messages.success(request, _("The category is added for this organisation and below."))
            return redirect("plans:settings")
    return _settings_page(request, form, policy_form, status=422)


@require_POST
def category_toggle(request: HttpRequest, code: Any) -> HttpResponse:
    category = get_for_user(Category, request.user, code, write=True)
    try:
        services.category_set_active(category=category, active=not category.active, by=request.user)
    except services.Refused as refused:
        messages.error(request, refused.message)
    return redirect("plans:settings")


@require_POST
def policy_save(request: HttpRequest) -> HttpResponse:
    orgs, category_form, _blank = _managed_forms(request)
    form = PolicyForm(request.POST, orgs=orgs)
    if form.is_valid():
        try:
            services.policy_save(
                org=form.cleaned_data["org"], values=form.values(), by=request.user
            )
        except services.Refused as refused:
            refused_into(form, refused)
        else:
            messages.success(
                request,
                _("The thresholds apply to %(org)s and below.") % {"org": form.cleaned_data["org"]},
            )
            return redirect("plans:settings")
    return _settings_page(request, category_form, form, status=422)


@require_POST
def policy_delete(request: HttpRequest, code: Any) -> HttpResponse:
    policy = get_for_user(TaskPolicy, request.user, code, write=True)
    services.policy_delete(policy=policy, by=request.user)
    messages.success(request, _("The local thresholds are removed; the ones above apply again."))
    return redirect("plans:settings")
