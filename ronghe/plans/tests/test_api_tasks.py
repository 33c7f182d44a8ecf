"""The task and report endpoints: tasks created, filtered, changed, moved, cancelled and
reopened; progress reports with photos, meetings and resolutions, returned, amended and
accepted. Bad input is a 422 naming its field and changes nothing."""

from __future__ import annotations

from datetime import timedelta

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation

from ronghe.core.models import AuditEvent
from ronghe.orglife.models import Resolution
from ronghe.plans import services
from ronghe.plans.models import ProgressReport, ReportFile, Task
from ronghe.plans.tests.test_api import (  # noqa: F401 - _on_today is an autouse fixture
    JPEG,
    PDF,
    TODAY,
    _on_today,
    a1_task,
    approved_item,
    audited,
    fields_of,
    held_meeting,
    report_form,
    send,
    task_body,
)

# --- tasks ---------------------------------------------------------------------------------------


def test_a_task_is_created_found_by_its_filters_and_changed(cast):
    client = cast.client("secretary")
    created = send(client, "post", "/api/v1/tasks", task_body(cast))
    assert created.status_code == 201, created.content
    task = created.json()
    assert task["colour"] == "yellow" and task["days_left"] == 5
    assert task["business_lead"]["name"] == "刘洋" and task["may_write"] is True
    assert task["may_check"] is False
    other = a1_task(cast, title="党员责任区建设")
    Task.objects.filter(pk=other.pk).update(late_mark=True, late_marked_on=TODAY)

    def codes(**filters) -> list[str]:
        answer = client.get("/api/v1/tasks", filters)
        assert answer.status_code == 200, answer.content
        return [row["code"] for row in answer.json()["results"]]

    assert codes() == [task["code"], str(other.code)]
    assert codes(dimension="both") == [task["code"]]
    assert codes(dimension="business") == [task["code"]]
    assert codes(lead=str(cast.people["刘洋"].code)) == [task["code"]]
    assert codes(late=True) == [str(other.code)]
    assert codes(status="done") == []
    assert codes(org=str(cast.orgs["A1G"].code)) == []
    # 刘洋 leads the task: his own view, without any role, shows it.
    mine = cast.client("business_head").get("/api/v1/tasks").json()["results"]
    assert [row["code"] for row in mine] == [task["code"]]

    url = f"/api/v1/tasks/{task['code']}"
    changed = send(client, "patch", url, {"title": "班组隐患排查整改", "business_lead": None})
    assert changed.status_code == 200, changed.content
    assert (changed.json()["title"], changed.json()["business_lead"]) == ("班组隐患排查整改", None)
    assert changed.json()["weight"] == 2
    event = AuditEvent.objects.filter(object_type="plans.task", action="update").get()
    assert (
        event.after["title"] == "班组隐患排查整改" and event.before["title"] == "班组安全隐患排查"
    )


def test_bad_tasks_answer_per_field_and_change_nothing(cast):
    client = cast.client("secretary")
    yesterday = (TODAY - timedelta(days=1)).isoformat()
    for body, field, code in (
        (task_body(cast, org=str(cast.orgs["B1"].code)), "org", "invalid"),
        (task_body(cast, party_lead=str(cast.people["黄涛"].code)), "party_lead", "invalid"),
        (task_body(cast, deadline=yesterday), "deadline", "invalid"),
        (task_body(cast, deadline="3000-01-01"), "deadline", "invalid"),
        # The model's check constraint answers before the service can name the field.
        (task_body(cast, party_category=None, business_category=None), "party_category", "invalid"),
    ):
        answer = send(client, "post", "/api/v1/tasks", body)
        assert answer.status_code == 422, (field, answer.content)
        assert answer.json()["code"] == code and field in fields_of(answer), answer.json()
    assert not Task.objects.exists() and audited("task") == 0
    far = send(client, "post", "/api/v1/tasks", task_body(cast, deadline="3000-01-01"))
    with translation.override("zh-hans"):
        assert far.json()["detail"][0]["message"] == translation.gettext(
            "The date is out of range."
        )

    task = a1_task(cast)
    url = f"/api/v1/tasks/{task.code}"
    outside = send(client, "patch", url, {"business_lead": str(cast.people["吴刚"].code)})
    assert outside.status_code == 422 and fields_of(outside) == ["business_lead"]
    task.refresh_from_db()
    assert task.business_lead is None and audited("task") == 1


