"""Reset an account's password and authenticator from the server console.

The recovery path for administrators (三员), whose credentials nobody may reset in the web UI.
Prints a one-time password; the user changes it and enrols an authenticator at next sign-in.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from ronghe.accounts import services
from ronghe.accounts.models import User


class Command(BaseCommand):
    help = "Issue a one-time password and remove the authenticator of an account (console only)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--username", required=True)

    @transaction.atomic
    def handle(self, *args: Any, **options: Any) -> None:
        user = User.objects.by_login_name(options["username"])
        if user is None:
            raise CommandError("no account has this username")
        services.otp_remove(user=user, by=None)
        password = services.password_reset(user=user, by=None)
        self.stdout.write(f"one-time password for {user.username}: {password}")
        self.stdout.write("The authenticator was removed; enrol a new one at next sign-in.")
