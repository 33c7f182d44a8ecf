"""The decision workflow: each transition and each refusal, the threshold at its boundary, an
approval against the committee's conclusion flagged, emergencies recorded with their reason."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine

from ronghe.core.models import AuditEvent
from ronghe.decisions import services
from ronghe.decisions.models import Body, Decision, MajorMatter, MatterCategory, PriorStudy
from ronghe.orglife.models import AgendaTopic, Meeting, MeetingKind
from ronghe.plans.models import Category, Dimension, Task

TODAY = date(2026, 6, 15)
SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.fixture(autouse=True)
def _on_today():
    with time_machine.travel(datetime.combine(TODAY, time(10), SHANGHAI), tick=False):
        yield


def funds(cast, threshold: str = "10000000") -> MajorMatter:
    """甲公司党委's own catalogue entry: fund operations from 10 million yuan."""
    return MajorMatter.objects.create(
        org=cast.orgs["A"],
        category=MatterCategory.FUNDS,
        name="大额度资金运作",
        requires_prior_study=True,
        threshold=Decimal(threshold),
        body=Body.BOARD,
        source="甲公司三重一大实施办法 第八条",
        effective_from=date(2026, 1, 1),
    )


def propose(cast, amount: str | None = "10000000", matter: MajorMatter | None = None) -> Decision:
    return services.propose(
        org=cast.orgs["A"],
        proposal=services.Proposal(
            matter=matter or funds(cast),
            title="出资设立新能源子公司",
            description="拟以自有资金出资设立全资子公司。",
            amount=None if amount is None else Decimal(amount),
        ),
        by=cast.users["party_admin"],
    )


def committee_session(cast, day: date = TODAY, status: str = Meeting.Status.PLANNED) -> Meeting:
    return Meeting.objects.create(
        org=cast.orgs["A"],
        kind=MeetingKind.COMMITTEE_SESSION,
        title="党委会",
        starts_at=datetime.combine(day, time(9), SHANGHAI),
        status=status,
    )


def hold(meeting: Meeting) -> None:
    meeting.status = Meeting.Status.HELD
    meeting.held_on = meeting.starts_at.astimezone(SHANGHAI).date()
    meeting.save()


def studied(cast, conclusion: str = PriorStudy.Conclusion.AGREE, **kw) -> Decision:
    decision = propose(cast, **kw)
    meeting = committee_session(cast, TODAY - timedelta(days=3))
    services.schedule_study(decision=decision, meeting=meeting, by=cast.users["party_admin"])
    hold(meeting)
    services.record_study(
        decision=decision,
        study=services.StudyInput(conclusion=conclusion, dissent="王某：建议先做可研"),
        by=cast.users["party_admin"],
    )
    return decision


def board_vote(**kw) -> services.DecisionInput:
    values = {
        "body": Body.BOARD,
        "method": Decision.Method.MEETING_VOTE,
        "outcome": Decision.Outcome.APPROVED,
        "decided_on": TODAY,
        "meeting": "第三届董事会第五次会议",
        "votes_for": 6,
        "votes_against": 1,
    } | kw
    return services.DecisionInput(**values)


# --- the catalogue and the threshold -------------------------------------------------------------


def test_an_organisations_own_catalogue_replaces_the_platforms_below_it(cast):
    platform = set(services.catalogue_for(cast.orgs["B1"]).values_list("org", flat=True))
    own = funds(cast)
    assert platform == {None}
    assert list(services.catalogue_for(cast.orgs["A1"])) == [own]  # below A too
    assert set(services.catalogue_for(cast.orgs["B1"]).values_list("org", flat=True)) == {None}
    own.effective_to = TODAY - timedelta(days=1)
    own.save()
    assert own not in services.catalogue_for(cast.orgs["A"])  # out of force: the platform's


@pytest.mark.parametrize(
    ("amount", "needs"), [("9999999.99", False), ("10000000", True), ("10000000.01", True)]
)
def test_the_threshold_decides_at_its_boundary_whether_prior_study_is_needed(cast, amount, needs):
    assert propose(cast, amount).needs_prior_study is needs


