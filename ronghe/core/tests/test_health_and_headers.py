"""Probes, security headers and error pages (SECURITY.md I)."""

from __future__ import annotations

from unittest import mock

import pytest
from django.db import OperationalError
from django.test import Client

from ronghe.testing import Cast


@pytest.mark.django_db
def test_healthz_answers_an_anonymous_probe() -> None:
    response = Client().get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert "no-store" in response["Cache-Control"]


@pytest.mark.django_db
def test_readyz_answers_200_while_the_database_answers() -> None:
    response = Client().get("/readyz")
    assert response.status_code == 200
    assert response.json()["database"] == "up"


@pytest.mark.django_db
@pytest.mark.req("J-6")
def test_readyz_answers_503_when_the_database_does_not() -> None:
    failure = OperationalError("could not connect to server at 10.0.0.5:5432")
    with mock.patch("ronghe.core.views.connection.cursor", side_effect=failure):
        response = Client().get("/readyz")
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "database": "down"}  # no driver message


def _csp_directives(header: str) -> dict[str, list[str]]:
    directives = {}
    for part in header.split(";"):
        words = part.split()
        if words:
            directives[words[0]] = words[1:]
    return directives


@pytest.mark.req("I-1")
@pytest.mark.parametrize(
    ("persona", "url"),
    [
        (None, "/accounts/login/"),
        (None, "/healthz"),
        ("secretary", "/"),
        ("secretary", "/people/"),
        ("party_admin", "/orgs/"),
        ("auditor", "/audit/"),
        ("outsider", "/people/00000000-0000-0000-0000-000000000000/"),
        ("leader", "/people/new/"),
    ],
)
def test_security_headers_are_on_every_kind_of_response(
    cast: Cast, persona: str | None, url: str
) -> None:
    client = cast.client(persona) if persona else Client()
    response = client.get(url)
    assert response.status_code in {200, 403, 404}
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    directives = _csp_directives(response["Content-Security-Policy"])
    assert directives["script-src"] == ["'self'"]
    assert "'unsafe-inline'" not in directives["script-src"]
    assert "'unsafe-eval'" not in directives["script-src"]
    assert directives["frame-ancestors"] == ["'none'"]
    assert directives["object-src"] == ["'none'"]
    assert response["X-Request-ID"]


@pytest.mark.req("I-4")
def test_an_unexpected_error_shows_the_plain_500_page(cast: Cast) -> None:
    client = cast.client("secretary")
    client.raise_request_exception = False
    with mock.patch("ronghe.insights.views._own_items", side_effect=RuntimeError("secret detail")):
        response = client.get("/")
    assert response.status_code == 500
    html = response.content.decode()
    assert "Traceback" not in html
    assert "secret detail" not in html
    assert "RuntimeError" not in html
    assert response["X-Frame-Options"] == "DENY"


@pytest.mark.req("I-4")
def test_the_404_page_does_not_echo_the_path_details(cast: Cast) -> None:
    response = cast.client("secretary").get("/no-such-page/<script>alert(1)</script>")
    assert response.status_code == 404
    html = response.content.decode()
    assert "<script>alert(1)</script>" not in html
    assert "Traceback" not in html and "urlpatterns" not in html
