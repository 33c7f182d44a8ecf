"""Requests per minute per token, counted in the database (SECURITY.md H-3)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.test import Client

from ronghe.accounts import tokens
from ronghe.accounts.models import ApiRateWindow
from ronghe.accounts.tests.flows import frozen
from ronghe.core.models import AuditEvent
from ronghe.testing import Cast

pytestmark = pytest.mark.req("H-3")

# Twenty seconds into a minute: forty seconds are left of the window.
AT = datetime(2026, 3, 2, 10, 15, 20, tzinfo=ZoneInfo("Asia/Shanghai"))


@pytest.fixture
def small_limit(settings: Any) -> int:
    settings.RONGHE_API_RATE_PER_MINUTE = 3
    return 3


def secret_of(cast: Cast, persona: str = "secretary") -> str:
    user = cast.users[persona]
    _token, secret = tokens.token_create(
        user=user, name="sync", scope="read", expires_days=None, by=user
    )
    return secret


def get(secret: str) -> Any:
    return Client().get("/api/v1/orgs", headers={"Authorization": f"Bearer {secret}"})


def test_one_request_over_the_limit_gets_429_with_the_seconds_left(
    cast: Cast, small_limit: int
) -> None:
    secret = secret_of(cast)
    with frozen(AT):
        answers = [get(secret) for _ in range(small_limit + 1)]
    assert [a.status_code for a in answers] == [200] * small_limit + [429]
    refused = answers[-1]
    assert refused.json()["code"] == "rate_limited"
    assert refused["Retry-After"] == "40"


def test_the_count_starts_again_in_the_next_minute(cast: Cast, small_limit: int) -> None:
    secret = secret_of(cast)
    with frozen(AT) as clock:
        for _ in range(small_limit + 1):
            get(secret)
        clock.shift(timedelta(seconds=40))
        assert get(secret).status_code == 200
    assert ApiRateWindow.objects.get().count == 1


def test_each_token_has_its_own_count(cast: Cast, small_limit: int) -> None:
    busy, quiet = secret_of(cast, "secretary"), secret_of(cast, "leader")
    with frozen(AT):
        for _ in range(small_limit + 1):
            get(busy)
        assert get(quiet).status_code == 200


def test_a_client_hammering_past_the_limit_does_not_flood_the_trail(
    cast: Cast, small_limit: int
) -> None:
    secret = secret_of(cast)
    with frozen(AT):
        for _ in range(small_limit + 5):
            get(secret)
    rows = AuditEvent.objects.filter(action=AuditEvent.Action.TOKEN_USED)
    assert rows.filter(outcome=AuditEvent.Outcome.SUCCESS).count() == small_limit
    assert rows.filter(outcome=AuditEvent.Outcome.FAILURE).count() == 1  # the first refusal


def test_sessions_are_not_rate_limited_by_tokens(cast: Cast, small_limit: int) -> None:
    client = cast.client("secretary")
    with frozen(AT):
        assert {client.get("/api/v1/orgs").status_code for _ in range(5)} == {200}
