"""`ronghe import-roster FILE --org CODE [--dry-run] [--errors-out OUT.xlsx]`.

The console path of the roster import: the same checks, the same one-transaction write and
the same audit rows as the upload page. Exit status: 0 when every row was written (or, with
--dry-run, would be), 1 when nothing was written because of errors, 2 when the file cannot be
read at all.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from ronghe.accounts.models import User
from ronghe.core import private_files
from ronghe.core.spreadsheets import Limits
from ronghe.orgs.models import PartyOrg
from ronghe.people import imports
from ronghe.people.models import ImportBatch

EXIT_WRITTEN, EXIT_ERRORS, EXIT_UNREADABLE = 0, 1, 2
CHUNK = 1 << 20


class Command(BaseCommand):
    help = "Import a roster (.xlsx or .csv) into a Party organisation: all rows or none."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--org", required=True, help="the organisation code")
        parser.add_argument("--dry-run", action="store_true", help="check only, write nothing")
        parser.add_argument("--errors-out", type=Path, help="write the annotated copy here")
        parser.add_argument(
            "--update-existing",
            action="store_true",
            help="people already on the roster (same ID number) are updated from the file",
        )
        parser.add_argument(
            "--user", default="", help="act as this user, within their reach (default: console)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        if not path.is_file():
            self.stderr.write(_("Cannot read the file %(path)s.") % {"path": path})
            sys.exit(EXIT_UNREADABLE)
        org = self._org(options["org"])
        user = self._user(options["user"], org)
        with path.open("rb") as handle:
            batch = imports.upload(
                chunks=iter(lambda: handle.read(CHUNK), b""),
                filename=path.name,
                org=org,
                user=user,
                update_existing=options["update_existing"],
                source=ImportBatch.Source.CONSOLE,
            )
        report = imports.run(batch, then_commit=not options["dry_run"], limits=Limits.console())
        batch.refresh_from_db()
        if options["errors_out"] and batch.error_file:
            shutil.copyfile(
                private_files.path_of("reports", batch.error_file), options["errors_out"]
            )
        self._print(report, batch, dry_run=options["dry_run"])
        if options["dry_run"]:
            imports.discard(batch)
        if batch.status == ImportBatch.Status.FAILED:
            sys.exit(EXIT_UNREADABLE)
        if not report.ok:
            sys.exit(EXIT_ERRORS)

    def _org(self, code: str) -> PartyOrg:
        org = PartyOrg.objects.filter(org_code__iexact=code.strip()).first()
        if org is None:
            raise CommandError(_("No Party organisation has the code %(code)s.") % {"code": code})
        return org

    def _user(self, username: str, org: PartyOrg) -> User | None:
        if not username:
            return None
        user = User.objects.by_login_name(username)
        if user is None or not user.is_active:
            raise CommandError(_("No active user %(name)s.") % {"name": username})
        if not imports.target_orgs_for(user).filter(pk=org.pk).exists():
            raise CommandError(
                _("%(name)s may not import people into %(org)s.")
                % {"name": username, "org": org.name}
            )
        return user

    def _print(self, report: Any, batch: ImportBatch, *, dry_run: bool) -> None:
        for warning in report.warnings:
            self.stdout.write(_("Note: %(text)s") % {"text": warning})
        for error in report.errors[:200]:
            where = _("Row %(n)s") % {"n": error.row} if error.row else _("The file")
            column = f"【{error.column}】" if error.column else ""
            self.stdout.write(f"{where}{column}{error.message}")
        if len(report.errors) > 200:
            self.stdout.write(
                _("…%(n)s errors in all; --errors-out writes them into the file.")
                % {"n": len(report.errors)}
            )
        counts = {
            "total": report.total,
            "created": report.created,
            "updated": report.updated,
            "unchanged": report.unchanged,
            "to_create": report.planned_created,
            "to_update": report.planned_updated,
            "to_keep": report.planned_unchanged,
            "rows": report.error_rows(),
            "errors": len(report.errors),
        }
        if report.committed:
            message = _(
                "Imported %(total)s rows: %(created)s added, %(updated)s updated,"
                " %(unchanged)s unchanged."
            )
        elif report.ok and dry_run:
            message = _(
                "Checked, nothing written: %(total)s rows, %(to_create)s to add,"
                " %(to_update)s to update, %(to_keep)s unchanged."
            )
        else:
            message = _("Nothing was written: %(errors)s errors in %(rows)s rows.")
        self.stdout.write(message % counts)
