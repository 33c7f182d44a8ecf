"""B-1: no default account; the first administrator gets a one-time password."""

from __future__ import annotations

import io
import re

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from ronghe.accounts.models import RoleAssignment, User
from ronghe.accounts.tests.flows import frozen, post_code, post_login, redirects_to, token_for
from ronghe.core.access import Role


def bootstrap(username: str, role: str | None = None) -> str:
    """Run the command and return the one-time password it printed."""
    out = io.StringIO()
    options = {"role": role} if role else {}
    call_command("bootstrap_admin", username=username, stdout=out, **options)
    found = re.search(r"one-time password: (\S+)", out.getvalue())
    assert found, out.getvalue()
    return found.group(1)


@pytest.mark.req("B-1")
def test_a_migrated_database_holds_no_account(db: None) -> None:
    assert not User.objects.exists()
    assert not RoleAssignment.objects.exists()


@pytest.mark.req("B-1")
def test_bootstrap_prints_a_one_time_password_that_must_be_changed_first(db: None) -> None:
    password = bootstrap("Chief.Admin")
    root = User.objects.get()
    assert root.username == "chief.admin"
    assert root.must_change_password
    assert root.check_password(password)
    assert root.role_names() == {Role.SYSADMIN}
    assert root.password.startswith("argon2$")

    with frozen():
        client = Client()
        # An administrator without an authenticator enrols one before the session starts…
        assert redirects_to(post_login(client, "chief.admin", password), "accounts:login_enrol")
        client.get(reverse("accounts:login_enrol"))
        device = TOTPDevice.objects.get(user=root, confirmed=False)
        assert redirects_to(
            post_code(client, token_for(device), page="accounts:login_enrol"), "insights:today"
        )
        # …and then every page sends them to choose their own password.
        assert redirects_to(client.get("/"), "accounts:password_change")
        assert redirects_to(client.get(reverse("accounts:user_list")), "accounts:password_change")


@pytest.mark.req("B-1")
def test_a_second_bootstrap_for_the_same_role_is_refused(db: None) -> None:
    bootstrap("first")
    with pytest.raises(CommandError):
        bootstrap("second")
    assert list(User.objects.values_list("username", flat=True)) == ["first"]


@pytest.mark.req("B-1")
def test_each_of_the_three_roles_can_be_bootstrapped_once(db: None) -> None:
    bootstrap("sys", Role.SYSADMIN)
    bootstrap("sec", Role.SECADMIN)
    bootstrap("aud", Role.AUDITOR)
    with pytest.raises(CommandError):
        bootstrap("sec2", Role.SECADMIN)
    assert User.objects.count() == 3
    default_names = {"admin", "root", "test", "superuser", "administrator"}
    assert not User.objects.filter(username__in=default_names).exists()
    assert all(u.must_change_password for u in User.objects.all())


@pytest.mark.req("B-1")
def test_bootstrap_refuses_a_taken_name_in_any_case_or_width(db: None) -> None:
    bootstrap("chief", Role.SYSADMIN)
    with pytest.raises(CommandError):
        bootstrap("ＣＨＩＥＦ", Role.SECADMIN)
    assert User.objects.count() == 1
    assert not RoleAssignment.objects.filter(role=Role.SECADMIN).exists()


@pytest.mark.req("B-1")
def test_bootstrap_cannot_hand_out_a_party_role(db: None) -> None:
    with pytest.raises(CommandError):
        # As typed on the command line, where argparse checks the choices.
        call_command(
            "bootstrap_admin", "--username=partyboss", "--role=party_admin", stdout=io.StringIO()
        )
    assert not User.objects.exists()
