"""Sign-in flows as a browser drives them, shared by the accounts tests.

These post to the real pages (password, code, enrolment) rather than `force_login`, so the
tests see what the lockout, the two-factor step and the session middleware really do.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime

import time_machine
from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from django.http import HttpResponse
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from ronghe.accounts.models import User
from ronghe.core.models import AuditEvent
from ronghe.testing import TEST_PASSWORD


def post_login(client: Client, username: str, password: str = TEST_PASSWORD) -> HttpResponse:
    return client.post(reverse("accounts:login"), {"username": username, "password": password})


def post_code(client: Client, code: str, *, page: str = "accounts:login_otp") -> HttpResponse:
    return client.post(reverse(page), {"code": code})


def token_for(device: TOTPDevice, *, steps_ago: int = 0) -> str:
    """The code an authenticator app would show now (or `steps_ago` steps of 30 s back)."""
    device.refresh_from_db()
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = timezone.now().timestamp() - steps_ago * device.step
    return f"{totp.token():0{device.digits}d}"


def wrong_code(device: TOTPDevice) -> str:
    """A well-formed code that matches none of the steps the device accepts right now."""
    window = {token_for(device, steps_ago=n) for n in (-1, 0, 1)}
    return next(code for code in ("000000", "111111", "222222", "333333") if code not in window)


def signed_in_user_id(client: Client) -> str | None:
    """The user the client's session belongs to, without creating a session as a side effect
    (`Client.session` would save a new, empty one)."""
    cookie = client.cookies.get(settings.SESSION_COOKIE_NAME)
    if cookie is None or not cookie.value:
        return None
    return SessionStore(session_key=cookie.value).get(SESSION_KEY)


def session_key(client: Client) -> str:
    return client.cookies[settings.SESSION_COOKIE_NAME].value


def is_login_redirect(response: HttpResponse) -> bool:
    return response.status_code == 302 and response["Location"].startswith(
        reverse("accounts:login")
    )


def redirects_to(response: HttpResponse, name: str) -> bool:
    return response.status_code == 302 and response["Location"] == reverse(name)


def login_error_messages(response: HttpResponse) -> list[str]:
    assert response.status_code == 200
    return list(response.context["form"].non_field_errors())


def audit_actions(since_id: int = 0) -> Counter[str]:
    return Counter(AuditEvent.objects.filter(pk__gt=since_id).values_list("action", flat=True))


def last_audit_id() -> int:
    return AuditEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0


def refreshed(user: User) -> User:
    user.refresh_from_db()
    return user


@contextmanager
def frozen(at: datetime | None = None) -> Iterator[time_machine.Coordinates]:
    """Freeze the clock (at `at`, or now); `.shift(timedelta)` moves it by hand."""
    with time_machine.travel(at or timezone.now(), tick=False) as traveller:
        yield traveller
