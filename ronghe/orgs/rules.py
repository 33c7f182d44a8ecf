"""Published structure rules, shown as warnings, never silently enforced (DOMAIN-RULES §5).

R5.1 a branch needs at least 3 full members and generally has at most 50 members;
R5.5 with 7 or more full members a branch elects a branch committee;
R5.7 terms: 党委 5 years, 总支 and 支部 3 years (党章: 3–5 years) — expiry is warned 90 days ahead.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db.models import Count
from django.utils.translation import gettext as _

from ronghe.core.access import Role
from ronghe.orgs.models import PartyOrg

BRANCH_MIN_FULL_MEMBERS = 3
BRANCH_COMMITTEE_AT = 7
BRANCH_MAX_MEMBERS = 50
ALLOWED_TERM_YEARS = {3, 5}


@dataclass
class MemberCounts:
    full: int = 0
    probationary: int = 0
    everyone: int = 0

    @property
    def members(self) -> int:
        return self.full + self.probationary


@dataclass(frozen=True)
class Warning:
    level: str  # "danger" or "warning", as Tabler colours
    message: str
    rule: str  # the DOMAIN-RULES reference shown beside it


@dataclass
class OrgHealth:
    org: PartyOrg
    counts: MemberCounts = field(default_factory=MemberCounts)
    warnings: list[Warning] = field(default_factory=list)


def member_counts(orgs: Iterable[PartyOrg]) -> dict[int, MemberCounts]:
    """Counts over each organisation's whole subtree, in one grouped query."""
    from ronghe.people.models import Person, PoliticalStatus

    orgs = list(orgs)
    result = {org.pk: MemberCounts() for org in orgs}
    if not orgs:
        return result
    roots = sorted({org.path for org in orgs})
    kept: list[str] = []
    for path in roots:
        if not kept or not path.startswith(kept[-1]):
            kept.append(path)
    from django.db.models import Q

    scope = Q(pk__in=[])
    for path in kept:
        scope |= Q(party_org__path__startswith=path)
    rows = (
        Person.objects.filter(scope)
        .values("party_org__path", "political_status")
        .annotate(n=Count("id"))
        .order_by()
    )
    by_prefix: dict[str, MemberCounts] = defaultdict(MemberCounts)
    steplen = PartyOrg.steplen
    for row in rows:
        path = row["party_org__path"]
        for end in range(steplen, len(path) + 1, steplen):
            counts = by_prefix[path[:end]]
            counts.everyone += row["n"]
            if row["political_status"] == PoliticalStatus.FULL_MEMBER:
                counts.full += row["n"]
            elif row["political_status"] == PoliticalStatus.PROBATIONARY:
                counts.probationary += row["n"]
    for org in orgs:
        result[org.pk] = by_prefix.get(org.path, MemberCounts())
    return result


def org_health(orgs: Iterable[PartyOrg]) -> list[OrgHealth]:
    """Counts and rule warnings for each open organisation, in a constant number of queries."""
    from ronghe.accounts.models import RoleAssignment

    orgs = [org for org in orgs if org.closed_on is None]
    counts = member_counts(orgs)
    with_committee = set(
        RoleAssignment.objects.filter(party_org__in=orgs, role=Role.COMMITTEE).values_list(
            "party_org_id", flat=True
        )
    )
    return [
        OrgHealth(
            org=org,
            counts=counts[org.pk],
            warnings=_warnings(org, counts[org.pk], org.pk in with_committee),
        )
        for org in orgs
    ]


def _warnings(org: PartyOrg, counts: MemberCounts, has_committee: bool) -> list[Warning]:
    found: list[Warning] = []
    if org.kind == PartyOrg.Kind.BRANCH:
        if counts.full < BRANCH_MIN_FULL_MEMBERS:
            found.append(
                Warning(
                    "danger",
                    _("A branch needs at least 3 full members; it has %(n)d.") % {"n": counts.full},
                    "R5.1",
                )
            )
        if counts.members > BRANCH_MAX_MEMBERS:
            found.append(
                Warning(
                    "warning",
                    _("A branch generally has at most 50 members; it has %(n)d.")
                    % {"n": counts.members},
                    "R5.1",
                )
            )
        if counts.full >= BRANCH_COMMITTEE_AT and not has_committee:
            found.append(
                Warning(
                    "warning",
                    _(
                        "With %(n)d full members the branch must elect a branch committee; none is recorded."
                    )
                    % {"n": counts.full},
                    "R5.5",
                )
            )
    if org.kind != PartyOrg.Kind.GROUP:
        if org.secretary_id is None:
            found.append(Warning("warning", _("No secretary is recorded."), "R5.5"))
        if org.term_years and org.term_years not in ALLOWED_TERM_YEARS:
            found.append(
                Warning(
                    "warning",
                    _("Terms are 3 or 5 years; this one is %(n)d.") % {"n": org.term_years},
                    "R5.7",
                )
            )
        status = org.term_status()
        if status == PartyOrg.TermStatus.EXPIRED:
            found.append(
                Warning(
                    "danger",
                    _("The term ended on %(date)s: the election is overdue.")
                    % {"date": org.term_ends_on},
                    "R5.8",
                )
            )
        elif status == PartyOrg.TermStatus.DUE_SOON:
            found.append(
                Warning(
                    "warning",
                    _("The term ends on %(date)s: prepare the election.")
                    % {"date": org.term_ends_on},
                    "R5.8",
                )
            )
        elif org.term_started_on is None:
            found.append(Warning("warning", _("No term start date is recorded."), "R5.7"))
    return found
