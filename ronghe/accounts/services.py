"""Account workflows: signing in (password, lockout, TOTP), passwords, accounts and roles.

Every outcome, success or failure, leaves an audit row in the same transaction.
"""

from __future__ import annotations

import secrets
import string
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model, login, password_validation
from django.contrib.auth.hashers import make_password
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from django_otp.plugins.otp_totp.models import TOTPDevice

from ronghe.accounts.models import PasswordHistory, RoleAssignment, User, normalize_username
from ronghe.core import audit
from ronghe.core.access import ADMIN_ROLES, Cap, Role, forget_reach, reach_of

SESSION_LOGIN_AT = "ronghe_login_at"
SESSION_SEEN_AT = "ronghe_seen_at"
SESSION_OTP_VERIFIED = "ronghe_otp_verified"


class AccountError(Exception):
    """A refused account operation; the message is shown next to `field`, which names a form
    field (views call `form.add_error(exc.field, ...)`, which raises on an unknown name)."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


# --- signing in -------------------------------------------------------------------------------


@dataclass(frozen=True)
class PasswordCheck:
    user: User | None
    needs_otp: bool = False
    needs_enrolment: bool = False


def _register_failure(user: User, action: str) -> None:
    """Count a failure; the threshold-th consecutive one locks the account."""
    User.objects.filter(pk=user.pk).update(failed_logins=F("failed_logins") + 1)
    user.refresh_from_db(fields=["failed_logins", "locked_until"])
    audit.record(
        action, actor=None, username=user.username, obj=user, outcome=audit.Outcome.FAILURE
    )
    if user.failed_logins >= settings.LOCKOUT_THRESHOLD:
        user.locked_until = timezone.now() + settings.LOCKOUT_DURATION
        user.failed_logins = 0
        user.save(update_fields=["locked_until", "failed_logins"])
        audit.record(
            audit.Action.LOCKOUT,
            actor=None,
            username=user.username,
            obj=user,
            outcome=audit.Outcome.FAILURE,
            message=f"locked until {timezone.localtime(user.locked_until):%Y-%m-%d %H:%M}",
        )


def confirmed_device(user: User) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).first()


@transaction.atomic
def password_check(*, username: str, password: str) -> PasswordCheck:
    """First step of signing in. Refuses with one generic outcome whatever the reason
    (unknown user, wrong password, locked, disabled), so the answer leaks nothing."""
    user = User.objects.select_for_update().filter(username=normalize_username(username)).first()
    if user is None:
        make_password(password)  # spend the same time as a real check
        audit.record(
            audit.Action.LOGIN_FAILED,
            username=normalize_username(username)[:150],
            outcome=audit.Outcome.FAILURE,
            message="unknown user",
        )
        return PasswordCheck(user=None)
    if user.is_locked():
        make_password(password)
        audit.record(
            audit.Action.LOGIN_FAILED,
            username=user.username,
            obj=user,
            outcome=audit.Outcome.FAILURE,
            message="locked",
        )
        return PasswordCheck(user=None)
    if not user.check_password(password) or not user.is_active:
        _register_failure(user, audit.Action.LOGIN_FAILED)
        return PasswordCheck(user=None)
    device = confirmed_device(user)
    return PasswordCheck(
        user=user,
        needs_otp=device is not None,
        needs_enrolment=device is None and user.requires_two_factor(),
    )


@transaction.atomic
def otp_check(*, user: User, code: str) -> bool:
    """Second step: a TOTP code, usable once; wrong codes count toward the lockout."""
    user = User.objects.select_for_update().get(pk=user.pk)
    device = confirmed_device(user)
    if user.is_locked() or not user.is_active or device is None:
        return False
    if device.verify_token(code.strip()):
        return True
    _register_failure(user, audit.Action.OTP_FAILED)
    return False


def login_complete(request: HttpRequest, user: User, *, otp_verified: bool) -> None:
    """Start the session: a new session key, the login time for the absolute lifetime."""
    User.objects.filter(pk=user.pk).update(failed_logins=0, locked_until=None)
    user.backend = "django.contrib.auth.backends.ModelBackend"  # type: ignore[attr-defined]
    login(request, user)
    now = int(timezone.now().timestamp())
    request.session[SESSION_LOGIN_AT] = now
    request.session[SESSION_SEEN_AT] = now
    request.session[SESSION_OTP_VERIFIED] = otp_verified
    audit.record(audit.Action.LOGIN, actor=user, obj=user)


# --- two-factor enrolment ---------------------------------------------------------------------


def otp_enrolment_device(user: User) -> TOTPDevice:
    """The unconfirmed device a user is enrolling (created on first call, reused after)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="authenticator", confirmed=False)
    return device


