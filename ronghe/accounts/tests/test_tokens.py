"""Personal API tokens: issuing, hashing, expiry, revoking — in the service, the page and the
console command."""

from __future__ import annotations

import hashlib
import io
from datetime import timedelta
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from ronghe.accounts import tokens
from ronghe.accounts.models import ApiToken, User
from ronghe.accounts.services import AccountError
from ronghe.accounts.tests.flows import frozen
from ronghe.core.models import AuditEvent
from ronghe.testing import Cast

Action = AuditEvent.Action
PAGE = reverse("accounts:token_list")


def issue(user: User, **kwargs: Any) -> tuple[ApiToken, str]:
    fields = {"name": "sync", "scope": "read", "expires_days": 30, "by": user, **kwargs}
    return tokens.token_create(user=user, **fields)


def table_text(table: str) -> str:
    """Every stored value of a table, as one string (what a database dump would show)."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {table}")  # noqa: S608 - fixed table names from tests
        return " ".join(str(value) for row in cursor.fetchall() for value in row)


# --- the service ------------------------------------------------------------------------------


def test_a_token_is_stored_only_as_the_hash_of_its_secret(cast: Cast) -> None:
    token, secret = issue(cast.users["member"])
    assert secret.startswith("rh_") and len(secret) >= 40
    assert token.prefix == secret[:8]
    assert token.key_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert secret not in table_text("accounts_apitoken")
    assert secret not in table_text("core_auditevent")
    assert secret[8:] not in table_text("accounts_apitoken")


def test_creating_is_audited_without_the_secret(cast: Cast) -> None:
    member = cast.users["member"]
    token, secret = issue(member, scope="write", expires_days=90)
    row = AuditEvent.objects.get(action=Action.TOKEN_CREATED)
    assert (row.actor, row.object_id) == (member, str(token.code))
    assert row.after is not None
    assert row.after["scope"] == "write" and row.after["prefix"] == token.prefix
    assert secret not in str(row.after)


def test_the_secret_stands_for_its_user_until_it_expires(cast: Cast) -> None:
    member = cast.users["member"]
    token, secret = issue(member, expires_days=30)
    assert tokens.token_authenticate(secret) == member
    with frozen(timezone.now() + timedelta(days=29)):
        assert tokens.token_authenticate(secret) == member
    with frozen(timezone.now() + timedelta(days=30, minutes=1)):
        assert tokens.token_authenticate(secret) is None
        assert token.status() == ApiToken.Status.EXPIRED


def test_a_token_without_expiry_lasts(cast: Cast) -> None:
    token, secret = issue(cast.users["member"], expires_days=None)
    assert token.expires_at is None
    with frozen(timezone.now() + timedelta(days=3000)):
        assert tokens.token_authenticate(secret) == cast.users["member"]


def test_a_revoked_token_opens_nothing_and_the_revocation_is_audited(cast: Cast) -> None:
    member = cast.users["member"]
    token, secret = issue(member)
    tokens.token_revoke(token=token, by=member)
    assert tokens.token_authenticate(secret) is None
    row = AuditEvent.objects.get(action=Action.TOKEN_REVOKED)
    assert (row.actor, row.object_id) == (member, str(token.code))
    with pytest.raises(AccountError):
        tokens.token_revoke(token=token, by=member)
    assert AuditEvent.objects.filter(action=Action.TOKEN_REVOKED).count() == 1


def test_a_disabled_account_s_tokens_open_nothing(cast: Cast) -> None:
    member = cast.users["member"]
    _token, secret = issue(member)
    User.objects.filter(pk=member.pk).update(is_active=False)
    assert tokens.token_authenticate(secret) is None


@pytest.mark.parametrize("secret", ["", "rh_", "rh_unknown", "not-even-ours", "rh_" + "x" * 500])
def test_an_unknown_secret_opens_nothing(cast: Cast, secret: str) -> None:
    assert tokens.token_authenticate(secret) is None


@pytest.mark.parametrize("method", ["GET", "HEAD", "get", "POST", "PUT", "PATCH", "DELETE"])
def test_a_read_token_covers_only_reading_methods(method: str) -> None:
    assert ApiToken(scope="read").allows(method) == (method.upper() in {"GET", "HEAD"})
    assert ApiToken(scope="write").allows(method)


@pytest.mark.req("B-3")
@pytest.mark.parametrize("persona", ["sysadmin", "secadmin", "auditor"])
def test_administrators_get_no_tokens(cast: Cast, persona: str) -> None:
    with pytest.raises(AccountError):
        issue(cast.users[persona])
    assert not ApiToken.objects.exists()


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"name": "   "}, "name"),
        ({"name": "x" * 101}, "name"),
        ({"scope": "admin"}, "scope"),
        ({"expires_days": -5}, "expires_days"),
        ({"expires_days": 0}, "expires_days"),
    ],
)
def test_bad_input_is_refused_by_field(cast: Cast, changes: dict[str, Any], field: str) -> None:
    with pytest.raises(AccountError) as refused:
        issue(cast.users["member"], **changes)
    assert refused.value.field == field
    assert not ApiToken.objects.exists()
    assert not AuditEvent.objects.filter(action=Action.TOKEN_CREATED).exists()


# --- the page ---------------------------------------------------------------------------------


def test_a_new_token_s_secret_is_shown_once(cast: Cast) -> None:
    client = cast.client("member")
    response = client.post(PAGE, {"name": "报表同步", "scope": "read", "expires_days": "90"})
    assert response.status_code == 200
    assert "accounts/token_created.html" in [t.name for t in response.templates]
    secret = response.context["secret"]
    assert escape(secret).encode() in response.content
    assert tokens.token_authenticate(secret) == cast.users["member"]
    token = ApiToken.objects.get()
    assert (token.name, token.scope) == ("报表同步", "read")
    assert token.expires_at is not None
    assert timedelta(days=89) < token.expires_at - timezone.now() <= timedelta(days=90)
    assert "no-cache" in response["Cache-Control"] or "no-store" in response["Cache-Control"]

    listed = client.get(PAGE)
    assert token.prefix.encode() in listed.content
    assert secret.encode() not in listed.content


def test_never_means_no_expiry(cast: Cast) -> None:
    cast.client("member").post(PAGE, {"name": "n", "scope": "write", "expires_days": "never"})
    assert ApiToken.objects.get().expires_at is None


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"name": "", "scope": "read", "expires_days": "30"}, "name"),
        ({"name": "   ", "scope": "read", "expires_days": "30"}, "name"),
        ({"name": "n", "scope": "admin", "expires_days": "30"}, "scope"),
        ({"name": "n", "scope": "read", "expires_days": "-5"}, "expires_days"),
        ({"name": "n", "scope": "read"}, "expires_days"),
    ],
)
def test_bad_input_on_the_form_is_shown_next_to_the_field(
    cast: Cast, data: dict[str, str], field: str
) -> None:
    response = cast.client("member").post(PAGE, data)
    assert response.status_code == 200
    assert set(response.context["form"].errors) == {field}
    assert f'id="id_{field}_error"'.encode() in response.content
    assert not ApiToken.objects.exists()


def test_the_list_shows_only_the_user_s_own_tokens(cast: Cast) -> None:
    mine, _ = issue(cast.users["member"], name="mine")
    theirs, _ = issue(cast.users["secretary"], name="theirs")
    content = cast.client("member").get(PAGE).content.decode()
    assert mine.prefix in content and theirs.prefix not in content


def test_revoking_is_a_post_on_the_token_s_code(cast: Cast) -> None:
    member = cast.users["member"]
    token, _ = issue(member)
    url = reverse("accounts:token_revoke", args=[token.code])
    client = cast.client("member")
    assert client.get(url).status_code == 405
    response = client.post(url)
    assert response.status_code == 302 and response["Location"] == PAGE
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert AuditEvent.objects.filter(action=Action.TOKEN_REVOKED, actor=member).count() == 1


@pytest.mark.req("B-1")
def test_someone_else_s_token_is_not_found(cast: Cast) -> None:
    token, _ = issue(cast.users["secretary"])
    url = reverse("accounts:token_revoke", args=[token.code])
    for persona in ("member", "outsider", "sysadmin"):
        assert cast.client(persona).post(url).status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None


@pytest.mark.req("B-3")
def test_administrators_have_no_token_page(cast: Cast) -> None:
    client = cast.client("sysadmin")
    assert client.get(PAGE).status_code == 403
    assert (
        client.post(PAGE, {"name": "n", "scope": "read", "expires_days": "30"}).status_code == 403
    )
    assert PAGE.encode() not in client.get(reverse("accounts:security")).content
    assert PAGE.encode() in cast.client("member").get(reverse("accounts:security")).content


def test_the_page_s_query_count_does_not_grow_with_tokens(cast: Cast) -> None:
    member = cast.users["member"]
    client = cast.client("member")
    issue(member)
    client.get(PAGE)
    with CaptureQueriesContext(connection) as few:
        client.get(PAGE)
    for index in range(10):
        issue(member, name=f"t{index}")
    with CaptureQueriesContext(connection) as many:
        client.get(PAGE)
    assert len(many) == len(few) <= 20


# --- the console ------------------------------------------------------------------------------


def run(*args: str) -> str:
    out = io.StringIO()
    call_command("token", *args, stdout=out)
    return out.getvalue()


def test_the_console_prints_the_secret_once_and_audits(cast: Cast) -> None:
    out = run("create", "--user", "Member", "--scope", "write", "--expires", "7", "--name", "etl")
    secret = out.strip().splitlines()[-1]
    assert tokens.token_authenticate(secret) == cast.users["member"]
    token = ApiToken.objects.get()
    assert (token.name, token.scope) == ("etl", "write")
    assert token.expires_at is not None
    row = AuditEvent.objects.get(action=Action.TOKEN_CREATED)
    assert (row.actor, row.message) == (None, "console")


def test_the_console_revokes_by_prefix(cast: Cast) -> None:
    token, secret = issue(cast.users["member"])
    out = run("revoke", "--prefix", token.prefix)
    assert token.prefix in out
    assert tokens.token_authenticate(secret) is None
    row = AuditEvent.objects.get(action=Action.TOKEN_REVOKED)
    assert (row.actor, row.object_id) == (None, str(token.code))
    with pytest.raises(CommandError, match="--prefix"):
        run("revoke", "--prefix", token.prefix)  # no longer active


@pytest.mark.parametrize(
    ("args", "option"),
    [
        (["--user", "member", "--scope", "read", "--name", ""], "--name"),
        (["--user", "member", "--scope", "admin"], "--scope"),
        (["--user", "member", "--scope", "read", "--expires", "-5"], "--expires"),
        (["--user", "member", "--scope", "read", "--expires", "soon"], "--expires"),
        (["--user", "nobody", "--scope", "read"], "--user"),
    ],
)
def test_bad_console_input_names_its_option_and_creates_nothing(
    cast: Cast, args: list[str], option: str
) -> None:
    with pytest.raises(CommandError, match=option):
        run("create", *args)
    assert not ApiToken.objects.exists()
    assert not AuditEvent.objects.filter(action=Action.TOKEN_CREATED).exists()


def test_the_console_refuses_administrators(cast: Cast) -> None:
    with pytest.raises(CommandError):
        run("create", "--user", "auditor", "--scope", "read")
    assert not ApiToken.objects.exists()
