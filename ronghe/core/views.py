"""Health probes, the audit trail page, and error pages."""

from __future__ import annotations

import json
from datetime import datetime, time
from typing import Any

from django import forms
from django.contrib.auth.decorators import login_not_required
from django.core.paginator import Paginator
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache

from ronghe.core import audit
from ronghe.core.access import Role, require_role
from ronghe.core.downloads import xlsx_download
from ronghe.core.forms import DateInput
from ronghe.core.models import AuditEvent


@login_not_required
@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    """The process is up (no dependencies are touched)."""
    return JsonResponse({"status": "ok"})


@login_not_required
@never_cache
def readyz(request: HttpRequest) -> JsonResponse:
    """The database answers; a load balancer sends traffic only while this is 200."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:
        return JsonResponse({"status": "unavailable", "database": "down"}, status=503)
    return JsonResponse({"status": "ok", "database": "up"})


class AuditFilterForm(forms.Form):
    actor = forms.CharField(label=_("user"), required=False, max_length=150)
    action = forms.ChoiceField(label=_("action"), required=False)
    outcome = forms.ChoiceField(label=_("outcome"), required=False)
    object_id = forms.CharField(label=_("object"), required=False, max_length=64)
    since = forms.DateField(label=_("from"), required=False, widget=DateInput)
    until = forms.DateField(label=_("to"), required=False, widget=DateInput)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["action"].choices = [("", _("any")), *AuditEvent.Action.choices]  # type: ignore[attr-defined]
        self.fields["outcome"].choices = [("", _("any")), *AuditEvent.Outcome.choices]  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if data.get("since") and data.get("until") and data["since"] > data["until"]:
            self.add_error("until", _("The end date is before the start date."))
        return data


def _filtered_events(request: HttpRequest) -> tuple[AuditFilterForm, Any]:
    """The trail as the auditor's filters narrow it: one function for the page and its export."""
    form = AuditFilterForm(request.GET or None)
    events = AuditEvent.objects.newest_first()
    if form.is_valid():
        data = form.cleaned_data
        tz = timezone.get_current_timezone()
        if data["actor"]:
            events = events.filter(actor_username__icontains=data["actor"].strip())
        if data["action"]:
            events = events.filter(action=data["action"])
        if data["outcome"]:
            events = events.filter(outcome=data["outcome"])
        if data["object_id"]:
            events = events.filter(object_id=data["object_id"].strip())
        if data["since"]:
            events = events.filter(at__gte=datetime.combine(data["since"], time.min, tzinfo=tz))
        if data["until"]:
            events = events.filter(at__lte=datetime.combine(data["until"], time.max, tzinfo=tz))
    return form, events


@never_cache
def audit_export(request: HttpRequest) -> HttpResponseBase:
    """What the audit page lists, filters applied, as an .xlsx; the export is audited too."""
    require_role(request.user, Role.AUDITOR)
    _form, events = _filtered_events(request)
    header = [
        "时间",
        "用户",
        "角色",
        "操作",
        "结果",
        "对象类型",
        "对象",
        "对象编号",
        "变更前",
        "变更后",
        "说明",
        "IP",
        "请求编号",
    ]
    rows = (
        [
            timezone.localtime(event.at).strftime("%Y-%m-%d %H:%M:%S"),
            event.actor_username,
            event.actor_roles,
            event.get_action_display(),
            event.get_outcome_display(),
            event.object_type,
            event.object_repr,
            event.object_id,
            json.dumps(event.before, ensure_ascii=False) if event.before else "",
            json.dumps(event.after, ensure_ascii=False) if event.after else "",
            event.message,
            event.ip or "",
            event.request_id,
        ]
        for event in events.iterator(chunk_size=2000)
    )
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response, count = xlsx_download(f"审计日志-{stamp}.xlsx", header, rows, title="审计日志")
    audit.record(
        AuditEvent.Action.EXPORT,
        actor=request.user,
        object_type="core.auditevent",
        message=request.GET.urlencode(),
        after={"rows": count},
    )
    return response


@never_cache
def audit_list(request: HttpRequest) -> HttpResponse:
    """Only the audit administrator reads the trail (SECURITY.md B-3)."""
    require_role(request.user, Role.AUDITOR)
    # The auditor's own reading is audited too (三员: every administrator action leaves a trace).
    audit.record(
        AuditEvent.Action.AUDIT_READ,
        actor=request.user,
        object_type="core.auditevent",
        message=request.GET.urlencode(),
    )
    form, events = _filtered_events(request)
    page = Paginator(events, 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "core/audit_list.html",
        {
            "form": form,
            "page": page,
            "query_without_page": query.urlencode(),
        },
    )


def error_400(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "400.html", status=400)


def error_403(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "403.html", status=403)


def error_404(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "404.html", status=404)


def error_500(request: HttpRequest) -> HttpResponse:
    return render(request, "500.html", status=500)