@transaction.atomic
def otp_enrol(*, user: User, code: str) -> bool:
    """Confirm the pending device with a first code; replaces any earlier device."""
    device = otp_enrolment_device(user)
    if not device.verify_token(code.strip()):
        audit.record(
            audit.Action.OTP_FAILED,
            actor=user if user.is_authenticated else None,
            username=user.username,
            obj=user,
            outcome=audit.Outcome.FAILURE,
            message="enrolment",
        )
        return False
    TOTPDevice.objects.filter(user=user, confirmed=True).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    audit.record(
        audit.Action.OTP_ENROLLED,
        actor=user if user.is_authenticated else None,
        username=user.username,
        obj=user,
    )
    return True


def _check_reset_allowed(user: User, by: User | None) -> None:
    """三员分立: in the web UI nobody resets the credentials of an account for which two-factor
    authentication is mandatory (an administrator, or staff who may see full ID numbers) — the
    system administrator could otherwise take the account over with their own authenticator.
    Those are reset at the server console (`ronghe reset_credentials`)."""
    if by is not None and by.pk != user.pk and user.requires_two_factor():
        raise AccountError(
            _(
                "This account needs two-factor authentication: it is reset only at the server console."
            )
        )


@transaction.atomic
def otp_remove(*, user: User, by: User | None) -> None:
    """Remove a user's authenticator (lost phone); those who need one enrol again at login."""
    _check_reset_allowed(user, by)
    TOTPDevice.objects.filter(user=user).delete()
    audit.record(audit.Action.OTP_REMOVED, actor=by, obj=user)


# --- passwords --------------------------------------------------------------------------------


def generate_password(length: int = 16) -> str:
    """A random password that passes the policy: every character class is present."""
    alphabet = string.ascii_letters + string.digits + "!@#$%^&*-_=+"
    while True:
        candidate = "".join(secrets.choice(alphabet) for _ in range(length))
        if (
            any(c.islower() for c in candidate)
            and any(c.isupper() for c in candidate)
            and any(c.isdigit() for c in candidate)
            and any(not c.isalnum() for c in candidate)
        ):
            return candidate


def _store_password(user: User, password: str, *, must_change: bool) -> None:
    if user.has_usable_password():
        PasswordHistory.objects.create(user=user, password=user.password)
        stale = list(
            user.password_history.values_list("pk", flat=True)[settings.PASSWORD_HISTORY :]
        )
        PasswordHistory.objects.filter(pk__in=stale).delete()
    user.set_password(password)
    user.password_changed_at = timezone.now()
    user.must_change_password = must_change
    user.save(update_fields=["password", "password_changed_at", "must_change_password"])


def password_change(*, user: User, old_password: str, new_password: str) -> None:
    """The user's own change. Other sessions end (their auth hash no longer matches)."""
    if not user.check_password(old_password):
        # Recorded outside the transaction below: raising out of it would roll the row back.
        audit.record(
            audit.Action.PASSWORD_CHANGED,
            actor=user,
            obj=user,
            outcome=audit.Outcome.FAILURE,
            message="wrong current password",
        )
        raise AccountError(_("The current password is wrong."), "old_password")
    with transaction.atomic():
        password_validation.validate_password(new_password, user)
        _store_password(user, new_password, must_change=False)
        audit.record(audit.Action.PASSWORD_CHANGED, actor=user, obj=user)


