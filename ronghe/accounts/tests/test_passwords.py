"""A-2 password policy and expiry, A-8 password storage."""

from __future__ import annotations

import importlib
import json
import logging
from datetime import timedelta
from itertools import pairwise

import pytest
from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from ronghe.accounts import services
from ronghe.accounts.models import User
from ronghe.accounts.passwords import MAX_LENGTH
from ronghe.accounts.tests.flows import (
    frozen,
    is_login_redirect,
    post_login,
    redirects_to,
    refreshed,
    signed_in_user_id,
)
from ronghe.core.models import AuditEvent
from ronghe.testing import TEST_PASSWORD, Cast, make_user

USERNAME = "wangwei"


def rejection_codes(password: str, user: User) -> set[str]:
    try:
        password_validation.validate_password(password, user)
    except ValidationError as exc:
        return {error.code for error in exc.error_list}
    return set()


def change_page(client: Client, old: str, new: str) -> object:
    return client.post(
        reverse("accounts:password_change"),
        {
            "old_password": old,
            "new_password": new,
            "new_password_again": new,
        },
    )


@pytest.fixture
def user(db: None) -> User:
    return make_user(USERNAME)


# --- the rules --------------------------------------------------------------------------------


@pytest.mark.req("A-2")
@pytest.mark.parametrize("password", ["Rhq12345", "xyz!2345", "Ronghe-2026", "长城-Wall-2026"])
def test_a_password_meeting_every_rule_is_accepted(user: User, password: str) -> None:
    assert rejection_codes(password, user) == set()


@pytest.mark.req("A-2")
@pytest.mark.parametrize(
    ("password", "code"),
    [
        ("abcdefgh", "password_too_simple"),
        ("12345678", "password_too_simple"),
        ("password1", "password_too_common"),
        ("Abc1234", "password_too_short"),
        (f"{USERNAME}123!", "password_contains_username"),
        (f"{USERNAME.upper()}-2026", "password_contains_username"),
        ("Ab1!" * 32 + "x", "password_too_long"),
    ],
)
def test_a_weak_password_is_rejected_by_the_right_rule(
    user: User, password: str, code: str
) -> None:
    assert code in rejection_codes(password, user)


@pytest.mark.req("A-2")
def test_abc12345_meets_every_composition_rule_but_is_on_the_common_password_list(
    user: User,
) -> None:
    # SECURITY.md A-2 names `Abc12345` as an accepted example, yet "abc12345" is in the
    # 20 000-word common list the same goal requires; the list wins. Reported to the owner.
    assert rejection_codes("Abc12345", user) == {"password_too_common"}


@pytest.mark.req("A-2")
def test_the_change_page_shows_the_rule_that_refused_the_password(cast: Cast) -> None:
    client = cast.client("member")
    response = change_page(client, TEST_PASSWORD, "password1")
    assert response.status_code == 200
    errors = response.context["form"].errors.as_data()
    assert "password_too_common" in {e.code for e in errors["new_password"]}
    assert refreshed(cast.users["member"]).check_password(TEST_PASSWORD)


@pytest.mark.req("A-2")
def test_a_wrong_current_password_changes_nothing(cast: Cast) -> None:
    response = change_page(cast.client("member"), "not-my-password", "Rhq12345-new")
    assert "old_password" in response.context["form"].errors
    assert refreshed(cast.users["member"]).check_password(TEST_PASSWORD)


@pytest.mark.req("A-2")
@pytest.mark.parametrize("length", [64, MAX_LENGTH])
def test_a_long_password_round_trips_without_truncation(cast: Cast, length: int) -> None:
    long_password = ("Rh7-" * 40)[:length]
    assert len(long_password) == length
    response = change_page(cast.client("member"), TEST_PASSWORD, long_password)
    assert redirects_to(response, "insights:today")

    truncated = Client()
    assert post_login(truncated, "member", long_password[:-1]).status_code == 200
    assert signed_in_user_id(truncated) is None
    fresh = Client()
    assert redirects_to(post_login(fresh, "member", long_password), "insights:today")
    assert signed_in_user_id(fresh) is not None


# --- history ----------------------------------------------------------------------------------


def _change(user: User, old: str, new: str) -> None:
    services.password_change(user=user, old_password=old, new_password=new)


@pytest.mark.req("A-2")
def test_none_of_the_last_five_passwords_may_be_used_again(user: User) -> None:
    passwords = [TEST_PASSWORD] + [f"Rhq-{n}-2026" for n in range(1, 6)]
    for old, new in pairwise(passwords):
        _change(user, old, new)
    current = passwords[-1]
    for earlier in passwords:
        with pytest.raises(ValidationError) as refused:
            _change(user, current, earlier)
        assert "password_reused" in {e.code for e in refused.value.error_list}, earlier
    assert refreshed(user).check_password(current)