def test_a_deployed_task_keeps_what_its_target_fixes(cast):
    item = approved_item(cast)
    services.deploy(item=item, orgs=[cast.orgs["A1"]], by=cast.users["party_admin"])
    task = Task.objects.get()
    client = cast.client("secretary")
    refused = send(client, "patch", f"/api/v1/tasks/{task.code}", {"title": "改名"})
    assert refused.status_code == 422 and refused.json()["code"] == "refused"
    assert fields_of(refused) == ["title"]
    led = send(
        client, "patch", f"/api/v1/tasks/{task.code}", {"party_lead": str(cast.people["王磊"].code)}
    )
    assert led.status_code == 200 and led.json()["party_lead"]["name"] == "王磊"
    task.refresh_from_db()
    assert task.title == "客户投诉主题党日"


def test_a_task_is_moved_cancelled_and_unlocked(cast):
    client = cast.client("secretary")
    task = a1_task(cast)
    url = f"/api/v1/tasks/{task.code}"
    done = send(client, "post", f"{url}/status", {"status": "done"})
    assert done.status_code == 422 and done.json()["code"] == "refused"
    started = send(client, "post", f"{url}/status", {"status": "in_progress"})
    assert started.status_code == 200 and started.json()["status"] == "in_progress"
    bad = send(client, "post", f"{url}/status", {"status": "finished"})
    assert bad.status_code == 422 and fields_of(bad) == ["status"]

    blank = send(client, "post", f"{url}/cancel", {"reason": " "})
    assert blank.status_code == 422 and fields_of(blank) == ["reason"]
    cancelled = send(client, "post", f"{url}/cancel", {"reason": "上级取消"})
    assert cancelled.status_code == 200
    assert (cancelled.json()["status"], cancelled.json()["cancel_reason"]) == (
        "cancelled",
        "上级取消",
    )

    late = a1_task(cast, title="逾期任务")
    Task.objects.filter(pk=late.pk).update(deadline=TODAY - timedelta(days=30), late_mark=True)
    url = f"/api/v1/tasks/{late.code}"
    locked = send(client, "patch", url, {"description": "补记"})
    assert locked.status_code == 422 and locked.json()["code"] == "refused"
    assert client.get(url).json()["locked"] is True
    until = (TODAY + timedelta(days=7)).isoformat()
    assert (
        send(client, "post", f"{url}/unlock", {"reason": "补录", "until": until}).status_code == 403
    )
    admin = cast.client("party_admin")
    too_long = send(admin, "post", f"{url}/unlock", {"reason": "补录", "until": "2026-12-31"})
    assert too_long.status_code == 422 and fields_of(too_long) == ["until"]
    opened = send(admin, "post", f"{url}/unlock", {"reason": "补录", "until": until})
    assert opened.status_code == 200, opened.content
    assert opened.json()["locked"] is False and opened.json()["unlocks"][0]["reason"] == "补录"
    assert send(client, "patch", url, {"description": "补记"}).status_code == 200


# --- progress reports ----------------------------------------------------------------------------


