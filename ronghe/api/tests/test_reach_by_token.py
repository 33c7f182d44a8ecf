"""Every API endpoint that takes a code answers 404 for an object outside the token owner's
reach — the same answer as for a code that exists nowhere (issue 3; SECURITY.md B-1).

The endpoints are read off the resolver, so an endpoint added later is walked too; the objects
are those of the cast (ronghe/testing.py): the outsider's organisation is another world.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest
from django.test import Client

from ronghe.accounts import tokens
from ronghe.core.tests.test_route_inventory import (
    API_BODIES,
    ROUTE_KINDS,
    ROUTES,
    _batch_of,
    _export_of,
    _meeting_of,
    _setting_of,
)
from ronghe.testing import Cast

API_ROUTES = [route for route in ROUTES if route.name.startswith("api:") and "code" in route.params]


def ours(cast: Cast, kind: str) -> list[Any]:
    """Objects of our organisation, none of which the outsider may tell apart from nothing."""
    if kind == "person":
        return [person for key, person in cast.people.items() if key != "吴刚"]
    if kind == "party":
        return [org for key, org in cast.orgs.items() if key not in ("O", "O1")]
    if kind == "unit":
        return [unit for key, unit in cast.units.items() if key != "UO"]
    if kind == "batch":
        return [_batch_of(cast, "secretary")]
    if kind == "export":
        return [_export_of(cast, "secretary")]
    if kind == "meeting":
        return [_meeting_of(cast, "A1"), _meeting_of(cast, "B1")]
    if kind == "setting":
        return [_setting_of(cast, "A1")]
    raise AssertionError(kind)


def call(client: Client, route: Any, code: Any, secret: str) -> int:
    headers = {"Authorization": f"Bearer {secret}"}
    answer = client.get(route.url(code), headers=headers).status_code
    if answer == 405:  # an operation that is not a GET
        body = API_BODIES.get(route.url(code).rsplit("/", 1)[-1], {})
        answer = client.post(
            route.url(code), json.dumps(body), content_type="application/json", headers=headers
        ).status_code
    if answer == 405:  # nor a POST
        answer = client.delete(route.url(code), headers=headers).status_code
    return answer


@pytest.mark.req("B-1")
def test_every_api_endpoint_is_404_outside_the_token_owners_reach(cast: Cast, settings) -> None:
    settings.RONGHE_API_RATE_PER_MINUTE = 10_000
    _token, secret = tokens.token_create(
        user=cast.users["outsider"], name="walker", scope="write", expires_days=None, by=None
    )
    client = Client()
    assert API_ROUTES, "the walker found no API endpoint with a code"
    answers: dict[str, set[int]] = {}
    for route in API_ROUTES:
        kind = ROUTE_KINDS[route.name]
        assert call(client, route, uuid.uuid4(), secret) == 404, route.name
        for obj in ours(cast, kind):
            answers.setdefault(route.name, set()).add(call(client, route, obj.code, secret))
    assert {name: codes for name, codes in answers.items() if codes != {404}} == {}


def test_the_walker_reaches_what_the_token_owner_may_see(cast: Cast, settings) -> None:
    """The positive control: the outsider's own branch opens."""
    _token, secret = tokens.token_create(
        user=cast.users["outsider"], name="walker", scope="read", expires_days=None, by=None
    )
    response = Client().get(
        f"/api/v1/orgs/{cast.orgs['O1'].code}", headers={"Authorization": f"Bearer {secret}"}
    )
    assert response.status_code == 200
