"""The notifications page and the header's bell: a person reads their own messages only;
opening one marks it read (audited) and goes where it points."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from ronghe.core.models import AuditEvent
from ronghe.notify import services
from ronghe.notify.models import Notification
from ronghe.notify.views import PAGE_SIZE
from ronghe.testing import Cast

LIST = "/notifications/"
READ_ALL = "/notifications/read/"


def send(user, key: str, title: str = "通知", url: str = "/compliance/") -> Notification:
    services.notify(users=[user], key=key, title=title, url=url)
    return Notification.objects.get(user=user, key=key)


def read_url(notification: Notification) -> str:
    return f"/notifications/{notification.code}/read/"


def rows(html: str) -> int:
    return html.count('data-testid="notification"')


def bell(html: str) -> str:
    """The number on the phone's bell ("" when it shows none)."""
    found = re.search(r'data-testid="bell".*?</a>', html, re.S)
    assert found, "the header has no bell"
    badge = re.search(r'class="badge[^"]*">([^<]+)<', found.group(0))
    return badge.group(1) if badge else ""


def audit_rows() -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(object_type="notify.notification").order_by("id"))


# --- the list ---------------------------------------------------------------------------------


def test_the_list_shows_my_own_notifications_newest_first_unread_highlighted(cast: Cast) -> None:
    secretary = cast.users["secretary"]
    older = send(secretary, "a", "甲一支部：主题党日即将到期")
    newer = send(secretary, "b", "甲一支部：支委会已逾期")
    services.mark_read(notification=older, by=secretary)
    send(cast.users["member"], "c", "别人的通知")

    html = cast.client("secretary").get(LIST).content.decode()

    assert rows(html) == 2
    assert "别人的通知" not in html
    assert html.index("支委会已逾期") < html.index("主题党日即将到期")
    unread = re.findall(r'action="([^"]+)" class="list-group-item notification-unread"', html)
    assert unread == [read_url(newer)]


def test_the_list_pages_past_a_page_full(cast: Cast) -> None:
    secretary = cast.users["secretary"]
    for index in range(PAGE_SIZE + 2):
        send(secretary, f"k{index}", f"通知{index}")
    client = cast.client("secretary")
    assert rows(client.get(LIST).content.decode()) == PAGE_SIZE
    assert rows(client.get(LIST + "?page=2").content.decode()) == 2
    assert rows(client.get(LIST + "?page=oops").content.decode()) == PAGE_SIZE


def test_an_empty_list_says_so_and_offers_nothing_to_mark(cast: Cast) -> None:
    html = cast.client("member").get(LIST).content.decode()
    assert rows(html) == 0
    assert 'data-testid="read-all"' not in html


def list_queries(client: Client) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(LIST).status_code == 200
    return len(captured)


def test_the_list_s_query_count_does_not_grow_with_the_notifications(cast: Cast) -> None:
    secretary = cast.users["secretary"]
    send(secretary, "first")
    client = cast.client("secretary")
    list_queries(client)  # the first request of a session may fill caches
    few = list_queries(client)
    for index in range(PAGE_SIZE * 2):
        send(secretary, f"more{index}", url=f"/compliance/?n={index}")
    assert list_queries(client) == few <= 20


