"""Organisational-life pages: the calendar, planning, the meeting page (sign-in, record,
resolutions), "my meetings" and signing in by QR code."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

import segno
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ronghe.core import months, private_files
from ronghe.core.access import Cap, get_for_user, reach_of, require_cap
from ronghe.orglife import files, services
from ronghe.orglife.forms import (
    AttachmentForm,
    AttendanceForm,
    CancelForm,
    InviteForm,
    MeetingEditForm,
    MeetingForm,
    ResolutionForm,
    details_of,
    meeting_initial,
    record_form,
    topic_formset,
)
from ronghe.orglife.kinds import spec_of
from ronghe.orglife.models import Attachment, Attendance, CalendarFeed, Meeting
from ronghe.orgs.models import PartyOrg
from ronghe.people.models import Person


def _may_open_calendar(user: Any) -> bool:
    reach = reach_of(user)
    return reach.has(Cap.READ_MEETINGS) or reach.person_id is not None


def calendar_page(request: HttpRequest) -> HttpResponse:
    """The organisational-life calendar: a month grid, or the same meetings as a list."""
    if not _may_open_calendar(request.user):
        raise PermissionDenied
    first = months.month_from(request.GET.get("month", ""))
    last = months.last_day(first)
    tz = timezone.get_current_timezone()
    meetings = list(
        Meeting.objects.visible_to(request.user)
        .between(
            datetime.combine(first, time.min, tz),
            datetime.combine(last + timedelta(days=1), time.min, tz),
        )
        .for_list()
        .order_by("starts_at")
    )
    by_day: dict[date, list[Meeting]] = {}
    for meeting in meetings:
        by_day.setdefault(timezone.localtime(meeting.starts_at).date(), []).append(meeting)
    weeks = [
        [
            {"day": day, "in_month": day.month == first.month, "meetings": by_day.get(day, [])}
            for day in week
        ]
        for week in months.weeks(first)
    ]
    previous, following = months.neighbours(first)
    return render(
        request,
        "orglife/calendar.html",
        {
            "first": first,
            "weeks": weeks,
            "weekdays": months.WEEKDAYS,
            "meetings": meetings,
            "view": "list" if request.GET.get("view") == "list" else "month",
            "previous": previous,
            "following": following,
            "today": timezone.localdate(),
            "can_plan": reach_of(request.user).has(Cap.WRITE_MEETINGS),
        },
    )


def my_meetings(request: HttpRequest) -> HttpResponse:
    """The meetings the signed-in member is invited to: what is coming, and their record."""
    person_id = reach_of(request.user).person_id
    if person_id is None:
        raise PermissionDenied
    rows = (
        Attendance.objects.filter(person_id=person_id)
        .exclude(meeting__status=Meeting.Status.CANCELLED)
        .select_related("meeting", "meeting__org")
        .order_by("-meeting__starts_at")
    )
    now = timezone.now()
    upcoming = [row for row in rows[:200] if row.meeting.starts_at >= now - timedelta(hours=3)]
    past = [row for row in rows[:200] if row.meeting.starts_at < now - timedelta(hours=3)]
    upcoming.reverse()
    counts = rows.aggregate(
        due=Count("id", filter=Q(meeting__status=Meeting.Status.HELD)),
        came=Count(
            "id",
            filter=Q(meeting__status=Meeting.Status.HELD)
            & Q(status__in=(Attendance.Status.PRESENT, Attendance.Status.LATE)),
        ),
    )
    return render(
        request,
        "orglife/mine.html",
        {"upcoming": upcoming, "past": past[:50], "counts": counts},
    )


def plan_meeting(request: HttpRequest) -> HttpResponse:
    require_cap(request.user, Cap.WRITE_MEETINGS)
    initial = {}
    if org_code := request.GET.get("org"):
        initial["org"] = org_code
    form = MeetingForm(request.POST or None, user=request.user, initial=initial)
    topics = topic_formset(request.user, request.POST or None)
    if request.method == "POST" and form.is_valid() and topics.is_valid():
        agenda = [topic for topic in (f.topic() for f in topics.forms) if topic is not None]
        meeting = services.meeting_plan(
            org=form.cleaned_data["org"], data=form.cleaned_data, topics=agenda, by=request.user
        )
        messages.success(request, _("The meeting is on the calendar; its members are invited."))
        return redirect("orglife:detail", code=meeting.code)
    return render(request, "orglife/plan.html", {"form": form, "topics": topics})


def _meeting(request: HttpRequest, code: Any, *, write: bool = False) -> Meeting:
    return get_for_user(Meeting, request.user, code, write=write)


def _may_write(user: Any, meeting: Meeting) -> bool:
    return Meeting.objects.writable_by(user).filter(pk=meeting.pk).exists()


def meeting_detail(request: HttpRequest, code: Any, **forms: Any) -> HttpResponse:
    meeting = _meeting(request, code)
    may_write = _may_write(request.user, meeting)
    attendance = list(meeting.attendance.select_related("person").order_by("person__name_pinyin"))
    heads = services.headcount(meeting, voting_only=True)
    everyone = services.headcount(meeting, voting_only=False)
    context = {
        "meeting": meeting,
        "spec": spec_of(meeting.kind),
        "topics": list(meeting.topics.select_related("unit")),
        "attendance": attendance,
        "heads": heads,
        "everyone": everyone,
        "resolutions": list(meeting.resolutions.prefetch_related("task_links")),
        "may_write": may_write,
        # Staff who plan for the organisation turn its resolutions into tasks (the task list).
        "may_make_tasks": PartyOrg.objects.filter(
            reach_of(request.user).q(Cap.WRITE_PLANS, party=""), pk=meeting.org_id
        ).exists(),
        "statuses": [s for s in Attendance.Status if s != Attendance.Status.PENDING],
        "record_form": forms.get("record_form") or record_form(meeting),
        "resolution_form": forms.get("resolution_form") or ResolutionForm(meeting=meeting),
        "cancel_form": forms.get("cancel_form") or CancelForm(),
        "attachment_form": forms.get("attachment_form") or AttachmentForm(),
        "attachments": list(meeting.attachments.all()),
        "invite_form": forms.get("invite_form"),
        "invitable": _invitable(meeting) if may_write else [],
        "attendance_form": forms.get("attendance_form"),
        "details": [
            (field.label, meeting.details.get(field.key))
            for field in spec_of(meeting.kind).fields
            if meeting.details.get(field.key) not in (None, "")
        ],
        "refused": forms.get("refused", []),
        "own": next(
            (row for row in attendance if row.person_id == reach_of(request.user).person_id), None
        ),
    }
    status = 400 if forms else 200
    return render(request, "orglife/detail.html", context, status=status)


@require_POST
def attendance_update(request: HttpRequest, code: Any) -> HttpResponse:
    meeting = _meeting(request, code, write=True)
    form = AttendanceForm(request.POST)
    if not form.is_valid():
        return meeting_detail(request, code, attendance_form=form)
    person = meeting.attendance.filter(person__code=form.cleaned_data["person"]).first()
    if person is None:
        raise Http404
    try:
        services.attendance_record(
            meeting=meeting,
            person=person.person,
            status=form.cleaned_data["status"],
            reason=form.cleaned_data["reason"],
            by=request.user,
        )
    except services.MeetingRefused as refused:
        return meeting_detail(request, code, refused=refused.breaches)
    return redirect(reverse("orglife:detail", args=[meeting.code]) + "#attendance")


@require_POST
def record_meeting(request: HttpRequest, code: Any) -> HttpResponse:
    meeting = _meeting(request, code, write=True)
    form = record_form(meeting, request.POST)
    if not form.is_valid():
        return meeting_detail(request, code, record_form=form)
    try:
        services.meeting_record(
            meeting=meeting,
            minutes=form.cleaned_data["minutes"],
            details=details_of(form),
            by=request.user,
        )
    except services.MeetingRefused as refused:
        return meeting_detail(request, code, record_form=form, refused=refused.breaches)
    messages.success(request, _("The meeting is recorded as held."))
    return redirect("orglife:detail", code=meeting.code)


@require_POST
def add_resolution(request: HttpRequest, code: Any) -> HttpResponse:
    meeting = _meeting(request, code, write=True)
    form = ResolutionForm(request.POST, meeting=meeting)
    if not form.is_valid():
        return meeting_detail(request, code, resolution_form=form)
    try:
        services.resolution_add(
            meeting=meeting,
            text=form.cleaned_data["text"],
            vote_kind=form.cleaned_data["vote_kind"],
            ballot=form.ballot(),
            declared=form.cleaned_data["outcome"],
            by=request.user,
        )
    except services.MeetingRefused as refused:
        form.add_error(None, "；".join(str(breach) for breach in refused.breaches))
        return meeting_detail(request, code, resolution_form=form)
    return redirect(reverse("orglife:detail", args=[meeting.code]) + "#resolutions")


def sign_in_code(request: HttpRequest, code: Any) -> HttpResponse:
    """The QR code shown in the room (an SVG, renewed by the page every minute)."""
    meeting = _meeting(request, code, write=True)
    url = request.build_absolute_uri(
        reverse("orglife:checkin", args=[services.sign_in_token(meeting)])
    )
    svg = segno.make(url, error="m").svg_inline(scale=6, title=_("Scan to sign in"))
    response = HttpResponse(svg, content_type="image/svg+xml")
    response["Cache-Control"] = "no-store"
    return response


def checkin(request: HttpRequest, token: str) -> HttpResponse:
    """A member's phone opened the code: confirm, then sign them in."""
    meeting_code = services.meeting_code_from_token(token)
    if meeting_code is None:
        return render(request, "orglife/checkin.html", {"expired": True}, status=410)
    meeting = Meeting.objects.filter(code=meeting_code).select_related("org").first()
    if meeting is None:
        raise Http404
    person_id = reach_of(request.user).person_id
    person = Person.objects.filter(pk=person_id).first() if person_id else None
    context: dict[str, Any] = {"meeting": meeting, "token": token}
    if request.method == "POST":
        try:
            row = services.attendance_self_sign_in(meeting=meeting, person=person, by=request.user)
        except services.MeetingRefused as refused:
            context["refused"] = refused.breaches
            return render(request, "orglife/checkin.html", context, status=403)
        context["done"] = row
    return render(request, "orglife/checkin.html", context)


