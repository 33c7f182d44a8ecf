"""The /api/v1 root: authentication, error shape, and each app's router.

Endpoints call the same services and access gate as the pages. Until API tokens arrive, the
API authenticates with the browser session (and its CSRF token for writes); anonymous calls get
401 in JSON instead of the pages' redirect to the login form.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import URLPattern, URLResolver
from ninja import NinjaAPI
from ninja.security import SessionAuth

from ronghe.orgs.api import router as orgs_router
from ronghe.people.api import router as people_router


class ActiveSessionAuth(SessionAuth):
    """A signed-in session that passed the same session policy as the pages."""

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        user = request.user
        return user if user.is_authenticated and user.is_active else None


api = NinjaAPI(
    title="Ronghe API",
    version="1",
    description="融合 platform API: the roster and the organisation trees.",
    auth=ActiveSessionAuth(),
    urls_namespace="api",
)
api.add_router("/people", people_router)
api.add_router("/", orgs_router)


@api.exception_handler(Http404)
def not_found(request: HttpRequest, exc: Exception) -> HttpResponse:
    return api.create_response(request, {"detail": "Not found."}, status=404)


@api.exception_handler(PermissionDenied)
def forbidden(request: HttpRequest, exc: Exception) -> HttpResponse:
    return api.create_response(request, {"detail": "Not allowed."}, status=403)


def _exempt_from_login_redirect(patterns: list[URLPattern | URLResolver]) -> None:
    """The API answers 401 itself; the pages' LoginRequiredMiddleware must not redirect it."""
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            _exempt_from_login_redirect(pattern.url_patterns)
        else:
            pattern.callback.login_required = False  # type: ignore[attr-defined]


def urls() -> tuple[list[Any], str, str]:
    patterns, app_name, namespace = api.urls
    _exempt_from_login_redirect(patterns)
    return patterns, app_name, namespace
