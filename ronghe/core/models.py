"""Core models: the append-only audit trail, API idempotency keys, and the abstract base of
public rows."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class PublicModel(models.Model):
    """A row reachable from a URL: carries a random UUID `code`, never its sequential id."""

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)

    class Meta:
        abstract = True


class KeptFile(PublicModel):
    """A photo or scan kept as a private file (`core.private_files`, kind "attachments"):
    what the user called it, what its first bytes say it is, and its digest."""

    name = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(max_length=50)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    stored_name = models.CharField(max_length=100, editable=False)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        abstract = True
        ordering = ["uploaded_at", "id"]

    def __str__(self) -> str:
        return self.name


class AuditEventQuerySet(models.QuerySet["AuditEvent"]):
    def newest_first(self) -> AuditEventQuerySet:
        return self.select_related("actor").order_by("-at", "-id")


class AuditEvent(models.Model):
    """One entry of the append-only audit trail: who did what to which object, and how it went.

    Rows are only ever inserted (`core.audit.record`). On PostgreSQL a trigger refuses UPDATE
    and DELETE (migration 0002), so not even the application can rewrite history.
    """

    class Action(models.TextChoices):
        LOGIN = "login", _("Login")
        LOGIN_FAILED = "login_failed", _("Failed login")
        LOCKOUT = "lockout", _("Account locked")
        LOGOUT = "logout", _("Logout")
        OTP_FAILED = "otp_failed", _("Wrong verification code")
        OTP_ENROLLED = "otp_enrolled", _("Two-factor authentication enabled")
        OTP_REMOVED = "otp_removed", _("Two-factor authentication removed")
        PASSWORD_CHANGED = "password_changed", _("Password changed")
        PASSWORD_RESET = "password_reset", _("Password reset")
        ACCOUNT_CREATED = "account_created", _("Account created")
        ACCOUNT_DISABLED = "account_disabled", _("Account disabled")
        ACCOUNT_ENABLED = "account_enabled", _("Account enabled")
        ACCOUNT_UNLOCKED = "account_unlocked", _("Account unlocked")
        ROLE_GRANTED = "role_granted", _("Role granted")
        ROLE_REVOKED = "role_revoked", _("Role revoked")
        CREATE = "create", _("Created")
        UPDATE = "update", _("Updated")
        MOVE = "move", _("Moved")
        CLOSE = "close", _("Closed")
        DELETE = "delete", _("Deleted")
        UNMASK = "unmask", _("Full value viewed")
        EXPORT = "export", _("Exported")
        EXPORT_REQUESTED = "export_requested", _("Export approval requested")
        EXPORT_APPROVED = "export_approved", _("Export approved")
        EXPORT_REFUSED = "export_refused", _("Export refused")
        IMPORT_UPLOADED = "import_uploaded", _("Roster file uploaded")
        IMPORT = "import", _("Roster imported")
        IMPORT_REFUSED = "import_refused", _("Roster import refused")
        TOKEN_CREATED = "token_created", _("API token created")
        TOKEN_REVOKED = "token_revoked", _("API token revoked")
        TOKEN_USED = "token_used", _("API token used")
        AUDIT_READ = "audit_read", _("Audit trail read")

    class Outcome(models.TextChoices):
        SUCCESS = "success", _("Success")
        FAILURE = "failure", _("Failure")

    at = models.DateTimeField(auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT
    )
    actor_username = models.CharField(max_length=150, blank=True)
    actor_roles = models.CharField(max_length=200, blank=True)
    action = models.CharField(max_length=32, choices=Action.choices, db_index=True)
    outcome = models.CharField(max_length=16, choices=Outcome.choices, default=Outcome.SUCCESS)
    object_type = models.CharField(max_length=64, blank=True, db_index=True)
    object_id = models.CharField(max_length=64, blank=True, db_index=True)
    object_repr = models.CharField(max_length=200, blank=True)
    before = models.JSONField(null=True, blank=True)
    after = models.JSONField(null=True, blank=True)
    message = models.CharField(max_length=300, blank=True)
    ip = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=300, blank=True)
    request_id = models.CharField(max_length=32, blank=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        indexes = [models.Index(fields=["actor", "at"])]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.actor_username} {self.action}"


class IdempotencyKeyQuerySet(models.QuerySet["IdempotencyKey"]):
    def older_than(self, cutoff: datetime) -> IdempotencyKeyQuerySet:
        return self.filter(created_at__lt=cutoff)


class IdempotencyKey(models.Model):
    """One `Idempotency-Key` a user sent with an API write, and the answer it got (SECURITY.md
    J-3): a retry with the same key replays the answer instead of repeating the effect.

    `status_code` is empty while the first request is still running ("in flight"). The answer
    is saved in the same transaction as the write it describes, so a saved answer always means
    the effect committed, and an unfinished row means it did not (yet). `lock` changes when a
    stale unfinished row is taken over, so the original request, if it ever finishes, can no
    longer save its answer and rolls back instead.
    """

    KEEP_FOR = timedelta(hours=24)

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=255)
    # The fingerprint of the request: the same key with another request is refused.
    method = models.CharField(max_length=8)
    path = models.CharField(max_length=300)
    body_sha256 = models.CharField(max_length=64)
    lock = models.UUIDField(default=uuid.uuid4)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    # The JSON text exactly as first sent: a replay is byte-for-byte the same answer.
    response_body = models.TextField(blank=True)

    objects = IdempotencyKeyQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], name="idempotency_key_per_user"),
        ]

    def __str__(self) -> str:
        return f"{self.method} {self.path} · {self.key[:20]}"