# --- changing a planned meeting ----------------------------------------------------------------


def _invitable(meeting: Meeting) -> list[Person]:
    """People a writer may add (列席, a 座谈会's guests): the organisation's subtree first."""
    if meeting.status == Meeting.Status.CANCELLED:
        return []
    return list(
        Person.objects.filter(party_org__path__startswith=meeting.org.path)
        .exclude(pk__in=meeting.attendance.values("person_id"))
        .only("code", "name")
        .order_by("name_pinyin")[:300]
    )


def edit_meeting(request: HttpRequest, code: Any) -> HttpResponse:
    meeting = _meeting(request, code, write=True)
    if meeting.status != Meeting.Status.PLANNED:
        messages.error(request, _("Only a planned meeting can be changed."))
        return redirect("orglife:detail", code=meeting.code)
    form = MeetingEditForm(
        request.POST or None, meeting=meeting, user=request.user, initial=meeting_initial(meeting)
    )
    topics = topic_formset(
        request.user,
        request.POST or None,
        initial=[
            {
                "title": topic.title,
                "is_business": topic.is_business,
                "unit": topic.unit.code if topic.unit else None,
                "business_note": topic.business_note,
            }
            for topic in meeting.topics.select_related("unit")
        ],
    )
    if request.method == "POST" and form.is_valid() and topics.is_valid():
        agenda = [topic for topic in (f.topic() for f in topics.forms) if topic is not None]
        services.meeting_update(
            meeting=meeting, data=form.cleaned_data, topics=agenda, by=request.user
        )
        messages.success(request, _("The meeting is changed."))
        return redirect("orglife:detail", code=meeting.code)
    return render(
        request, "orglife/edit.html", {"form": form, "topics": topics, "meeting": meeting}
    )


