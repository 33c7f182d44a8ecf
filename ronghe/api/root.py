"""The /api/v1 root: authentication, error shape, and each app's router.

Endpoints call the same services and access gate as the pages. Callers authenticate with a
personal access token (`Authorization: Bearer rh_…`, see `api.auth`) or with the browser
session (and its CSRF token for writes); anonymous calls get 401 in JSON instead of the pages'
redirect to the login form.

Every error answers `{"code": "<machine code>", "detail": <message, or a list per field>}`:
`code` is for programs and never changes with the language, `detail` is for people.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import URLPattern, URLResolver
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, Throttled, ValidationError

from ronghe.api.auth import ActiveSessionAuth, ApiTokenAuth
from ronghe.api.idempotency import IdempotencyConflict, IdempotencyMismatch
from ronghe.compliance.api import router as compliance_router
from ronghe.orglife.api import router as orglife_router
from ronghe.orgs.api import router as orgs_router
from ronghe.people.api import router as people_router
from ronghe.plans.api import router as plans_router

# The token first: a request carrying one is judged by it alone (see api.auth).
AUTH = [ApiTokenAuth(), ActiveSessionAuth()]

api = NinjaAPI(
    title="Ronghe API",
    version="1",
    description=(
        "融合 platform API: the roster, the organisation trees, organisational life,"
        " compliance with the Party rules, and joint plans with the task list (同部署 · 同落实):"
        " plans and their targets, approval, cascade deployment, integration points, tasks,"
        " progress reports with evidence and their checks."
    ),
    auth=AUTH,
    urls_namespace="api",
)
api.add_router("/people", people_router)
api.add_router("/", orgs_router)
api.add_router("/", orglife_router)
api.add_router("/compliance", compliance_router)
api.add_router("/", plans_router)

# How pydantic states a date bound it was given (`deadline ≤ 2100-12-31`).
ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")

# Machine codes of errors raised as ninja's HttpError, by status, unless the error names one.
STATUS_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    409: "conflict",
    422: "invalid",
    429: "rate_limited",
}


def error_response(request: HttpRequest, status: int, code: str, detail: Any) -> HttpResponse:
    """The one error shape of the API."""
    return api.create_response(request, {"code": code, "detail": detail}, status=status)


def not_found(request: HttpRequest, exc: Exception) -> HttpResponse:
    return error_response(request, 404, "not_found", _("Not found."))


def forbidden(request: HttpRequest, exc: Exception) -> HttpResponse:
    return error_response(request, 403, "forbidden", _("Your roles do not allow this."))


def unauthorized(request: HttpRequest, exc: Exception) -> HttpResponse:
    return error_response(request, 401, "unauthorized", _("Sign in, or send a valid API token."))


def rate_limited(request: HttpRequest, exc: Throttled) -> HttpResponse:
    wait = exc.wait or 60
    response = error_response(
        request,
        429,
        "rate_limited",
        _("Too many requests: at most %(limit)s a minute per token. Try again in %(n)s seconds.")
        % {"limit": settings.RONGHE_API_RATE_PER_MINUTE, "n": wait},
    )
    response["Retry-After"] = str(wait)
    return response


def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    """Errors raised as ninja's HttpError. A subclass may name its machine `code` and carry
    `details` (a list per field, as for bad input) to answer instead of its message."""
    code = getattr(exc, "code", None) or STATUS_CODES.get(exc.status_code, "error")
    detail = getattr(exc, "details", None) or str(exc)
    return error_response(request, exc.status_code, code, detail)


def idempotency_conflict(request: HttpRequest, exc: Exception) -> HttpResponse:
    return error_response(
        request,
        409,
        "idempotency_conflict",
        _("A request with this Idempotency-Key is still being processed. Try again shortly."),
    )


def idempotency_mismatch(request: HttpRequest, exc: Exception) -> HttpResponse:
    return error_response(
        request,
        422,
        "idempotency_mismatch",
        _("This Idempotency-Key was already used for a different request."),
    )


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
        bound = next(iter(context.values()), "")
        if isinstance(bound, date) or (isinstance(bound, str) and ISO_DATE.fullmatch(bound)):
            return _("The date is out of range.")
        return _("The number is out of range.")
    return _("This value is not valid.")


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
    return error_response(request, 422, "invalid", details)


def add_error_handlers(target: NinjaAPI) -> None:
    """Give an API our error shape (the root below; tests mount their own small APIs)."""
    handlers: list[tuple[type[Exception], Any]] = [
        (Http404, not_found),
        (PermissionDenied, forbidden),
        (ValidationError, invalid_input),
        (HttpError, http_error),
        (AuthenticationError, unauthorized),
        (Throttled, rate_limited),
        (IdempotencyConflict, idempotency_conflict),
        (IdempotencyMismatch, idempotency_mismatch),
    ]
    for exc_class, handler in handlers:
        target.add_exception_handler(exc_class, handler)


add_error_handlers(api)


def _exempt_from_login_redirect(patterns: list[URLPattern | URLResolver]) -> None:
    """The API answers 401 itself; the pages' LoginRequiredMiddleware must not redirect it."""
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            _exempt_from_login_redirect(pattern.url_patterns)
        else:
            pattern.callback.login_required = False  # type: ignore[attr-defined]


def urls(target: NinjaAPI | None = None) -> tuple[list[Any], str, str]:
    patterns, app_name, namespace = (target or api).urls
    _exempt_from_login_redirect(patterns)
    return patterns, app_name, namespace
