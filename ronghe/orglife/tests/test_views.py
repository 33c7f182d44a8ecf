"""The meeting pages as the people who use them: a secretary plans and records, members sign
in, bad input changes nothing and says why next to the field."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from ronghe.core.models import AuditEvent
from ronghe.orglife import services
from ronghe.orglife.models import Attendance, Meeting, MeetingKind, Resolution


def plan_data(cast, **overrides):
    data = {
        "org": cast.orgs["A1"].code,
        "kind": MeetingKind.GENERAL_MEETING,
        "title": "一季度生产经营与党建工作",
        "starts_at": (timezone.localtime() - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
        "place": "三楼会议室",
        "host": cast.people["张伟强"].code,
        "recorder": cast.people["王磊"].code,
        "topics-TOTAL_FORMS": "2",
        "topics-INITIAL_FORMS": "0",
        "topics-0-title": "安全生产百日攻坚",
        "topics-0-is_business": "on",
        "topics-0-unit": cast.units["UA1"].code,
        "topics-1-title": "学习党章",
    }
    data.update(overrides)
    return data


def test_a_secretary_plans_a_meeting_with_a_business_topic(cast):
    client = cast.client("secretary")
    assert client.get("/meetings/new/").status_code == 200
    response = client.post("/meetings/new/", plan_data(cast))
    meeting = Meeting.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/meetings/{meeting.code}/"
    assert [t.is_business for t in meeting.topics.all()] == [True, False]
    assert meeting.attendance.count() == 4
    page = client.get(f"/meetings/{meeting.code}/")
    assert "安全生产百日攻坚" in page.content.decode() and "业务议题" in page.content.decode()


def test_a_kind_the_organisation_does_not_hold_is_refused_next_to_the_field(cast):
    client = cast.client("secretary")
    response = client.post(
        "/meetings/new/", plan_data(cast, kind=MeetingKind.DEMOCRATIC_LIFE_MEETING)
    )
    assert response.status_code == 200
    assert 'id="id_kind_error"' in response.content.decode()
    assert not Meeting.objects.exists()


def test_a_business_topic_must_name_what_it_serves(cast):
    client = cast.client("secretary")
    response = client.post("/meetings/new/", plan_data(cast, **{"topics-0-unit": ""}))
    assert "业务单位" in response.content.decode() or "业务目标" in response.content.decode()
    assert 'id="id_topics-0-unit_error"' in response.content.decode()
    assert not Meeting.objects.exists()


def test_an_end_before_the_start_is_refused(cast):
    client = cast.client("secretary")
    start = timezone.localtime()
    response = client.post(
        "/meetings/new/",
        plan_data(
            cast,
            starts_at=start.strftime("%Y-%m-%dT%H:%M"),
            ends_at=(start - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
        ),
    )
    assert 'id="id_ends_at_error"' in response.content.decode()
    assert not Meeting.objects.exists()


def test_a_member_cannot_plan_and_the_outsider_cannot_plan_for_us(cast):
    assert cast.client("member").get("/meetings/new/").status_code == 403
    response = cast.client("outsider").post("/meetings/new/", plan_data(cast))
    assert response.status_code == 200 and not Meeting.objects.exists()  # A1 is not a choice


def _meeting(cast):
    cast.client("secretary").post("/meetings/new/", plan_data(cast))
    return Meeting.objects.get()


def test_the_recorder_signs_people_in_and_a_missing_reason_changes_nothing(cast):
    meeting = _meeting(cast)
    client = cast.client("secretary")
    li = cast.people["李娜"]
    response = client.post(
        f"/meetings/{meeting.code}/attendance/", {"person": li.code, "status": "leave"}
    )
    assert response.status_code == 400 and "请填写请假或缺席原因" in response.content.decode()
    assert meeting.attendance.get(person=li).status == Attendance.Status.PENDING
    client.post(
        f"/meetings/{meeting.code}/attendance/",
        {"person": li.code, "status": "leave", "reason": "出差"},
    )
    assert meeting.attendance.get(person=li).status == Attendance.Status.LEAVE


def test_recording_and_a_resolution_that_breaks_the_majority_rule(cast):
    meeting = _meeting(cast)
    client = cast.client("secretary")
    for who in ("张伟强", "王磊"):
        client.post(
            f"/meetings/{meeting.code}/attendance/",
            {"person": cast.people[who].code, "status": "present"},
        )
    response = client.post(f"/meetings/{meeting.code}/record/", {"minutes": ""})
    assert response.status_code == 400 and 'id="id_minutes_error"' in response.content.decode()
    assert Meeting.objects.get().status == Meeting.Status.PLANNED
    client.post(f"/meetings/{meeting.code}/record/", {"minutes": "讨论了一季度任务。"})
    assert Meeting.objects.get().status == Meeting.Status.HELD
    bad = {
        "text": "同意",
        "vote_kind": "ordinary",
        "yes": "1",
        "no": "1",
        "abstain": "0",
        "outcome": "passed",
    }
    response = client.post(f"/meetings/{meeting.code}/resolutions/", bad)
    assert response.status_code == 400 and "R1.8" in response.content.decode()
    assert not Resolution.objects.exists()
    client.post(f"/meetings/{meeting.code}/resolutions/", bad | {"yes": "2", "no": "0"})
    assert Resolution.objects.get().outcome == Resolution.Outcome.PASSED
    assert AuditEvent.objects.filter(object_type="orglife.resolution").count() == 1


def test_a_member_signs_in_with_the_code_and_a_stranger_is_refused(cast):
    meeting = _meeting(cast)
    assert (
        cast.client("secretary")
        .get(f"/meetings/{meeting.code}/sign-in-code/")["Content-Type"]
        .startswith("image/svg")
    )
    # the member is this meeting's recorder: he shows the code too; the sibling sees nothing
    assert cast.client("member").get(f"/meetings/{meeting.code}/sign-in-code/").status_code == 200
    assert cast.client("sibling").get(f"/meetings/{meeting.code}/sign-in-code/").status_code == 404
    token = services.sign_in_token(meeting)
    member = cast.client("member")
    assert "签到" in member.get(f"/sign-in/{token}/").content.decode()
    assert member.post(f"/sign-in/{token}/").status_code == 200
    row = meeting.attendance.get(person=cast.people["王磊"])
    assert row.method == Attendance.Method.QR and row.came
    stranger = cast.client("sibling").post(f"/sign-in/{token}/")
    assert stranger.status_code == 403 and "不在本次会议的参会名单中" in stranger.content.decode()
    assert cast.client("member").get("/sign-in/forged/").status_code == 410


def test_the_calendar_and_my_meetings(cast):
    meeting = _meeting(cast)
    month = timezone.localtime(meeting.starts_at).strftime("%Y-%m")
    for view in ("month", "list"):
        page = cast.client("member").get(f"/meetings/?month={month}&view={view}")
        assert meeting.title in page.content.decode()
    assert (
        meeting.title
        not in cast.client("sibling").get(f"/meetings/?month={month}").content.decode()
    )
    mine = cast.client("member").get("/meetings/mine/")
    assert meeting.title in mine.content.decode()
    assert cast.client("leader").get("/meetings/mine/").status_code == 403  # no roster record
