"""Organisational-life metrics for assessments and insights (DESIGN.md §5), registered in
`core.metrics`.

All of them look at *held* meetings whose `held_on` day falls in the period (planned and
cancelled meetings, and the rows of their invitees, never count). An organisation's value
covers its whole subtree: a 党委's attendance is that of every meeting held in it, by itself,
its branches and their 党小组 — what the 党委's assessor expects.
"""

from __future__ import annotations

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils.translation import gettext_lazy as _

from ronghe.core import metrics
from ronghe.core.metrics import Period, Subtrees, ratio
from ronghe.orglife.models import AgendaTopic, Attendance, Meeting

CAME = (Attendance.Status.PRESENT, Attendance.Status.LATE)


def _counted_attendance(period: Period) -> QuerySet[Attendance]:
    """The attendance rows that count: invitees of meetings held in the period, except those
    left out of the should-attend count (R1.13). Leave counts as not present."""
    return Attendance.objects.filter(
        excluded=False,
        meeting__status=Meeting.Status.HELD,
        meeting__held_on__gte=period.start,
        meeting__held_on__lte=period.end,
    )


def _held_meetings(period: Period) -> QuerySet[Meeting]:
    return Meeting.objects.held().filter(held_on__gte=period.start, held_on__lte=period.end)


# --- attendance rate per organisation ------------------------------------------------------


def _org_attendance(org_ids: list[int], period: Period) -> dict[int, float | None]:
    targets = Subtrees.of(org_ids)
    rows = (
        _counted_attendance(period)
        .filter(targets.q("meeting__org__path"))
        .values_list("meeting__org__path")
        .annotate(invited=Count("id"), attended=Count("id", filter=Q(status__in=CAME)))
        .order_by()
    )
    return {
        org_id: ratio(attended, invited)
        for org_id, (invited, attended) in targets.roll_up(rows).items()
    }


def _org_attendance_evidence(org_id: int, period: Period) -> QuerySet[Attendance]:
    return (
        _counted_attendance(period)
        .filter(metrics.in_subtree("meeting__org__path", org_id))
        .select_related("meeting", "meeting__org", "person")
        .order_by("meeting__held_on", "meeting_id", "person_id")
    )


attendance_rate = metrics.register(
    metrics.Metric(
        name="orglife.attendance_rate",
        label=_("Meeting attendance rate"),
        description=_(
            "Invitees present or late, out of all invitees (not excluded from the count) of "
            "the meetings held in the period by the organisation and the organisations under "
            "it. Leave counts as not present."
        ),
        measure=_org_attendance,
        explain=_org_attendance_evidence,
    )
)


# --- attendance rate per member --------------------------------------------------------------


def _member_attendance(person_ids: list[int], period: Period) -> dict[int, float | None]:
    rows = (
        _counted_attendance(period)
        .filter(person_id__in=person_ids)
        .values_list("person_id")
        .annotate(invited=Count("id"), attended=Count("id", filter=Q(status__in=CAME)))
        .order_by()
    )
    return {person_id: ratio(attended, invited) for person_id, invited, attended in rows}


def _member_attendance_evidence(person_id: int, period: Period) -> QuerySet[Attendance]:
    return (
        _counted_attendance(period)
        .filter(person_id=person_id)
        .select_related("meeting", "meeting__org")
        .order_by("meeting__held_on", "meeting_id")
    )


member_attendance_rate = metrics.register(
    metrics.Metric(
        name="orglife.member_attendance_rate",
        label=_("Member's meeting attendance rate"),
        description=_(
            "The meetings held in the period that the member attended (present or late), out "
            "of those they were invited to and not excluded from the count. Leave counts as "
            "not present."
        ),
        measure=_member_attendance,
        explain=_member_attendance_evidence,
        subject=metrics.Subject.PERSON,
        scope=metrics.Scope.OWN,
    )
)


# --- share of meetings with a business topic ------------------------------------------------


def _business_topic_share(org_ids: list[int], period: Period) -> dict[int, float | None]:
    targets = Subtrees.of(org_ids)
    # The join to the topics repeats a meeting once per topic: count meetings, not rows.
    rows = (
        _held_meetings(period)
        .filter(targets.q("org__path"))
        .values_list("org__path")
        .annotate(
            held=Count("id", distinct=True),
            business=Count("id", distinct=True, filter=Q(topics__is_business=True)),
        )
        .order_by()
    )
    return {
        org_id: ratio(business, held) for org_id, (held, business) in targets.roll_up(rows).items()
    }


def _business_topic_evidence(org_id: int, period: Period) -> QuerySet[Meeting]:
    """The held meetings, each with `has_business_topic`."""
    return (
        _held_meetings(period)
        .filter(metrics.in_subtree("org__path", org_id))
        .annotate(
            has_business_topic=Exists(
                AgendaTopic.objects.filter(meeting=OuterRef("pk"), is_business=True)
            )
        )
        .select_related("org")
        .order_by("held_on", "id")
    )


business_topic_share = metrics.register(
    metrics.Metric(
        name="orglife.business_topic_share",
        label=_("Meetings with a business topic"),
        description=_(
            "The meetings held in the period by the organisation and the organisations under "
            "it that had at least one business topic on their agenda, out of all of them."
        ),
        measure=_business_topic_share,
        explain=_business_topic_evidence,
    )
)
