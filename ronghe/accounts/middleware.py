"""Session rules (SECURITY.md A-2, A-4, A-6): idle timeout, absolute lifetime, forced
password change, and two-factor authentication for administrators."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone

from ronghe.accounts.models import User
from ronghe.accounts.services import SESSION_LOGIN_AT, SESSION_OTP_VERIFIED, SESSION_SEEN_AT

# Refreshing the idle clock saves the session row; once a minute is precise enough and
# spares a database write on every request.
SEEN_RESOLUTION_SECONDS = 60
PASSWORD_CHANGE_EXEMPT = ("accounts:password_change", "accounts:logout")


class SessionPolicyMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if user.is_authenticated:
            ended = self._session_ended(request)
            if ended:
                logout(request)
                return redirect(f"{reverse('accounts:login')}?expired=1")
            if self._must_change_password(request) and not self._exempt(request):
                return redirect("accounts:password_change")
        return self.get_response(request)

    def _session_ended(self, request: HttpRequest) -> bool:
        session = request.session
        now = int(timezone.now().timestamp())
        login_at = session.get(SESSION_LOGIN_AT)
        seen_at = session.get(SESSION_SEEN_AT)
        if login_at is None or seen_at is None:
            return True  # a session not started by our login flow
        if now - login_at > settings.SESSION_ABSOLUTE_LIFETIME.total_seconds():
            return True
        if now - seen_at > settings.SESSION_IDLE_TIMEOUT.total_seconds():
            return True
        user: User = request.user  # type: ignore[assignment]  # authenticated here
        if user.requires_two_factor() and not session.get(SESSION_OTP_VERIFIED):
            return True
        if now - seen_at >= SEEN_RESOLUTION_SECONDS:
            session[SESSION_SEEN_AT] = now  # marks the session modified: expiry slides
        return False

    def _must_change_password(self, request: HttpRequest) -> bool:
        user: User = request.user  # type: ignore[assignment]  # authenticated here
        return bool(user.must_change_password or user.password_expired())

    def _exempt(self, request: HttpRequest) -> bool:
        match = request.resolver_match
        if match is None:
            from django.urls import resolve
            from django.urls.exceptions import Resolver404

            try:
                match = resolve(request.path_info)
            except Resolver404:
                return False
        return match.view_name in PASSWORD_CHANGE_EXEMPT or request.path_info.startswith(
            settings.STATIC_URL
        )
