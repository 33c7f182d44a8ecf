"""Quorum and majority arithmetic (DOMAIN-RULES R1.8–R1.12, R2.6), in integers only.

Every check returns the breaches it finds, each naming its rule, so that a record can refuse
a result and say why. "More than half" is `2·x > n`, "more than four fifths" `5·x > 4·n`.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext as _

from ronghe.orglife.models import MeetingKind, Resolution

Vote = Resolution.VoteKind


@dataclass(frozen=True)
class Headcount:
    """Voting members who should attend (应到, after R1.13 exclusions) and who came (实到)."""

    should_attend: int
    present: int


@dataclass(frozen=True)
class Breach:
    rule: str
    message: str

    def __str__(self) -> str:
        return f"{self.message}（{self.rule}）"


@dataclass(frozen=True)
class Ballot:
    yes: int
    no: int
    abstain: int

    @property
    def cast(self) -> int:
        return self.yes + self.no + self.abstain


def more_than(part: int, whole: int, numerator: int, denominator: int) -> bool:
    """part > numerator/denominator · whole, exactly."""
    return part * denominator > whole * numerator


def quorum_breaches(meeting_kind: str, vote: str, heads: Headcount) -> list[Breach]:
    """May this meeting vote at all?"""
    if vote == Vote.ELECTION:
        if not more_than(heads.present, heads.should_attend, 4, 5):
            return [
                Breach(
                    "R1.12",
                    _(
                        "An election needs more than four fifths of the members entitled to vote present: %(present)s of %(should)s is not enough."
                    )
                    % {"present": heads.present, "should": heads.should_attend},
                )
            ]
        return []
    if not more_than(heads.present, heads.should_attend, 1, 2):
        rule = "R1.8" if meeting_kind == MeetingKind.GENERAL_MEETING else "R1.9"
        return [
            Breach(
                rule,
                _(
                    "A vote needs more than half of the members entitled to vote present: %(present)s of %(should)s is not enough."
                )
                % {"present": heads.present, "should": heads.should_attend},
            )
        ]
    return []


def passes(vote: str, heads: Headcount, ballot: Ballot) -> bool:
    """R1.8: a motion passes with yes votes above half of those who should attend (应到);
    R1.12: a base-level candidate is elected with yes votes above half of those present."""
    if vote == Vote.ELECTION:
        return more_than(ballot.yes, heads.present, 1, 2)
    return more_than(ballot.yes, heads.should_attend, 1, 2)


def ballot_breaches(
    meeting_kind: str, vote: str, heads: Headcount, ballot: Ballot, declared: str
) -> list[Breach]:
    """Everything wrong with a recorded vote: quorum, more ballots than voters, and an outcome
    that the numbers do not give."""
    breaches = quorum_breaches(meeting_kind, vote, heads)
    if ballot.cast > heads.present:
        breaches.append(
            Breach(
                "R1.10",
                _(
                    "%(cast)s votes were recorded but only %(present)s members entitled to vote were present (probationary members do not vote)."
                )
                % {"cast": ballot.cast, "present": heads.present},
            )
        )
    if breaches:
        return breaches
    result = Resolution.Outcome.PASSED if passes(vote, heads, ballot) else Resolution.Outcome.FAILED
    if declared and declared != result:
        if vote == Vote.ELECTION:
            message = _(
                "%(yes)s votes in favour of %(present)s present: a candidate needs more than half of those present, so the result is “%(result)s”."
            ) % {
                "yes": ballot.yes,
                "present": heads.present,
                "result": Resolution.Outcome(result).label,
            }
            breaches.append(Breach("R1.12", message))
        else:
            message = _(
                "%(yes)s votes in favour of %(should)s who should attend: a motion needs more than half of those who should attend, so the result is “%(result)s”."
            ) % {
                "yes": ballot.yes,
                "should": heads.should_attend,
                "result": Resolution.Outcome(result).label,
            }
            breaches.append(Breach("R1.8", message))
    return breaches


def attendance_breach(floor: tuple[int, int, bool, str] | None, heads: Headcount) -> Breach | None:
    """A meeting kind that is only valid with enough of its members (民主生活会: at least 2/3)."""
    if floor is None:
        return None
    numerator, denominator, at_least, rule = floor
    enough = (
        heads.present * denominator >= heads.should_attend * numerator
        if at_least
        else more_than(heads.present, heads.should_attend, numerator, denominator)
    )
    if enough:
        return None
    return Breach(
        rule,
        _(
            "At least %(n)s/%(d)s of those who should attend must attend: %(present)s of %(should)s came."
        )
        % {
            "n": numerator,
            "d": denominator,
            "present": heads.present,
            "should": heads.should_attend,
        },
    )