@transaction.atomic
def password_reset(*, user: User, by: User | None) -> str:
    """A sysadmin (or the console, `by=None`) issues a one-time password; the user must
    change it at next login."""
    _check_reset_allowed(user, by)
    temporary = generate_password()
    _store_password(user, temporary, must_change=True)
    User.objects.filter(pk=user.pk).update(failed_logins=0, locked_until=None)
    audit.record(audit.Action.PASSWORD_RESET, actor=by, obj=user)
    return temporary


# --- accounts ---------------------------------------------------------------------------------


def _check_username_free(username: str) -> str:
    normalized = normalize_username(username)
    if not normalized or len(normalized) < 3:
        raise AccountError(_("A username has at least 3 characters."), "username")
    if not all(c.isalnum() or c in "._-" for c in normalized):
        raise AccountError(
            _("Use letters, digits, dots, hyphens and underscores only."), "username"
        )
    if User.objects.filter(username=normalized).exists():
        raise AccountError(_("This username is taken (case and width do not matter)."), "username")
    return normalized


@transaction.atomic
def account_create(
    *,
    username: str,
    display_name: str,
    by: User | None,
    person: Any = None,
    password: str | None = None,
) -> tuple[User, str]:
    """Create a login that must change its password at first use. Returns (user, password)."""
    normalized = _check_username_free(username)
    if person is not None and User.objects.filter(person=person).exists():
        raise AccountError(_("This person already has a login."), "person")
    initial = password or generate_password()
    try:
        with transaction.atomic():
            user = get_user_model().objects.create_user(
                normalized,
                initial,
                display_name=display_name,
                person=person,
                must_change_password=True,
            )
    except IntegrityError as exc:  # a concurrent create of the same name
        raise AccountError(
            _("This username is taken (case and width do not matter)."), "username"
        ) from exc
    audit.record(
        audit.Action.ACCOUNT_CREATED,
        actor=by,
        obj=user,
        after={"username": user.username, "display_name": display_name},
    )
    return user, initial


@transaction.atomic
def account_set_active(*, user: User, active: bool, by: User) -> None:
    """Disable (ending every session of the user at their next request) or re-enable."""
    if user.pk == by.pk and not active:
        raise AccountError(_("You cannot disable your own account."))
    user.is_active = active
    user.save(update_fields=["is_active"])
    audit.record(
        audit.Action.ACCOUNT_ENABLED if active else audit.Action.ACCOUNT_DISABLED,
        actor=by,
        obj=user,
    )


@transaction.atomic
def account_unlock(*, user: User, by: User) -> None:
    user.failed_logins = 0
    user.locked_until = None
    user.save(update_fields=["failed_logins", "locked_until"])
    audit.record(audit.Action.ACCOUNT_UNLOCKED, actor=by, obj=user)


# --- roles ------------------------------------------------------------------------------------


def accounts_disable_dormant(*, now: datetime | None = None) -> int:
    """Disable accounts unused for ACCOUNT_DORMANT_AFTER (SECURITY.md B-2), each audited.

    An account that never signed in counts from its creation. Administrators are included:
    a dormant administrator account is exactly what an intruder looks for.
    """
    cutoff = (now or timezone.now()) - settings.ACCOUNT_DORMANT_AFTER
    dormant = User.objects.filter(is_active=True).filter(
        Q(last_login__lt=cutoff) | Q(last_login__isnull=True, date_joined__lt=cutoff)
    )
    count = 0
    for user in dormant.iterator():
        with transaction.atomic():
            user.is_active = False
            user.save(update_fields=["is_active"])
            audit.record(audit.Action.ACCOUNT_DISABLED, obj=user, message="dormant")
        count += 1
    return count


def assignable_roles(by: User) -> list[Role]:
    reach = reach_of(by)
    if Role.SECADMIN in reach.roles:
        return list(Role)
    if reach.has(Cap.ASSIGN_ROLES):
        return [role for role in Role if role not in ADMIN_ROLES]
    return []


