"""Create a top-level organisation of a new installation (the root of either tree).

Below the roots, organisations are created in the browser by Party-affairs staff; the roots
themselves come from here, once, when the platform is set up. Audited like any other write.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from ronghe.orgs import services
from ronghe.orgs.models import PartyOrg, Unit

TREES: dict[str, type[PartyOrg] | type[Unit]] = {"party": PartyOrg, "unit": Unit}


class Command(BaseCommand):
    help = "Create the top-level Party committee or company of a new installation."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--tree", choices=sorted(TREES), required=True)
        parser.add_argument("--name", required=True)
        parser.add_argument("--code", required=True, help="the organisation code, e.g. ZR-DW")
        parser.add_argument("--kind", default="", help="committee (party) or company (unit)")
        parser.add_argument("--map-to", default="", help="party tree: the code of its company")

    def handle(self, *args: Any, **options: Any) -> None:
        model: Any = TREES[options["tree"]]
        kind = options["kind"] or ("committee" if model is PartyOrg else "company")
        if kind not in model.Kind.values:
            raise CommandError(f"kind must be one of {', '.join(model.Kind.values)}")
        code = options["code"].strip().upper()
        if model.objects.filter(org_code=code).exists():
            raise CommandError(f"an organisation with code {code} exists already")
        data: dict[str, Any] = {"name": options["name"].strip(), "org_code": code, "kind": kind}
        try:
            node = services.node_create(model=model, parent=None, data=data, by=None)
        except services.TreeRuleError as exc:
            raise CommandError(str(exc)) from exc
        if options["map_to"] and isinstance(node, PartyOrg):
            unit = Unit.objects.filter(org_code=options["map_to"].strip().upper()).first()
            if unit is None:
                raise CommandError("no business unit has that code")
            node.units.add(unit)
        self.stdout.write(f"created {node.org_code} {node.name} ({node.code})")
