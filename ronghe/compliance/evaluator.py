"""Turning rules into findings, for all organisations at once.

Set-based: one evaluation reads the rules, the local settings, the organisations, the full
members per organisation, the held meetings (one query per meeting kind a rule counts) and the
findings already stored, then writes only what changed. The number of queries depends on the
rule set, never on the number of organisations (tested).

Meeting frequency, per organisation and period:
- each period first claims its own meetings (the latest ones, up to the number required);
- a period still short then claims, earliest first, unclaimed meetings held within the rule's
  grace days after its deadline: it is *met late*, and stays marked late;
- otherwise it is open, due soon (within `due_soon_days` of the deadline), overdue (past the
  deadline, within the grace days) or missed (after them).

Term expiry (换届): due soon from `warn_months[0]` months before the term ends, overdue for
12 months after it (R5.8 allows a postponement of up to a year with approval), then missed. A
term that was renewed late leaves its old finding met late.
"""

from __future__ import annotations

import calendar
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone

from ronghe.compliance.models import Finding, Period, Rule, RuleSetting
from ronghe.core import bulk
from ronghe.orglife.models import Meeting
from ronghe.orgs.models import PartyOrg
from ronghe.people.models import Person, PoliticalStatus

WINDOW_MONTHS = 12
NEEDS_ACTION = (Finding.Status.DUE_SOON, Finding.Status.OVERDUE, Finding.Status.VIOLATED)
TERM_GRACE_DAYS = 365
PERIOD_MONTHS: dict[str, int] = {
    Period.MONTH: 1,
    Period.QUARTER: 3,
    Period.HALF_YEAR: 6,
    Period.YEAR: 12,
}


def add_months(day: date, months: int) -> date:
    month_index = day.year * 12 + day.month - 1 + months
    year, month = divmod(month_index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(day.day, last))