@require_POST
def cancel_meeting(request: HttpRequest, code: Any) -> HttpResponse:
    meeting = _meeting(request, code, write=True)
    form = CancelForm(request.POST)
    if not form.is_valid():
        return meeting_detail(request, code, cancel_form=form)
    try:
        services.meeting_cancel(
            meeting=meeting, reason=form.cleaned_data["reason"], by=request.user
        )
    except services.MeetingRefused as refused:
        return meeting_detail(request, code, refused=refused.breaches)
    messages.success(request, _("The meeting is cancelled."))
    return redirect("orglife:detail", code=meeting.code)


@require_POST
def invite(request: HttpRequest, code: Any) -> HttpResponse:
    meeting = _meeting(request, code, write=True)
    form = InviteForm(request.POST, user=request.user)
    if not form.is_valid():
        return meeting_detail(request, code, invite_form=form)
    if meeting.status == Meeting.Status.CANCELLED:
        return meeting_detail(request, code, refused=[_("The meeting was cancelled.")])
    added = services.invitee_add(
        meeting=meeting, people=form.cleaned_data["people"], by=request.user
    )
    messages.success(request, _("%(n)s more invited.") % {"n": added})
    return redirect(reverse("orglife:detail", args=[meeting.code]) + "#attendance")


# --- attachments -----------------------------------------------------------------------------


