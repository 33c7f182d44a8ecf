"""Quorum and majority arithmetic (DOMAIN-RULES R1.8–R1.12, R2.6), checked against fractions."""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ronghe.orglife.models import MeetingKind, Resolution
from ronghe.orglife.quorum import (
    Ballot,
    Headcount,
    attendance_breach,
    ballot_breaches,
    passes,
    quorum_breaches,
)

Vote = Resolution.VoteKind
PASSED, FAILED = Resolution.Outcome.PASSED, Resolution.Outcome.FAILED


@st.composite
def meetings(draw):
    should = draw(st.integers(min_value=1, max_value=400))
    present = draw(st.integers(min_value=0, max_value=should))
    yes = draw(st.integers(min_value=0, max_value=present))
    no = draw(st.integers(min_value=0, max_value=present - yes))
    return Headcount(should, present), Ballot(yes, no, present - yes - no)


@given(meetings())
def test_an_ordinary_vote_needs_more_than_half_present_and_passes_on_half_of_those_due(case):
    heads, ballot = case
    breaches = quorum_breaches(MeetingKind.GENERAL_MEETING, Vote.ORDINARY, heads)
    assert (breaches == []) == (Fraction(heads.present, heads.should_attend) > Fraction(1, 2))
    assert all(breach.rule == "R1.8" for breach in breaches)
    # the denominator is who should attend, not who came (R1.8)
    assert passes(Vote.ORDINARY, heads, ballot) == (
        Fraction(ballot.yes, heads.should_attend) > Fraction(1, 2)
    )


@given(meetings())
def test_an_election_needs_more_than_four_fifths_present_and_half_of_those_present(case):
    heads, ballot = case
    breaches = quorum_breaches(MeetingKind.GENERAL_MEETING, Vote.ELECTION, heads)
    assert (breaches == []) == (Fraction(heads.present, heads.should_attend) > Fraction(4, 5))
    if heads.present:
        assert passes(Vote.ELECTION, heads, ballot) == (
            Fraction(ballot.yes, heads.present) > Fraction(1, 2)
        )


@given(meetings(), st.sampled_from([PASSED, FAILED]))
def test_a_declared_result_is_accepted_exactly_when_the_numbers_give_it(case, declared):
    heads, ballot = case
    breaches = ballot_breaches(MeetingKind.GENERAL_MEETING, Vote.ORDINARY, heads, ballot, declared)
    if quorum_breaches(MeetingKind.GENERAL_MEETING, Vote.ORDINARY, heads):
        assert breaches
    else:
        expected = PASSED if passes(Vote.ORDINARY, heads, ballot) else FAILED
        assert (breaches == []) == (declared == expected)


@pytest.mark.parametrize(
    ("should", "present", "ok"), [(10, 5, False), (10, 6, True), (7, 3, False), (7, 4, True)]
)
def test_half_present_is_not_more_than_half(should, present, ok):
    assert (
        quorum_breaches(MeetingKind.GENERAL_MEETING, Vote.ORDINARY, Headcount(should, present))
        == []
    ) is ok


def test_four_fifths_exactly_is_not_enough_for_an_election():
    breaches = quorum_breaches(MeetingKind.GENERAL_MEETING, Vote.ELECTION, Headcount(10, 8))
    assert [breach.rule for breach in breaches] == ["R1.12"]
    assert quorum_breaches(MeetingKind.GENERAL_MEETING, Vote.ELECTION, Headcount(10, 9)) == []


def test_a_committee_meeting_cites_its_own_quorum_rule():
    breaches = quorum_breaches(MeetingKind.COMMITTEE_MEETING, Vote.ORDINARY, Headcount(5, 2))
    assert [breach.rule for breach in breaches] == ["R1.9"]


def test_more_ballots_than_voters_present_is_refused():
    breaches = ballot_breaches(
        MeetingKind.GENERAL_MEETING, Vote.ORDINARY, Headcount(10, 7), Ballot(6, 1, 1), PASSED
    )
    assert [breach.rule for breach in breaches] == ["R1.10"]


def test_half_of_those_due_in_favour_is_refused_as_passed_and_says_why():
    (breach,) = ballot_breaches(
        MeetingKind.GENERAL_MEETING, Vote.ORDINARY, Headcount(10, 8), Ballot(5, 3, 0), PASSED
    )
    assert breach.rule == "R1.8" and "10" in breach.message


@pytest.mark.parametrize(("should", "present", "ok"), [(9, 6, True), (9, 5, False), (3, 2, True)])
def test_a_democratic_life_meeting_needs_two_thirds(should, present, ok):
    breach = attendance_breach((2, 3, True, "R2.6"), Headcount(should, present))
    assert (breach is None) is ok
