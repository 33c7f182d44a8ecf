"""How an API caller proves who they are: a personal access token, or the browser session.

A token (`Authorization: Bearer rh_…`) is tried first. A request that presents one stands or
falls by it — a bad token is 401 even if a session cookie comes along — and needs no CSRF
token, since a browser never adds the header on its own. The session keeps its CSRF check for
writes. Either way `request.user` is the caller, so the access gate works unchanged.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja.errors import AuthenticationError, AuthorizationError, Throttled
from ninja.security import HttpBearer, SessionAuth
from ninja.utils import check_csrf

from ronghe.accounts import tokens


class ApiTokenAuth(HttpBearer):
    """A personal access token: rate-limited, audited on every use, read tokens only read."""

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        try:
            api_token = tokens.token_use(
                secret=token, method=request.method or "", path=request.path
            )
        except tokens.TokenRefused as exc:
            raise AuthenticationError() from exc
        except tokens.RateLimited as exc:
            raise Throttled(wait=exc.retry_after) from exc
        except tokens.TokenReadOnly as exc:
            raise AuthorizationError(
                message=_("This token may only read. Use a token with write scope.")
            ) from exc
        request.user = api_token.user  # the access gate reads request.user
        return api_token.user


class CsrfFailed(AuthorizationError):
    """A session write without a valid CSRF token: 403 with its own machine code."""

    code = "csrf_failed"


class ActiveSessionAuth(SessionAuth):
    """A signed-in session that passed the same session policy as the pages.

    The user is checked before the CSRF token, so that an anonymous write is told 401 (sign
    in) rather than 403; a signed-in write without a valid CSRF token is refused."""

    def __call__(self, request: HttpRequest) -> Any:
        user = request.user
        if not (user.is_authenticated and user.is_active):
            return None
        if not getattr(request, "_ninja_csrf_exempt", False) and check_csrf(request):
            raise CsrfFailed(
                message=_("The CSRF token is missing or wrong. Reload the page and try again.")
            )
        return user
