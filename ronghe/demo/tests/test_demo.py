"""`ronghe demo --no-serve`: the demo organisation, its personas, and logins that work."""

import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.test import Client
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from ronghe.accounts.models import User
from ronghe.orgs.models import PartyOrg
from ronghe.people.identity import validate_id_number
from ronghe.people.models import Person, PoliticalStatus


@pytest.fixture
def demo(db: None, settings: object, tmp_path: Path) -> list[dict[str, str]]:
    settings.VAR_DIR = tmp_path  # type: ignore[attr-defined]
    out = StringIO()
    call_command("demo", no_serve=True, stdout=out)
    return json.loads((tmp_path / "demo-logins.json").read_text(encoding="utf-8"))


def test_the_demo_is_a_group_soe_of_realistic_size(demo: list[dict[str, str]]) -> None:
    kinds = {kind: PartyOrg.objects.filter(kind=kind).count() for kind in PartyOrg.Kind.values}
    assert kinds[PartyOrg.Kind.COMMITTEE] == 4  # the group committee over three companies
    assert 25 <= kinds[PartyOrg.Kind.BRANCH] <= 35
    assert kinds[PartyOrg.Kind.GROUP] > 0
    assert 1200 <= Person.objects.count() <= 1800
    statuses = set(Person.objects.values_list("political_status", flat=True))
    assert statuses == set(PoliticalStatus.values)


def test_every_demo_id_number_is_valid(demo: list[dict[str, str]]) -> None:
    for person in Person.objects.order_by("?")[:200]:
        assert validate_id_number(person.id_number()) == person.id_number()


def test_each_persona_signs_in_with_the_printed_password(demo: list[dict[str, str]]) -> None:
    for login in demo:
        client = Client()
        response = client.post(
            "/accounts/login/", {"username": login["username"], "password": login["password"]}
        )
        user = User.objects.get(username=login["username"])
        if login["totp_secret"]:
            # Two-factor personas are asked for the code of the printed secret.
            assert response["Location"] == "/accounts/login/otp/"
            device = TOTPDevice.objects.get(user=user, confirmed=True)
            code = f"{TOTP(device.bin_key).token():06d}"
            response = client.post("/accounts/login/otp/", {"code": code})
        assert response["Location"] == "/", login["username"]


def test_two_factor_personas_are_the_administrators_and_the_unmasking_staff(
    demo: list[dict[str, str]],
) -> None:
    with_secret = {login["username"] for login in demo if login["totp_secret"]}
    assert with_secret == {"sysadmin", "secadmin", "auditor", "party_admin"}


def test_a_second_run_keeps_the_database_and_its_passwords(
    demo: list[dict[str, str]], settings: object
) -> None:
    people = Person.objects.count()
    out = StringIO()
    call_command("demo", no_serve=True, stdout=out)
    assert Person.objects.count() == people
    assert demo[0]["password"] in out.getvalue()


def test_the_demo_ships_a_messy_roster_with_exactly_the_fixtures_errors(
    demo: list[dict[str, str]], settings: object, tmp_path: Path
) -> None:
    """A newcomer tries the import on var/demo-rosters/messy.xlsx: the same wrong rows as the
    test fixture, and nothing written."""
    from ronghe.core.spreadsheets import Limits, open_sheet
    from ronghe.demo.rosters import MESSY_ERRORS, demo_world
    from ronghe.people.importing import RosterImport

    world = demo_world()
    assert world is not None
    committee = PartyOrg.objects.get(name=world.committee, depth=2)
    before = Person.objects.count()
    importer = RosterImport(org=committee)
    with open_sheet(tmp_path / "demo-rosters" / "messy.xlsx", Limits.uploads()) as sheet:
        report = importer.validate(sheet)
    found: dict[int, set[str]] = {}
    for error in report.errors:
        found.setdefault(error.row, set()).add(error.code)
    assert found == MESSY_ERRORS
    assert Person.objects.count() == before
