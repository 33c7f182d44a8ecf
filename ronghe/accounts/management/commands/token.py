"""Create or revoke a personal API token at the server console.

    ronghe token create --user NAME --scope read|write [--expires DAYS] [--name LABEL]
    ronghe token revoke --prefix PREFIX [--user NAME]

`create` prints the secret once; only its hash is stored. Both are audited like the page.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone
from django.utils.translation import gettext as _

from ronghe.accounts import services, tokens
from ronghe.accounts.models import ApiToken, User

# Where a service's field error belongs on the command line.
OPTIONS = {"name": "--name", "scope": "--scope", "expires_days": "--expires"}


class Command(BaseCommand):
    help = "Create (printing the secret once) or revoke a personal API token."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        create = actions.add_parser("create", help="issue a token and print its secret once")
        create.add_argument("--user", required=True, help="the username the token acts for")
        create.add_argument("--scope", required=True, help="read or write")
        create.add_argument("--expires", default=None, help="days until it expires (none: never)")
        create.add_argument("--name", default="console", help="a label to recognise it by")
        revoke = actions.add_parser("revoke", help="revoke a token by its prefix")
        revoke.add_argument("--prefix", required=True, help="the first 8 characters (rh_…)")
        revoke.add_argument("--user", default=None, help="narrow down to one user's tokens")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "create":
            self._create(options)
        else:
            self._revoke(options)

    def _user(self, username: str) -> User:
        user = User.objects.by_login_name(username)
        if user is None:
            raise CommandError(f"--user: {_('No account has this username.')}")
        return user

    def _create(self, options: dict[str, Any]) -> None:
        user = self._user(options["user"])
        expires = options["expires"]
        try:
            days = int(expires) if expires is not None else None
        except ValueError:
            raise CommandError(f"--expires: {_('Enter a whole number.')}") from None
        try:
            token, secret = tokens.token_create(
                user=user, name=options["name"], scope=options["scope"], expires_days=days, by=None
            )
        except services.AccountError as exc:
            option = OPTIONS.get(exc.field or "", "")
            raise CommandError(f"{option}: {exc}" if option else str(exc)) from exc
        expiry = (
            f"{timezone.localtime(token.expires_at):%Y-%m-%d %H:%M}"
            if token.expires_at
            else _("never")
        )
        self.stdout.write(
            _("Token %(prefix)s… created for %(user)s: %(name)s, %(scope)s, expires %(expiry)s.")
            % {
                "prefix": token.prefix,
                "user": user.username,
                "name": token.name,
                "scope": token.get_scope_display(),
                "expiry": expiry,
            }
        )
        self.stdout.write(_("Secret (shown only this once; keep it like a password):"))
        self.stdout.write(secret)

    def _revoke(self, options: dict[str, Any]) -> None:
        candidates = ApiToken.objects.select_related("user").filter(
            prefix=options["prefix"].strip().rstrip("…"), revoked_at__isnull=True
        )
        if options["user"]:
            candidates = candidates.filter(user=self._user(options["user"]))
        found = list(candidates[:2])
        if not found:
            raise CommandError(f"--prefix: {_('No active token has this prefix.')}")
        if len(found) > 1:
            raise CommandError(
                f"--prefix: {_('Several active tokens have this prefix; add --user.')}"
            )
        token = found[0]
        tokens.token_revoke(token=token, by=None)
        self.stdout.write(
            _("Token %(prefix)s… of %(user)s revoked.")
            % {"prefix": token.prefix, "user": token.user.username}
        )
