"""Personal access tokens for the API: create, revoke, and every use (SECURITY.md A, C-1, H-3).

A token carries its user's reach, narrowed to reading by a `read` scope. The secret is
`rh_` + 32 random bytes (URL-safe base64); only its SHA-256 is stored, so a look-up by hash is
the whole check — no slow hash is needed for 256 random bits, and no constant-time compare,
since an attacker cannot steer which row a hash matches. Creating, revoking and every request
made with a token leave an audit row.
"""

from __future__ import annotations

import hashlib
import math
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Case, F, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _

from ronghe.accounts.models import ApiRateWindow, ApiToken, User
from ronghe.accounts.services import AccountError
from ronghe.core import audit

SECRET_PREFIX = "rh_"  # noqa: S105 - the marker every secret starts with, not a secret
SECRET_BYTES = 32
PREFIX_LENGTH = 8
NAME_MAX_LENGTH = 100
MAX_EXPIRES_DAYS = 3650
RATE_WINDOW = timedelta(minutes=1)
# The last-used time is refreshed at most this often: once a minute is precise enough for
# "last used" and spares a write on every request (the session policy does the same).
LAST_USED_RESOLUTION = timedelta(minutes=1)


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


# --- create and revoke ------------------------------------------------------------------------


def _check_token_input(*, user: User, name: str, scope: str, expires_days: int | None) -> str:
    """Refuse bad input with the message next to its field; returns the cleaned name."""
    if user.is_administrator():
        # 三员 reach no Party data, so a token could only widen what can steal their account.
        raise AccountError(
            _("Administrators do not use API tokens: their roles reach no Party data.")
        )
    if not user.is_active:
        raise AccountError(_("This account is disabled."))
    name = name.strip()
    if not name:
        raise AccountError(_("Give the token a name, so you recognise it later."), "name")
    if len(name) > NAME_MAX_LENGTH:
        raise AccountError(_("At most %(n)s characters.") % {"n": NAME_MAX_LENGTH}, "name")
    if scope not in ApiToken.Scope.values:
        raise AccountError(_("Choose read or write."), "scope")
    if expires_days is not None and not 1 <= expires_days <= MAX_EXPIRES_DAYS:
        raise AccountError(
            _("Enter a number of days from 1 to %(max)s, or none for no expiry.")
            % {"max": MAX_EXPIRES_DAYS},
            "expires_days",
        )
    return name


@transaction.atomic
def token_create(
    *, user: User, name: str, scope: str, expires_days: int | None, by: User | None
) -> tuple[ApiToken, str]:
    """Issue a token for `user` (by themselves, or `by=None` at the console). Returns the
    token and its secret; the secret is never stored and cannot be shown again."""
    name = _check_token_input(user=user, name=name, scope=scope, expires_days=expires_days)
    secret = SECRET_PREFIX + secrets.token_urlsafe(SECRET_BYTES)
    now = timezone.now()
    token = ApiToken.objects.create(
        user=user,
        name=name,
        prefix=secret[:PREFIX_LENGTH],
        key_hash=hash_secret(secret),
        scope=scope,
        expires_at=now + timedelta(days=expires_days) if expires_days is not None else None,
        created_at=now,
    )
    audit.record(
        audit.Action.TOKEN_CREATED,
        actor=by,
        obj=token,
        after={
            "user": user.username,
            "name": name,
            "prefix": token.prefix,
            "scope": scope,
            "expires_at": token.expires_at.isoformat() if token.expires_at else None,
        },
        message="" if by is not None else "console",
    )
    return token, secret


@transaction.atomic
def token_revoke(*, token: ApiToken, by: User | None) -> None:
    """Revoke for good: the very next request with this token gets 401."""
    token = ApiToken.objects.select_for_update().get(pk=token.pk)
    if token.revoked_at is not None:
        raise AccountError(_("This token is already revoked."))
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at"])
    audit.record(
        audit.Action.TOKEN_REVOKED,
        actor=by,
        obj=token,
        before={"user": token.user.username, "prefix": token.prefix},
        message="" if by is not None else "console",
    )


# --- authenticating a request -----------------------------------------------------------------


