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
from ronghe.decisions.models import Decision
from ronghe.orglife import services as orglife
from ronghe.orglife.models import Meeting, Resolution
from ronghe.orgs.models import PartyOrg, Unit
from ronghe.people.models import ExportRequest, ImportBatch, Person, PoliticalStatus
from ronghe.plans import services as plans
from ronghe.plans.models import Category, Dimension, IntegrationPoint, Plan, PlanItem, Task
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
    _plans(cast, more=True)
    _decisions(cast, more=True)
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


def _plans(cast: Cast, *, more: bool = False) -> None:
    """甲公司党委's approved plan with a target deployed to A1 (and, with `more`, to every
    organisation below A), A1's own tasks with reports and milestones, integration points and
    categories: what the plan and task pages show."""
    staff = cast.users["party_admin"]
    party = Category.objects.filter(org=None, dimension=Dimension.PARTY).first()
    business = Category.objects.filter(org=None, dimension=Dimension.BUSINESS).first()
    if not more:
        plan = plans.plan_create(org=cast.orgs["A"], year=2026, quarter=0, title="计划", by=staff)
        item = plans.item_save(
            plan=plan,
            item=None,
            values={
                "dimension": Dimension.PARTY,
                "title": "部署目标",
                "description": "",
                "party_category": party,
                "business_category": business,
                "integration_point": None,
                "deadline": date(2026, 12, 31),
                "weight": 1,
            },
            by=staff,
        )
        plans.plan_submit(plan=plan, by=staff)
        plans.plan_approve(plan=plan, by=cast.users["leader"])
        plans.deploy(item=item, orgs=[cast.orgs["A1"]], by=staff)
    else:
        item = PlanItem.objects.get(title="部署目标")
        below = PartyOrg.objects.filter(path__startswith=cast.orgs["A"].path, depth__gt=2)
        plans.deploy(item=item, orgs=list(below), by=staff)
    for index in range(12 if more else 1):
        point = plans.point_save(
            org=cast.orgs["A"],
            values={
                "title": f"融合点{index}{more}",
                "party_work": "党建",
                "business_goal": "业务",
                "source": IntegrationPoint.Source.SURVEY,
                "source_meeting": None,
                "source_note": "调研",
            },
            by=staff,
        )
        task = plans.task_create(
            org=cast.orgs["A1"],
            values={
                "title": f"任务{index}{more}",
                "party_category": party,
                "business_category": business,
                "integration_point": point,
                "party_lead": cast.people["张伟强"],
                "business_lead": cast.people["王磊"],
                "deadline": timezone.localdate() + timedelta(days=index),
            },
            by=staff,
        )
        plans.milestone_add(task=task, title="节点", due_on=task.deadline, by=staff)
        plans.report_submit(
            task=task,
            data=plans.ReportInput(
                text="进展",
                progress=50,
                claims_done=False,
                link="https://example.org/r",
                meetings=[],
                files=[],
            ),
            by=cast.users["secretary"],
        )
        plans.category_add(
            org=cast.orgs["A"], dimension="party", name=f"类别{index}{more}", by=staff
        )


def _decisions(cast: Cast, *, more: bool = False) -> None:
    """Decisions of 甲公司党委 on the platform's catalogue, one with a study and a task."""
    from ronghe.decisions import services as decisions
    from ronghe.decisions.models import MajorMatter

    matter = MajorMatter.objects.filter(org=None, category="decision").first()
    for index in range(15 if more else 1):
        decision = decisions.propose(
            org=cast.orgs["A"],
            proposal=decisions.Proposal(
                matter=matter, title=f"事项{index}{more}", description="说明"
            ),
            by=cast.users["party_admin"],
        )
        meeting = orglife.meeting_plan(
            org=cast.orgs["A"],
            data={"kind": "committee_session", "title": "党委会", "starts_at": timezone.now()},
            topics=[],
            by=None,
        )
        decisions.schedule_study(decision=decision, meeting=meeting, by=None)


def _plan_item(cast: Cast) -> PlanItem:
    return PlanItem.objects.get(title="部署目标")


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
    "work plans": lambda cast: ("party_admin", "/plans/"),
    "a plan with its targets": lambda cast: ("party_admin", f"/plans/{Plan.objects.get().code}/"),
    "cascade view": lambda cast: ("party_admin", f"/plans/items/{_plan_item(cast).code}/cascade/"),
    "task list as party staff": lambda cast: ("party_admin", "/tasks/"),
    "task list as the secretary, filtered": lambda cast: ("secretary", "/tasks/?dimension=both"),
    "task board": lambda cast: ("secretary", "/tasks/board/"),
    "task timeline": lambda cast: ("party_admin", "/tasks/timeline/"),
    "a task's page": lambda cast: (
        "secretary",
        f"/tasks/{Task.objects.filter(title__startswith='任务0').first().code}/",
    ),
    "my duties": lambda cast: ("secretary", "/duties/"),
    "integration points": lambda cast: ("party_admin", "/plans/points/"),
    "task settings": lambda cast: ("party_admin", "/tasks/settings/"),
    "decision list": lambda cast: ("party_admin", "/decisions/"),
    "a decision's page": lambda cast: (
        "party_admin",
        f"/decisions/{Decision.objects.get(title='事项0False').code}/",
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
    _plans(cast)
    _decisions(cast)
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
