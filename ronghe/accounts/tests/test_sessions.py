"""A-4 idle and absolute session limits, logout; A-5 session keys and ending sessions."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from ronghe.accounts import services
from ronghe.accounts.tests.flows import (
    frozen,
    is_login_redirect,
    post_code,
    post_login,
    redirects_to,
    session_key,
    signed_in_user_id,
    token_for,
)
from ronghe.testing import TEST_PASSWORD, Cast

PAGE = "/accounts/security/"  # a light page every signed-in user may open


def signed_in(username: str = "member") -> Client:
    client = Client()
    assert redirects_to(post_login(client, username), "insights:today")
    return client


# --- A-4 --------------------------------------------------------------------------------------


@pytest.mark.req("A-4")
def test_activity_within_29_minutes_keeps_the_session_and_31_idle_minutes_end_it(
    cast: Cast,
) -> None:
    with frozen() as clock:
        client = signed_in()
        clock.shift(timedelta(minutes=29))
        assert client.get(PAGE).status_code == 200
        clock.shift(timedelta(minutes=29))  # 58 minutes after login, 29 after the last request
        assert client.get(PAGE).status_code == 200
        clock.shift(timedelta(minutes=31))
        assert is_login_redirect(client.get(PAGE))
        assert signed_in_user_id(client) is None


@pytest.mark.req("A-4")
def test_31_idle_minutes_right_after_login_end_the_session(cast: Cast) -> None:
    with frozen() as clock:
        client = signed_in()
        clock.shift(timedelta(minutes=31))
        assert is_login_redirect(client.get(PAGE))


@pytest.mark.req("A-4")
def test_the_middleware_ends_an_idle_session_even_if_the_row_lives_on(cast: Cast) -> None:
    # Django's own expiry would catch this too; the middleware must not depend on it.
    with frozen() as clock:
        client = signed_in()
        Session.objects.filter(session_key=session_key(client)).update(
            expire_date=Session.objects.get(session_key=session_key(client)).expire_date
            + timedelta(days=1)
        )
        clock.shift(timedelta(minutes=31))
        response = client.get(PAGE)
        assert response.status_code == 302
        assert response["Location"] == f"{reverse('accounts:login')}?expired=1"


@pytest.mark.req("A-4")
def test_a_session_kept_busy_every_10_minutes_still_ends_after_12_hours(cast: Cast) -> None:
    with frozen() as clock:
        client = signed_in()
        for step in range(1, 73):  # up to exactly 12 h
            clock.shift(timedelta(minutes=10))
            assert client.get(PAGE).status_code == 200, f"{step * 10} minutes"
        clock.shift(timedelta(minutes=10))
        response = client.get(PAGE)
        assert response["Location"] == f"{reverse('accounts:login')}?expired=1"
        assert signed_in_user_id(client) is None


@pytest.mark.req("A-4")
def test_logout_deletes_the_session_row_and_the_old_cookie_is_useless(cast: Cast) -> None:
    client = signed_in()
    old_key = session_key(client)
    assert Session.objects.filter(session_key=old_key).exists()

    assert is_login_redirect(client.post(reverse("accounts:logout")))
    assert not Session.objects.filter(session_key=old_key).exists()

    replay = Client()
    replay.cookies[settings.SESSION_COOKIE_NAME] = old_key
    assert is_login_redirect(replay.get("/"))
    assert is_login_redirect(replay.get(PAGE))


@pytest.mark.req("A-4")
def test_logout_is_post_only(cast: Cast) -> None:
    client = signed_in()
    assert client.get(reverse("accounts:logout")).status_code == 405
    assert client.get(PAGE).status_code == 200


@pytest.mark.req("A-4")
def test_the_session_cookie_expires_with_the_idle_timeout(cast: Cast) -> None:
    client = signed_in()
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    assert int(cookie["max-age"]) == 30 * 60
    assert cookie["httponly"]
    assert cookie["samesite"] == "Lax"


# --- A-5 --------------------------------------------------------------------------------------


@pytest.mark.req("A-5")
def test_signing_in_issues_a_new_session_key(cast: Cast) -> None:
    client = Client()
    before = client.session  # an anonymous session, as a fixation attack would plant
    before["planted"] = True
    before.save()
    old_key = before.session_key

    post_login(client, "member")
    assert signed_in_user_id(client) == str(cast.users["member"].pk)
    assert session_key(client) != old_key
    assert not Session.objects.filter(session_key=old_key).exists()


@pytest.mark.req("A-5")
@pytest.mark.req("A-6")
def test_the_key_changes_again_when_the_second_factor_completes(cast: Cast) -> None:
    with frozen():
        client = Client()
        before = client.session
        before.save()
        first = before.session_key
        post_login(client, "auditor")
        pending = session_key(client)
        post_code(client, token_for(TOTPDevice.objects.get(user=cast.users["auditor"])))
        final = session_key(client)
        assert len({first, pending, final}) == 3
        assert signed_in_user_id(client) == str(cast.users["auditor"].pk)


@pytest.mark.req("A-5")
def test_disabling_an_account_ends_its_session_elsewhere(cast: Cast) -> None:
    member = signed_in("member")
    assert member.get(PAGE).status_code == 200
    services.account_set_active(user=cast.users["member"], active=False, by=cast.users["sysadmin"])
    assert is_login_redirect(member.get(PAGE))
    # And the disabled account cannot sign in again.
    again = Client()
    post_login(again, "member")
    assert signed_in_user_id(again) is None


@pytest.mark.req("A-5")
def test_a_password_change_ends_the_other_sessions_and_keeps_this_one(cast: Cast) -> None:
    here, elsewhere = signed_in("member"), signed_in("member")
    response = here.post(
        reverse("accounts:password_change"),
        {
            "old_password": TEST_PASSWORD,
            "new_password": "Rhq-changed-2026",
            "new_password_again": "Rhq-changed-2026",
        },
    )
    assert redirects_to(response, "insights:today")
    assert here.get(PAGE).status_code == 200
    assert is_login_redirect(elsewhere.get(PAGE))


@pytest.mark.req("A-5")
def test_a_password_reset_by_the_sysadmin_ends_the_users_sessions(cast: Cast) -> None:
    member = signed_in("member")
    services.password_reset(user=cast.users["member"], by=cast.users["sysadmin"])
    assert is_login_redirect(member.get(PAGE))


# --- returning to where the login was asked from ----------------------------------------------


def test_login_returns_to_the_page_that_asked_for_it(cast: Cast) -> None:
    """A member who scans the sign-in code while signed out comes back to it after login."""
    client = Client()
    page = client.get("/meetings/mine/")
    assert is_login_redirect(page) and "next=/meetings/mine/" in page["Location"]
    client.get(page["Location"])
    answer = client.post(page["Location"], {"username": "member", "password": TEST_PASSWORD})
    assert answer.status_code == 302 and answer["Location"] == "/meetings/mine/"


def test_login_ignores_a_next_that_leaves_the_site(cast: Cast) -> None:
    client = Client()
    url = "/accounts/login/?next=https://example.org/phish"
    client.get(url)
    answer = client.post(url, {"username": "member", "password": TEST_PASSWORD})
    assert redirects_to(answer, "insights:today")


def test_a_login_page_opened_on_its_own_forgets_an_earlier_next(cast: Cast) -> None:
    client = Client()
    client.get("/accounts/login/?next=/meetings/mine/")
    assert redirects_to(post_login(client, "member"), "insights:today")