def test_a_fund_operation_without_an_amount_or_outside_the_catalogue_is_refused(cast):
    with pytest.raises(services.Refused) as no_amount:
        propose(cast, amount=None)
    other = MajorMatter.objects.create(
        org=cast.orgs["B"],
        category=MatterCategory.PROJECT,
        name="乙公司项目",
        requires_prior_study=True,
        body=Body.BOARD,
        source="乙公司办法",
        effective_from=date(2026, 1, 1),
    )
    with pytest.raises(services.Refused) as foreign:
        propose(cast, matter=other)
    assert (no_amount.value.field, foreign.value.field) == ("amount", "matter")
    assert not Decision.objects.exists()


# --- prior study ---------------------------------------------------------------------------------


def test_the_matter_goes_on_a_committee_agenda_and_its_study_is_recorded(cast):
    decision = propose(cast)
    meeting = committee_session(cast)

    services.schedule_study(decision=decision, meeting=meeting, by=cast.users["party_admin"])
    topic = AgendaTopic.objects.get(meeting=meeting)
    assert "出资设立新能源子公司" in topic.title and topic.is_business

    with pytest.raises(services.Refused):  # not held yet
        services.record_study(
            decision=decision,
            study=services.StudyInput(conclusion="agree"),
            by=cast.users["party_admin"],
        )
    hold(meeting)
    services.record_study(
        decision=decision,
        study=services.StudyInput(conclusion="agree_with_changes", changes="控制出资比例"),
        by=cast.users["party_admin"],
    )
    decision.refresh_from_db()
    assert decision.stage == Decision.Stage.STUDIED
    assert services.latest_study(decision).changes == "控制出资比例"


def test_only_a_planned_committee_session_of_the_organisation_takes_the_matter(cast):
    decision = propose(cast)
    branch_meeting = Meeting.objects.create(
        org=cast.orgs["A1"],
        kind=MeetingKind.COMMITTEE_MEETING,
        title="支委会",
        starts_at=datetime.combine(TODAY, time(9), SHANGHAI),
    )
    held = committee_session(cast, status=Meeting.Status.HELD)
    for meeting in (branch_meeting, held):
        with pytest.raises(services.Refused) as refused:
            services.schedule_study(decision=decision, meeting=meeting, by=None)
        assert refused.value.field == "meeting"
    assert not AgendaTopic.objects.exists()


def test_changes_are_named_and_a_deferral_sends_the_matter_back(cast):
    decision = propose(cast)
    meeting = committee_session(cast)
    services.schedule_study(decision=decision, meeting=meeting, by=None)
    hold(meeting)
    with pytest.raises(services.Refused) as refused:
        services.record_study(
            decision=decision, study=services.StudyInput(conclusion="agree_with_changes"), by=None
        )
    assert refused.value.field == "changes" and not PriorStudy.objects.exists()

    services.record_study(decision=decision, study=services.StudyInput(conclusion="defer"), by=None)
    decision.refresh_from_db()
    assert decision.stage == Decision.Stage.PROPOSED and decision.study_meeting is None
    assert services.latest_study(decision) is None


# --- the decision --------------------------------------------------------------------------------


def test_a_studied_matter_is_decided_by_its_body(cast):
    decision = studied(cast)
    services.decide(decision=decision, data=board_vote(), by=cast.users["party_admin"])
    decision.refresh_from_db()
    assert decision.stage == Decision.Stage.DECIDED
    assert not decision.against_conclusion and not decision.emergency
    event = AuditEvent.objects.filter(object_id=str(decision.code), message="decided").get()
    assert event.after["stage"] == "decided"