def periods(period: str, first: date, today: date) -> Iterator[tuple[date, date]]:
    """Calendar periods (months, quarters from January, half-years, years) from the one
    holding `first` up to the one holding `today`, as (first day, last day)."""
    months = PERIOD_MONTHS[period]
    start = date(first.year, ((first.month - 1) // months) * months + 1, 1)
    while start <= today:
        following = add_months(start, months)
        yield start, following - timedelta(days=1)
        start = following


@dataclass(frozen=True)
class Effective:
    """A rule's parameters for one organisation, after the deepest local setting."""

    period: str
    min_count: int
    due_soon_days: int
    grace_days: int
    disabled: bool = False


@dataclass
class Outcome:
    rule_id: int
    org_id: int
    period_start: date
    deadline: date
    status: str
    required: int = 1
    done: int = 0
    met_on: date | None = None
    late: bool = False
    evidence_id: int | None = None
    is_latest: bool = False


@dataclass
class Change:
    """A finding whose status moved: who to tell is the caller's business."""

    rule: Rule
    org_id: int
    status: str
    before: str | None
    deadline: date


@dataclass
class Result:
    written: int = 0
    unchanged: int = 0
    changes: list[Change] = field(default_factory=list)


@dataclass(frozen=True)
class _Org:
    id: int
    path: str
    kind: str
    established_on: date | None
    closed_on: date | None
    term_started_on: date | None
    term_years: int | None


def evaluate(*, org_ids: Iterable[int] | None = None, today: date | None = None) -> Result:
    """Evaluate every rule in force for the given organisations (all when None) over the last
    WINDOW_MONTHS months, and store the findings that changed."""
    today = today or timezone.localdate()
    window_start = add_months(date(today.year, today.month, 1), -(WINDOW_MONTHS - 1))
    rules = list(
        Rule.objects.filter(effective_from__lte=today).exclude(effective_to__lt=window_start)
    )
    orgs = _orgs(org_ids, window_start)
    if not rules or not orgs:
        return Result()
    settings = _settings()
    full_members = (
        _full_members(orgs) if any(r.params.get("min_full_members") for r in rules) else {}
    )
    outcomes: list[Outcome] = []
    for rule in rules:
        targets = [org for org in orgs if org.kind in rule.org_kinds]
        if rule.kind == Rule.Kind.MEETING_FREQUENCY:
            minimum = rule.params.get("min_full_members", 0)
            targets = [org for org in targets if full_members.get(org.path, 0) >= minimum]
            held = _held_meetings(rule, [org.id for org in targets], window_start, today)
            for org in targets:
                params = _effective(rule, org, settings)
                if not params.disabled:
                    outcomes.extend(
                        _meeting_outcomes(
                            rule, params, org, held.get(org.id, []), window_start, today
                        )
                    )
        elif rule.kind == Rule.Kind.TERM_EXPIRY:
            for org in targets:
                if not _effective(rule, org, settings).disabled:
                    outcomes.extend(_term_outcomes(rule, org, today))
    subset = None if org_ids is None else [org.id for org in orgs]
    return _store(outcomes, rules, subset, window_start, today)


def _orgs(org_ids: Iterable[int] | None, window_start: date) -> list[_Org]:
    rows = PartyOrg.objects.exclude(closed_on__lt=window_start)
    if org_ids is not None:
        rows = rows.filter(pk__in=list(org_ids))
    return [
        _Org(*values)
        for values in rows.values_list(
            "id", "path", "kind", "established_on", "closed_on", "term_started_on", "term_years"
        )
    ]


def _settings() -> dict[int, list[tuple[str, RuleSetting]]]:
    by_rule: dict[int, list[tuple[str, RuleSetting]]] = defaultdict(list)
    for setting in RuleSetting.objects.select_related("org"):
        by_rule[setting.rule_id].append((setting.org.path, setting))
    for entries in by_rule.values():
        entries.sort(key=lambda entry: len(entry[0]), reverse=True)  # deepest first
    return by_rule


def _effective(
    rule: Rule, org: _Org, settings: dict[int, list[tuple[str, RuleSetting]]]
) -> Effective:
    for path, setting in settings.get(rule.pk, ()):
        if org.path.startswith(path):
            return Effective(
                period=setting.period or rule.period,
                min_count=setting.min_count if setting.min_count is not None else rule.min_count,
                due_soon_days=setting.due_soon_days
                if setting.due_soon_days is not None
                else rule.due_soon_days,
                grace_days=setting.grace_days
                if setting.grace_days is not None
                else rule.grace_days,
                disabled=setting.disabled,
            )
    return Effective(rule.period, rule.min_count, rule.due_soon_days, rule.grace_days)


def _full_members(orgs: list[_Org]) -> dict[str, int]:
    """Full members in each organisation's subtree (a branch counts its groups' members)."""
    direct = (
        Person.objects.filter(political_status=PoliticalStatus.FULL_MEMBER, party_org__isnull=False)
        .values_list("party_org__path")
        .annotate(n=Count("id"))
        .order_by()
    )
    step = PartyOrg.steplen
    totals: dict[str, int] = defaultdict(int)
    wanted = {org.path for org in orgs}
    for path, count in direct:
        for end in range(step, len(path) + 1, step):
            if path[:end] in wanted:
                totals[path[:end]] += count
    return totals


def _held_meetings(
    rule: Rule, org_ids: list[int], window_start: date, today: date
) -> dict[int, list[tuple[date, int]]]:
    """(held on, meeting id) per organisation, in date order, for the rule's meeting kind."""
    if not org_ids:
        return {}
    rows = Meeting.objects.held().filter(
        kind=rule.meeting_kind, held_on__gte=date(window_start.year, 1, 1), held_on__lte=today
    )
    if len(org_ids) <= 1000:  # a few organisations after a write; all of them daily
        rows = rows.filter(org_id__in=org_ids)
    if detail := rule.params.get("detail"):
        rows = rows.filter(**{f"details__{detail}": True})
    held: dict[int, list[tuple[date, int]]] = defaultdict(list)
    for org_id, held_on, meeting_id in rows.values_list("org_id", "held_on", "id").order_by(
        "held_on", "id"
    ):
        if held_on is not None:  # held meetings always have their day
            held[org_id].append((held_on, meeting_id))
    return held


def _in_force(rule: Rule, start: date, end: date) -> bool:
    return rule.effective_from <= end and (rule.effective_to is None or rule.effective_to >= start)


def _meeting_outcomes(
    rule: Rule,
    params: Effective,
    org: _Org,
    held: list[tuple[date, int]],
    window_start: date,
    today: date,
) -> list[Outcome]:
    spans = [
        (start, end)
        for start, end in periods(params.period, window_start, today)
        if _in_force(rule, start, end)
        and (org.established_on is None or org.established_on <= end)
        and (org.closed_on is None or org.closed_on >= start)
    ]
    claimed: set[int] = set()
    chosen: dict[date, list[tuple[date, int]]] = {}
    counted: dict[date, int] = {}
    for start, end in spans:  # each period claims its own meetings, the latest first
        own = [meeting for meeting in held if start <= meeting[0] <= end]
        counted[start] = len(own)
        picked = own[-params.min_count :] if params.min_count else []
        chosen[start] = picked
        claimed.update(meeting_id for _, meeting_id in picked)
    outcomes = []
    for index, (start, end) in enumerate(spans):
        picked = chosen[start]
        late = False
        if len(picked) < params.min_count:  # a make-up meeting within the grace days
            grace_end = end + timedelta(days=params.grace_days)
            spare = [m for m in held if end < m[0] <= grace_end and m[1] not in claimed]
            extra = spare[: params.min_count - len(picked)]
            if extra and len(picked) + len(extra) >= params.min_count:
                claimed.update(meeting_id for _, meeting_id in extra)
                picked = sorted(picked + extra)
                late = True
        outcome = Outcome(
            rule_id=rule.pk,
            org_id=org.id,
            period_start=start,
            deadline=end,
            status=Finding.Status.OK,
            required=params.min_count,
            done=counted[start],
            is_latest=index == len(spans) - 1,
        )
        if len(picked) >= params.min_count:
            if picked:
                outcome.met_on, outcome.evidence_id = picked[-1]
            outcome.late = late
        else:
            outcome.status = _unmet_status(end, params, today)
        outcomes.append(outcome)
    return outcomes


def _unmet_status(deadline: date, params: Effective, today: date) -> str:
    if today <= deadline:
        if (deadline - today).days < params.due_soon_days:
            return Finding.Status.DUE_SOON
        return Finding.Status.OPEN
    if today <= deadline + timedelta(days=params.grace_days):
        return Finding.Status.OVERDUE
    return Finding.Status.VIOLATED


def _term_outcomes(rule: Rule, org: _Org, today: date) -> list[Outcome]:
    if not org.term_started_on or not org.term_years:
        return []
    start = org.term_started_on
    end = add_months(start, 12 * org.term_years)
    warn_from = add_months(end, -max(rule.params.get("warn_months", [6])))
    if today < warn_from:
        status = Finding.Status.OPEN
    elif today <= end:
        status = Finding.Status.DUE_SOON
    elif today <= end + timedelta(days=TERM_GRACE_DAYS):
        status = Finding.Status.OVERDUE
    else:
        status = Finding.Status.VIOLATED
    return [
        Outcome(
            rule_id=rule.pk,
            org_id=org.id,
            period_start=start,
            deadline=end,
            status=status,
            required=1,
            done=0,
            is_latest=True,
        )
    ]


_COMPARED = ("deadline", "status", "required", "done", "met_on", "late", "evidence_id", "is_latest")
Key = tuple[int, int, date]


def _existing(rule_ids: list[int], org_ids: list[int] | None, window_start: date) -> dict[Key, Any]:
    """The stored findings the evaluation may touch: the window's, and every latest one."""
    # Periods start at most a year before the window does (a yearly rule's current year).
    first_start = date(window_start.year, 1, 1)
    rows = Finding.objects.filter(rule_id__in=rule_ids).filter(
        Q(is_latest=True) | Q(period_start__gte=first_start)
    )
    if org_ids is not None:
        rows = rows.filter(org_id__in=org_ids)
    return {
        (row["rule_id"], row["org_id"], row["period_start"]): row
        for row in rows.values("id", "rule_id", "org_id", "period_start", *_COMPARED)
    }


@transaction.atomic
def _store(
    outcomes: list[Outcome],
    rules: list[Rule],
    org_ids: list[int] | None,
    window_start: date,
    today: date,
) -> Result:
    """Insert new findings, update changed ones, and retire what a renewal or a later period
    superseded. Returns the status changes."""
    rules_by_id = {rule.pk: rule for rule in rules}
    existing = _existing(list(rules_by_id), org_ids, window_start)
    now = timezone.now()
    result = Result()
    new: list[tuple[Any, ...]] = []
    changed: list[tuple[Any, ...]] = []
    for outcome in outcomes:
        key = (outcome.rule_id, outcome.org_id, outcome.period_start)
        row = existing.pop(key, None)
        values = tuple(getattr(outcome, name) for name in _COMPARED)
        before = None if row is None else row["status"]
        if row is None:
            new.append((*key, now, *values))
        elif any(row[name] != value for name, value in zip(_COMPARED, values, strict=True)):
            changed.append((row["id"], now, *values))
        else:
            result.unchanged += 1
        if before != outcome.status and outcome.status in NEEDS_ACTION:
            rule = rules_by_id[outcome.rule_id]
            result.changes.append(
                Change(rule, outcome.org_id, outcome.status, before, outcome.deadline)
            )
    gone: list[int] = []
    for row in existing.values():  # no longer produced: an older term, a superseded period
        stored = {name: row[name] for name in _COMPARED}
        rule = rules_by_id[row["rule_id"]]
        if rule.kind == Rule.Kind.MEETING_FREQUENCY and row["period_start"] >= window_start:
            # Inside the window every period the rule asks for is produced, so this one the
            # rule no longer asks of the organisation (a local setting changed its period or
            # switched it off, the organisation shrank below the rule's size): a finding
            # left behind would still count as owed. Older periods are history and stay.
            gone.append(row["id"])
            continue
        if rule.kind == Rule.Kind.TERM_EXPIRY and row["status"] != Finding.Status.OK:
            # The organisation renewed its committee: the old term's finding is met, late
            # if the renewal came after the term ended.
            stored |= {
                "status": Finding.Status.OK,
                "met_on": today,
                "late": today > row["deadline"],
            }
        if row["is_latest"] or stored["status"] != row["status"]:
            stored["is_latest"] = False
            changed.append((row["id"], now, *(stored[name] for name in _COMPARED)))
    for start in range(0, len(gone), 1000):
        Finding.objects.filter(id__in=gone[start : start + 1000]).delete()
    bulk.insert_rows(
        Finding, ("rule_id", "org_id", "period_start", "evaluated_at", *_COMPARED), new
    )
    bulk.update_rows(Finding, ("evaluated_at", *_COMPARED), changed)
    result.written = len(new) + len(changed) + len(gone)
    return result
