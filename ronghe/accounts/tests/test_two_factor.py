"""A-6: two-factor sign-in with TOTP; mandatory for the three administrators."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from ronghe.accounts import services
from ronghe.accounts.models import User
from ronghe.accounts.tests.flows import (
    frozen,
    is_login_redirect,
    post_code,
    post_login,
    redirects_to,
    signed_in_user_id,
    token_for,
    wrong_code,
)
from ronghe.core.models import AuditEvent
from ronghe.testing import TEST_PASSWORD, Cast, sign_in

ADMINS = ["sysadmin", "secadmin", "auditor"]


def device_of(user: User) -> TOTPDevice:
    return TOTPDevice.objects.get(user=user, confirmed=True)


@pytest.mark.req("A-6")
@pytest.mark.parametrize("persona", ADMINS)
def test_an_administrators_right_password_alone_starts_no_session(cast: Cast, persona: str) -> None:
    client = Client()
    assert redirects_to(post_login(client, persona), "accounts:login_otp")
    assert signed_in_user_id(client) is None
    assert is_login_redirect(client.get("/"))
    assert is_login_redirect(client.get(reverse("accounts:user_list")))


@pytest.mark.req("A-6")
def test_a_valid_code_signs_in_once_and_its_replay_fails(cast: Cast) -> None:
    sysadmin = cast.users["sysadmin"]
    with frozen():
        client = Client()
        post_login(client, "sysadmin")
        code = token_for(device_of(sysadmin))
        assert redirects_to(post_code(client, code), "insights:today")
        assert signed_in_user_id(client) == str(sysadmin.pk)
        assert client.session[services.SESSION_OTP_VERIFIED] is True
        assert client.get(reverse("accounts:user_list")).status_code == 200
        client.post(reverse("accounts:logout"))

        # The same code, within its 30-second window, a second time.
        again = Client()
        assert redirects_to(post_login(again, "sysadmin"), "accounts:login_otp")
        response = post_code(again, code)
        assert response.status_code == 200
        assert "code" in response.context["form"].errors
        assert signed_in_user_id(again) is None


@pytest.mark.req("A-6")
def test_a_code_two_steps_old_is_refused(cast: Cast) -> None:
    with frozen():
        client = Client()
        post_login(client, "secadmin")
        stale = token_for(device_of(cast.users["secadmin"]), steps_ago=2)
        if stale == token_for(device_of(cast.users["secadmin"])):
            pytest.skip("the two codes collide by chance")
        post_code(client, stale)
        assert signed_in_user_id(client) is None


@pytest.mark.req("A-6")
@pytest.mark.parametrize("code", ["", "12345", "1234567", "abcdef"])
def test_a_malformed_code_is_a_form_error(cast: Cast, code: str) -> None:
    client = Client()
    post_login(client, "auditor")
    response = post_code(client, code)
    assert "code" in response.context["form"].errors
    assert signed_in_user_id(client) is None


@pytest.mark.req("A-6")
def test_the_code_step_cannot_be_reached_without_the_password_step(cast: Cast) -> None:
    with frozen():
        client = Client()
        response = post_code(client, token_for(device_of(cast.users["auditor"])))
        assert is_login_redirect(response)
        assert signed_in_user_id(client) is None


@pytest.mark.req("A-6")
def test_a_pending_sign_in_expires_after_five_minutes(cast: Cast) -> None:
    with frozen() as clock:
        client = Client()
        post_login(client, "auditor")
        clock.shift(timedelta(minutes=6))
        response = post_code(client, token_for(device_of(cast.users["auditor"])))
        assert is_login_redirect(response)
        assert signed_in_user_id(client) is None


@pytest.mark.req("A-6")
def test_an_administrator_without_a_device_must_enrol_before_any_session(cast: Cast) -> None:
    auditor = cast.users["auditor"]
    TOTPDevice.objects.filter(user=auditor).delete()
    with frozen():
        client = Client()
        assert redirects_to(post_login(client, "auditor"), "accounts:login_enrol")
        assert signed_in_user_id(client) is None
        assert is_login_redirect(client.get("/"))

        assert client.get(reverse("accounts:login_enrol")).status_code == 200
        assert client.get(reverse("accounts:otp_qr"))["Content-Type"] == "image/svg+xml"
        pending = TOTPDevice.objects.get(user=auditor, confirmed=False)
        response = post_code(client, wrong_code(pending), page="accounts:login_enrol")
        assert "code" in response.context["form"].errors
        assert signed_in_user_id(client) is None

        response = post_code(client, token_for(pending), page="accounts:login_enrol")
        assert redirects_to(response, "insights:today")
        assert signed_in_user_id(client) == str(auditor.pk)
        assert TOTPDevice.objects.get(user=auditor).confirmed
        assert client.get(reverse("core:audit_list")).status_code == 200
    assert AuditEvent.objects.filter(action=AuditEvent.Action.OTP_ENROLLED).count() == 1


@pytest.mark.req("A-6")
def test_the_enrolment_page_is_closed_to_someone_who_has_not_passed_the_password(
    cast: Cast,
) -> None:
    client = Client()
    assert is_login_redirect(client.get(reverse("accounts:login_enrol")))
    assert client.get(reverse("accounts:otp_qr")).status_code == 404


@pytest.mark.req("A-6")
def test_a_non_administrator_with_a_device_must_give_a_code(cast: Cast) -> None:
    member = cast.users["member"]
    device = TOTPDevice.objects.create(user=member, name="phone", confirmed=True)
    with frozen():
        client = Client()
        assert redirects_to(post_login(client, "member"), "accounts:login_otp")
        assert signed_in_user_id(client) is None
        assert redirects_to(post_code(client, token_for(device)), "insights:today")
        assert signed_in_user_id(client) == str(member.pk)


@pytest.mark.req("A-6")
def test_a_non_administrator_without_a_device_signs_in_with_the_password(cast: Cast) -> None:
    client = Client()
    assert redirects_to(post_login(client, "member"), "insights:today")
    assert signed_in_user_id(client) == str(cast.users["member"].pk)
    assert client.session[services.SESSION_OTP_VERIFIED] is False


@pytest.mark.req("A-6")
@pytest.mark.parametrize("persona", ADMINS)
def test_an_administrator_session_without_the_second_factor_is_ended(
    cast: Cast, persona: str
) -> None:
    client = sign_in(Client(), cast.users[persona], otp_verified=False)
    response = client.get("/")
    assert response["Location"] == f"{reverse('accounts:login')}?expired=1"
    assert signed_in_user_id(client) is None


@pytest.mark.req("A-6")
def test_a_password_reset_does_not_skip_the_second_factor(cast: Cast) -> None:
    temporary = services.password_reset(user=cast.users["auditor"], by=None)  # at the console
    client = Client()
    assert redirects_to(post_login(client, "auditor", temporary), "accounts:login_otp")
    assert signed_in_user_id(client) is None


@pytest.mark.req("A-6")
def test_someone_who_may_see_full_numbers_must_enrol_an_authenticator(cast: Cast) -> None:
    client = Client()
    assert redirects_to(post_login(client, "party_admin", TEST_PASSWORD), "accounts:login_enrol")
    assert signed_in_user_id(client) is None


@pytest.mark.req("A-6")
def test_an_administrator_cannot_switch_their_own_second_factor_off(cast: Cast) -> None:
    client = cast.client("secadmin")
    response = client.post(reverse("accounts:security"), {"action": "remove"})
    assert response.status_code == 403
    assert TOTPDevice.objects.filter(user=cast.users["secadmin"], confirmed=True).exists()


@pytest.mark.req("A-6")
def test_a_member_may_enrol_and_then_needs_the_code(cast: Cast) -> None:
    member = cast.users["member"]
    with frozen():
        client = cast.client("member")
        assert client.get(reverse("accounts:security_enrol")).status_code == 200
        pending = TOTPDevice.objects.get(user=member, confirmed=False)
        response = post_code(client, token_for(pending), page="accounts:security_enrol")
        assert redirects_to(response, "accounts:security")
    again = Client()
    assert redirects_to(post_login(again, "member", TEST_PASSWORD), "accounts:login_otp")


@pytest.mark.req("A-6")
def test_the_enrolment_page_cannot_replace_an_authenticator_to_skip_the_code(cast: Cast) -> None:
    # Someone who knows only the password must not detour from the code step to the
    # enrolment step, enrol their own authenticator and sign in with it.
    sysadmin = cast.users["sysadmin"]
    original = device_of(sysadmin)
    with frozen():
        client = Client()
        assert redirects_to(post_login(client, "sysadmin"), "accounts:login_otp")
        assert client.get(reverse("accounts:otp_qr")).status_code == 404
        response = client.get(reverse("accounts:login_enrol"))
        assert is_login_redirect(response)
        planted = TOTPDevice.objects.create(user=sysadmin, name="attacker", confirmed=False)
        post_code(client, token_for(planted), page="accounts:login_enrol")
        assert signed_in_user_id(client) is None
    assert list(TOTPDevice.objects.filter(user=sysadmin, confirmed=True)) == [original]
