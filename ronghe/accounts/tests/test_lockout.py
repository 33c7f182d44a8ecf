"""A-3: five consecutive failures lock the account for thirty minutes."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django_otp.plugins.otp_totp.models import TOTPDevice

from ronghe.accounts.tests.flows import (
    frozen,
    login_error_messages,
    post_code,
    post_login,
    redirects_to,
    refreshed,
    signed_in_user_id,
    token_for,
    wrong_code,
)
from ronghe.core.models import AuditEvent
from ronghe.testing import TEST_PASSWORD, Cast

WRONG = "Wrong-Password-1"


def fail_five_times(client: Client, username: str = "member") -> list[str]:
    messages: list[str] = []
    for _ in range(5):
        messages = login_error_messages(post_login(client, username, WRONG))
    return messages


@pytest.mark.req("A-3")
def test_the_sixth_attempt_with_the_right_password_is_refused(cast: Cast) -> None:
    client = Client()
    wrong_password_messages = fail_five_times(client)
    response = post_login(client, "member", TEST_PASSWORD)
    # The same generic message: nothing tells "locked" from "wrong password".
    assert login_error_messages(response) == wrong_password_messages
    assert signed_in_user_id(client) is None
    assert refreshed(cast.users["member"]).is_locked()


@pytest.mark.req("A-3")
def test_an_unknown_user_gets_the_same_message_as_a_wrong_password(cast: Cast) -> None:
    wrong = login_error_messages(post_login(Client(), "member", WRONG))
    unknown = login_error_messages(post_login(Client(), "nobody-here", WRONG))
    assert wrong == unknown


@pytest.mark.req("A-3")
def test_four_failures_do_not_lock(cast: Cast) -> None:
    client = Client()
    for _ in range(4):
        post_login(client, "member", WRONG)
    assert redirects_to(post_login(client, "member"), "insights:today")


@pytest.mark.req("A-3")
def test_the_lock_holds_for_29_minutes_and_is_gone_after_31(cast: Cast) -> None:
    with frozen() as clock:
        fail_five_times(Client())
        clock.shift(timedelta(minutes=29))
        client = Client()
        post_login(client, "member")
        assert signed_in_user_id(client) is None

        clock.shift(timedelta(minutes=2))
        assert redirects_to(post_login(client, "member"), "insights:today")
        assert signed_in_user_id(client) == str(cast.users["member"].pk)


@pytest.mark.req("A-3")
def test_attempts_during_the_lock_do_not_extend_it(cast: Cast) -> None:
    with frozen() as clock:
        fail_five_times(Client())
        locked_until = refreshed(cast.users["member"]).locked_until
        clock.shift(timedelta(minutes=20))
        fail_five_times(Client())
        assert refreshed(cast.users["member"]).locked_until == locked_until
        clock.shift(timedelta(minutes=11))
        assert redirects_to(post_login(Client(), "member"), "insights:today")


@pytest.mark.req("A-3")
def test_a_successful_login_resets_the_counter(cast: Cast) -> None:
    client = Client()
    for _ in range(4):
        post_login(client, "member", WRONG)
    post_login(client, "member")
    assert refreshed(cast.users["member"]).failed_logins == 0
    for _ in range(4):
        post_login(Client(), "member", WRONG)
    assert redirects_to(post_login(Client(), "member"), "insights:today")


@pytest.mark.req("A-3")
def test_the_lockout_is_audited_with_the_client_address(cast: Cast) -> None:
    fail_five_times(Client(REMOTE_ADDR="203.0.113.7"))
    lockout = AuditEvent.objects.get(action=AuditEvent.Action.LOCKOUT)
    assert lockout.ip == "203.0.113.7"
    assert lockout.actor_username == "member"
    assert lockout.object_id == str(cast.users["member"].code)
    assert lockout.outcome == AuditEvent.Outcome.FAILURE
    assert lockout.at is not None


@pytest.mark.req("A-3")
def test_the_counters_live_in_the_database_so_a_restart_keeps_the_lock(cast: Cast) -> None:
    for _ in range(3):
        post_login(Client(), "member", WRONG)
    assert refreshed(cast.users["member"]).failed_logins == 3
    for _ in range(2):
        post_login(Client(), "member", WRONG)
    # A new client with no cookies, as after a restart or on another worker.
    client = Client()
    post_login(client, "member")
    assert signed_in_user_id(client) is None


@pytest.mark.req("A-3")
def test_failures_on_one_account_do_not_lock_another(cast: Cast) -> None:
    fail_five_times(Client())
    assert redirects_to(post_login(Client(), "secretary"), "insights:today")


@pytest.mark.req("A-3")
@pytest.mark.req("A-6")
def test_wrong_verification_codes_count_toward_the_lockout(cast: Cast) -> None:
    device = TOTPDevice.objects.get(user=cast.users["auditor"])
    client = Client()
    assert redirects_to(post_login(client, "auditor"), "accounts:login_otp")
    for _ in range(5):
        response = post_code(client, wrong_code(device))
        assert "code" in response.context["form"].errors
    auditor = refreshed(cast.users["auditor"])
    assert auditor.is_locked()
    # Once locked, even the right code no longer opens the pending sign-in.
    post_code(client, token_for(device))
    assert signed_in_user_id(client) is None
    assert AuditEvent.objects.filter(action=AuditEvent.Action.OTP_FAILED).count() == 5
    assert AuditEvent.objects.filter(action=AuditEvent.Action.LOCKOUT).count() == 1

    fresh = Client()
    post_login(fresh, "auditor")
    assert signed_in_user_id(fresh) is None
