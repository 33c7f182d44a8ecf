"""Query budgets (STYLE.md 10): a page's query count does not grow with the rows it shows."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from ronghe.accounts import tokens
from ronghe.compliance import evaluator
from ronghe.core import audit
from ronghe.orglife import services as orglife
from ronghe.orglife.models import Meeting, Resolution
from ronghe.orgs.models import PartyOrg, Unit
from ronghe.people.models import ExportRequest, ImportBatch, Person, PoliticalStatus
from ronghe.testing import Cast, PersonFactory, make_org, make_unit

K = PartyOrg.Kind
# A ceiling per page, so that a constant but wasteful count is noticed too.
CEILING = 20


def count_queries(client: Client, url: str) -> int:
    client.get(url)  # the first request of a session may fill caches
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(captured)


def grow(cast: Cast) -> None:
    """60 more people and 20 more organisations (and units), spread over the whole world."""
    branches = []
    for index in range(10):
        branch = make_org(cast.orgs["A"], f"新支部{index}", f"NB{index}", K.BRANCH)
        make_org(branch, f"新党小组{index}", f"NB{index}G", K.GROUP)
        branches.append(branch)
    unit_parent = cast.units["UA1"]
    units = [
        make_unit(unit_parent, f"班组{index}", f"T{index}", Unit.Kind.TEAM) for index in range(10)
    ]
    for branch, unit in zip(branches, units, strict=True):
        branch.units.add(unit)
    places = [cast.orgs["A1"], cast.orgs["A1G"], cast.orgs["A2"], cast.orgs["B1"], *branches]
    statuses = [
        PoliticalStatus.FULL_MEMBER,
        PoliticalStatus.PROBATIONARY,
        PoliticalStatus.FULL_MEMBER,
    ]
    for index in range(60):
        # Distinct birth dates: the factory's IDs would otherwise collide now and then.
        PersonFactory(
            party_org=places[index % len(places)],
            unit=units[index % len(units)],
            political_status=statuses[index % len(statuses)],
            birth_date=date(1970, 1, 1) + timedelta(days=index),
        )
    for index in range(5):
        _exchange_rows(cast, index)
    _meetings(cast, more=True)
    for index in range(60):
        audit.record(
            audit.Action.UPDATE,
            actor=cast.users["party_admin"],
            object_type="test",
            object_id=str(index),
            after={"n": index},
        )


def _meetings(cast: Cast, *, more: bool = False) -> None:
    """The A1 meeting the meeting page shows; with `more`, more meetings this month, more
    invitees, topics and resolutions on it. Findings are evaluated afresh either way."""
    if not more:
        meeting = _plan(cast, "首次会议")
    else:
        meeting = Meeting.objects.get(title="首次会议")
        orglife.invitee_add(meeting=meeting, people=Person.objects.all(), by=None)
    for index in range(5 if more else 1):  # one already, so that prefetching is measured
        if more:
            _plan(cast, f"会议{index}")
        orglife.resolution_add(
            meeting=meeting,
            text=f"决议{index}",
            vote_kind=Resolution.VoteKind.NONE,
            ballot=None,
            declared="",
            by=None,
        )
    evaluator.evaluate()


def _plan(cast: Cast, title: str) -> Meeting:
    return orglife.meeting_plan(
        org=cast.orgs["A1"],
        data={"kind": "general_meeting", "title": title, "starts_at": timezone.now()},
        topics=[orglife.TopicInput("业务议题", is_business=True, unit=cast.units["UA1"])],
        by=None,
    )


def _exchange_rows(cast: Cast, index: int) -> None:
    """One more import batch, export request (each way) and API token: the exchange lists."""
    ImportBatch.objects.create(
        party_org=cast.orgs["G"],
        uploaded_by=cast.users["party_admin"],
        source=ImportBatch.Source.WEB,
        filename=f"名册{index}.xlsx",
        sha256=f"{index:064d}",
        size=1,
    )
    for who, org in (("secretary", "A1"), ("party_admin", "G")):
        ExportRequest.objects.create(
            requested_by=cast.users[who], party_org=cast.orgs[org], row_count=99, reason="统计"
        )
    tokens.token_create(
        user=cast.users["party_admin"], name=f"t{index}", scope="read", expires_days=30, by=None
    )


Page = Callable[[Cast], tuple[str, str]]
PAGES: dict[str, Page] = {
    "roster as the secretary": lambda cast: ("secretary", "/people/"),
    "roster as party staff": lambda cast: ("party_admin", "/people/"),
    "roster as the leader, searched": lambda cast: ("leader", "/people/?q=z&sort=org"),
    "roster as the business head": lambda cast: ("business_head", "/people/"),
    "party tree": lambda cast: ("party_admin", "/orgs/"),
    "party tree searched": lambda cast: ("party_admin", "/orgs/?q=支部"),
    "unit tree": lambda cast: ("leader", "/units/"),
    "committee detail": lambda cast: ("party_admin", f"/orgs/{cast.orgs['A'].code}/"),
    "branch detail": lambda cast: ("secretary", f"/orgs/{cast.orgs['A1'].code}/"),
    "unit detail": lambda cast: ("leader", f"/units/{cast.units['UA1'].code}/"),
    "children fragment": lambda cast: ("party_admin", f"/orgs/{cast.orgs['A'].code}/children/"),
    "today as party staff": lambda cast: ("party_admin", "/"),
    "today as the secretary": lambda cast: ("secretary", "/"),
    "today as the leader": lambda cast: ("leader", "/"),
    "today as the auditor": lambda cast: ("auditor", "/"),
    "audit trail": lambda cast: ("auditor", "/audit/"),
    "audit trail filtered": lambda cast: ("auditor", "/audit/?action=update&actor=party"),
    "people API": lambda cast: ("party_admin", "/api/v1/people"),
    "orgs API": lambda cast: ("party_admin", "/api/v1/orgs"),
    "units API": lambda cast: ("leader", "/api/v1/units"),
    "import page with recent batches": lambda cast: ("party_admin", "/people/import/"),
    "exports: own and to decide": lambda cast: ("party_admin", "/people/exports/"),
    "API tokens": lambda cast: ("party_admin", "/accounts/tokens/"),
    "accounts": lambda cast: ("sysadmin", "/manage/accounts/"),
    "meeting calendar (month)": lambda cast: ("member", "/meetings/"),
    "meeting calendar (list)": lambda cast: ("leader", "/meetings/?view=list"),
    "my meetings": lambda cast: ("member", "/meetings/mine/"),
    "meeting page": lambda cast: (
        "secretary",
        f"/meetings/{Meeting.objects.get(title='首次会议').code}/",
    ),
    "compliance board": lambda cast: ("party_admin", "/compliance/"),
    "organisation findings": lambda cast: (
        "secretary",
        f"/compliance/orgs/{cast.orgs['A1'].code}/",
    ),
}


@pytest.mark.parametrize("page", list(PAGES))
def test_the_query_count_does_not_grow_with_the_rows(cast: Cast, page: str) -> None:
    _meetings(cast)
    persona, url = PAGES[page](cast)
    client = cast.client(persona)
    for index in range(3):  # an empty trail would spare the paginator its page query
        audit.record(
            audit.Action.UPDATE,
            actor=cast.users["party_admin"],
            object_type="test",
            object_id=f"seed{index}",
        )
    small = count_queries(client, url)
    grow(cast)
    large = count_queries(client, url)
    assert large == small, f"{page}: {small} queries with the cast, {large} with more rows"
    assert small <= CEILING
