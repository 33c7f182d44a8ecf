"""C-5 for sign-in: every login, failed login, logout and lockout leaves exactly one row."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from ronghe.accounts.tests.flows import (
    audit_actions,
    frozen,
    last_audit_id,
    post_code,
    post_login,
    token_for,
)
from ronghe.core.models import AuditEvent
from ronghe.testing import Cast

Action = AuditEvent.Action
WRONG = "Wrong-Password-1"


@pytest.mark.req("C-5")
@pytest.mark.req("A-3")
def test_a_login_writes_one_login_row(cast: Cast) -> None:
    start = last_audit_id()
    post_login(Client(REMOTE_ADDR="198.51.100.4", HTTP_USER_AGENT="pytest-agent"), "member")
    assert audit_actions(start) == {Action.LOGIN: 1}
    row = AuditEvent.objects.get(pk__gt=start)
    assert row.actor == cast.users["member"]
    assert row.actor_username == "member"
    assert row.actor_roles == "member"
    assert row.outcome == AuditEvent.Outcome.SUCCESS
    assert row.ip == "198.51.100.4"
    assert row.user_agent == "pytest-agent"
    assert row.request_id


@pytest.mark.req("C-5")
def test_a_two_factor_login_writes_one_login_row_and_nothing_for_the_password_step(
    cast: Cast,
) -> None:
    start = last_audit_id()
    with frozen():
        client = Client()
        post_login(client, "secadmin")
        assert audit_actions(start) == {}
        post_code(client, token_for(TOTPDevice.objects.get(user=cast.users["secadmin"])))
    assert audit_actions(start) == {Action.LOGIN: 1}


@pytest.mark.req("C-5")
@pytest.mark.parametrize("username", ["member", "nobody-at-all"])
def test_a_failed_login_writes_one_failure_row(cast: Cast, username: str) -> None:
    start = last_audit_id()
    post_login(Client(), username, WRONG)
    assert audit_actions(start) == {Action.LOGIN_FAILED: 1}
    row = AuditEvent.objects.get(pk__gt=start)
    assert row.outcome == AuditEvent.Outcome.FAILURE
    assert row.actor is None
    assert row.actor_username == username
    assert row.ip == "127.0.0.1"


@pytest.mark.req("C-5")
def test_a_logout_writes_one_logout_row(cast: Cast) -> None:
    client = cast.client("member")
    start = last_audit_id()
    client.post(reverse("accounts:logout"))
    assert audit_actions(start) == {Action.LOGOUT: 1}
    assert AuditEvent.objects.get(pk__gt=start).actor == cast.users["member"]


@pytest.mark.req("C-5")
@pytest.mark.req("A-3")
def test_the_locking_failure_writes_one_failure_row_and_one_lockout_row(cast: Cast) -> None:
    client = Client()
    for _ in range(4):
        post_login(client, "member", WRONG)
    start = last_audit_id()
    post_login(client, "member", WRONG)
    assert audit_actions(start) == {Action.LOGIN_FAILED: 1, Action.LOCKOUT: 1}

    # An attempt while locked is one more failure row, and no second lockout.
    start = last_audit_id()
    post_login(client, "member")
    assert audit_actions(start) == {Action.LOGIN_FAILED: 1}


@pytest.mark.req("C-5")
def test_a_password_change_writes_one_row(cast: Cast) -> None:
    client = cast.client("member")
    start = last_audit_id()
    client.post(
        reverse("accounts:password_change"),
        {
            "old_password": "Ronghe-Test-2026!",
            "new_password": "Rhq-changed-2026",
            "new_password_again": "Rhq-changed-2026",
        },
    )
    assert audit_actions(start) == {Action.PASSWORD_CHANGED: 1}


@pytest.mark.req("C-5")
def test_a_wrong_current_password_on_the_change_page_is_audited_as_a_failure(cast: Cast) -> None:
    client = cast.client("member")
    start = last_audit_id()
    response = client.post(
        reverse("accounts:password_change"),
        {
            "old_password": WRONG,
            "new_password": "Rhq-changed-2026",
            "new_password_again": "Rhq-changed-2026",
        },
    )
    assert "old_password" in response.context["form"].errors
    assert audit_actions(start) == {Action.PASSWORD_CHANGED: 1}
    assert AuditEvent.objects.get(pk__gt=start).outcome == AuditEvent.Outcome.FAILURE
