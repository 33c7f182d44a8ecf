"""Planning, signing in, recording and voting (DOMAIN-RULES R1.8–R1.12, R2.6)."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from ronghe.core.models import AuditEvent
from ronghe.orglife import services
from ronghe.orglife.models import Attendance, Meeting, MeetingKind, Resolution
from ronghe.orglife.quorum import Ballot

Status = Attendance.Status
Vote = Resolution.VoteKind


def plan(cast, kind=MeetingKind.GENERAL_MEETING, org="A1", starts_at=None, **topics):
    return services.meeting_plan(
        org=cast.orgs[org],
        data={
            "kind": kind,
            "title": "学习贯彻会议精神",
            "starts_at": starts_at or timezone.now() - timedelta(minutes=30),
            "place": "三楼会议室",
            "host": cast.people["张伟强"],
            "recorder": cast.people["王磊"],
        },
        topics=[
            services.TopicInput("一季度生产任务", is_business=True, unit=cast.units["UA1"]),
            services.TopicInput("学习党章"),
        ],
        by=cast.users["secretary"],
    )


def names(meeting: Meeting, **filters) -> set[str]:
    return {
        row.person.name for row in meeting.attendance.filter(**filters).select_related("person")
    }


def sign(cast, meeting, who, status=Status.PRESENT, reason=""):
    services.attendance_record(
        meeting=meeting,
        person=cast.people[who],
        status=status,
        reason=reason,
        by=cast.users["secretary"],
    )


def test_a_general_meeting_invites_every_member_of_the_branch_and_its_groups(cast):
    meeting = plan(cast)
    assert names(meeting) == {"张伟强", "李娜", "王磊", "赵敏"}
    # the probationary member attends without a vote (R1.10)
    assert names(meeting, voting=False) == {"赵敏"}
    assert [(t.title, t.is_business) for t in meeting.topics.all()] == [
        ("一季度生产任务", True),
        ("学习党章", False),
    ]
    assert AuditEvent.objects.filter(action="create", object_type="orglife.meeting").count() == 1


def test_a_committee_meeting_invites_the_secretary_and_committee(cast):
    meeting = plan(cast, MeetingKind.COMMITTEE_MEETING)
    assert names(meeting) == {"张伟强"}


def test_leave_and_absence_need_a_reason_and_outsiders_cannot_be_signed_in(cast):
    meeting = plan(cast)
    with pytest.raises(services.MeetingRefused, match=r"原因|reason"):
        sign(cast, meeting, "李娜", Status.LEAVE)
    sign(cast, meeting, "李娜", Status.LEAVE, "出差")
    with pytest.raises(services.MeetingRefused):
        sign(cast, meeting, "陈静")  # a member of the sibling branch, not invited
    assert names(meeting, status=Status.LEAVE) == {"李娜"}


def test_the_qr_token_signs_in_invitees_only_and_expires(cast):
    meeting = plan(cast, starts_at=timezone.now() - timedelta(minutes=30))
    token = services.sign_in_token(meeting)
    assert services.meeting_code_from_token(token) == str(meeting.code)
    row = services.attendance_self_sign_in(meeting=meeting, person=cast.people["王磊"], by=None)
    assert row.status == Status.LATE and row.method == Attendance.Method.QR  # 30 min after start
    with pytest.raises(services.MeetingRefused):
        services.attendance_self_sign_in(meeting=meeting, person=cast.people["陈静"], by=None)
    with time_machine.travel(timezone.now() + services.SIGN_IN_MAX_AGE + timedelta(seconds=5)):
        assert services.meeting_code_from_token(token) is None
    assert services.meeting_code_from_token(token[:-2] + "xx") is None


def test_recording_marks_those_never_signed_in_absent(cast):
    meeting = plan(cast)
    sign(cast, meeting, "张伟强")
    services.meeting_record(
        meeting=meeting, minutes="会议记录", details={}, by=cast.users["secretary"]
    )
    meeting.refresh_from_db()
    assert meeting.status == Meeting.Status.HELD
    assert meeting.held_on == timezone.localdate(meeting.starts_at)
    assert names(meeting, status=Status.ABSENT) == {"李娜", "王磊", "赵敏"}


def test_a_future_meeting_cannot_be_recorded(cast):
    meeting = plan(cast, starts_at=timezone.now() + timedelta(days=2))
    with pytest.raises(services.MeetingRefused):
        services.meeting_record(meeting=meeting, minutes="", details={}, by=cast.users["secretary"])
    assert Meeting.objects.get(pk=meeting.pk).status == Meeting.Status.PLANNED


def test_a_vote_counts_full_members_only_and_refuses_a_false_result(cast):
    meeting = plan(cast)
    for who in ("张伟强", "王磊", "赵敏"):  # 赵敏 is probationary: 2 of 3 voting members came
        sign(cast, meeting, who)
    with pytest.raises(services.MeetingRefused) as refused:
        services.resolution_add(
            meeting=meeting,
            text="同意推荐",
            vote_kind=Vote.ORDINARY,
            ballot=Ballot(3, 0, 0),
            declared=Resolution.Outcome.PASSED,
            by=cast.users["secretary"],
        )
    assert refused.value.breaches[0].rule == "R1.10"  # three ballots, two voters present
    resolution = services.resolution_add(
        meeting=meeting,
        text="同意推荐",
        vote_kind=Vote.ORDINARY,
        ballot=Ballot(2, 0, 0),
        declared=Resolution.Outcome.PASSED,
        by=cast.users["secretary"],
    )
    assert resolution.outcome == Resolution.Outcome.PASSED  # 2 of 3 due is more than half
    with pytest.raises(services.MeetingRefused) as refused:
        services.resolution_add(
            meeting=meeting,
            text="另一事项",
            vote_kind=Vote.ORDINARY,
            ballot=Ballot(1, 1, 0),
            declared=Resolution.Outcome.PASSED,
            by=cast.users["secretary"],
        )
    assert refused.value.breaches[0].rule == "R1.8"
    assert meeting.resolutions.count() == 1


def test_an_election_below_four_fifths_is_refused(cast):
    meeting = plan(cast)
    sign(cast, meeting, "张伟强")
    sign(cast, meeting, "王磊")  # 2 of 3 voting members: not more than 4/5
    with pytest.raises(services.MeetingRefused) as refused:
        services.resolution_add(
            meeting=meeting,
            text="选举支部委员会",
            vote_kind=Vote.ELECTION,
            ballot=Ballot(2, 0, 0),
            declared="",
            by=cast.users["secretary"],
        )
    assert refused.value.breaches[0].rule == "R1.12"


def test_a_democratic_life_meeting_below_two_thirds_cannot_be_recorded(cast):
    meeting = plan(cast, MeetingKind.DEMOCRATIC_LIFE_MEETING, org="A")
    services.invitee_add(
        meeting=meeting,
        people=[cast.people["周杰"], cast.people["陈静"]],
        by=cast.users["party_admin"],
    )
    assert meeting.attendance.count() == 2
    sign(cast, meeting, "周杰")
    with pytest.raises(services.MeetingRefused) as refused:
        services.meeting_record(
            meeting=meeting, minutes="", details={}, by=cast.users["party_admin"]
        )
    assert refused.value.breaches[0].rule == "R2.6"
    sign(cast, meeting, "陈静")
    services.meeting_record(meeting=meeting, minutes="", details={}, by=cast.users["party_admin"])


def test_a_resolution_links_to_a_task_once(cast):
    import uuid

    meeting = plan(cast)
    resolution = services.resolution_add(
        meeting=meeting,
        text="落实安全生产检查",
        vote_kind=Vote.NONE,
        ballot=None,
        declared="",
        by=None,
    )
    task = uuid.uuid4()
    services.resolution_link_task(resolution=resolution, task_code=task, by=None)
    services.resolution_link_task(resolution=resolution, task_code=task, by=None)
    assert list(resolution.task_links.values_list("task_code", flat=True)) == [task]


def test_a_planned_meeting_can_be_moved_and_cancelled_once(cast):
    meeting = plan(cast, starts_at=timezone.now() + timedelta(days=3))
    later = meeting.starts_at + timedelta(days=1)
    services.meeting_update(
        meeting=meeting,
        data={"starts_at": later, "place": None},
        topics=[],
        by=cast.users["secretary"],
    )
    meeting.refresh_from_db()
    assert (meeting.starts_at, meeting.place, meeting.topics.count()) == (later, "", 0)
    services.meeting_cancel(meeting=meeting, reason="与生产调度会冲突", by=cast.users["secretary"])
    with pytest.raises(services.MeetingRefused):
        services.meeting_cancel(meeting=meeting, reason="again", by=cast.users["secretary"])
    with pytest.raises(services.MeetingRefused):
        sign(cast, meeting, "王磊")
    assert Meeting.objects.get(pk=meeting.pk).status == Meeting.Status.CANCELLED
    assert AuditEvent.objects.filter(object_type="orglife.meeting", action="update").count() == 2