@require_POST
def upload_attachment(request: HttpRequest, code: Any) -> HttpResponse:
    meeting = _meeting(request, code, write=True)
    form = AttachmentForm(request.POST, request.FILES)
    if not form.is_valid():
        return meeting_detail(request, code, attachment_form=form)
    try:
        files.attachment_add(meeting=meeting, upload=form.cleaned_data["file"], by=request.user)
    except services.MeetingRefused as refused:
        form.add_error("file", "；".join(str(breach) for breach in refused.breaches))
        return meeting_detail(request, code, attachment_form=form)
    return redirect(reverse("orglife:detail", args=[meeting.code]) + "#attachments")


def download_attachment(request: HttpRequest, code: Any) -> FileResponse:
    attachment = get_for_user(Attachment, request.user, code)
    return private_files.attachment_response(attachment)


@require_POST
def delete_attachment(request: HttpRequest, code: Any) -> HttpResponse:
    attachment = get_for_user(Attachment, request.user, code, write=True)
    meeting_code = attachment.meeting.code
    files.attachment_delete(attachment=attachment, by=request.user)
    return redirect(reverse("orglife:detail", args=[meeting_code]) + "#attachments")


# --- the calendar feed -----------------------------------------------------------------------


def calendar_feed(request: HttpRequest) -> HttpResponse:
    """Subscribe to my meetings from a phone or desktop calendar: a private address, shown
    once when made; making a new one stops the old."""
    if reach_of(request.user).person_id is None:
        raise PermissionDenied
    address = None
    if request.method == "POST":
        if request.POST.get("action") == "stop":
            files.feed_stop(user=request.user)
            messages.success(request, _("The calendar address no longer works."))
            return redirect("orglife:feed")
        key = files.feed_renew(user=request.user)
        address = request.build_absolute_uri(reverse("orglife:ics", args=[key]))
    feed = CalendarFeed.objects.filter(user_id=int(request.user.pk or 0)).first()
    return render(request, "orglife/feed.html", {"feed": feed, "address": address})


@login_not_required
def ics_feed(request: HttpRequest, token: str) -> HttpResponse:
    """The feed itself, fetched by calendar programs without a session: the key is the
    credential. An unknown key is a plain 404."""
    user = files.feed_owner(token)
    person_id = getattr(user, "person_id", None) if user else None
    if person_id is None:
        raise Http404
    site = request.build_absolute_uri("/").rstrip("/")
    body = files.ics(files.feed_meetings(person_id), site=site)
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Cache-Control"] = "private, no-store"
    return response
