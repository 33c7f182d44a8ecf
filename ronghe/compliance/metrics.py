"""Compliance metrics for assessments and insights (DESIGN.md §5), registered in
`core.metrics`.

Both read the stored findings of meeting-frequency rules (term expiry is not a meeting rule)
and count a finding when

- its rule period lies inside the metric's period (`period_start` ≥ start, `deadline` ≤ end:
  a quarter counts its monthly and quarterly periods, a year all of them), and
- its deadline has passed (before today): a period still running is not due, even when its
  meeting has already been held, so every organisation is measured on the same periods.

A due finding is met when its status is `ok`, on time or late (a make-up meeting within the
grace days); `overdue` (still within the grace days) and `violated` count as not met, as does a
finding the nightly evaluation has not yet moved past its deadline. An organisation's value
covers its whole subtree: a 党委's rate is over its own findings and those of every branch and
党小组 under it.
"""

from __future__ import annotations

from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ronghe.compliance.models import Finding, Rule
from ronghe.core import metrics
from ronghe.core.metrics import Period, Subtrees, ratio

MET = Q(status=Finding.Status.OK)
ON_TIME = Q(status=Finding.Status.OK, late=False)


def _due_findings(period: Period) -> QuerySet[Finding]:
    return Finding.objects.filter(
        rule__kind=Rule.Kind.MEETING_FREQUENCY,
        period_start__gte=period.start,
        deadline__lte=period.end,
        deadline__lt=timezone.localdate(),
    )


def _counts(org_ids: list[int], period: Period) -> dict[int, list[int]]:
    """[due, met, met on time] per organisation's subtree, for those with any due finding."""
    targets = Subtrees.of(org_ids)
    rows = (
        _due_findings(period)
        .filter(targets.q("org__path"))
        .values_list("org__path")
        .annotate(due=Count("id"), met=Count("id", filter=MET), on_time=Count("id", filter=ON_TIME))
        .order_by()
    )
    return targets.roll_up(rows)


def _compliance_rate(org_ids: list[int], period: Period) -> dict[int, float | None]:
    return {org_id: ratio(met, due) for org_id, (due, met, _) in _counts(org_ids, period).items()}


def _on_time_rate(org_ids: list[int], period: Period) -> dict[int, float | None]:
    return {
        org_id: ratio(on_time, due)
        for org_id, (due, _, on_time) in _counts(org_ids, period).items()
    }


def _evidence(org_id: int, period: Period) -> QuerySet[Finding]:
    """The due findings, each with its status, lateness and the meeting that met it."""
    return (
        _due_findings(period)
        .filter(metrics.in_subtree("org__path", org_id))
        .select_related("rule", "org", "evidence")
        .order_by("period_start", "org__path", "rule__key")
    )


meeting_compliance_rate = metrics.register(
    metrics.Metric(
        name="compliance.meeting_compliance_rate",
        label=_("Meeting compliance rate"),
        description=_(
            "Of the meeting-frequency periods that fall in the period and whose deadline has "
            "passed, for the organisation and the organisations under it: the share met, on "
            "time or late."
        ),
        measure=_compliance_rate,
        explain=_evidence,
    )
)

meeting_on_time_rate = metrics.register(
    metrics.Metric(
        name="compliance.meeting_on_time_rate",
        label=_("Meetings held on time"),
        description=_(
            "Of the meeting-frequency periods that fall in the period and whose deadline has "
            "passed, for the organisation and the organisations under it: the share met by "
            "the deadline (a make-up meeting does not count)."
        ),
        measure=_on_time_rate,
        explain=_evidence,
    )
)
