"""The metrics registry (DESIGN.md §5): named, set-based measures that `assessments` and
`insights` read without importing the apps that own the data.

Each app's `metrics.py` registers its metrics here, and `CoreConfig.ready` imports every such
module (`autodiscover`), so `metrics.get("orglife.attendance_rate")` works anywhere once Django
has started.

A metric measures a *subject* over a `Period` (days, both ends included):

- `Subject.ORG`: keys are `orgs.PartyOrg` ids; `Subject.PERSON`: keys are `people.Person` ids
  (per-member metrics such as a member's attendance rate).
- `metric.compute(ids, period) -> {id: value}` answers for many subjects at once, in a number
  of queries that does not depend on how many (never a loop over organisations). Every id asked
  is a key of the answer; the value is None when there is nothing to measure (no meeting held,
  no period due) — which is not the same as 0.
- `metric.evidence(id, period)` returns the records behind one subject's value (a lazy
  QuerySet), so that any score can be explained down to its evidence.

Scope. An organisation metric says whether its value covers the organisation's whole subtree
(`Scope.SUBTREE`: a 党委 answers for its branches and their groups, as its assessor expects,
and a branch for its 党小组, as counts and rules for a branch do everywhere else) or only the
organisation's own records (`Scope.OWN`). A person metric covers the person's own records.

Subtree metrics use `Subtrees`: one query reads the targets' tree paths, one aggregate query
counts the rows grouped by the path of the organisation that owns them, and each group is
added in Python to every target at or above it. Two queries, however many organisations.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Any, TypeAlias

from django.apps import apps
from django.core.exceptions import ImproperlyConfigured
from django.db.models import Q, QuerySet, Subquery
from django.utils.functional import Promise
from django.utils.module_loading import autodiscover_modules

Value: TypeAlias = float | None
Records: TypeAlias = QuerySet[Any] | Sequence[Any]


@dataclass(frozen=True)
class Period:
    """The days a metric looks at, `start` and `end` both included."""

    start: date
    end: date

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise ValueError(f"A period cannot end ({self.end}) before it starts ({self.start}).")

    @classmethod
    def year(cls, year: int) -> Period:
        return cls(date(year, 1, 1), date(year, 12, 31))

    @classmethod
    def quarter(cls, year: int, quarter: int) -> Period:
        """Quarters count from January: Q1 is January to March."""
        if not 1 <= quarter <= 4:
            raise ValueError(f"A quarter is 1 to 4, not {quarter}.")
        first = 3 * (quarter - 1) + 1
        return cls(date(year, first, 1), _month_end(year, first + 2))

    @classmethod
    def month(cls, year: int, month: int) -> Period:
        return cls(date(year, month, 1), _month_end(year, month))

    def __contains__(self, day: object) -> bool:
        return isinstance(day, date) and self.start <= day <= self.end

    def __str__(self) -> str:
        return f"{self.start.isoformat()}/{self.end.isoformat()}"  # an ISO 8601 interval


def _month_end(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


class Subject(StrEnum):
    ORG = "org"  # keys are PartyOrg ids
    PERSON = "person"  # keys are Person ids


class Scope(StrEnum):
    SUBTREE = "subtree"  # the organisation and everything below it
    OWN = "own"  # the organisation's (or person's) own records only


class Unit(StrEnum):
    RATIO = "ratio"  # 0..1; a scoring curve turns it into points
    COUNT = "count"
    HOURS = "hours"


NAME = re.compile(r"[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*")


@dataclass(frozen=True)
class Metric:
    """One named measure: `measure(ids, period)` computes it for many subjects in a fixed
    number of queries, `explain(id, period)` lists the records behind one subject's value.

    Call `compute` and `evidence`, not the two functions: `compute` asks nothing for no ids,
    passes each id once, and returns every id asked (None where the function had nothing)."""

    name: str  # "<app label>.<what>", e.g. "orglife.attendance_rate"
    label: Promise | str  # gettext_lazy, English source
    measure: Callable[[list[int], Period], Mapping[int, Value]]
    explain: Callable[[int, Period], Records]
    subject: Subject = Subject.ORG
    scope: Scope = Scope.SUBTREE
    unit: Unit = Unit.RATIO
    description: Promise | str = ""  # the exact definition, shown next to a score

    def __post_init__(self) -> None:
        if not NAME.fullmatch(self.name):
            raise ImproperlyConfigured(f"A metric is named '<app>.<what>', not {self.name!r}.")
        if self.subject == Subject.PERSON and self.scope != Scope.OWN:
            raise ImproperlyConfigured(f"{self.name}: a person metric covers its own records.")

    def compute(self, ids: Iterable[int], period: Period) -> dict[int, Value]:
        wanted = list(dict.fromkeys(ids))
        if not wanted:
            return {}
        values = self.measure(wanted, period)
        return {subject_id: values.get(subject_id) for subject_id in wanted}

    def evidence(self, subject_id: int, period: Period) -> Records:
        return self.explain(subject_id, period)


_registry: dict[str, Metric] = {}


def register(metric: Metric) -> Metric:
    """Add a metric to the registry (from an app's `metrics.py`); returns it unchanged."""
    if _registry.get(metric.name, metric) is not metric:
        raise ImproperlyConfigured(f"Two metrics are named {metric.name!r}.")
    _registry[metric.name] = metric
    return metric


def get(name: str) -> Metric:
    try:
        return _registry[name]
    except KeyError:
        raise LookupError(f"No metric is named {name!r}.") from None


def all(subject: Subject | None = None) -> list[Metric]:  # shadows the builtin: metrics.all()
    """Every registered metric (of one subject, when given), by name."""
    return [
        metric
        for name, metric in sorted(_registry.items())
        if subject is None or metric.subject == subject
    ]


def autodiscover() -> None:
    """Import every installed app's `metrics` module, which registers its metrics."""
    autodiscover_modules("metrics")


def ratio(part: int, whole: int) -> Value:
    """part / whole, or None when there is nothing to measure."""
    return part / whole if whole else None


class Subtrees:
    """The organisations a subtree metric answers for, by tree path.

    `q(field)` limits the aggregate query to rows inside their subtrees; `roll_up(rows)` adds
    rows grouped by the path of the organisation that owns them (`(path, n1, n2, …)`) into
    every target at or above that path. Targets may nest (a 党委 and one of its branches):
    a branch's rows then count for both."""

    # Above this many separate subtrees, one prefix common to all of them filters instead (the
    # usual case is every branch of one 党委) and `roll_up` drops the rows outside.
    MAX_PREFIXES = 20

    def __init__(self, paths: Mapping[int, str], steplen: int) -> None:
        self.paths = dict(paths)
        self.steplen = steplen
        self._target_by_path = {path: org_id for org_id, path in self.paths.items()}

    @classmethod
    def of(cls, org_ids: Iterable[int]) -> Subtrees:
        """The targets' paths, in one query (unknown ids are left out)."""
        party_org = _party_org()
        rows = party_org.objects.filter(pk__in=list(org_ids)).values_list("id", "path")
        return cls(dict(rows), party_org.steplen)

    def _tops(self) -> list[str]:
        """Target paths with no other target above them (sorted, a subtree is contiguous)."""
        tops: list[str] = []
        for path in sorted(self.paths.values()):
            if not tops or not path.startswith(tops[-1]):
                tops.append(path)
        return tops

    def q(self, path_field: str) -> Q:
        """Rows whose organisation's path (`path_field`, e.g. "meeting__org__path") lies in a
        target's subtree; with many separate subtrees, a superset of them."""
        tops = self._tops()
        if not tops:
            return Q(pk__in=[])
        lookup = f"{path_field}__startswith"
        if len(tops) <= self.MAX_PREFIXES:
            condition = Q()
            for path in tops:
                condition |= Q(**{lookup: path})
            return condition
        # The deepest node above all of them: compare the first and last (they are sorted).
        first, last, common = tops[0], tops[-1], ""
        for end in range(self.steplen, min(len(first), len(last)) + 1, self.steplen):
            if first[:end] != last[:end]:
                break
            common = first[:end]
        return Q(**{lookup: common}) if common else Q()

    def roll_up(self, rows: Iterable[Sequence[Any]]) -> dict[int, list[int]]:
        """Sums of `(path, n1, n2, …)` rows per target; targets without rows are absent."""
        totals: dict[int, list[int]] = {}
        for path, *counts in rows:
            for end in range(self.steplen, len(path) + 1, self.steplen):
                org_id = self._target_by_path.get(path[:end])
                if org_id is None:
                    continue
                total = totals.setdefault(org_id, [0] * len(counts))
                for index, count in enumerate(counts):
                    total[index] += count
        return totals


def in_subtree(path_field: str, org_id: int) -> Q:
    """Rows whose organisation's path lies in the subtree of `org_id` (a sub-select, so an
    evidence QuerySet stays lazy; nothing for an unknown id)."""
    own_path = _party_org().objects.filter(pk=org_id).values("path")[:1]
    return Q(**{f"{path_field}__startswith": Subquery(own_path)})


def _party_org() -> Any:
    # core imports no domain app at module level (ARCHITECTURE.md): the model is looked up.
    return apps.get_model("orgs", "PartyOrg")