def test_a_report_with_a_photo_is_returned_amended_and_accepted(cast):
    task = a1_task(cast)
    secretary, checker = cast.client("secretary"), cast.client("party_admin")
    url = f"/api/v1/tasks/{task.code}/reports"
    sent = secretary.post(
        url, report_form(files=SimpleUploadedFile("现场.jpg", JPEG, content_type="image/jpeg"))
    )
    assert sent.status_code == 201, sent.content
    report = sent.json()
    assert report["status"] == "submitted" and report["files"][0]["name"] == "现场.jpg"
    download = secretary.get(report["files"][0]["url"])
    assert download.status_code == 200 and download["Content-Type"] == "image/jpeg"
    assert b"".join(download.streaming_content) == JPEG
    assert cast.client("outsider").get(report["files"][0]["url"]).status_code == 404
    assert cast.client("sibling").get(report["files"][0]["url"]).status_code == 404

    report_url = f"/api/v1/tasks/reports/{report['code']}"
    assert send(secretary, "post", f"{report_url}/accept").status_code == 403
    returned = send(checker, "post", f"{report_url}/return", {"reason": "请补充签到表"})
    assert returned.status_code == 200
    assert (returned.json()["status"], returned.json()["times_returned"]) == ("returned", 1)

    amended = secretary.post(
        f"{report_url}/amend",
        report_form(
            text="补充签到表",
            files=SimpleUploadedFile("签到表.pdf", PDF, content_type="application/pdf"),
        ),
    )
    assert amended.status_code == 200, amended.content
    assert sorted(f["name"] for f in amended.json()["files"]) == ["现场.jpg", "签到表.pdf"]
    accepted = send(checker, "post", f"{report_url}/accept")
    assert accepted.status_code == 200 and accepted.json()["status"] == "accepted"
    task.refresh_from_db()
    assert (task.status, task.progress, task.late_mark) == (Task.Status.DONE, 100, False)
    listed = secretary.get(url).json()["results"]
    assert [r["code"] for r in listed] == [report["code"]]
    assert secretary.get(report_url).json()["checked_by"] == "party_admin"


def test_a_report_links_meetings_and_their_resolutions(cast):
    task = a1_task(cast)
    meeting = held_meeting(cast)
    resolution = Resolution.objects.create(meeting=meeting, text="开展隐患排查")
    elsewhere = Resolution.objects.create(meeting=held_meeting(cast, "A2"), text="别处的决议")
    client = cast.client("secretary")
    url = f"/api/v1/tasks/{task.code}/reports"
    wrong = client.post(
        url,
        report_form(meetings=[str(meeting.code)], resolutions=[str(elsewhere.code)]),
    )
    assert wrong.status_code == 422 and fields_of(wrong) == ["resolutions"]
    assert not ProgressReport.objects.exists()
    linked = client.post(
        url, report_form(meetings=[str(meeting.code)], resolutions=[str(resolution.code)])
    )
    assert linked.status_code == 201, linked.content
    assert linked.json()["meetings"] == [str(meeting.code)]
    assert linked.json()["resolutions"] == [str(resolution.code)]


def test_bad_reports_change_nothing(cast, settings):
    task = a1_task(cast)
    client = cast.client("secretary")
    url = f"/api/v1/tasks/{task.code}/reports"
    fake = SimpleUploadedFile("a.jpg", b"MZ not a photo", content_type="image/jpeg")
    for data, field, code in (
        (report_form(progress=120), "progress", "invalid"),
        (report_form(text=""), "text", "invalid"),
        (report_form(link="not a link"), "link", "invalid"),
        (report_form(), "files", "refused"),  # done, without any evidence
        (report_form(progress=50, claims_done="false", files=fake), "files", "refused"),
        (report_form(meetings=[str(held_meeting(cast, "B1").code)]), "meetings", "invalid"),
    ):
        answer = client.post(url, data)
        assert answer.status_code == 422, (field, answer.content)
        assert answer.json()["code"] == code and field in fields_of(answer), answer.json()
    assert not ProgressReport.objects.exists() and not ReportFile.objects.exists()
    assert not list((settings.RONGHE_PRIVATE_DIR / "attachments").glob("*"))
    task.refresh_from_db()
    assert task.status == Task.Status.NOT_STARTED


def test_a_report_is_created_once_per_idempotency_key(cast):
    task = a1_task(cast)
    client = cast.client("secretary")
    url = f"/api/v1/tasks/{task.code}/reports"
    data = report_form(progress=30, claims_done="false")
    first = client.post(url, data, headers={"Idempotency-Key": "report-1"})
    again = client.post(url, data, headers={"Idempotency-Key": "report-1"})
    assert first.status_code == again.status_code == 201
    assert again["Idempotent-Replayed"] == "true" and again.json() == first.json()
    assert ProgressReport.objects.count() == 1