def test_an_anonymous_visitor_is_sent_to_sign_in(cast: Cast) -> None:
    notification = send(cast.users["secretary"], "a")
    for method, url in (("get", LIST), ("post", read_url(notification)), ("post", READ_ALL)):
        response = getattr(Client(), method)(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")
    notification.refresh_from_db()
    assert notification.read_at is None


# --- opening one ------------------------------------------------------------------------------


def test_opening_one_marks_it_read_with_an_audit_row_and_goes_where_it_points(
    cast: Cast,
) -> None:
    secretary = cast.users["secretary"]
    notification = send(secretary, "a", url=f"/compliance/orgs/{cast.orgs['A1'].code}/")
    client = cast.client("secretary")

    response = client.post(read_url(notification))

    assert response.status_code == 302
    assert response["Location"] == f"/compliance/orgs/{cast.orgs['A1'].code}/"
    notification.refresh_from_db()
    assert notification.read_at is not None
    [row] = audit_rows()
    assert row.action == AuditEvent.Action.UPDATE
    assert row.actor == secretary
    assert row.object_id == str(notification.code)
    assert row.before == {"read_at": None} and row.after == {"read_at": row.after["read_at"]}

    # Opened again: still goes there, but nothing changes and nothing more is audited.
    assert client.post(read_url(notification))["Location"] == notification.url
    assert len(audit_rows()) == 1


def test_someone_else_s_notification_is_404_and_stays_unread(cast: Cast) -> None:
    notification = send(cast.users["member"], "a")
    for persona in ("secretary", "party_admin", "auditor", "outsider"):
        assert cast.client(persona).post(read_url(notification)).status_code == 404
    notification.refresh_from_db()
    assert notification.read_at is None
    assert audit_rows() == []


@pytest.mark.parametrize(
    "url",
    [
        "/notifications/00000000-0000-0000-0000-000000000000/read/",  # no such notification
        "/notifications/not-a-code/read/",
    ],
)
def test_an_unknown_notification_is_404(cast: Cast, url: str) -> None:
    send(cast.users["secretary"], "a")
    assert cast.client("secretary").post(url).status_code == 404
    assert Notification.objects.unread().count() == 1
    assert audit_rows() == []


def test_reading_by_get_changes_nothing(cast: Cast) -> None:
    notification = send(cast.users["secretary"], "a")
    client = cast.client("secretary")
    assert client.get(read_url(notification)).status_code == 405
    assert client.get(READ_ALL).status_code == 405
    notification.refresh_from_db()
    assert notification.read_at is None
    assert audit_rows() == []


@pytest.mark.parametrize("url", ["https://evil.example/", "//evil.example/", "", "relative/"])
def test_a_notification_pointing_off_the_site_leads_back_to_the_list(cast: Cast, url: str) -> None:
    notification = send(cast.users["secretary"], "a", url=url)
    response = cast.client("secretary").post(read_url(notification))
    assert response["Location"] == LIST


# --- all at once ------------------------------------------------------------------------------


def test_mark_all_as_read_marks_only_mine_with_one_audit_row_holding_the_count(
    cast: Cast,
) -> None:
    secretary = cast.users["secretary"]
    for index in range(3):
        send(secretary, f"k{index}")
    services.mark_read(notification=send(secretary, "old"), by=secretary)
    others = send(cast.users["member"], "theirs")
    before = len(audit_rows())

    response = cast.client("secretary").post(READ_ALL)

    assert response.status_code == 302 and response["Location"] == LIST
    assert not Notification.objects.for_user(secretary).unread().exists()
    others.refresh_from_db()
    assert others.read_at is None
    [row] = audit_rows()[before:]
    assert row.actor == secretary and row.after["count"] == 3

    # Nothing left to mark: nothing written.
    cast.client("secretary").post(READ_ALL)
    assert len(audit_rows()) == before + 1


# --- the bell ---------------------------------------------------------------------------------


def test_the_bell_shows_my_unread_count_on_every_page(cast: Cast) -> None:
    secretary = cast.users["secretary"]
    first = send(secretary, "a")
    send(secretary, "b")
    send(cast.users["member"], "c")
    client = cast.client("secretary")
    for page in ("/", LIST, "/people/"):
        html = client.get(page).content.decode()
        assert bell(html) == "2", page
        assert 'data-testid="bell-sidebar"' in html
    client.post(read_url(first))
    assert bell(client.get("/").content.decode()) == "1"
    client.post(READ_ALL)
    assert bell(client.get("/").content.decode()) == ""


def test_the_bell_stops_counting_at_99(cast: Cast) -> None:
    secretary = cast.users["secretary"]
    services.notify(users=[secretary], key="x", title="t")
    Notification.objects.bulk_create(
        Notification(user=secretary, key=f"k{index}", title="t") for index in range(120)
    )
    assert bell(cast.client("secretary").get("/").content.decode()) == "99+"


def test_the_bell_costs_one_query_and_nothing_for_a_fragment(cast: Cast) -> None:
    client = cast.client("secretary")
    client.get("/")
    with CaptureQueriesContext(connection) as page:
        client.get("/")
    counts = [q["sql"] for q in page.captured_queries if "notify_notification" in q["sql"]]
    assert len(counts) == 1 and "COUNT" in counts[0].upper()
    fragment = f"/orgs/{cast.orgs['A1'].code}/children/"
    with CaptureQueriesContext(connection) as partial:
        response = client.get(fragment)
    assert response.status_code == 200 and b"<html" not in response.content
    assert not [q for q in partial.captured_queries if "notify_notification" in q["sql"]]


@pytest.mark.django_db
def test_the_sign_in_page_has_no_bell_and_asks_nothing_about_notifications() -> None:
    with CaptureQueriesContext(connection) as captured:
        html = Client().get("/accounts/login/").content.decode()
    assert 'data-testid="bell"' not in html
    assert not [q for q in captured.captured_queries if "notify_notification" in q["sql"]]
