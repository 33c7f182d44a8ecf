"""Bulk writes: the same rows whether they go through COPY (PostgreSQL) or Django's bulk
methods (SQLite), and a broken constraint writes nothing."""

from __future__ import annotations

from datetime import date

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from ronghe.compliance.models import Finding, Rule
from ronghe.core import bulk

S = Finding.Status
NAMES = ("rule_id", "org_id", "period_start", "deadline", "status", "evaluated_at")


@pytest.fixture
def rule(db) -> Rule:
    return Rule.objects.get(key="branch-committee-monthly")


def _findings(cast, rule) -> list[tuple]:
    now = timezone.now()
    return [
        (rule.pk, cast.orgs[code].pk, date(2026, month, 1), date(2026, month, 28), S.OPEN, now)
        for code in ("A1", "A2")
        for month in (1, 2)
    ]


def _stored() -> list[tuple]:
    return list(
        Finding.objects.order_by("org__name", "period_start").values_list(
            "org__name", "period_start", "status", "done", "late"
        )
    )


def test_inserted_rows_read_back_with_their_values(cast, rule):
    bulk.insert_rows(Finding, NAMES, _findings(cast, rule))

    assert _stored() == [
        ("甲一支部", date(2026, 1, 1), S.OPEN, 0, False),
        ("甲一支部", date(2026, 2, 1), S.OPEN, 0, False),
        ("甲二支部", date(2026, 1, 1), S.OPEN, 0, False),
        ("甲二支部", date(2026, 2, 1), S.OPEN, 0, False),
    ]


def test_update_sets_the_named_fields_of_the_given_rows_only(cast, rule):
    bulk.insert_rows(Finding, NAMES, _findings(cast, rule))
    a1 = Finding.objects.filter(org=cast.orgs["A1"]).order_by("period_start")

    bulk.update_rows(
        Finding,
        ("status", "done", "late"),
        [(a1[0].pk, S.OK, 1, True), (a1[1].pk, S.OVERDUE, 0, False)],
    )

    assert _stored() == [
        ("甲一支部", date(2026, 1, 1), S.OK, 1, True),
        ("甲一支部", date(2026, 2, 1), S.OVERDUE, 0, False),
        ("甲二支部", date(2026, 1, 1), S.OPEN, 0, False),
        ("甲二支部", date(2026, 2, 1), S.OPEN, 0, False),
    ]


def test_update_can_run_twice_in_one_transaction(cast, rule):
    """The staging table is dropped after each update, so a second one can create it again."""
    bulk.insert_rows(Finding, NAMES, _findings(cast, rule))
    ids = list(Finding.objects.order_by("id").values_list("id", flat=True))
    with transaction.atomic():
        bulk.update_rows(Finding, ("done",), [(ids[0], 2)])
        bulk.update_rows(Finding, ("done",), [(ids[1], 3)])

    assert list(Finding.objects.order_by("id").values_list("done", flat=True)) == [2, 3, 0, 0]


def test_a_duplicate_row_inserts_nothing(cast, rule):
    rows = _findings(cast, rule)
    bulk.insert_rows(Finding, NAMES, rows[:1])

    with pytest.raises(IntegrityError), transaction.atomic():
        bulk.insert_rows(Finding, NAMES, rows[1:] + rows[:1])  # the last one is already there

    assert Finding.objects.count() == 1


def test_an_update_breaking_a_constraint_changes_nothing(cast, rule):
    bulk.insert_rows(Finding, NAMES, _findings(cast, rule))
    ids = list(Finding.objects.order_by("id").values_list("id", flat=True))
    before = _stored()

    with pytest.raises(IntegrityError), transaction.atomic():
        bulk.update_rows(Finding, ("status", "deadline"), [(ids[0], S.OK, date(2026, 1, 31))])
        bulk.update_rows(Finding, ("deadline",), [(ids[1], None)])  # deadline is NOT NULL

    assert _stored() == before