@pytest.mark.req("A-2")
def test_the_history_is_bounded_so_an_old_enough_password_is_allowed_again(user: User) -> None:
    passwords = [TEST_PASSWORD] + [f"Rhq-{n}-2026" for n in range(1, 7)]
    for old, new in pairwise(passwords):
        _change(user, old, new)
    assert user.password_history.count() == 5
    _change(user, passwords[-1], TEST_PASSWORD)
    assert refreshed(user).check_password(TEST_PASSWORD)


@pytest.mark.req("A-2")
def test_reusing_a_recent_password_through_the_page_is_refused(cast: Cast) -> None:
    client = cast.client("member")
    assert redirects_to(change_page(client, TEST_PASSWORD, "Rhq-1-2026"), "insights:today")
    response = change_page(client, "Rhq-1-2026", TEST_PASSWORD)
    codes = {e.code for e in response.context["form"].errors.as_data()["new_password"]}
    assert codes == {"password_reused"}


# --- expiry and forced change -----------------------------------------------------------------

FORCED_URLS = [
    "/",
    "/people/",
    "/people/me/",
    "/accounts/security/",
    "/manage/roles/",
    "/audit/",
    "/no-such-page/",
]


@pytest.mark.req("A-2")
def test_a_91_day_old_password_sends_every_page_to_the_change_page(cast: Cast) -> None:
    with frozen(timezone.now() + timedelta(days=91)):
        client = Client()
        assert redirects_to(post_login(client, "member"), "insights:today")
        for url in FORCED_URLS:
            assert redirects_to(client.get(url), "accounts:password_change"), url
        assert redirects_to(client.post("/people/new/", {}), "accounts:password_change")
        assert client.get(reverse("accounts:password_change")).status_code == 200

        assert redirects_to(change_page(client, TEST_PASSWORD, "Rhq-new-2026"), "insights:today")
        assert client.get("/").status_code == 200


@pytest.mark.req("A-2")
def test_an_89_day_old_password_is_still_fine(cast: Cast) -> None:
    with frozen(timezone.now() + timedelta(days=89)):
        client = Client()
        post_login(client, "member")
        assert client.get("/").status_code == 200


@pytest.mark.req("A-2")
def test_a_new_account_must_change_its_password_before_anything_else(cast: Cast) -> None:
    account, initial = services.account_create(
        username="newcomer", display_name="新同志", by=cast.users["sysadmin"]
    )
    assert account.must_change_password
    client = Client()
    assert redirects_to(post_login(client, "newcomer", initial), "insights:today")
    for url in FORCED_URLS:
        assert redirects_to(client.get(url), "accounts:password_change"), url
    # Signing out stays possible while the change is pending.
    assert is_login_redirect(client.post(reverse("accounts:logout")))

    client = Client()
    post_login(client, "newcomer", initial)
    assert redirects_to(change_page(client, initial, "Rhq-mine-2026"), "insights:today")
    assert not refreshed(account).must_change_password
    assert client.get("/").status_code == 200


@pytest.mark.req("A-2")
def test_the_one_time_password_itself_cannot_be_kept(cast: Cast) -> None:
    _, initial = services.account_create(username="newcomer", display_name="x", by=None)
    client = Client()
    post_login(client, "newcomer", initial)
    response = change_page(client, initial, initial)
    assert "password_reused" in {
        e.code for e in response.context["form"].errors.as_data()["new_password"]
    }


# --- A-8 storage ------------------------------------------------------------------------------


@pytest.mark.req("A-8")
def test_the_stored_hash_is_argon2id(user: User) -> None:
    assert user.password.startswith("argon2$argon2id$")
    assert TEST_PASSWORD not in user.password


@pytest.mark.req("A-8")
def test_the_project_configures_argon2_as_the_only_hasher() -> None:
    project = importlib.import_module("ronghe.settings")
    assert project.PASSWORD_HASHERS == ["django.contrib.auth.hashers.Argon2PasswordHasher"]


@pytest.mark.req("A-8")
def test_passwords_appear_in_neither_the_logs_nor_the_audit_trail(
    cast: Cast, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    new_password = "Rhq-secret-2026"
    post_login(Client(), "member", TEST_PASSWORD + "x")
    post_login(Client(), "nobody", TEST_PASSWORD)
    client = Client()
    post_login(client, "member")
    change_page(client, TEST_PASSWORD, new_password)
    client.post(reverse("accounts:logout"))

    admin = cast.client("sysadmin")
    created = admin.post(
        reverse("accounts:user_create"), {"username": "newbie", "display_name": "x"}
    )
    reset = admin.post(
        reverse("accounts:user_action", args=[cast.users["secretary"].code, "reset-password"])
    )
    secrets = [TEST_PASSWORD, new_password, created.context["password"], reset.context["password"]]

    trail = json.dumps(list(AuditEvent.objects.values()), default=str, ensure_ascii=False)
    assert AuditEvent.objects.count() >= 6
    for secret in secrets:
        assert secret not in caplog.text
        assert secret not in trail
