"""Decision-list pages: a matter goes from proposal through the committee's prior study to the
board's decision and its execution; refusals are shown next to their field and change nothing;
the outsider gets 404; the list's query count does not grow with the decisions."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from ronghe.decisions.models import Decision
from ronghe.decisions.tests.test_services import board_vote, committee_session, funds, hold
from ronghe.decisions.tests.test_services import propose as propose_funds
from ronghe.orglife.models import Meeting
from ronghe.plans.models import Category, Dimension, Task

TODAY = date(2026, 6, 15)
SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.fixture(autouse=True)
def _on_today():
    with time_machine.travel(datetime.combine(TODAY, time(10), SHANGHAI), tick=False):
        yield


def test_a_matter_goes_from_proposal_to_its_result_on_its_page(cast):
    matter = funds(cast)
    client = cast.client("party_admin")
    url = f"/decisions/new/?org={cast.orgs['A'].code}"

    refused = client.post(url, {"matter": matter.code, "title": "增资", "description": "x"})
    assert refused.status_code == 422 and 'id="id_amount_error"' in refused.content.decode()
    assert not Decision.objects.exists()

    response = client.post(
        url,
        {
            "matter": matter.code,
            "title": "增资",
            "description": "向子公司增资",
            "amount": "30000000",
        },
    )
    decision = Decision.objects.get()
    assert response.status_code == 302 and decision.needs_prior_study
    page = f"/decisions/{decision.code}/"

    meeting = committee_session(cast, TODAY + timedelta(days=2))
    assert client.post(f"{page}schedule/", {"meeting": meeting.code}).status_code == 302
    meeting.starts_at -= timedelta(days=3)
    meeting.save()
    hold(meeting)
    assert client.post(f"{page}study/", {"conclusion": "agree"}).status_code == 302

    signatures = {
        "body": "board",
        "method": "signatures",
        "outcome": "approved",
        "decided_on": TODAY.isoformat(),
    }
    response = client.post(f"{page}decide/", signatures)
    assert response.status_code == 422
    assert 'id="id_method_error"' in response.content.decode()
    decision.refresh_from_db()
    assert decision.stage == Decision.Stage.STUDIED

    vote = signatures | {"method": "meeting_vote", "votes_for": 7, "votes_against": 0}
    assert client.post(f"{page}decide/", vote).status_code == 302
    response = client.post(
        f"{page}tasks/",
        {
            "title": "办理增资手续",
            "business_category": Category.objects.filter(dimension=Dimension.BUSINESS).first().pk,
            "deadline": (TODAY + timedelta(days=20)).isoformat(),
            "weight": 1,
        },
    )
    assert response.status_code == 302
    task = Task.objects.get()
    assert (
        client.post(f"{page}publish/", {"public": "on", "sensitive_note": "估值"}).status_code
        == 302
    )
    Task.objects.filter(pk=task.pk).update(status=Task.Status.DONE)
    assert client.post(f"{page}close/", {"result": "增资完成"}).status_code == 302

    decision.refresh_from_db()
    assert (decision.stage, decision.public) == (Decision.Stage.CLOSED, True)
    timeline = client.get(page).content.decode()
    for text in ("党委会", "同意", "董事会", "办理增资手续", "增资完成"):
        assert text in timeline, text


def test_the_list_filters_and_flags_emergencies(cast):
    emergency = propose_funds(cast)
    from ronghe.decisions import services

    services.decide(
        decision=emergency,
        data=board_vote(emergency=True, emergency_reason="抢险"),
        by=None,
    )
    propose_funds(cast, amount="100", matter=emergency.matter)
    client = cast.client("leader")

    flagged = client.get("/decisions/?flagged=on").content.decode()
    everything = client.get("/decisions/").content.decode()

    assert flagged.count("/decisions/") < everything.count("/decisions/")
    assert "紧急" in flagged


def test_outsiders_and_members_do_not_reach_decisions(cast):
    decision = propose_funds(cast)
    outsider = cast.client("outsider")
    assert outsider.get(f"/decisions/{decision.code}/").status_code == 404
    assert outsider.post(f"/decisions/{decision.code}/close/", {"result": "x"}).status_code == 404
    assert cast.client("member").get("/decisions/").status_code == 403
    leader = cast.client("leader")  # reads, does not write
    assert leader.get(f"/decisions/{decision.code}/").status_code == 200
    assert leader.post(f"/decisions/{decision.code}/close/", {"result": "x"}).status_code == 403
    decision.refresh_from_db()
    assert decision.stage == Decision.Stage.PROPOSED


def test_the_decision_lists_query_count_does_not_grow(cast):
    client = cast.client("party_admin")
    matter = funds(cast)
    propose_funds(cast, matter=matter)
    client.get("/decisions/")
    with CaptureQueriesContext(connection) as few:
        assert client.get("/decisions/").status_code == 200
    for _ in range(15):
        propose_funds(cast, matter=matter)
    with CaptureQueriesContext(connection) as many:
        assert client.get("/decisions/").status_code == 200
    assert len(many) == len(few)


def test_the_agenda_offers_only_planned_committee_sessions(cast):
    decision = propose_funds(cast)
    held = committee_session(cast, status=Meeting.Status.HELD)
    response = cast.client("party_admin").post(
        f"/decisions/{decision.code}/schedule/", {"meeting": held.code}
    )
    assert response.status_code == 422
    assert 'id="id_meeting_error"' in response.content.decode()


def _published(cast, org: str = "A", title: str = "增资新能源子公司") -> Decision:
    from ronghe.decisions import services
    from ronghe.decisions.models import Body, MajorMatter

    matter = MajorMatter.objects.create(
        org=cast.orgs[org],
        category="funds",
        name="资金",
        requires_prior_study=False,
        body=Body.BOARD,
        source="办法",
        effective_from=date(2026, 1, 1),
    )
    decision = services.propose(
        org=cast.orgs[org],
        proposal=services.Proposal(matter=matter, title=title, description="说明", amount=12345678),
        by=None,
    )
    services.decide(decision=decision, data=board_vote(), by=None)
    services.publish(decision=decision, public=True, sensitive_note="对方报价 1.2 亿", by=None)
    return decision


def test_the_board_shows_members_what_was_decided_without_the_sensitive_parts(cast):
    ours = _published(cast)
    _published(cast, "B", "乙公司事项")
    hidden = propose_funds(cast)  # not published

    member = cast.client("member").get("/decisions/board/").content.decode()
    staff = cast.client("party_admin").get("/decisions/board/").content.decode()

    assert ours.title in member and "乙公司事项" not in member and hidden.title not in member
    assert "对方报价" not in member and "12345678" not in member
    assert f"/decisions/{ours.code}/" not in member  # the full page is the staff's
    assert "对方报价" in staff and "12345678" in staff and "乙公司事项" in staff
    assert ours.title not in cast.client("outsider").get("/decisions/board/").content.decode()


def test_the_board_is_closed_to_accounts_without_a_party_place(cast):
    assert cast.client("sysadmin").get("/decisions/board/").status_code == 403


def test_the_boards_query_count_does_not_grow(cast):
    _published(cast, title="第一项")
    client = cast.client("member")
    client.get("/decisions/board/")
    with CaptureQueriesContext(connection) as few:
        assert client.get("/decisions/board/").status_code == 200
    for index in range(6):
        _published(cast, title=f"更多{index}")
    with CaptureQueriesContext(connection) as many:
        page = client.get("/decisions/board/")
    assert page.status_code == 200 and "更多5" in page.content.decode()
    assert len(many) == len(few)
