"""Password rules beyond Django's own (SECURITY.md A-2): length cap, character classes,
no username inside, and none of the last few passwords again."""

from __future__ import annotations

import re
from typing import Any

from django.conf import settings
from django.contrib.auth.hashers import check_password
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

MAX_LENGTH = 128


class MaximumLengthValidator:
    def validate(self, password: str, user: Any = None) -> None:
        if len(password) > MAX_LENGTH:
            raise ValidationError(
                _("The password may have at most %(max)d characters.") % {"max": MAX_LENGTH},
                code="password_too_long",
            )

    def get_help_text(self) -> str:
        return _("At most %(max)d characters.") % {"max": MAX_LENGTH}


_CLASSES = (r"[A-Z]", r"[a-z]", r"[0-9]", r"[^A-Za-z0-9]")


class CharacterClassValidator:
    """At least `min_classes` of: upper-case, lower-case, digits, symbols (MLPS baseline)."""

    def __init__(self, min_classes: int = 3) -> None:
        self.min_classes = min_classes

    def validate(self, password: str, user: Any = None) -> None:
        found = sum(1 for pattern in _CLASSES if re.search(pattern, password))
        if found < self.min_classes:
            raise ValidationError(
                _(
                    "Use at least %(n)d of these: upper-case letters, lower-case letters, "
                    "digits, symbols."
                )
                % {"n": self.min_classes},
                code="password_too_simple",
            )

    def get_help_text(self) -> str:
        return _("At least %(n)d of upper-case, lower-case, digits and symbols.") % {
            "n": self.min_classes
        }


class ContainsUsernameValidator:
    """Django's similarity check misses `<username>123!`; this one refuses it outright."""

    def validate(self, password: str, user: Any = None) -> None:
        username = getattr(user, "username", "") or ""
        if len(username) >= 3 and username.lower() in password.lower():
            raise ValidationError(
                _("The password must not contain the username."), code="password_contains_username"
            )

    def get_help_text(self) -> str:
        return _("It must not contain your username.")


class HistoryValidator:
    """Refuse the current password and the last PASSWORD_HISTORY ones."""

    def validate(self, password: str, user: Any = None) -> None:
        if user is None or user.pk is None:
            return
        hashes = [
            user.password,
            *user.password_history.values_list("password", flat=True)[: settings.PASSWORD_HISTORY],
        ]
        if any(encoded and check_password(password, encoded) for encoded in hashes):
            raise ValidationError(
                _("Choose a password you have not used for your last %(n)d passwords.")
                % {"n": settings.PASSWORD_HISTORY},
                code="password_reused",
            )

    def get_help_text(self) -> str:
        return _("Not one of your last %(n)d passwords.") % {"n": settings.PASSWORD_HISTORY}
