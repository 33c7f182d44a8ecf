"""The meeting endpoints: the same forms, services and gate as the pages; bad input is a 422
per field and changes nothing; a rule the record breaks is a 422 naming the rule."""

from __future__ import annotations

import json
from datetime import timedelta

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from ronghe.core.models import AuditEvent
from ronghe.orglife import services
from ronghe.orglife.models import Attendance, Meeting, MeetingKind, Resolution


def post_json(client, url: str, data: dict, method: str = "post"):
    return getattr(client, method)(url, json.dumps(data), content_type="application/json")


def plan_body(cast, **overrides):
    body = {
        "org": str(cast.orgs["A1"].code),
        "kind": MeetingKind.GENERAL_MEETING,
        "title": "一季度生产经营与党建工作",
        "starts_at": (timezone.now() - timedelta(hours=1)).isoformat(),
        "place": "三楼会议室",
        "host": str(cast.people["张伟强"].code),
        "recorder": str(cast.people["王磊"].code),
        "topics": [
            {"title": "安全生产百日攻坚", "is_business": True, "unit": str(cast.units["UA1"].code)},
            {"title": "学习党章"},
        ],
    }
    body.update(overrides)
    return body


def planned(cast) -> Meeting:
    response = post_json(cast.client("secretary"), "/api/v1/meetings", plan_body(cast))
    assert response.status_code == 201, response.content
    return Meeting.objects.get(code=response.json()["code"])


def test_a_secretary_plans_a_meeting_through_the_api(cast):
    response = post_json(cast.client("secretary"), "/api/v1/meetings", plan_body(cast))
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["kind"] == "general_meeting" and body["org"]["org_code"] == "A1"
    assert [t["is_business"] for t in body["topics"]] == [True, False]
    assert body["topics"][0]["unit"]["org_code"] == "UA1"
    invited = {row["person"]["name"]: row["voting"] for row in body["attendance"]}
    assert invited == {"张伟强": True, "王磊": True, "李娜": True, "赵敏": False}
    assert body["may_write"] is True
    assert AuditEvent.objects.filter(object_type="orglife.meeting", action="create").count() == 1


def test_bad_plans_answer_per_field_and_change_nothing(cast):
    client = cast.client("secretary")
    cases = [
        (plan_body(cast, kind=MeetingKind.DEMOCRATIC_LIFE_MEETING), "kind"),
        (plan_body(cast, topics=[{"title": "降本增效", "is_business": True}]), "topics[0].unit"),
        (
            plan_body(cast, ends_at=(timezone.now() - timedelta(hours=2)).isoformat()),
            "ends_at",
        ),
        (plan_body(cast, org=str(cast.orgs["B1"].code)), "org"),
        (plan_body(cast, host=str(cast.people["吴刚"].code)), "host"),
    ]
    for body, field in cases:
        response = post_json(client, "/api/v1/meetings", body)
        assert response.status_code == 422, (field, response.content)
        payload = response.json()
        assert payload["code"] == "invalid"
        assert field in [item["field"] for item in payload["detail"]], payload
        assert all(item["message"] for item in payload["detail"])
    assert not Meeting.objects.exists()
    assert not AuditEvent.objects.filter(object_type="orglife.meeting").exists()


def test_who_may_see_and_plan(cast):
    meeting = planned(cast)
    url = f"/api/v1/meetings/{meeting.code}"
    assert cast.client("outsider").get(url).status_code == 404
    assert cast.client("sibling").get(url).status_code == 404
    assert cast.client("member").get(url).status_code == 200  # invited
    assert post_json(cast.client("member"), "/api/v1/meetings", plan_body(cast)).status_code == 403
    # The member is this meeting's recorder, so may write it; the sibling may not even see it.
    assert post_json(cast.client("sibling"), f"{url}/cancel", {"reason": "x"}).status_code == 404


def test_the_calendar_window_and_my_meetings(cast):
    meeting = planned(cast)
    client = cast.client("party_admin")
    today = timezone.localdate()
    listed = client.get("/api/v1/meetings", {"start": str(today - timedelta(days=1))}).json()
    assert [m["code"] for m in listed["results"]] == [str(meeting.code)]
    later = client.get("/api/v1/meetings", {"start": str(today + timedelta(days=2))}).json()
    assert later["results"] == []
    other = client.get("/api/v1/meetings", {"start": str(today), "org": str(cast.orgs["B"].code)})
    assert other.json()["results"] == []
    too_long = client.get("/api/v1/meetings", {"start": "2020-01-01", "end": "2026-01-01"})
    assert too_long.status_code == 422 and too_long.json()["detail"][0]["field"] == "end"
    mine = cast.client("member").get("/api/v1/meetings/mine").json()
    assert [m["code"] for m in mine["results"]] == [str(meeting.code)]
    assert cast.client("leader").get("/api/v1/meetings/mine").status_code == 403


