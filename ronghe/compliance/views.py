"""Compliance pages: the board for a committee (which organisations are behind, by rule) and
one organisation's findings with their deadlines, evidence and sources."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ronghe.compliance import services
from ronghe.compliance.forms import RuleSettingForm
from ronghe.compliance.models import Finding, Rule, RuleSetting
from ronghe.core.access import Cap, get_for_user, reach_of, require_cap
from ronghe.orgs.models import PartyOrg

S = Finding.Status
# The colour a cell shows: the most urgent current finding of an (organisation, rule) pair.
URGENCY: dict[str, int] = {S.VIOLATED: 4, S.OVERDUE: 3, S.DUE_SOON: 2, S.OPEN: 1, S.OK: 0}
PAGE_SIZE = 50


def _worst(findings: list[Finding]) -> dict[tuple[int, int], Finding]:
    cells: dict[tuple[int, int], Finding] = {}
    for finding in findings:
        key = (finding.org_id, finding.rule_id)
        if key not in cells or URGENCY[finding.status] > URGENCY[cells[key].status]:
            cells[key] = finding
    return cells


def board(request: HttpRequest) -> HttpResponse:
    require_cap(request.user, Cap.READ_COMPLIANCE)
    visible = Finding.objects.visible_to(request.user)
    rules = list(Rule.objects.all())
    behind_only = request.GET.get("behind") == "1"
    rule_filter = request.GET.get("rule", "")
    orgs = (
        PartyOrg.objects.visible_to(request.user)
        .filter(reach_of(request.user).q(Cap.READ_COMPLIANCE, party=""))
        .open()
    )
    wanted = visible.current()
    if rule_filter:
        wanted = wanted.filter(rule__key=rule_filter)
    if behind_only:
        wanted = wanted.filter(status__in=(S.DUE_SOON, S.OVERDUE, S.VIOLATED))
    orgs = orgs.filter(pk__in=wanted.values("org_id")).order_by("path")
    page = Paginator(orgs.only("id", "code", "name", "kind", "path"), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    rows = list(page.object_list)
    cells = _worst(list(Finding.objects.filter(org__in=rows).current().select_related("evidence")))
    summary = {
        (row["rule_id"], row["status"]): row["n"]
        for row in visible.current().values("rule_id", "status").annotate(n=Count("id")).order_by()
    }
    columns = [rule for rule in rules if not rule_filter or rule.key == rule_filter]
    return render(
        request,
        "compliance/board.html",
        {
            "page": page,
            "columns": [
                {
                    "rule": rule,
                    "behind": sum(summary.get((rule.pk, s), 0) for s in (S.OVERDUE, S.VIOLATED)),
                    "due_soon": summary.get((rule.pk, S.DUE_SOON), 0),
                    "ok": summary.get((rule.pk, S.OK), 0),
                }
                for rule in columns
            ],
            "rows": [
                {"org": org, "cells": [cells.get((org.pk, rule.pk)) for rule in columns]}
                for org in rows
            ],
            "rules": rules,
            "behind_only": behind_only,
            "rule_filter": rule_filter,
            "today": timezone.localdate(),
        },
    )


def _org_findings(request: HttpRequest, code: Any) -> tuple[PartyOrg, list[Finding]]:
    org = get_for_user(PartyOrg, request.user, code)
    if not reach_of(request.user).reaches(Cap.READ_COMPLIANCE, party_path=org.path):
        raise PermissionDenied
    findings = list(
        Finding.objects.filter(org=org)
        .current()
        .select_related("rule", "evidence")
        .order_by("deadline")
    )
    findings.sort(key=lambda finding: (-URGENCY[finding.status], finding.deadline))
    return org, findings


def org_findings(request: HttpRequest, code: Any) -> HttpResponse:
    org, findings = _org_findings(request, code)
    history = list(
        Finding.objects.filter(org=org, is_latest=False)
        .select_related("rule", "evidence")
        .order_by("-period_start")[:100]
    )
    return render(
        request,
        "compliance/org.html",
        {"org": org, "findings": findings, "history": history},
    )


def org_card(request: HttpRequest, code: Any) -> HttpResponse:
    """The countdowns on the organisation page (loaded into it by htmx)."""
    org, findings = _org_findings(request, code)
    return render(request, "compliance/_org_card.html", {"org": org, "findings": findings})


# --- the rule set and its local settings -----------------------------------------------------


def rules_page(request: HttpRequest) -> HttpResponse:
    """The rule set as data: parameters, organisations it applies to, dates in force and the
    source; below, the local settings within reach, which Party-affairs staff change."""
    require_cap(request.user, Cap.READ_COMPLIANCE)
    may_manage = reach_of(request.user).has(Cap.MANAGE_RULES)
    form = None
    if may_manage:
        initial = {"rule": request.GET.get("rule", ""), "org": request.GET.get("org", "")}
        form = RuleSettingForm(request.POST or None, user=request.user, initial=initial)
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            services.rule_setting_save(
                rule=data["rule"], org=data["org"], data=data, by=request.user
            )
            messages.success(
                request,
                _("The rule is adjusted for %(org)s and below; its findings are evaluated again.")
                % {"org": data["org"].name},
            )
            return redirect("compliance:rules")
    elif request.method == "POST":
        raise PermissionDenied
    settings = (
        RuleSetting.objects.visible_to(request.user)
        .select_related("rule", "org")
        .order_by("org__path", "rule__key")
    )
    return render(
        request,
        "compliance/rules.html",
        {
            "rules": list(Rule.objects.all()),
            "settings": list(settings[:500]),
            "form": form,
            "writable": set(
                RuleSetting.objects.writable_by(request.user).values_list("pk", flat=True)
            )
            if may_manage
            else set(),
        },
        status=400 if form is not None and form.errors else 200,
    )


@require_POST
def delete_setting(request: HttpRequest, code: Any) -> HttpResponse:
    setting = get_for_user(RuleSetting, request.user, code, write=True)
    services.rule_setting_delete(setting=setting, by=request.user)
    messages.success(request, _("The local setting is removed; the published rule applies again."))
    return redirect("compliance:rules")
