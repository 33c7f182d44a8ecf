"""Changing, cancelling and inviting to a planned meeting; photos and scans; the private
calendar feed; reminders before a meeting. Bad input says why and changes nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from icalendar import Calendar

from ronghe.core.models import AuditEvent
from ronghe.notify.models import Notification
from ronghe.orglife import files, services
from ronghe.orglife.models import Attachment, Meeting

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
PDF = b"%PDF-1.7\n" + b"x" * 64


def meeting_of(cast, *, starts_in=timedelta(days=2), kind="general_meeting") -> Meeting:
    return services.meeting_plan(
        org=cast.orgs["A1"],
        data={
            "kind": kind,
            "title": "学习与生产",
            "starts_at": timezone.now() + starts_in,
            "place": "三楼",
            "recorder": cast.people["王磊"],
        },
        topics=[services.TopicInput("学习党章")],
        by=cast.users["secretary"],
    )


@pytest.fixture
def private_dir(settings, tmp_path):
    settings.RONGHE_PRIVATE_DIR = tmp_path / "private"
    return settings.RONGHE_PRIVATE_DIR


def test_a_planned_meeting_is_changed_and_bad_input_keeps_it(cast):
    meeting = meeting_of(cast)
    client = cast.client("secretary")
    url = f"/meetings/{meeting.code}/edit/"
    page = client.get(url)
    assert page.status_code == 200 and "学习党章" in page.content.decode()
    later = timezone.localtime(meeting.starts_at + timedelta(days=1))
    form = {
        "title": "新主题",
        "starts_at": later.strftime("%Y-%m-%dT%H:%M"),
        "ends_at": (later - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
        "place": "三楼",
        "recorder": cast.people["王磊"].code,
        "topics-TOTAL_FORMS": "1",
        "topics-INITIAL_FORMS": "1",
        "topics-0-title": "学习党章",
    }
    bad = client.post(url, form)
    assert bad.status_code == 200 and 'id="id_ends_at_error"' in bad.content.decode()
    meeting.refresh_from_db()
    assert meeting.title == "学习与生产"
    form["ends_at"] = ""
    assert client.post(url, form).status_code == 302
    meeting.refresh_from_db()
    assert meeting.title == "新主题" and meeting.starts_at == later.replace(second=0, microsecond=0)
    assert cast.client("member").get(url).status_code == 200  # the recorder may change it
    assert cast.client("sibling").get(url).status_code == 404


def test_cancelling_needs_a_reason_and_is_audited(cast):
    meeting = meeting_of(cast)
    client = cast.client("secretary")
    blank = client.post(f"/meetings/{meeting.code}/cancel/", {"reason": "  "})
    assert blank.status_code == 400 and 'id="id_reason_error"' in blank.content.decode()
    meeting.refresh_from_db()
    assert meeting.status == Meeting.Status.PLANNED
    done = client.post(f"/meetings/{meeting.code}/cancel/", {"reason": "与上级会议冲突"})
    assert done.status_code == 302
    meeting.refresh_from_db()
    assert meeting.status == Meeting.Status.CANCELLED
    event = AuditEvent.objects.filter(object_type="orglife.meeting").latest("id")
    assert event.message == "与上级会议冲突"
    assert client.get(f"/meetings/{meeting.code}/edit/").status_code == 302  # no longer editable


def test_inviting_more_people(cast):
    meeting = meeting_of(cast, kind="forum")
    client = cast.client("secretary")
    assert meeting.attendance.count() == 0  # a 座谈会 invites nobody by default
    hidden = client.post(
        f"/meetings/{meeting.code}/invitees/", {"people": [cast.people["吴刚"].code]}
    )
    assert hidden.status_code == 400 and meeting.attendance.count() == 0
    page = client.get(f"/meetings/{meeting.code}/").content.decode()
    assert str(cast.people["李娜"].code) in page
    added = client.post(
        f"/meetings/{meeting.code}/invitees/",
        {"people": [cast.people["李娜"].code, cast.people["刘洋"].code]},
    )
    assert added.status_code == 302
    assert set(meeting.attendance.values_list("person__name", flat=True)) == {"李娜", "刘洋"}


def test_photos_and_scans_are_checked_kept_private_and_audited(
    cast, private_dir, django_capture_on_commit_callbacks
):
    meeting = meeting_of(cast)
    client = cast.client("secretary")
    url = f"/meetings/{meeting.code}/attachments/"
    fake = SimpleUploadedFile("会场.png", b"MZ\x90\x00 not an image", content_type="image/png")
    refused = client.post(url, {"file": fake})
    assert refused.status_code == 400 and 'id="id_file_error"' in refused.content.decode()
    assert not Attachment.objects.exists()
    assert not any((private_dir / "attachments").glob("*"))
    photo = SimpleUploadedFile("会场.png", PNG, content_type="image/png")
    assert client.post(url, {"file": photo}).status_code == 302
    scan = SimpleUploadedFile("签到表.pdf", PDF, content_type="application/pdf")
    assert client.post(url, {"file": scan}).status_code == 302
    kept = list(Attachment.objects.order_by("id"))
    assert [(a.name, a.content_type) for a in kept] == [
        ("会场.png", "image/png"),
        ("签到表.pdf", "application/pdf"),
    ]
    download = cast.client("member").get(f"/meetings/files/{kept[0].code}/")
    assert download.status_code == 200 and b"".join(download.streaming_content) == PNG
    assert cast.client("sibling").get(f"/meetings/files/{kept[0].code}/").status_code == 404
    assert cast.client("outsider").get(f"/meetings/files/{kept[0].code}/").status_code == 404
    stored = private_dir / "attachments" / kept[1].stored_name
    assert stored.exists()
    with django_capture_on_commit_callbacks(execute=True):
        removed = client.post(f"/meetings/files/{kept[1].code}/delete/")
    assert removed.status_code == 302 and not stored.exists()
    actions = list(
        AuditEvent.objects.filter(object_type="orglife.attachment").values_list("action", flat=True)
    )
    assert actions == ["create", "create", "delete"]


def test_a_file_over_the_limit_is_refused(cast, private_dir, settings):
    settings.RONGHE_ATTACHMENT_MAX_BYTES = 32
    meeting = meeting_of(cast)
    with pytest.raises(services.MeetingRefused):
        files.attachment_add(
            meeting=meeting,
            upload=SimpleUploadedFile("big.png", PNG, content_type="image/png"),
            by=cast.users["secretary"],
        )
    assert not Attachment.objects.exists()


def test_the_private_calendar_feed(cast):
    meeting = meeting_of(cast)
    other = meeting_of(cast, kind="committee_meeting")  # 王磊 is not on the committee
    client = cast.client("member")
    assert client.get("/meetings/calendar-feed/").status_code == 200
    made = client.post("/meetings/calendar-feed/", {"action": "renew"})
    address = made.context["address"]
    assert "/calendar/" in address and address.endswith(".ics")
    path = address.split("testserver", 1)[1]
    anonymous = cast.client("outsider")
    anonymous.logout()
    feed = anonymous.get(path)
    assert feed.status_code == 200 and feed["Content-Type"].startswith("text/calendar")
    events = Calendar.from_ical(feed.content).walk("VEVENT")
    assert [str(e["uid"]) for e in events] == [f"{meeting.code}@ronghe"]
    assert str(other.code) not in feed.content.decode()
    client.post("/meetings/calendar-feed/", {"action": "renew"})
    assert anonymous.get(path).status_code == 404  # the old address stopped
    assert anonymous.get("/calendar/nonsense.ics").status_code == 404
    assert cast.client("leader").get("/meetings/calendar-feed/").status_code == 403  # no person


def test_invitees_are_reminded_once_and_again_when_the_meeting_moves(cast):
    meeting = meeting_of(cast, starts_in=timedelta(hours=5))
    later = meeting_of(cast, starts_in=timedelta(days=3))
    assert services.remind_upcoming() == 1
    reminded = set(Notification.objects.values_list("user__username", flat=True))
    assert reminded == {"secretary", "member"}  # invitees with accounts
    assert services.remind_upcoming() == 0
    assert Notification.objects.count() == 2
    services.meeting_update(
        meeting=meeting,
        data={"starts_at": meeting.starts_at + timedelta(hours=2)},
        topics=None,
        by=cast.users["secretary"],
    )
    assert services.remind_upcoming() == 1
    assert Notification.objects.count() == 4
    later.refresh_from_db()
    assert later.reminded_at is None


def test_the_today_page_shows_my_next_meetings(cast):
    meeting_of(cast, starts_in=timedelta(days=2))
    far = meeting_of(cast, starts_in=timedelta(days=30))
    html = cast.client("member").get("/").content.decode()
    assert "学习与生产" in html and str(far.code) not in html
    assert "学习与生产" not in cast.client("sibling").get("/").content.decode()
