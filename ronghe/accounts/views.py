"""Sign-in, password and two-factor pages; account and role administration (三员)."""

from __future__ import annotations

import base64
import io
from typing import Any

import segno
from django.contrib import messages
from django.contrib.auth import logout, update_session_auth_hash
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Exists, OuterRef
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST
from django_otp.plugins.otp_totp.models import TOTPDevice

from ronghe.accounts import services, tokens
from ronghe.accounts.forms import (
    AccountForm,
    ApiTokenForm,
    LoginForm,
    OtpForm,
    PasswordChangeForm,
    RoleGrantForm,
)
from ronghe.accounts.models import ApiToken, RoleAssignment, User
from ronghe.core import audit
from ronghe.core.access import Cap, Role, reach_of, require_role
from ronghe.core.downloads import xlsx_download

PENDING = "ronghe_pending_login"
NEXT = "ronghe_login_next"


def _pending_user(request: HttpRequest) -> User | None:
    """The user who passed the password step and still owes a code, within the time limit."""
    from django.conf import settings

    pending = request.session.get(PENDING)
    if not pending:
        return None
    if timezone.now().timestamp() - pending["at"] > settings.OTP_LOGIN_STEP.total_seconds():
        del request.session[PENDING]
        return None
    return User.objects.filter(pk=pending["user"], is_active=True).first()


def _pending_enrolment(request: HttpRequest) -> User | None:
    """The pending user, but only while they have no authenticator: enrolment at sign-in is
    for administrators without one. Someone who has one owes its code; letting them enrol a
    new one here would let the password alone replace it and skip the second factor."""
    user = _pending_user(request)
    if user is None or services.confirmed_device(user) is not None:
        return None
    return user


def _remember_next(request: HttpRequest) -> None:
    """Where the login was asked from (a scanned sign-in code, a link in a message), kept
    through the second-factor step; only a path on this site is kept."""
    target = request.GET.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        request.session[NEXT] = target
    else:
        request.session.pop(NEXT, None)  # a login page opened on its own goes to today


def _finish(request: HttpRequest, user: User, *, otp_verified: bool) -> HttpResponse:
    request.session.pop(PENDING, None)
    target = request.session.pop(NEXT, None)
    services.login_complete(request, user, otp_verified=otp_verified)
    return redirect(target or "insights:today")


