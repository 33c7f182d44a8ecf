"""Calling the API with a personal access token: the user's reach, the scope, every use audited."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from ronghe.accounts import tokens
from ronghe.accounts.models import ApiToken, User
from ronghe.accounts.tests.flows import frozen
from ronghe.api.tests.urls import NOTE
from ronghe.core.models import AuditEvent
from ronghe.testing import Cast, sign_in

Action = AuditEvent.Action


def issue(user: User, scope: str = "read", days: int | None = 30) -> tuple[ApiToken, str]:
    return tokens.token_create(user=user, name="sync", scope=scope, expires_days=days, by=user)


def bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


def uses(token: ApiToken) -> Any:
    return AuditEvent.objects.filter(action=Action.TOKEN_USED, object_id=str(token.code))


@pytest.mark.req("A-1")
def test_a_token_reads_what_its_user_may_see(cast: Cast) -> None:
    _token, secret = issue(cast.users["secretary"])
    client = Client()
    assert client.get("/api/v1/people", headers=bearer(secret)).status_code == 200
    for name, status in (("王磊", 200), ("黄涛", 404)):  # A1 yes, B1 no: the secretary's reach
        url = f"/api/v1/people/{cast.people[name].code}"
        assert client.get(url, headers=bearer(secret)).status_code == status, name


@pytest.mark.req("B-1")
def test_the_outsiders_token_gets_404_for_our_people(cast: Cast) -> None:
    _token, secret = issue(cast.users["outsider"])
    client = Client()
    response = client.get(f"/api/v1/people/{cast.people['王磊'].code}", headers=bearer(secret))
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    own = client.get(f"/api/v1/people/{cast.people['吴刚'].code}", headers=bearer(secret))
    assert own.status_code == 200


@pytest.mark.req("C-1")
def test_every_request_with_a_token_leaves_one_audit_row(cast: Cast) -> None:
    token, secret = issue(cast.users["secretary"])
    client = Client()
    client.get("/api/v1/people", headers=bearer(secret))
    client.get(f"/api/v1/orgs/{cast.orgs['A1'].code}", headers=bearer(secret))
    rows = list(uses(token).order_by("id"))
    assert [row.message for row in rows] == [
        "GET /api/v1/people",
        f"GET /api/v1/orgs/{cast.orgs['A1'].code}",
    ]
    assert {(row.actor, row.outcome) for row in rows} == {
        (cast.users["secretary"], AuditEvent.Outcome.SUCCESS)
    }
    token.refresh_from_db()
    assert token.last_used_at is not None


def post_note(client: Client, **headers: str) -> Any:
    return client.post(
        "/api/test/notes", {"text": "hello"}, content_type="application/json", headers=headers
    )


@pytest.mark.urls("ronghe.api.tests.urls")
def test_a_read_token_may_not_write(cast: Cast) -> None:
    token, secret = issue(cast.users["secretary"], scope="read")
    response = post_note(Client(), **bearer(secret))
    assert response.status_code == 403
    assert response.json()["code"] == "forbidden"
    assert not AuditEvent.objects.filter(object_type=NOTE).exists()
    (row,) = uses(token)
    assert row.outcome == AuditEvent.Outcome.FAILURE and "read-only" in row.message


@pytest.mark.urls("ronghe.api.tests.urls")
def test_a_write_token_writes_without_a_csrf_token(cast: Cast) -> None:
    _token, secret = issue(cast.users["secretary"], scope="write")
    response = post_note(Client(enforce_csrf_checks=True), **bearer(secret))
    assert response.status_code == 201
    assert AuditEvent.objects.filter(object_type=NOTE).count() == 1


@pytest.mark.urls("ronghe.api.tests.urls")
def test_a_session_write_still_needs_its_csrf_token(cast: Cast) -> None:
    client = sign_in(Client(enforce_csrf_checks=True), cast.users["secretary"])
    refused = post_note(client)
    assert refused.status_code == 403
    assert refused.json()["code"] == "csrf_failed"
    client.get("/accounts/tokens/")  # any page with a form sets the CSRF cookie
    accepted = post_note(client, **{"X-CSRFToken": client.cookies["csrftoken"].value})
    assert accepted.status_code == 201


@pytest.mark.urls("ronghe.api.tests.urls")
def test_an_anonymous_write_is_told_to_sign_in(db: None) -> None:
    response = post_note(Client(enforce_csrf_checks=True))
    assert response.status_code == 401
    assert response.json()["code"] == "unauthorized"


@pytest.mark.parametrize("state", ["revoked", "expired", "disabled", "unknown"])
def test_a_token_that_no_longer_opens_the_api_gets_401(cast: Cast, state: str) -> None:
    user = cast.users["secretary"]
    token, secret = issue(user, days=30)
    later = timezone.now()
    if state == "revoked":
        tokens.token_revoke(token=token, by=user)
    elif state == "expired":
        later += timedelta(days=31)
    elif state == "disabled":
        User.objects.filter(pk=user.pk).update(is_active=False)
    else:
        secret = secret[:-4] + "AAAA"
    with frozen(later):
        response = Client().get("/api/v1/people", headers=bearer(secret))
    assert response.status_code == 401
    assert response.json()["code"] == "unauthorized"
    (row,) = AuditEvent.objects.filter(action=Action.TOKEN_USED)
    assert row.outcome == AuditEvent.Outcome.FAILURE


def test_a_bad_token_is_401_even_beside_a_valid_session(cast: Cast) -> None:
    client = cast.client("secretary")
    assert client.get("/api/v1/people").status_code == 200
    response = client.get("/api/v1/people", headers=bearer("rh_not-a-token"))
    assert response.status_code == 401


def test_an_administrators_old_token_reaches_nothing(cast: Cast) -> None:
    # Tokens are refused to administrators; one held from before the role still sees no data.
    user = cast.users["member"]
    _token, secret = issue(user)
    user.role_assignments.all().delete()
    user.role_assignments.create(role="auditor")
    response = Client().get("/api/v1/people", headers=bearer(secret))
    assert response.status_code == 403
