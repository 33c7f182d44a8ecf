"""Accounts: users, their password history, and their role assignments."""

from __future__ import annotations

import unicodedata
from datetime import datetime
from typing import Any

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ronghe.core.access import ADMIN_ROLES, Cap, Role, reach_of
from ronghe.core.models import PublicModel


def normalize_username(raw: str) -> str:
    """One identity regardless of case and width: `Admin`, `admin`, `ａｄｍｉｎ` are the same."""
    return unicodedata.normalize("NFKC", raw).strip().casefold()


class UserManager(BaseUserManager["User"]):
    def create_user(self, username: str, password: str | None = None, **fields: Any) -> User:
        user = self.model(username=normalize_username(username), **fields)
        if password:
            user.set_password(password)
        else:
            user.set_unusable_password()
        user.save()
        return user

    def by_login_name(self, raw: str) -> User | None:
        return self.filter(username=normalize_username(raw)).first()


class User(PublicModel, AbstractBaseUser):
    """A login. Bound to at most one person on the roster; administrators may have none."""

    username = models.CharField(_("username"), max_length=150, unique=True)
    display_name = models.CharField(_("display name"), max_length=100, blank=True)
    person = models.OneToOneField(
        "people.Person",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="user",
        verbose_name=_("person"),
    )
    is_active = models.BooleanField(_("active"), default=True)
    must_change_password = models.BooleanField(default=False)
    password_changed_at = models.DateTimeField(default=timezone.now)
    failed_logins = models.PositiveSmallIntegerField(default=0)
    locked_until = models.DateTimeField(null=True, blank=True)
    date_joined = models.DateTimeField(default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "username"
    REQUIRED_FIELDS = []

    class Meta:
        constraints = [
            models.UniqueConstraint(Lower("username"), name="user_username_ci_unique"),
        ]

    def __str__(self) -> str:
        return self.display_name or self.username

    def clean(self) -> None:
        super().clean()
        self.username = normalize_username(self.username)

    def role_names(self) -> frozenset[str]:
        return reach_of(self).roles

    def is_administrator(self) -> bool:
        """One of the three administrators (三员), who must use two-factor authentication."""
        return bool(self.role_names() & ADMIN_ROLES)

    def requires_two_factor(self) -> bool:
        """Administrators, and anyone who may see full ID and phone numbers (SECURITY.md A-6)."""
        reach = reach_of(self)
        return bool(reach.roles & ADMIN_ROLES) or reach.has(Cap.UNMASK)

    def is_locked(self, now: datetime | None = None) -> bool:
        return self.locked_until is not None and self.locked_until > (now or timezone.now())

    def password_expired(self, now: datetime | None = None) -> bool:
        return (now or timezone.now()) - self.password_changed_at > settings.PASSWORD_MAX_AGE


class PasswordHistory(models.Model):
    """A hash of a password the user once had, so that the last few are not reused."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="password_history")
    password = models.CharField(max_length=256)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.user} · {self.created_at:%Y-%m-%d}"  # never the hash


class RoleAssignmentQuerySet(models.QuerySet["RoleAssignment"]):
    def with_places(self) -> RoleAssignmentQuerySet:
        return self.select_related("user", "party_org", "unit", "granted_by")


class RoleAssignment(PublicModel):
    """A role held by a user on an organisation; it reaches the organisation's whole subtree.

    Party roles sit on a Party organisation, business roles on a business unit, the three
    administrator roles on neither. A user holds at most one administrator role, and an
    administrator holds no other role (三员分立).
    """

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="role_assignments")
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    party_org = models.ForeignKey(
        "orgs.PartyOrg",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("Party organisation"),
    )
    unit = models.ForeignKey(
        "orgs.Unit",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("business unit"),
    )
    may_unmask = models.BooleanField(_("may view full ID and phone numbers"), default=False)
    granted_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    granted_at = models.DateTimeField(default=timezone.now)

    objects = RoleAssignmentQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user"],
                condition=Q(role__in=sorted(ADMIN_ROLES)),
                name="one_admin_role_per_user",
            ),
            models.CheckConstraint(
                condition=(
                    Q(role__in=sorted(ADMIN_ROLES), party_org__isnull=True, unit__isnull=True)
                    | (
                        ~Q(role__in=sorted(ADMIN_ROLES))
                        & (
                            Q(party_org__isnull=False, unit__isnull=True)
                            | Q(party_org__isnull=True, unit__isnull=False)
                        )
                    )
                ),
                name="role_sits_on_one_place",
            ),
            models.UniqueConstraint(
                fields=["user", "role", "party_org"],
                condition=Q(party_org__isnull=False),
                name="unique_party_role",
            ),
            models.UniqueConstraint(
                fields=["user", "role", "unit"],
                condition=Q(unit__isnull=False),
                name="unique_unit_role",
            ),
        ]

    def __str__(self) -> str:
        place = self.party_org or self.unit or ""
        return f"{self.user} · {self.get_role_display()} · {place}".rstrip(" ·")


class ApiTokenQuerySet(models.QuerySet["ApiToken"]):
    def of(self, user: Any) -> ApiTokenQuerySet:
        """A user's own tokens, newest first (the only tokens anyone sees in a list)."""
        return self.filter(user=user).order_by("-created_at", "-id")

    def usable(self, now: datetime | None = None) -> ApiTokenQuerySet:
        """Tokens that open the API now: not revoked, not expired, their user active."""
        now = now or timezone.now()
        return self.filter(
            Q(expires_at__isnull=True) | Q(expires_at__gt=now),
            revoked_at__isnull=True,
            user__is_active=True,
        )


class ApiToken(PublicModel):
    """A personal access token for the API: its user's reach, limited to reading or not.

    Only the SHA-256 of the secret is stored (`key_hash`); the secret itself is shown once, at
    creation, and cannot be recovered. `prefix` (the secret's first 8 characters) lets the
    owner recognise a token in a list without revealing it.
    """

    class Scope(models.TextChoices):
        READ = "read", _("Read only")
        WRITE = "write", _("Read and write")

    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        EXPIRED = "expired", _("Expired")
        REVOKED = "revoked", _("Revoked")

    # Methods a read-only token may call (HTTP's safe methods that ninja routes).
    READ_METHODS = frozenset({"GET", "HEAD"})

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(max_length=8, db_index=True)
    key_hash = models.CharField(max_length=64, unique=True)
    scope = models.CharField(_("scope"), max_length=8, choices=Scope.choices)
    expires_at = models.DateTimeField(_("expires"), null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = ApiTokenQuerySet.as_manager()

    def __str__(self) -> str:
        return f"{self.name} · {self.prefix}…"  # never the secret

    def status(self, now: datetime | None = None) -> str:
        if self.revoked_at is not None:
            return self.Status.REVOKED
        if self.expires_at is not None and self.expires_at <= (now or timezone.now()):
            return self.Status.EXPIRED
        return self.Status.ACTIVE

    def allows(self, method: str) -> bool:
        """Whether this token's scope covers an HTTP method: a read token only reads."""
        return self.scope == self.Scope.WRITE or method.upper() in self.READ_METHODS


class ApiRateWindow(models.Model):
    """How many requests one token made in the current one-minute window (SECURITY.md H-3).

    One row per token, counted in the database with a single UPDATE so that every worker
    process shares the count (a per-process cache would multiply the limit by the number of
    processes); a request in a new minute resets the count in the same statement.
    """

    token = models.OneToOneField(
        ApiToken, on_delete=models.CASCADE, primary_key=True, related_name="rate_window"
    )
    window_start = models.DateTimeField()
    count = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.token} · {self.window_start:%H:%M} · {self.count}"