def test_attendance_record_and_a_vote_through_the_api(cast):
    meeting = planned(cast)
    client = cast.client("secretary")
    url = f"/api/v1/meetings/{meeting.code}"
    for name, status in (("张伟强", "present"), ("王磊", "late"), ("李娜", "present")):
        answer = post_json(
            client, f"{url}/attendance", {"person": str(cast.people[name].code), "status": status}
        )
        assert answer.status_code == 200 and answer.json()["status"] == status
    no_reason = post_json(
        client, f"{url}/attendance", {"person": str(cast.people["赵敏"].code), "status": "leave"}
    )
    assert no_reason.status_code == 422 and no_reason.json()["detail"][0]["field"] == "reason"
    stranger = post_json(
        client, f"{url}/attendance", {"person": str(cast.people["杨帆"].code), "status": "present"}
    )
    assert stranger.status_code == 422 and stranger.json()["code"] == "refused"

    record = post_json(client, f"{url}/record", {"minutes": "会议讨论了安全生产。", "details": {}})
    assert record.status_code == 200 and record.json()["status"] == "held"
    rows = dict(meeting.attendance.values_list("person__name", "status"))
    assert rows["赵敏"] == Attendance.Status.ABSENT  # nobody signed her in

    # 3 voting members, all came: 1 for, 2 against cannot be declared passed.
    wrong = post_json(
        client,
        f"{url}/resolutions",
        {
            "text": "同意",
            "vote_kind": "ordinary",
            "yes": 1,
            "no": 2,
            "abstain": 0,
            "outcome": "passed",
        },
    )
    assert wrong.status_code == 422 and wrong.json()["code"] == "refused"
    assert "R1" in wrong.json()["detail"]
    assert not Resolution.objects.exists()
    missing_votes = post_json(
        client, f"{url}/resolutions", {"text": "同意", "vote_kind": "ordinary"}
    )
    assert missing_votes.status_code == 422
    assert {i["field"] for i in missing_votes.json()["detail"]} == {"yes", "no", "abstain"}
    right = post_json(
        client,
        f"{url}/resolutions",
        {
            "text": "同意开展安全生产百日攻坚",
            "vote_kind": "ordinary",
            "yes": 3,
            "no": 0,
            "abstain": 0,
            "outcome": "passed",
        },
    )
    assert right.status_code == 201 and right.json()["outcome"] == "passed"
    detail = client.get(url).json()
    assert detail["minutes"] == "会议讨论了安全生产。" and len(detail["resolutions"]) == 1
    assert detail["voting_headcount"] == {"should_attend": 3, "present": 3}


def test_a_member_signs_in_with_the_token_and_nobody_else_can(cast):
    meeting = planned(cast)
    token = services.sign_in_token(meeting)
    answer = post_json(cast.client("member"), "/api/v1/meetings/sign-in", {"token": token})
    assert answer.status_code == 200 and answer.json()["method"] == "qr"
    assert answer.json()["status"] == "late"  # the meeting started an hour ago
    stranger = post_json(cast.client("sibling"), "/api/v1/meetings/sign-in", {"token": token})
    assert stranger.status_code == 422 and stranger.json()["code"] == "refused"
    forged = post_json(cast.client("member"), "/api/v1/meetings/sign-in", {"token": token + "x"})
    assert forged.status_code == 410 and forged.json()["code"] == "expired"


def test_change_invite_and_cancel_a_planned_meeting(cast):
    meeting = planned(cast)
    client = cast.client("secretary")
    url = f"/api/v1/meetings/{meeting.code}"
    later = timezone.now() + timedelta(days=3)
    changed = post_json(
        client, url, {"starts_at": later.isoformat(), "topics": [{"title": "学习"}]}, "patch"
    )
    assert changed.status_code == 200, changed.content
    assert [t["title"] for t in changed.json()["topics"]] == ["学习"]
    assert changed.json()["title"] == "一季度生产经营与党建工作"  # not sent, kept
    bad = post_json(client, url, {"ends_at": (later - timedelta(hours=1)).isoformat()}, "patch")
    assert bad.status_code == 422 and bad.json()["detail"][0]["field"] == "ends_at"
    invited = post_json(client, f"{url}/invitees", {"people": [str(cast.people["刘洋"].code)]})
    assert invited.status_code == 200
    assert "刘洋" in {row["person"]["name"] for row in invited.json()["attendance"]}
    hidden = post_json(client, f"{url}/invitees", {"people": [str(cast.people["吴刚"].code)]})
    assert hidden.status_code == 422 and hidden.json()["detail"][0]["field"] == "people"
    blank = post_json(client, f"{url}/cancel", {"reason": "   "})
    assert blank.status_code == 422
    cancelled = post_json(client, f"{url}/cancel", {"reason": "与上级会议冲突"})
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    again = post_json(client, f"{url}/cancel", {"reason": "again"})
    assert again.status_code == 422 and again.json()["code"] == "refused"
    frozen = post_json(client, url, {"title": "改"}, "patch")
    assert frozen.status_code == 422
    meeting.refresh_from_db()
    assert meeting.title == "一季度生产经营与党建工作"


def test_the_kinds_describe_their_record_fields(cast):
    kinds = cast.client("member").get("/api/v1/meeting-kinds").json()
    by_kind = {k["kind"]: k for k in kinds}
    assert len(by_kind) == 10
    assert by_kind["general_meeting"]["votes"] == ["ordinary", "election"]
    assert "member_review" in [f["key"] for f in by_kind["org_life_meeting"]["fields"]]


def test_the_calendar_query_count_does_not_grow_with_meetings(cast):
    client = cast.client("party_admin")
    planned(cast)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/api/v1/meetings").status_code == 200
        return len(captured)

    few = queries()
    for _ in range(6):
        planned(cast)
    assert queries() == few
