"""Account input forms."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from ronghe.accounts.models import ApiToken
from ronghe.core.access import Cap, Role, reach_of
from ronghe.orgs.models import PartyOrg, Unit


class LoginForm(forms.Form):
    username = forms.CharField(label=_("username"), max_length=150)
    password = forms.CharField(label=_("password"), widget=forms.PasswordInput, max_length=256)


class OtpForm(forms.Form):
    code = forms.RegexField(
        label=_("verification code"),
        regex=r"^\s*\d{6}\s*$",
        max_length=10,
        error_messages={"invalid": _("Enter the 6 digits shown in your authenticator app.")},
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code"}),
    )


class PasswordChangeForm(forms.Form):
    old_password = forms.CharField(label=_("current password"), widget=forms.PasswordInput)
    new_password = forms.CharField(label=_("new password"), widget=forms.PasswordInput)
    new_password_again = forms.CharField(label=_("new password again"), widget=forms.PasswordInput)

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if data.get("new_password") and data.get("new_password") != data.get("new_password_again"):
            self.add_error("new_password_again", _("The two new passwords differ."))
        return data


class AccountForm(forms.Form):
    username = forms.CharField(label=_("username"), max_length=150)
    display_name = forms.CharField(label=_("display name"), max_length=100)


class RoleGrantForm(forms.Form):
    username = forms.CharField(label=_("username"), max_length=150)
    role = forms.ChoiceField(label=_("role"), choices=[])
    party_org: forms.ModelChoiceField = forms.ModelChoiceField(
        label=_("Party organisation"), queryset=PartyOrg.objects.none(), required=False
    )
    unit: forms.ModelChoiceField = forms.ModelChoiceField(
        label=_("business unit"), queryset=Unit.objects.none(), required=False
    )
    may_unmask = forms.BooleanField(label=_("may view full ID and phone numbers"), required=False)

    def __init__(self, *args: Any, user: Any, roles: list[Role], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = [(role.value, role.label) for role in roles]  # type: ignore[attr-defined]
        reach = reach_of(user)
        party: Any = self.fields["party_org"]
        unit: Any = self.fields["unit"]
        if Role.SECADMIN in reach.roles:
            # The security administrator sees names of organisations, not the people in them.
            party.queryset = PartyOrg.objects.open()
            unit.queryset = Unit.objects.open()
        else:
            party.queryset = PartyOrg.objects.open().filter(reach.q(Cap.ASSIGN_ROLES, party=""))
            unit.queryset = Unit.objects.open().filter(reach.q(Cap.ASSIGN_ROLES, unit=""))


def _expiry_days(value: str) -> int | None:
    return None if value == "never" else int(value)


class ApiTokenForm(forms.Form):
    name = forms.CharField(
        label=_("name"),
        max_length=100,
        help_text=_("What the token is for, for example the program that uses it."),
    )
    scope = forms.ChoiceField(
        label=_("scope"), choices=ApiToken.Scope.choices, initial=ApiToken.Scope.READ
    )
    expires_days = forms.TypedChoiceField(
        label=_("expires after"),
        choices=[
            ("30", _("30 days")),
            ("90", _("90 days")),
            ("365", _("1 year")),
            ("never", _("never")),
        ],
        coerce=_expiry_days,
        initial="90",
    )