def token_lookup(secret: str) -> ApiToken | None:
    """The token a secret belongs to, usable or not (None for a secret we never issued)."""
    if not secret.startswith(SECRET_PREFIX) or len(secret) > 200:
        return None
    return ApiToken.objects.select_related("user").filter(key_hash=hash_secret(secret)).first()


def _refusal(token: ApiToken | None, now: datetime) -> str:
    """Why a token cannot open the API now ("" when it can); words for the audit trail."""
    if token is None:
        return "unknown token"
    if not token.user.is_active:
        return "account disabled"
    status = token.status(now)
    return "" if status == ApiToken.Status.ACTIVE else str(status)


def token_authenticate(secret: str) -> User | None:
    """The user a secret stands for, or None: unknown, expired, revoked, or user disabled.
    Checks only; a request made with a token goes through `token_use`, which also audits it."""
    token = token_lookup(secret)
    return token.user if token is not None and not _refusal(token, timezone.now()) else None


class TokenRefused(Exception):
    """The secret does not open the API (unknown, expired, revoked, account disabled): 401."""


class TokenReadOnly(Exception):
    """A read token was used for a write: 403."""


class RateLimited(Exception):
    """Too many requests with this token in the current minute: 429 after `retry_after` s."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(retry_after)
        self.retry_after = retry_after


@dataclass(frozen=True)
class RateCount:
    count: int
    window_start: datetime


def _count_request(token: ApiToken, now: datetime) -> RateCount:
    """Add one request to the token's current one-minute window and return the new count.

    One UPDATE counts the request or, in a new minute, restarts the count at 1; the first
    request of a token creates its row. Run inside a transaction, so the row stays locked
    until the count is read back: the count seen is exactly this request's."""
    window = now.replace(second=0, microsecond=0)
    rows = ApiRateWindow.objects.filter(token=token)

    def count_one() -> int:
        # Both SET clauses read the row as it was, so a stale window restarts at 1.
        return rows.update(
            count=Case(When(window_start=window, then=F("count") + 1), default=Value(1)),
            window_start=window,
        )

    if not count_one():
        try:
            with transaction.atomic():
                ApiRateWindow.objects.create(token=token, window_start=window, count=1)
        except IntegrityError:  # a concurrent first request created it
            count_one()
    count, start = rows.values_list("count", "window_start").get()
    return RateCount(count=count, window_start=start)


def _seconds_left(window_start: datetime, now: datetime) -> int:
    return max(1, math.ceil((window_start + RATE_WINDOW - now).total_seconds()))


def token_use(*, secret: str, method: str, path: str) -> ApiToken:
    """Admit one API request made with a token, or refuse it; either way one audit row.

    Raises TokenRefused (401), RateLimited (429) or TokenReadOnly (403). Refused requests are
    counted toward the rate limit too. Past the limit only the first refusal of each minute is
    audited: a client stuck in a retry loop must not flood the append-only trail.
    """
    now = timezone.now()
    where = f"{method} {path}"
    token = token_lookup(secret)
    refusal = _refusal(token, now)
    if token is None or refusal:
        audit.record(
            audit.Action.TOKEN_USED,
            actor=None,
            username=token.user.username if token is not None else "",
            obj=token,
            outcome=audit.Outcome.FAILURE,
            message=f"{where} — {refusal}",
        )
        raise TokenRefused(refusal)
    limit = settings.RONGHE_API_RATE_PER_MINUTE
    read_only = not token.allows(method)
    with transaction.atomic():
        rate = _count_request(token, now)
        over = rate.count > limit
        if not over and not read_only:
            audit.record(audit.Action.TOKEN_USED, actor=token.user, obj=token, message=where)
            if token.last_used_at is None or now - token.last_used_at >= LAST_USED_RESOLUTION:
                ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
                token.last_used_at = now
        elif not over or rate.count == limit + 1:
            audit.record(
                audit.Action.TOKEN_USED,
                actor=token.user,
                obj=token,
                outcome=audit.Outcome.FAILURE,
                message=f"{where} — {'rate limited' if over else 'read-only token'}",
            )
    if over:
        raise RateLimited(_seconds_left(rate.window_start, now))
    if read_only:
        raise TokenReadOnly
    return token
