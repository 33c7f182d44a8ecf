"""What each kind of meeting is: who holds it, who is invited, whether it votes, what its
record holds beyond the common fields (DOMAIN-RULES R1.x, R2.x)."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from ronghe.orglife.models import MeetingKind, Resolution
from ronghe.orgs.models import PartyOrg

K = PartyOrg.Kind
Vote = Resolution.VoteKind


class Invite:
    """Who a meeting kind invites by default (the list stays editable before the meeting)."""

    MEMBERS = "members"  # every Party member of the organisation's subtree
    LEADERSHIP = "leadership"  # the secretary and committee members of the organisation
    NOBODY = "nobody"  # chosen one by one (a 座谈会 hears whom it needs)


@dataclass(frozen=True)
class Field:
    """One record field of a kind: `kind` is text, long_text, yes_no or date."""

    key: str
    label: Promise
    kind: str = "text"
    help: Promise | str = ""


@dataclass(frozen=True)
class KindSpec:
    kind: str
    held_by: frozenset[str]
    invite: str
    votes: tuple[str, ...] = ()
    # Attendance without which the meeting cannot be recorded as held: (numerator,
    # denominator, rule) meaning present > n/d of those who should attend (or ≥ when the rule says
    # "at least").
    attendance_floor: tuple[int, int, bool, str] | None = None
    fields: tuple[Field, ...] = field(default_factory=tuple)


RECTIFICATION = Field(
    "rectification", _("Rectification list"), "long_text", _("One item per line, with an owner.")
)

SPECS: dict[str, KindSpec] = {
    spec.kind: spec
    for spec in (
        KindSpec(
            MeetingKind.GENERAL_MEETING,
            frozenset({K.BRANCH, K.GENERAL_BRANCH}),
            Invite.MEMBERS,
            votes=(Vote.ORDINARY, Vote.ELECTION),
        ),
        KindSpec(
            MeetingKind.COMMITTEE_MEETING,
            frozenset({K.BRANCH, K.GENERAL_BRANCH}),
            Invite.LEADERSHIP,
            votes=(Vote.ORDINARY,),
            fields=(
                Field(
                    "for_general_meeting", _("Matters to put to the general meeting"), "long_text"
                ),
            ),
        ),
        KindSpec(
            MeetingKind.GROUP_MEETING,
            frozenset({K.GROUP}),
            Invite.MEMBERS,
            fields=(Field("study_content", _("What was studied"), "long_text"),),
        ),
        KindSpec(
            MeetingKind.PARTY_LECTURE,
            frozenset({K.BRANCH, K.GENERAL_BRANCH, K.COMMITTEE}),
            Invite.MEMBERS,
            fields=(
                Field("lecturer", _("Lecturer")),
                Field(
                    "by_secretary",
                    _("Given by the secretary"),
                    "yes_no",
                    _("Every Party secretary gives at least one lecture a year (R1.4)."),
                ),
            ),
        ),
        KindSpec(
            MeetingKind.THEME_DAY,
            frozenset({K.BRANCH, K.GENERAL_BRANCH}),
            Invite.MEMBERS,
            fields=(
                Field(
                    "activities",
                    _("Activities"),
                    "long_text",
                    _("Study, volunteer service, discussion…"),
                ),
                Field("follow_up", _("Agreed items to follow up"), "long_text"),
            ),
        ),
        KindSpec(
            MeetingKind.ORG_LIFE_MEETING,
            frozenset({K.BRANCH, K.GENERAL_BRANCH}),
            Invite.MEMBERS,
            fields=(
                Field("talks_before", _("Heart-to-heart talks held beforehand"), "yes_no"),
                Field(
                    "member_review",
                    _("Democratic review of members held"),
                    "yes_no",
                    _("The yearly 民主评议党员 may be held at this meeting (R2.3)."),
                ),
                RECTIFICATION,
            ),
        ),
        KindSpec(
            MeetingKind.DEMOCRATIC_LIFE_MEETING,
            frozenset({K.COMMITTEE}),
            Invite.LEADERSHIP,
            attendance_floor=(2, 3, True, "R2.6"),
            fields=(
                Field("guidance", _("Upper-level officials attending to guide")),
                Field(
                    "reported_on",
                    _("Report and record sent upwards on"),
                    "date",
                    _("Within 15 days after the meeting (R2.6)."),
                ),
                RECTIFICATION,
            ),
        ),
        KindSpec(
            MeetingKind.CENTRAL_GROUP_STUDY,
            frozenset({K.COMMITTEE}),
            Invite.LEADERSHIP,
            fields=(
                Field("speakers", _("Main speakers")),
                Field("materials", _("Study materials"), "long_text"),
            ),
        ),
        KindSpec(
            MeetingKind.COMMITTEE_SESSION,
            frozenset({K.COMMITTEE, K.GENERAL_BRANCH}),
            Invite.LEADERSHIP,
            votes=(Vote.ORDINARY,),
            fields=(Field("attending_without_vote", _("Attending without a vote (列席)")),),
        ),
        KindSpec(
            MeetingKind.FORUM,
            frozenset(PartyOrg.Kind.values),
            Invite.NOBODY,
            fields=(
                Field("audience", _("Who was heard")),
                Field("opinions", _("Opinions collected"), "long_text"),
            ),
        ),
    )
}


def spec_of(kind: str) -> KindSpec:
    return SPECS[kind]


def kinds_held_by(org_kind: str) -> list[str]:
    return [kind for kind, spec in SPECS.items() if org_kind in spec.held_by]
