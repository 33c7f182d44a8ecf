"""Create the first administrator of a fresh installation (SECURITY.md B-1).

There is no default account: this prints a random one-time password; the administrator must
change it and enrol an authenticator at first sign-in.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from ronghe.accounts import services
from ronghe.accounts.models import RoleAssignment
from ronghe.core import audit
from ronghe.core.access import ADMIN_ROLES, Role


class Command(BaseCommand):
    help = "Create the first system, security or audit administrator with a one-time password."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--username", required=True)
        parser.add_argument("--role", choices=sorted(ADMIN_ROLES), default=Role.SYSADMIN)
        parser.add_argument("--display-name", default="")

    @transaction.atomic
    def handle(self, *args: Any, **options: Any) -> None:
        role = options["role"]
        if RoleAssignment.objects.filter(role=role, user__is_active=True).exists():
            raise CommandError(f"an active {role} exists already; they create further accounts")
        try:
            user, password = services.account_create(
                username=options["username"], display_name=options["display_name"], by=None
            )
        except services.AccountError as exc:
            raise CommandError(str(exc)) from exc
        RoleAssignment.objects.create(user=user, role=role)
        audit.record(audit.Action.ROLE_GRANTED, obj=user, after={"role": role}, message="bootstrap")
        self.stdout.write(f"created {role} {user.username}")
        self.stdout.write(f"one-time password: {password}")
        self.stdout.write(
            "It must be changed at first sign-in, with an authenticator app enrolled."
        )
