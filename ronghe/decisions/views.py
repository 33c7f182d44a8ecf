"""Decision-list pages: the list with filters, proposing a matter, and one decision's page —
its timeline from proposal to result, with the form of the step it is at.

Every row is fetched through the access gate; writes go through `decisions.services`, whose
refusals come back next to the field they concern."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ronghe.core.access import Cap, get_for_user, reach_of, require_cap
from ronghe.decisions import services
from ronghe.decisions.forms import (
    CloseForm,
    DecideForm,
    DecisionFilterForm,
    ProposalForm,
    PublishForm,
    ScheduleForm,
    StudyForm,
)
from ronghe.decisions.models import Decision, DecisionTask
from ronghe.orgs.models import PartyOrg
from ronghe.people.models import Person
from ronghe.plans.forms import TaskForm, refused_into
from ronghe.plans.models import Task

PAGE_SIZE = 50


def decision_list(request: HttpRequest) -> HttpResponse:
    require_cap(request.user, Cap.READ_DECISIONS)
    decisions = Decision.objects.visible_to(request.user).select_related("org", "matter")
    form = DecisionFilterForm(request.GET or None)
    if form.is_valid():
        data = form.cleaned_data
        if data["category"]:
            decisions = decisions.filter(matter__category=data["category"])
        if data["stage"]:
            decisions = decisions.filter(stage=data["stage"])
        if data["body"]:
            decisions = decisions.filter(matter__body=data["body"])
        if data["min_amount"] is not None:
            decisions = decisions.filter(amount__gte=data["min_amount"])
        if data["flagged"]:
            decisions = decisions.filter(Q(emergency=True) | Q(against_conclusion=True))
    page = Paginator(decisions.order_by("-proposed_at", "-id"), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "decisions/list.html",
        {
            "page": page,
            "form": form,
            "query": query.urlencode(),
            "may_propose": reach_of(request.user).has(Cap.WRITE_DECISIONS),
        },
    )


BOARD_SIZE = 30


def board(request: HttpRequest) -> HttpResponse:
    """决策公开: what was decided and how it is being carried out, for members. Amounts and the
    parts kept from members show only to those who read the decision list there."""
    reach = reach_of(request.user)
    person = (
        Person.objects.select_related("party_org").filter(pk=reach.person_id).first()
        if reach.person_id
        else None
    )
    party_path = person.party_org.path if person and person.party_org else None
    if party_path is None and not reach.has(Cap.READ_DECISIONS):
        raise PermissionDenied
    decisions = list(
        Decision.objects.on_board_for(request.user, party_path)
        .select_related("org", "matter")
        .order_by("-decided_on", "-id")[:BOARD_SIZE]
    )
    readable = set(
        Decision.objects.visible_to(request.user)
        .filter(pk__in=[d.pk for d in decisions])
        .values_list("pk", flat=True)
    )
    links = DecisionTask.objects.filter(decision__in=decisions).select_related("task")
    tasks: dict[int, list[Task]] = {}
    for link in links:
        tasks.setdefault(link.decision_id, []).append(link.task)
    rows = [
        {"decision": d, "full": d.pk in readable, "tasks": tasks.get(d.pk, [])} for d in decisions
    ]
    return render(request, "decisions/board.html", {"rows": rows})


def _writable_orgs(user: Any) -> Any:
    return (
        PartyOrg.objects.filter(reach_of(user).q(Cap.WRITE_DECISIONS, party=""))
        .open()
        .exclude(kind=PartyOrg.Kind.GROUP)
        .order_by("path")
    )


def decision_new(request: HttpRequest) -> HttpResponse:
    require_cap(request.user, Cap.WRITE_DECISIONS)
    orgs = _writable_orgs(request.user)
    chosen = request.GET.get("org")
    org = (orgs.filter(code=chosen).first() if chosen else None) or orgs.first()
    if org is None:
        raise PermissionDenied
    form = ProposalForm(request.POST or None, org=org)
    if request.method == "POST" and form.is_valid():
        try:
            decision = services.propose(org=org, proposal=form.proposal(), by=request.user)
        except services.Refused as refused:
            refused_into(form, refused)
        else:
            return redirect("decisions:decision", decision.code)
    return render(
        request,
        "decisions/new.html",
        {"form": form, "org": org, "orgs": orgs},
        status=422 if form.errors else 200,
    )


def _page(
    request: HttpRequest, decision: Decision, status: int = 200, **forms: Any
) -> HttpResponse:
    may_write = Decision.objects.writable_by(request.user).filter(pk=decision.pk).exists()
    tasks = Task.objects.filter(pk__in=decision.task_links.values("task_id")).select_related(
        "org", "party_lead", "business_lead"
    )
    context = {
        "decision": decision,
        "studies": list(decision.studies.select_related("meeting", "recorded_by")),
        "tasks": list(tasks.order_by("deadline", "id")),
        "may_write": may_write,
        "schedule_form": forms.get("schedule_form") or ScheduleForm(decision=decision),
        "study_form": forms.get("study_form") or StudyForm(),
        "decide_form": forms.get("decide_form")
        or DecideForm(initial={"body": decision.matter.body, "method": "meeting_vote"}),
        "task_form": forms.get("task_form") or TaskForm(org=decision.org),
        "close_form": forms.get("close_form") or CloseForm(),
        "publish_form": forms.get("publish_form")
        or PublishForm(
            initial={"public": decision.public, "sensitive_note": decision.sensitive_note}
        ),
    }
    return render(request, "decisions/detail.html", context, status=status)


def decision_detail(request: HttpRequest, code: Any) -> HttpResponse:
    return _page(request, get_for_user(Decision, request.user, code))


def _step(
    request: HttpRequest, code: Any, form_class: Any, name: str, act: Any, **form_kw: Any
) -> HttpResponse:
    """One step of the workflow: validate the form, call the service, show a refusal next to
    its field (nothing changed), or go back to the decision's page."""
    decision = get_for_user(Decision, request.user, code, write=True)
    form = form_class(request.POST, **{k: v(decision) for k, v in form_kw.items()})
    if form.is_valid():
        try:
            act(decision, form)
        except services.Refused as refused:
            refused_into(form, refused)
        else:
            return redirect("decisions:decision", decision.code)
    decision.refresh_from_db()
    return _page(request, decision, status=422, **{name: form})