@transaction.atomic
def role_grant(
    *,
    user: User,
    role: str,
    by: User,
    party_org: Any = None,
    unit: Any = None,
    may_unmask: bool = False,
) -> RoleAssignment:
    """Grant a role. The security administrator grants anything; Party-affairs staff grant
    non-administrator roles inside their subtree to people inside their reach."""
    reach = reach_of(by)
    if role not in assignable_roles(by):
        raise AccountError(_("You may not grant this role."), "role")
    is_admin_role = role in ADMIN_ROLES
    if is_admin_role and (party_org is not None or unit is not None):
        raise AccountError(_("Administrator roles are not tied to an organisation."), "party_org")
    if not is_admin_role and (party_org is None) == (unit is None):
        raise AccountError(_("Choose either a Party organisation or a business unit."), "party_org")
    if role == Role.BUSINESS_HEAD and party_org is not None:
        raise AccountError(_("A business head is assigned on a business unit."), "unit")
    if role not in (Role.BUSINESS_HEAD, Role.LEADER) and unit is not None:
        raise AccountError(_("This role is assigned on a Party organisation."), "party_org")
    held = set(user.role_assignments.values_list("role", flat=True))
    if is_admin_role and held:
        raise AccountError(_("An administrator holds no other role (三员分立)."), "role")
    if not is_admin_role and held & ADMIN_ROLES:
        raise AccountError(
            _("This user is an administrator and may hold no other role."), "username"
        )
    if Role.SECADMIN not in reach.roles:
        # Party-affairs staff: the place and the person must both be inside their reach.
        place = {
            "party_path": party_org.path if party_org is not None else None,
            "unit_path": unit.path if unit is not None else None,
        }
        if not reach.reaches(Cap.ASSIGN_ROLES, **place):
            raise AccountError(_("This organisation is outside your reach."), "party_org")
        person = user.person
        person_ok = person is not None and (
            (
                person.party_org is not None
                and reach.reaches(Cap.ASSIGN_ROLES, party_path=person.party_org.path)
            )
            or (
                person.unit is not None
                and reach.reaches(Cap.ASSIGN_ROLES, unit_path=person.unit.path)
            )
        )
        if not person_ok:
            raise AccountError(_("This user is outside your reach."), "username")
        # Unmasking passes on only where the granter may unmask: holding it somewhere else
        # (another subtree) must not let them hand it out here.
        if may_unmask and not reach.reaches(Cap.UNMASK, **place):
            raise AccountError(_("You may not grant the right to view full numbers."), "may_unmask")
    try:
        with transaction.atomic():
            assignment = RoleAssignment.objects.create(
                user=user,
                role=role,
                party_org=party_org,
                unit=unit,
                may_unmask=may_unmask,
                granted_by=by,
            )
    except IntegrityError as exc:
        raise AccountError(_("This user already holds this role here."), "role") from exc
    forget_reach(user)
    audit.record(
        audit.Action.ROLE_GRANTED,
        actor=by,
        obj=user,
        after={
            "role": role,
            "party_org": party_org.org_code if party_org else None,
            "unit": unit.org_code if unit else None,
            "may_unmask": may_unmask,
        },
    )
    return assignment


def revocable_by(assignment: RoleAssignment, by: User) -> bool:
    reach = reach_of(by)
    if Role.SECADMIN in reach.roles:
        return True
    if assignment.role in ADMIN_ROLES:
        return False
    return reach.reaches(
        Cap.ASSIGN_ROLES,
        party_path=assignment.party_org.path if assignment.party_org else None,
        unit_path=assignment.unit.path if assignment.unit else None,
    )


@transaction.atomic
def role_revoke(*, assignment: RoleAssignment, by: User) -> None:
    if not revocable_by(assignment, by):
        raise AccountError(_("You may not revoke this role."))
    if assignment.user_id == by.pk and assignment.role == Role.SECADMIN:
        raise AccountError(_("You cannot revoke your own security administrator role."))
    snapshot = {
        "role": assignment.role,
        "party_org": assignment.party_org.org_code if assignment.party_org else None,
        "unit": assignment.unit.org_code if assignment.unit else None,
    }
    user = assignment.user
    assignment.delete()
    forget_reach(user)
    audit.record(audit.Action.ROLE_REVOKED, actor=by, obj=user, before=snapshot)
