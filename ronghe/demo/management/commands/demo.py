"""`ronghe demo`: create the database, load the demo organisation, print the logins, serve.

Passwords (and the administrators' TOTP secrets) are generated at random for each new
database, printed, and saved beside it in `demo-logins.txt`; none is written in the code.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction

from ronghe.compliance.models import Finding
from ronghe.demo import rosters
from ronghe.demo.builder import DEMO_COMPANIES, DEMO_GROUP, DEMO_HQ, OrganisationBuilder
from ronghe.demo.meetings import build_meeting_history
from ronghe.demo.personas import Login, create_personas
from ronghe.demo.plans import build_plan_year
from ronghe.orgs.models import PartyOrg


def logins_file() -> Path:
    return Path(settings.VAR_DIR) / "demo-logins.json"


class Command(BaseCommand):
    help = "Load the demo organisation (once per database), print its logins and serve it."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--no-serve", action="store_true", help="load and print, do not serve")
        parser.add_argument("--port", type=int, default=8000)

    def handle(self, *args: Any, **options: Any) -> None:
        call_command("migrate", interactive=False, verbosity=0)
        path = logins_file()
        if PartyOrg.objects.filter(org_code=f"{DEMO_GROUP[1]}-DW").exists() and path.exists():
            logins = [Login(**row) for row in json.loads(path.read_text(encoding="utf-8"))]
            self.stdout.write("The demo organisation is already loaded.")
        else:
            logins = self._load()
            path.write_text(
                json.dumps([login.__dict__ for login in logins], ensure_ascii=False, indent=2),
                encoding="utf-8",
            )
            path.chmod(0o600)
        self._print(logins, path, options["port"])
        self._write_messy_roster()
        if not options["no_serve"]:
            call_command("collectstatic", interactive=False, verbosity=0)
            from ronghe.cli import serve

            serve(["--port", str(options["port"]), "--workers", "1"])

    @transaction.atomic
    def _load(self) -> list[Login]:
        self.stdout.write("Building the demo organisation …")
        built = OrganisationBuilder().build(DEMO_GROUP, DEMO_HQ, DEMO_COMPANIES)
        self.stdout.write(
            f"  {PartyOrg.objects.count()} Party organisations, {len(built.units)} business units, "
            f"{len(built.people)} people"
        )
        logins = create_personas(built)
        # After the personas: their roles make them invitees of their committees' meetings.
        history = build_meeting_history(built)
        found = history.findings
        self.stdout.write(
            f"  {history.held} meetings held over the last year, {history.planned} planned; "
            f"compliance: {found.get(Finding.Status.OK, 0)} met, "
            f"{found.get(Finding.Status.DUE_SOON, 0)} due soon, "
            f"{found.get(Finding.Status.OVERDUE, 0) + found.get(Finding.Status.VIOLATED, 0)} behind"
        )
        year = build_plan_year(built)
        states = year.states
        self.stdout.write(
            f"  {year.plan.year} joint plan: {year.items} targets, {year.deployed} deployed to "
            f"every branch; {year.tasks} tasks: {states.get('done', 0) + states.get('done_early', 0)}"
            f" done on time, {states.get('done_late', 0)} done late, "
            f"{states.get('overdue', 0)} overdue, {states.get('waiting', 0)} waiting for a check, "
            f"{states.get('returned', 0)} returned for more evidence"
        )
        return logins

    def _write_messy_roster(self) -> None:
        """A roster with every real-world mistake, for trying the import on the demo."""
        world = rosters.demo_world()
        if world is None:
            return
        target = Path(settings.VAR_DIR) / "demo-rosters" / "messy.xlsx"
        target.parent.mkdir(parents=True, exist_ok=True)
        rosters.messy(world).save(target)
        self.stdout.write(
            f"Try the roster import with {os.path.relpath(target)}: sign in as the Party-affairs "
            f"login, Import roster, into {world.committee}. {len(rosters.MESSY_ERRORS)} rows are "
            "wrong on purpose; fix them in the file you get back and import again."
        )
        self.stdout.write("")

    def _print(self, logins: list[Login], path: Path, port: int) -> None:
        out = self.stdout.write
        out("")
        out(f"Ronghe demo: http://127.0.0.1:{port}/   (logins saved in {os.path.relpath(path)})")
        out("")
        width = max(len(login.username) for login in logins)
        for login in logins:
            out(f"  {login.username:<{width}}  {login.password}  {login.description}")
            if login.totp_secret:
                out(
                    f"  {'':<{width}}  TOTP secret: {login.totp_secret}  (add it to any authenticator app)"
                )
        out("")