@login_not_required
@never_cache
def login_view(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("insights:today")
    _remember_next(request)
    form = LoginForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        check = services.password_check(**form.cleaned_data)
        if check.user is None:
            # One message for every failure: unknown user, wrong password, locked, disabled.
            form.add_error(
                None,
                _(
                    "Wrong username or password, or the account is locked. "
                    "After 5 failures the account is locked for 30 minutes."
                ),
            )
        elif check.needs_otp or check.needs_enrolment:
            request.session.cycle_key()
            request.session[PENDING] = {"user": check.user.pk, "at": timezone.now().timestamp()}
            return redirect(
                "accounts:login_enrol" if check.needs_enrolment else "accounts:login_otp"
            )
        else:
            return _finish(request, check.user, otp_verified=False)
    expired = request.GET.get("expired") == "1"
    return render(request, "accounts/login.html", {"form": form, "expired": expired})


@login_not_required
@never_cache
def login_otp(request: HttpRequest) -> HttpResponse:
    user = _pending_user(request)
    if user is None:
        return redirect("accounts:login")
    form = OtpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if services.otp_check(user=user, code=form.cleaned_data["code"]):
            return _finish(request, user, otp_verified=True)
        form.add_error("code", _("This code is wrong or was already used. Wait for the next one."))
    return render(request, "accounts/login_otp.html", {"form": form})


@login_not_required
@never_cache
def login_enrol(request: HttpRequest) -> HttpResponse:
    """Administrators without an authenticator enrol one before their first session starts."""
    user = _pending_enrolment(request)
    if user is None:
        return redirect("accounts:login")
    device = services.otp_enrolment_device(user)
    form = OtpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if services.otp_enrol(user=user, code=form.cleaned_data["code"]):
            return _finish(request, user, otp_verified=True)
        form.add_error("code", _("This code is wrong. Check the time on your phone and try again."))
    return render(
        request, "accounts/login_enrol.html", {"form": form, **_enrolment_context(device)}
    )


def _enrolment_context(device: TOTPDevice) -> dict[str, Any]:
    secret = base64.b32encode(device.bin_key).decode()
    return {"secret": " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))}


@login_not_required
@never_cache
def otp_qr(request: HttpRequest) -> HttpResponse:
    user = request.user if request.user.is_authenticated else _pending_enrolment(request)
    if user is None:
        raise Http404
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    if device is None:
        raise Http404
    buffer = io.BytesIO()
    segno.make(device.config_url, error="m").save(buffer, kind="svg", scale=5, border=2)
    return HttpResponse(buffer.getvalue(), content_type="image/svg+xml")


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]  # LoginRequiredMiddleware
    audit.record(audit.Action.LOGOUT, actor=user, obj=user)
    logout(request)  # flushes the session row on the server
    return redirect("accounts:login")


@never_cache
def password_change_view(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    form = PasswordChangeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.password_change(
                user=user,
                old_password=form.cleaned_data["old_password"],
                new_password=form.cleaned_data["new_password"],
            )
        except services.AccountError as exc:
            form.add_error(exc.field, str(exc))
        except ValidationError as exc:
            form.add_error("new_password", exc)
        else:
            update_session_auth_hash(request, user)  # keep this session, end the others
            messages.success(request, _("Your password was changed."))
            return redirect("insights:today")
    reason = None
    if user.must_change_password:
        reason = _("Please choose your own password before you continue.")
    elif user.password_expired():
        reason = _("Your password is older than 90 days. Please choose a new one.")
    from django.contrib.auth.password_validation import password_validators_help_texts

    return render(
        request,
        "accounts/password_change.html",
        {
            "form": form,
            "reason": reason,
            "rules": password_validators_help_texts(),
        },
    )


@never_cache
def security(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    device = services.confirmed_device(user)
    if request.method == "POST" and request.POST.get("action") == "remove" and device is not None:
        if user.requires_two_factor():
            raise PermissionDenied
        services.otp_remove(user=user, by=user)
        messages.success(request, _("Two-factor authentication is off."))
        return redirect("accounts:security")
    return render(
        request,
        "accounts/security.html",
        {
            "device": device,
            "password_age_days": (timezone.now() - user.password_changed_at).days,
            "required": user.requires_two_factor(),
        },
    )


@never_cache
def security_enrol(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    device = services.otp_enrolment_device(user)
    form = OtpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if services.otp_enrol(user=user, code=form.cleaned_data["code"]):
            request.session[services.SESSION_OTP_VERIFIED] = True
            messages.success(request, _("Two-factor authentication is on."))
            return redirect("accounts:security")
        form.add_error("code", _("This code is wrong. Check the time on your phone and try again."))
    return render(
        request, "accounts/security_enrol.html", {"form": form, **_enrolment_context(device)}
    )


# --- personal API tokens ----------------------------------------------------------------------


@never_cache
def token_list(request: HttpRequest) -> HttpResponse:
    """The user's own tokens and the form for a new one; the secret is shown once, in the
    answer to the creating POST (it is stored nowhere, not even in the session)."""
    user: User = request.user  # type: ignore[assignment]
    if user.is_administrator():
        raise PermissionDenied  # 三员 reach no Party data: nothing to read with a token
    form = ApiTokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            token, secret = tokens.token_create(user=user, by=user, **form.cleaned_data)
        except services.AccountError as exc:
            form.add_error(exc.field, str(exc))
        else:
            api_root = request.build_absolute_uri("/api/v1/")
            return render(
                request,
                "accounts/token_created.html",
                {"token": token, "secret": secret, "api_root": api_root},
            )
    return render(
        request,
        "accounts/token_list.html",
        {"form": form, "tokens": ApiToken.objects.of(user)},
    )


@require_POST
def token_revoke_view(request: HttpRequest, code: Any) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    token = get_object_or_404(ApiToken.objects.of(user), code=code)  # another's token: 404
    try:
        tokens.token_revoke(token=token, by=user)
    except services.AccountError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("The token was revoked."))
    return redirect("accounts:token_list")


# --- system administrator: accounts -----------------------------------------------------------


def _accounts(request: HttpRequest) -> tuple[str, Any]:
    """The accounts the list shows for its search: one function for the page and its export."""
    query = request.GET.get("q", "").strip()
    users = User.objects.order_by("username").annotate(
        has_otp=Exists(TOTPDevice.objects.filter(user=OuterRef("pk"), confirmed=True))
    )
    if query:
        users = users.filter(username__icontains=query) | users.filter(
            display_name__icontains=query
        )
    return query, users


def user_export(request: HttpRequest) -> HttpResponseBase:
    require_role(request.user, Role.SYSADMIN)
    query, users = _accounts(request)
    now = timezone.now()
    header = [
        "用户名",
        "姓名",
        "状态",
        "锁定至",
        "双因素认证",
        "须改密码",
        "密码修改时间",
        "最近登录",
        "创建时间",
    ]

    def when(value: Any) -> str:
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else ""

    rows = (
        [
            user.username,
            user.display_name,
            "启用" if user.is_active else "停用",
            when(user.locked_until) if user.locked_until and user.locked_until > now else "",
            "是" if user.has_otp else "否",
            "是" if user.must_change_password else "否",
            when(user.password_changed_at),
            when(user.last_login),
            when(user.date_joined),
        ]
        for user in users.iterator(chunk_size=2000)
    )
    response, count = xlsx_download(f"账号-{now:%Y%m%d}.xlsx", header, rows, title="账号")
    audit.record(
        audit.Action.EXPORT,
        actor=request.user,
        object_type="accounts.user",
        object_repr="accounts",
        after={"rows": count, "q": query},
    )
    return response


def user_list(request: HttpRequest) -> HttpResponse:
    require_role(request.user, Role.SYSADMIN)
    query, users = _accounts(request)
    page = Paginator(users, 50).get_page(request.GET.get("page"))
    params = request.GET.copy()
    params.pop("page", None)
    context = {
        "page": page,
        "q": query,
        "now": timezone.now(),
        "query_without_page": params.urlencode(),
    }
    return render(request, "accounts/user_list.html", context)


def user_create(request: HttpRequest) -> HttpResponse:
    require_role(request.user, Role.SYSADMIN)
    form = AccountForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user, password = services.account_create(by=request.user, **form.cleaned_data)  # type: ignore[arg-type]
        except services.AccountError as exc:
            form.add_error(exc.field, str(exc))
        else:
            return render(
                request, "accounts/one_time_password.html", {"account": user, "password": password}
            )
    return render(request, "accounts/user_form.html", {"form": form})


def user_detail(request: HttpRequest, code: Any) -> HttpResponse:
    require_role(request.user, Role.SYSADMIN)
    account = get_object_or_404(User, code=code)
    return render(
        request,
        "accounts/user_detail.html",
        {
            "account": account,
            "device": services.confirmed_device(account),
            "assignments": account.role_assignments.with_places(),
        },
    )


@require_POST
def user_action(request: HttpRequest, code: Any, action: str) -> HttpResponse:
    require_role(request.user, Role.SYSADMIN)
    account = get_object_or_404(User, code=code)
    by: User = request.user  # type: ignore[assignment]
    try:
        if action == "disable":
            services.account_set_active(user=account, active=False, by=by)
        elif action == "enable":
            services.account_set_active(user=account, active=True, by=by)
        elif action == "unlock":
            services.account_unlock(user=account, by=by)
        elif action == "remove-otp":
            services.otp_remove(user=account, by=by)
        elif action == "reset-password":
            password = services.password_reset(user=account, by=by)
            return render(
                request,
                "accounts/one_time_password.html",
                {"account": account, "password": password},
            )
        else:
            raise Http404
    except services.AccountError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Done."))
    return redirect("accounts:user_detail", code=account.code)


# --- security administrator and Party-affairs staff: roles ------------------------------------


def role_list(request: HttpRequest) -> HttpResponse:
    by: User = request.user  # type: ignore[assignment]
    roles = services.assignable_roles(by)
    if not roles:
        raise PermissionDenied
    reach = reach_of(by)
    assignments = RoleAssignment.objects.with_places().order_by("user__username", "role")
    if Role.SECADMIN not in reach.roles:
        assignments = assignments.filter(
            reach.q(Cap.ASSIGN_ROLES, party="party_org__", unit="unit__")
        )
    form = RoleGrantForm(request.POST or None, user=by, roles=roles)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        target = User.objects.by_login_name(data["username"])
        if target is None:
            form.add_error("username", _("No account has this username."))
        else:
            try:
                services.role_grant(
                    user=target,
                    role=data["role"],
                    by=by,
                    party_org=data["party_org"],
                    unit=data["unit"],
                    may_unmask=data["may_unmask"],
                )
            except services.AccountError as exc:
                form.add_error(exc.field, str(exc))
            else:
                messages.success(request, _("The role was granted."))
                return redirect("accounts:role_list")
    page = Paginator(assignments, 50).get_page(request.GET.get("page"))
    return render(request, "accounts/role_list.html", {"form": form, "page": page})


@require_POST
def role_revoke_view(request: HttpRequest, code: Any) -> HttpResponse:
    by: User = request.user  # type: ignore[assignment]
    if not services.assignable_roles(by):
        raise PermissionDenied
    assignment = RoleAssignment.objects.with_places().filter(code=code).first()
    if assignment is None or not services.revocable_by(assignment, by):
        raise Http404
    try:
        services.role_revoke(assignment=assignment, by=by)
    except services.AccountError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("The role was revoked."))
    return redirect("accounts:role_list")
