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
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import ValidationError
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
    return api.create_response(request, {"detail": _("Not found.")}, status=404)


@api.exception_handler(PermissionDenied)
def forbidden(request: HttpRequest, exc: Exception) -> HttpResponse:
    return api.create_response(request, {"detail": _("Your roles do not allow this.")}, status=403)


def _message(error: dict[str, Any]) -> str:
    """A Chinese (gettext) message for one pydantic error, as the pages show next to a field."""
    kind, context = error.get("type", ""), error.get("ctx") or {}
    if kind == "missing":
        return _("This field is required.")
    if kind == "enum":
        return _("Choose one of: %(values)s.") % {"values": context.get("expected", "")}
    if kind.startswith("uuid"):
        return _("Enter a valid code.")
    if kind == "string_too_long":
        return _("At most %(n)s characters.") % {"n": context.get("max_length", "")}
    if kind in ("int_parsing", "int_type"):
        return _("Enter a whole number.")
    if kind in ("greater_than_equal", "less_than_equal", "greater_than", "less_than"):
        return _("The number is out of range.")
    return _("This value is not valid.")


@api.exception_handler(ValidationError)
def invalid_input(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    """Bad input: 422 with one entry per field (`field`, `message`, `code`); nothing changed."""
    details = [
        {
            "field": str(error.get("loc", ["", ""])[-1]),
            "location": [str(part) for part in error.get("loc", [])],
            "code": error.get("type", ""),
            "message": _message(error),
        }
        for error in exc.errors
    ]
    return api.create_response(request, {"detail": details}, status=422)


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