@require_POST
def schedule(request: HttpRequest, code: Any) -> HttpResponse:
    return _step(
        request,
        code,
        ScheduleForm,
        "schedule_form",
        lambda d, f: services.schedule_study(
            decision=d, meeting=f.cleaned_data["meeting"], by=request.user
        ),
        decision=lambda d: d,
    )


@require_POST
def study(request: HttpRequest, code: Any) -> HttpResponse:
    return _step(
        request,
        code,
        StudyForm,
        "study_form",
        lambda d, f: services.record_study(decision=d, study=f.study(), by=request.user),
    )


@require_POST
def decide(request: HttpRequest, code: Any) -> HttpResponse:
    return _step(
        request,
        code,
        DecideForm,
        "decide_form",
        lambda d, f: services.decide(decision=d, data=f.decision_input(), by=request.user),
    )


@require_POST
def add_task(request: HttpRequest, code: Any) -> HttpResponse:
    return _step(
        request,
        code,
        TaskForm,
        "task_form",
        lambda d, f: services.add_task(decision=d, values=f.values(), by=request.user),
        org=lambda d: d.org,
    )


@require_POST
def close(request: HttpRequest, code: Any) -> HttpResponse:
    return _step(
        request,
        code,
        CloseForm,
        "close_form",
        lambda d, f: services.close(decision=d, result=f.cleaned_data["result"], by=request.user),
    )


@require_POST
def publish(request: HttpRequest, code: Any) -> HttpResponse:
    def act(decision: Decision, form: PublishForm) -> None:
        services.publish(decision=decision, by=request.user, **form.cleaned_data)
        messages.success(
            request,
            _("Published on the decision board.")
            if form.cleaned_data["public"]
            else _("Taken off the decision board."),
        )

    return _step(request, code, PublishForm, "publish_form", act)
