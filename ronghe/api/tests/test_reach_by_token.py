"""Every API operation that takes a code answers 404 for an object outside the token owner's
reach — the same answer as for a code that exists nowhere (issue 3; SECURITY.md B-1).

The endpoints are read off the resolver and each is asked with every method its path serves
(from the OpenAPI document), so an operation added later is walked too; the objects are those
of the cast (ronghe/testing.py): the outsider's organisation is another world.
"""

from __future__ import annotations

import re
import uuid
from typing import Any

import pytest
from django.test import Client

from ronghe.accounts import tokens
from ronghe.api.root import api
from ronghe.core.tests.test_route_inventory import (
    PLAN_MAKERS,
    ROUTE_KINDS,
    ROUTES,
    _batch_of,
    _export_of,
    _meeting_of,
    _resolution_of,
    _setting_of,
    api_send,
)
from ronghe.testing import Cast

API_ROUTES = [route for route in ROUTES if route.name.startswith("api:") and "code" in route.params]
OPERATIONS = api.get_openapi_schema()["paths"]


def methods_of(route: Any) -> list[str]:
    """Every method the endpoint's path serves (ninja routes each operation of a path to the
    same view, which picks the operation by method)."""
    path = "/" + re.sub(r"<[^:>]+:(\w+)>", r"{\1}", route.template)
    return sorted(OPERATIONS[path])


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
    if kind == "resolution":
        return [_resolution_of(cast, "A1"), _resolution_of(cast, "B1")]
    if kind in PLAN_MAKERS:
        return [PLAN_MAKERS[kind](cast, "A1"), PLAN_MAKERS[kind](cast, "B1")]
    raise AssertionError(kind)


def call(client: Client, route: Any, code: Any, secret: str) -> set[int]:
    """The answers of every operation at the route's path, each with a well-formed body."""
    headers = {"Authorization": f"Bearer {secret}"}
    return {
        api_send(client, method, route.url(code), **headers).status_code
        for method in methods_of(route)
    }


@pytest.mark.req("B-1")
def test_every_api_endpoint_is_404_outside_the_token_owners_reach(cast: Cast, settings) -> None:
    settings.RONGHE_API_RATE_PER_MINUTE = 10_000
    _token, secret = tokens.token_create(
        user=cast.users["outsider"], name="walker", scope="write", expires_days=None, by=None
    )
    client = Client()
    assert API_ROUTES, "the walker found no API endpoint with a code"
    answers: dict[str, set[int]] = {}
    walked: set[str] = set()
    for route in API_ROUTES:
        if route.template in walked:  # one pattern per operation, all on the same path
            continue
        walked.add(route.template)
        kind = ROUTE_KINDS[route.name]
        assert call(client, route, uuid.uuid4(), secret) == {404}, route.name
        for obj in ours(cast, kind):
            answers.setdefault(route.template, set()).update(call(client, route, obj.code, secret))
    assert {path: codes for path, codes in answers.items() if codes != {404}} == {}


def test_the_walker_reaches_what_the_token_owner_may_see(cast: Cast, settings) -> None:
    """The positive control: the outsider's own branch opens."""
    _token, secret = tokens.token_create(
        user=cast.users["outsider"], name="walker", scope="read", expires_days=None, by=None
    )
    response = Client().get(
        f"/api/v1/orgs/{cast.orgs['O1'].code}", headers={"Authorization": f"Bearer {secret}"}
    )
    assert response.status_code == 200
