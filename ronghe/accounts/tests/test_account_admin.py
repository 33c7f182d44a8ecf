"""The system administrator's account pages: create, disable, enable, unlock, reset, 2FA."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from django_otp.plugins.otp_totp.models import TOTPDevice

from ronghe.accounts.models import User
from ronghe.accounts.tests.flows import post_login, redirects_to, refreshed, signed_in_user_id
from ronghe.core.models import AuditEvent
from ronghe.testing import TEST_PASSWORD, Cast

Action = AuditEvent.Action


def act(client: Client, user: User, action: str) -> object:
    return client.post(reverse("accounts:user_action", args=[user.code, action]))


def audited_once(action: str, *, actor: User, subject: User) -> bool:
    rows = AuditEvent.objects.filter(action=action)
    return (
        rows.count() == 1
        and rows.get().actor == actor
        and rows.get().object_id == str(subject.code)
        and rows.get().outcome == AuditEvent.Outcome.SUCCESS
    )


@pytest.mark.req("B-1")
@pytest.mark.req("A-2")
def test_a_new_account_gets_a_one_time_password_it_must_change(cast: Cast) -> None:
    admin = cast.client("sysadmin")
    response = admin.post(
        reverse("accounts:user_create"), {"username": "New.Comer", "display_name": "新同志"}
    )
    assert response.status_code == 200
    assert "accounts/one_time_password.html" in [t.name for t in response.templates]
    password = response.context["password"]
    assert escape(password).encode() in response.content

    account = User.objects.get(username="new.comer")
    assert account.must_change_password
    assert account.check_password(password)
    assert audited_once(Action.ACCOUNT_CREATED, actor=cast.users["sysadmin"], subject=account)

    client = Client()
    assert redirects_to(post_login(client, "NEW.COMER", password), "insights:today")
    assert redirects_to(client.get("/"), "accounts:password_change")


@pytest.mark.req("A-1")
@pytest.mark.parametrize("taken", ["member", "MEMBER", "ｍｅｍｂｅｒ"])
def test_a_taken_username_is_shown_next_to_the_field(cast: Cast, taken: str) -> None:
    before = User.objects.count()
    response = cast.client("sysadmin").post(
        reverse("accounts:user_create"), {"username": taken, "display_name": "x"}
    )
    assert response.status_code == 200
    assert "username" in response.context["form"].errors
    assert b'id="id_username_error"' in response.content
    assert User.objects.count() == before
    assert not AuditEvent.objects.filter(action=Action.ACCOUNT_CREATED).exists()


@pytest.mark.req("A-5")
def test_disable_and_enable_are_audited(cast: Cast) -> None:
    admin, member, sysadmin = cast.client("sysadmin"), cast.users["member"], cast.users["sysadmin"]
    response = act(admin, member, "disable")
    assert response["Location"] == reverse("accounts:user_detail", args=[member.code])
    assert not refreshed(member).is_active
    assert audited_once(Action.ACCOUNT_DISABLED, actor=sysadmin, subject=member)
    client = Client()
    post_login(client, "member")
    assert signed_in_user_id(client) is None

    act(admin, member, "enable")
    assert refreshed(member).is_active
    assert audited_once(Action.ACCOUNT_ENABLED, actor=sysadmin, subject=member)
    assert redirects_to(post_login(Client(), "member"), "insights:today")


@pytest.mark.req("A-3")
def test_unlock_lifts_a_lockout_and_is_audited(cast: Cast) -> None:
    member = cast.users["member"]
    User.objects.filter(pk=member.pk).update(
        failed_logins=3, locked_until=timezone.now() + timedelta(minutes=20)
    )
    assert (
        cast.client("sysadmin").get(reverse("accounts:user_detail", args=[member.code])).status_code
        == 200
    )
    act(cast.client("sysadmin"), member, "unlock")
    member = refreshed(member)
    assert member.locked_until is None and member.failed_logins == 0
    assert audited_once(Action.ACCOUNT_UNLOCKED, actor=cast.users["sysadmin"], subject=member)
    assert redirects_to(post_login(Client(), "member"), "insights:today")


@pytest.mark.req("A-2")
def test_a_password_reset_shows_a_one_time_password_and_is_audited(cast: Cast) -> None:
    member = cast.users["member"]
    response = act(cast.client("sysadmin"), member, "reset-password")
    assert response.status_code == 200
    temporary = response.context["password"]
    member = refreshed(member)
    assert member.must_change_password and member.check_password(temporary)
    assert not member.check_password(TEST_PASSWORD)
    assert audited_once(Action.PASSWORD_RESET, actor=cast.users["sysadmin"], subject=member)

    client = Client()
    assert signed_in_user_id(client) is None
    post_login(client, "member", temporary)
    assert redirects_to(client.get("/"), "accounts:password_change")


@pytest.mark.req("A-6")
def test_removing_an_authenticator_is_audited(cast: Cast) -> None:
    # A member's authenticator is optional: after a lost phone the sysadmin removes it.
    member = cast.users["member"]
    TOTPDevice.objects.create(user=member, name="phone", confirmed=True)
    act(cast.client("sysadmin"), member, "remove-otp")
    assert not TOTPDevice.objects.filter(user=member).exists()
    assert audited_once(Action.OTP_REMOVED, actor=cast.users["sysadmin"], subject=member)
    assert redirects_to(post_login(Client(), "member"), "insights:today")


@pytest.mark.req("B-3")
@pytest.mark.parametrize("action", ["remove-otp", "reset-password"])
@pytest.mark.parametrize("persona", ["auditor", "party_admin"])
def test_the_sysadmin_cannot_reset_credentials_where_two_factor_is_mandatory(
    cast: Cast, action: str, persona: str
) -> None:
    # party_admin may see full ID numbers: taking the account over would expose them.
    auditor = cast.users[persona]
    TOTPDevice.objects.get_or_create(user=auditor, confirmed=True, defaults={"name": "phone"})
    password_before = refreshed(auditor).password
    response = act(cast.client("sysadmin"), auditor, action)
    assert response.status_code == 302
    assert TOTPDevice.objects.filter(user=auditor, confirmed=True).exists()
    assert refreshed(auditor).password == password_before
    assert not AuditEvent.objects.filter(
        action__in=[Action.OTP_REMOVED, Action.PASSWORD_RESET]
    ).exists()


@pytest.mark.req("B-3")
def test_the_console_resets_an_administrators_credentials(cast: Cast) -> None:
    out = io.StringIO()
    call_command("reset_credentials", username="auditor", stdout=out)
    password = out.getvalue().split("one-time password for auditor: ")[1].split()[0]
    assert not TOTPDevice.objects.filter(user=cast.users["auditor"]).exists()
    assert redirects_to(post_login(Client(), "auditor", password), "accounts:login_enrol")
    assert AuditEvent.objects.filter(action=Action.PASSWORD_RESET, actor=None).count() == 1


@pytest.mark.req("B-3")
def test_the_sysadmin_cannot_disable_themselves(cast: Cast) -> None:
    sysadmin = cast.users["sysadmin"]
    client = cast.client("sysadmin")
    response = act(client, sysadmin, "disable")
    assert response.status_code == 302
    assert refreshed(sysadmin).is_active
    assert not AuditEvent.objects.filter(action=Action.ACCOUNT_DISABLED).exists()
    assert client.get(reverse("accounts:user_list")).status_code == 200


def test_an_unknown_action_is_a_404_and_get_is_refused(cast: Cast) -> None:
    admin, member = cast.client("sysadmin"), cast.users["member"]
    assert act(admin, member, "promote").status_code == 404
    url = reverse("accounts:user_action", args=[member.code, "disable"])
    assert admin.get(url).status_code == 405
    assert refreshed(member).is_active


def test_the_account_list_finds_users_by_name(cast: Cast) -> None:
    response = cast.client("sysadmin").get(reverse("accounts:user_list"), {"q": "secad"})
    assert [u.username for u in response.context["page"]] == ["secadmin"]
    assert response.context["page"][0].has_otp