def test_without_prior_study_the_decision_is_refused_unless_an_emergency_with_a_reason(cast):
    decision = propose(cast)
    with pytest.raises(services.Refused):
        services.decide(decision=decision, data=board_vote(), by=None)
    with pytest.raises(services.Refused) as no_reason:
        services.decide(decision=decision, data=board_vote(emergency=True), by=None)
    assert no_reason.value.field == "emergency_reason"
    decision.refresh_from_db()
    assert decision.stage == Decision.Stage.PROPOSED

    services.decide(
        decision=decision,
        data=board_vote(emergency=True, emergency_reason="汛期抢险，须当日拨付"),
        by=None,
    )
    decision.refresh_from_db()
    assert decision.emergency and decision.emergency_reason == "汛期抢险，须当日拨付"


def test_below_the_threshold_no_study_is_needed(cast):
    decision = propose(cast, amount="500000")
    services.decide(decision=decision, data=board_vote(), by=None)
    decision.refresh_from_db()
    assert decision.stage == Decision.Stage.DECIDED and not decision.emergency


def test_an_approval_against_the_committees_disagreement_is_flagged(cast):
    decision = studied(cast, conclusion=PriorStudy.Conclusion.DISAGREE)
    services.decide(decision=decision, data=board_vote(), by=None)
    decision.refresh_from_db()
    assert decision.against_conclusion


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"method": Decision.Method.SIGNATURES}, "method"),
        ({"body": Body.MANAGEMENT}, "body"),
        ({"decided_on": TODAY - timedelta(days=4)}, "decided_on"),  # before the study
        ({"decided_on": TODAY + timedelta(days=1)}, "decided_on"),
        ({"votes_for": 3, "votes_against": 4}, "votes_for"),
    ],
)
def test_a_decision_breaking_a_rule_is_refused_and_changes_nothing(cast, change, field):
    decision = studied(cast)
    with pytest.raises(services.Refused) as refused:
        services.decide(decision=decision, data=board_vote(**change), by=None)
    assert refused.value.field == field
    decision.refresh_from_db()
    assert decision.stage == Decision.Stage.STUDIED and decision.outcome == ""


# --- execution, closing, publishing --------------------------------------------------------------


def test_an_approved_decision_is_carried_out_by_tasks_and_closed_when_they_are_done(cast):
    decision = studied(cast)
    services.decide(decision=decision, data=board_vote(), by=None)
    task = services.add_task(
        decision=decision,
        values={
            "title": "完成工商注册",
            "business_category": Category.objects.filter(dimension=Dimension.BUSINESS).first(),
            "deadline": TODAY + timedelta(days=30),
        },
        by=cast.users["party_admin"],
    )
    decision.refresh_from_db()
    assert decision.stage == Decision.Stage.EXECUTING and task.org == cast.orgs["A"]

    with pytest.raises(services.Refused):  # its task is open
        services.close(decision=decision, result="已设立", by=None)
    Task.objects.filter(pk=task.pk).update(status=Task.Status.DONE)
    with pytest.raises(services.Refused) as no_result:
        services.close(decision=decision, result=" ", by=None)
    assert no_result.value.field == "result"
    services.close(decision=decision, result="子公司已于 7 月设立", by=None)
    decision.refresh_from_db()
    assert decision.stage == Decision.Stage.CLOSED and decision.closed_at is not None


def test_a_rejected_decision_has_nothing_to_carry_out_and_closes_at_once(cast):
    decision = studied(cast)
    services.decide(
        decision=decision,
        data=board_vote(outcome=Decision.Outcome.REJECTED, votes_for=2, votes_against=5),
        by=None,
    )
    with pytest.raises(services.Refused):
        services.add_task(decision=decision, values={"title": "x"}, by=None)
    services.close(decision=decision, result="董事会未通过", by=None)
    decision.refresh_from_db()
    assert decision.stage == Decision.Stage.CLOSED


def test_only_a_decided_matter_is_published(cast):
    decision = propose(cast)
    with pytest.raises(services.Refused):
        services.publish(decision=decision, public=True, sensitive_note="", by=None)
    decision.refresh_from_db()
    assert not decision.public
