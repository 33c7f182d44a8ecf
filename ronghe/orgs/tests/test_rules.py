"""Structure rules shown as warnings (DOMAIN-RULES §5): sizes, terms, secretary, committee."""

from __future__ import annotations

import itertools
from datetime import date, timedelta

import pytest
from django.utils import timezone

from ronghe.core.access import Role
from ronghe.orgs.models import TERM_WARNING_DAYS, PartyOrg
from ronghe.orgs.rules import (
    BRANCH_COMMITTEE_AT,
    BRANCH_MIN_FULL_MEMBERS,
    member_counts,
    org_health,
)
from ronghe.people.models import PoliticalStatus
from ronghe.testing import Cast, PersonFactory, make_org, make_user

K = PartyOrg.Kind
_births = itertools.count()


def person(**fields: object) -> object:
    """A roster entry with a birth date of its own: the factory's default date and its small
    pool of sequence numbers make ID collisions likely once a test adds dozens of people."""
    birth = date(1960, 1, 1) + timedelta(days=next(_births))
    return PersonFactory(birth_date=birth, **fields)


def rules(org: PartyOrg) -> list[tuple[str, str]]:
    """(rule, level) of each warning, in order: the wording is for people, these are for tests."""
    (health,) = org_health([PartyOrg.objects.get(pk=org.pk)])
    return [(warning.rule, warning.level) for warning in health.warnings]


def healthy_branch(cast: Cast, code: str = "HB", full: int = 3) -> PartyOrg:
    """A branch with a secretary, a current term and `full` full members."""
    branch = make_org(cast.orgs["A"], f"支部{code}", code, K.BRANCH)
    people = [person(party_org=branch) for _ in range(full)]
    branch.secretary = people[0] if people else None
    branch.save(update_fields=["secretary"])
    return branch


def test_a_healthy_branch_has_no_warnings(cast: Cast) -> None:
    assert rules(healthy_branch(cast)) == []


def test_a_branch_with_fewer_than_three_full_members_is_warned(cast: Cast) -> None:
    branch = healthy_branch(cast, full=BRANCH_MIN_FULL_MEMBERS - 1)
    person(party_org=branch, political_status=PoliticalStatus.PROBATIONARY)  # not full
    assert rules(branch) == [("R5.1", "danger")]


def test_full_members_of_a_party_group_count_for_its_branch(cast: Cast) -> None:
    branch = healthy_branch(cast, full=2)
    group = make_org(branch, "党小组", "HBG", K.GROUP)
    person(party_org=group)
    assert rules(branch) == []
    assert member_counts([branch])[branch.pk].full == 3


def test_the_cast_branches_are_warned_as_the_drawing_says(cast: Cast) -> None:
    # A1: 3 full (张伟强, 王磊, 李娜 in A1G) + 1 probationary, a secretary: healthy.
    assert rules(cast.orgs["A1"]) == []
    # A2: 2 full members and no secretary.
    assert rules(cast.orgs["A2"]) == [("R5.1", "danger"), ("R5.5", "warning")]


def test_a_missing_secretary_is_warned_on_every_kind_but_a_group(cast: Cast) -> None:
    branch = healthy_branch(cast)
    branch.secretary = None
    branch.save(update_fields=["secretary"])
    assert rules(branch) == [("R5.5", "warning")]
    assert ("R5.5", "warning") in rules(cast.orgs["A"])  # a committee without a secretary
    assert rules(cast.orgs["A1G"]) == []  # a Party group elects no secretary


def test_an_expired_term_is_a_danger(cast: Cast) -> None:
    branch = healthy_branch(cast)
    branch.term_started_on = timezone.localdate() - timedelta(days=3 * 366 + 1)
    branch.save(update_fields=["term_started_on"])
    assert branch.term_status() == PartyOrg.TermStatus.EXPIRED
    assert rules(branch) == [("R5.8", "danger")]


def test_a_term_ending_within_the_warning_window_is_due_soon(cast: Cast) -> None:
    branch = healthy_branch(cast)
    today = timezone.localdate()
    ends = today + timedelta(days=TERM_WARNING_DAYS - 10)
    branch.term_started_on = ends.replace(year=ends.year - 3)
    branch.save(update_fields=["term_started_on"])
    assert branch.term_status() == PartyOrg.TermStatus.DUE_SOON
    assert rules(branch) == [("R5.8", "warning")]


@pytest.mark.parametrize(
    ("days_left", "status"),
    [
        (-1, "expired"),
        (0, "due_soon"),
        (TERM_WARNING_DAYS, "due_soon"),
        (TERM_WARNING_DAYS + 1, "current"),
    ],
)
def test_the_term_status_edges(days_left: int, status: str) -> None:
    today = date(2026, 3, 1)
    ends = today + timedelta(days=days_left)
    org = PartyOrg(kind=K.BRANCH, term_years=3, term_started_on=ends.replace(year=ends.year - 3))
    assert org.term_status(today) == status


def test_a_term_started_on_29_february_ends_on_28_february() -> None:
    org = PartyOrg(kind=K.BRANCH, term_years=3, term_started_on=date(2024, 2, 29))
    assert org.term_ends_on == date(2027, 2, 28)


def test_a_missing_term_start_is_warned(cast: Cast) -> None:
    branch = healthy_branch(cast)
    branch.term_started_on = None
    branch.save(update_fields=["term_started_on"])
    assert rules(branch) == [("R5.7", "warning")]


def test_a_term_length_other_than_three_or_five_years_is_warned(cast: Cast) -> None:
    branch = healthy_branch(cast)
    branch.term_years = 4
    branch.save(update_fields=["term_years"])
    assert rules(branch) == [("R5.7", "warning")]


def test_seven_full_members_without_a_committee_are_warned(cast: Cast) -> None:
    branch = healthy_branch(cast, full=BRANCH_COMMITTEE_AT)
    assert rules(branch) == [("R5.5", "warning")]
    make_user("committee_member", roles=[(Role.COMMITTEE, branch)])
    assert rules(branch) == []


def test_six_full_members_need_no_committee(cast: Cast) -> None:
    assert rules(healthy_branch(cast, full=BRANCH_COMMITTEE_AT - 1)) == []


def test_more_than_fifty_members_are_warned(cast: Cast) -> None:
    branch = healthy_branch(cast, full=BRANCH_COMMITTEE_AT)
    make_user("committee_member", roles=[(Role.COMMITTEE, branch)])
    for _ in range(44):
        person(party_org=branch, political_status=PoliticalStatus.PROBATIONARY)
    assert rules(branch) == [("R5.1", "warning")]


def test_closed_organisations_are_left_out(cast: Cast) -> None:
    branch = healthy_branch(cast, full=0)
    branch.closed_on = timezone.localdate()
    branch.save(update_fields=["closed_on"])
    assert org_health([branch]) == []


def test_health_takes_a_constant_number_of_queries(
    cast: Cast, django_assert_max_num_queries
) -> None:  # type: ignore[no-untyped-def]
    orgs = list(PartyOrg.objects.all())
    with django_assert_max_num_queries(2):
        org_health(orgs)
