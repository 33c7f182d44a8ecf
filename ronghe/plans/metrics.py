"""Task-list metrics for assessments and insights (DESIGN.md §5), registered in `core.metrics`.

Every metric covers the organisation's whole subtree (a committee answers for the tasks of
its branches) and is computed for any number of organisations in two queries (`Subtrees`).

A task *falls in* a period when its deadline does; it is *due* when it falls in the period, its
deadline has passed (before today) and it was not cancelled. A cancelled task is out of every
count: cancelling needs a reason, which the audit trail keeps.
"""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any

from django.db.models import Count, F, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ronghe.core import metrics
from ronghe.core.metrics import Period, Subtrees, Unit, ratio
from ronghe.plans.models import ProgressReport, Task

DONE = Q(status=Task.Status.DONE)
ON_TIME = Q(status=Task.Status.DONE, late_mark=False)
BOTH = Q(party_category__isnull=False, business_category__isnull=False)
# Deployed from above: the task carries an item of another organisation's plan.
DEPLOYED = Q(item__isnull=False) & ~Q(item__plan__org=F("org"))


def _falling_in(period: Period) -> QuerySet[Task]:
    return Task.objects.exclude(status=Task.Status.CANCELLED).filter(
        deadline__gte=period.start, deadline__lte=period.end
    )


def _due(period: Period) -> QuerySet[Task]:
    return _falling_in(period).filter(deadline__lt=timezone.localdate())


def _rolled(org_ids: list[int], tasks: QuerySet[Any], **counts: Any) -> dict[int, list[int]]:
    targets = Subtrees.of(org_ids)
    rows = (
        tasks.filter(targets.q("org__path")).values_list("org__path").annotate(**counts).order_by()
    )
    return targets.roll_up(rows)


def _on_time_rate(org_ids: list[int], period: Period) -> dict[int, float | None]:
    counts = _rolled(org_ids, _due(period), due=Count("id"), on_time=Count("id", filter=ON_TIME))
    return {org_id: ratio(on_time, due) for org_id, (due, on_time) in counts.items()}


def _late_marks(org_ids: list[int], period: Period) -> dict[int, float | None]:
    counts = _rolled(
        org_ids, _falling_in(period), n=Count("id"), late=Count("id", filter=Q(late_mark=True))
    )
    return {org_id: float(late) for org_id, (_n, late) in counts.items()}


def _linkage(org_ids: list[int], period: Period) -> dict[int, float | None]:
    counts = _rolled(org_ids, _falling_in(period), n=Count("id"), both=Count("id", filter=BOTH))
    return {org_id: ratio(both, n) for org_id, (n, both) in counts.items()}


def _deployed_done(org_ids: list[int], period: Period) -> dict[int, float | None]:
    counts = _rolled(
        org_ids, _due(period).filter(DEPLOYED), due=Count("id"), done=Count("id", filter=DONE)
    )
    return {org_id: ratio(done, due) for org_id, (due, done) in counts.items()}


def _checked_reports(period: Period) -> QuerySet[ProgressReport]:
    """Reports submitted in the period that a checker has answered (accepted, or returned at
    least once)."""
    start, end = _aware(period.start), _aware(period.end, last=True)
    return ProgressReport.objects.filter(submitted_at__gte=start, submitted_at__lte=end).filter(
        Q(status=ProgressReport.Status.ACCEPTED) | Q(times_returned__gt=0)
    )


def _aware(day: date, last: bool = False) -> Any:
    return timezone.make_aware(datetime.combine(day, time.max if last else time.min))


def _returned_rate(org_ids: list[int], period: Period) -> dict[int, float | None]:
    targets = Subtrees.of(org_ids)
    rows = (
        _checked_reports(period)
        .filter(targets.q("task__org__path"))
        .values_list("task__org__path")
        .annotate(n=Count("id"), returned=Count("id", filter=Q(times_returned__gt=0)))
        .order_by()
    )
    counts = targets.roll_up(rows)
    return {org_id: ratio(returned, n) for org_id, (n, returned) in counts.items()}


def _tasks_of(tasks: QuerySet[Task], org_id: int) -> QuerySet[Task]:
    return (
        tasks.filter(metrics.in_subtree("org__path", org_id))
        .select_related("org", "party_lead", "business_lead")
        .order_by("deadline", "org__path", "id")
    )


on_time_rate = metrics.register(
    metrics.Metric(
        name="plans.on_time_rate",
        label=_("Tasks done on time"),
        description=_(
            "Of the tasks whose deadline falls in the period and has passed (cancelled ones "
            "left out), for the organisation and those under it: the share done without a late "
            "mark."
        ),
        measure=_on_time_rate,
        explain=lambda org_id, period: _tasks_of(_due(period), org_id),
    )
)

late_mark_count = metrics.register(
    metrics.Metric(
        name="plans.late_mark_count",
        label=_("Late marks"),
        description=_(
            "Tasks with a late mark among those whose deadline falls in the period, for the "
            "organisation and those under it. The mark stays after a task is done."
        ),
        measure=_late_marks,
        explain=lambda org_id, period: _tasks_of(
            _falling_in(period).filter(late_mark=True), org_id
        ),
        unit=Unit.COUNT,
    )
)

linkage_coverage = metrics.register(
    metrics.Metric(
        name="plans.linkage_coverage",
        label=_("Tasks carrying both dimensions"),
        description=_(
            "Of the tasks whose deadline falls in the period, for the organisation and those "
            "under it: the share with both a Party dimension and a business dimension."
        ),
        measure=_linkage,
        explain=lambda org_id, period: _tasks_of(_falling_in(period), org_id),
    )
)

deployed_completion = metrics.register(
    metrics.Metric(
        name="plans.deployed_completion",
        label=_("Deployed tasks completed"),
        description=_(
            "Of the tasks deployed from a higher organisation's plan whose deadline falls in "
            "the period and has passed, for the organisation and those under it: the share done."
        ),
        measure=_deployed_done,
        explain=lambda org_id, period: _tasks_of(_due(period).filter(DEPLOYED), org_id),
    )
)

evidence_returned_rate = metrics.register(
    metrics.Metric(
        name="plans.evidence_returned_rate",
        label=_("Reports returned for more evidence"),
        description=_(
            "Of the progress reports submitted in the period and checked, for the organisation "
            "and those under it: the share a checker returned at least once."
        ),
        measure=_returned_rate,
        explain=lambda org_id, period: (
            _checked_reports(period)
            .filter(metrics.in_subtree("task__org__path", org_id))
            .select_related("task", "task__org")
            .order_by("submitted_at")
        ),
    )
)
