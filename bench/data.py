"""Bench data: about 100,000 people in about 5,000+ Party organisations.

Built once per bench database with the demo's `OrganisationBuilder` (bulk tree insert, the same
shape as the demo: group committee → company committees → one branch per department → Party
groups in the larger branches). A second run finds the data by its root's org_code and person
count and skips generation.

Django must be set up before this module's functions are called (`bench/run.py` does it).
"""

from __future__ import annotations

import os
import time
from typing import Any
from urllib.parse import urlsplit

BENCH_GROUP = ("融合基准集团有限公司", "BENCH")
ROOT_CODE = f"{BENCH_GROUP[1]}-DW"
COMPANIES = 40
DEPARTMENTS = 41  # one branch per department: 40 × 41 + 2 HQ branches = 1,642 branches
PEOPLE_PER_BRANCH = (55, 67)  # mean 61 → about 100,000 people
SEED = 2026
EXPECTED_PEOPLE = (95_000, 105_000)
SECRETARY_BRANCH = "C020-D021"  # an ordinary branch in the middle of the tree

ADMIN_USERNAME = "bench_party_admin"
SECRETARY_USERNAME = "bench_secretary"


def ensure_postgres_database(url: str) -> bool:
    """Create the bench database if it is missing (connecting to `postgres`). True if created."""
    import psycopg
    from psycopg import sql

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    admin_url = parts._replace(path="/postgres").geturl()
    with psycopg.connect(admin_url, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if exists:
            return False
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        return True


def counts() -> dict[str, int]:
    from django.db.models import Count

    from ronghe.orgs.models import PartyOrg, Unit
    from ronghe.people.models import Person

    by_kind = dict(
        PartyOrg.objects.filter(path__startswith=_root_path())
        .order_by()
        .values_list("kind")
        .annotate(n=Count("id"))
    )
    return {
        "people": Person.objects.count(),
        "people_with_party_org": Person.objects.filter(party_org__isnull=False).count(),
        "party_orgs": PartyOrg.objects.count(),
        **{f"party_orgs_{kind}": n for kind, n in sorted(by_kind.items())},
        "units": Unit.objects.count(),
    }


def _root_path() -> str:
    from ronghe.orgs.models import PartyOrg

    return PartyOrg.objects.get(org_code=ROOT_CODE).path


def is_generated() -> bool:
    from ronghe.orgs.models import PartyOrg
    from ronghe.people.models import Person

    if not PartyOrg.objects.filter(org_code=ROOT_CODE).exists():
        return False
    people = Person.objects.count()
    low, high = EXPECTED_PEOPLE
    if not low <= people <= high:
        raise SystemExit(
            f"The bench database holds the bench organisation but {people} people "
            f"(expected {low}–{high}). Drop it (or pass --fresh) and run again."
        )
    return True


def generate(log: Any = print) -> float:
    """Build the organisation; returns the seconds it took."""
    from django.db import connection

    from ronghe.demo.builder import DEMO_HQ, OrganisationBuilder, bench_companies

    started = time.perf_counter()
    companies = bench_companies(COMPANIES, DEPARTMENTS)
    log(
        f"Generating {COMPANIES} companies × {DEPARTMENTS} departments, "
        f"{PEOPLE_PER_BRANCH[0]}–{PEOPLE_PER_BRANCH[1]} people per branch …"
    )
    OrganisationBuilder(seed=SEED, people_per_branch=PEOPLE_PER_BRANCH).build(
        BENCH_GROUP, DEMO_HQ, companies
    )
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            # Leave the tables as autovacuum would: statistics and visibility map up to date.
            for table in ("people_person", "orgs_partyorg", "orgs_unit", "orgs_partyorg_units"):
                cursor.execute(f'VACUUM (ANALYZE) "{table}"')
    elapsed = time.perf_counter() - started
    log(f"  done in {elapsed:.0f} s")
    return elapsed


def bench_users() -> dict[str, Any]:
    """The unscoped Party-affairs staff member (root) and one branch secretary.

    Created on the first run and reused after; the password clock is reset each run so the
    90-day expiry never redirects a benchmark request.
    """
    from django.utils import timezone

    from ronghe.accounts.models import User
    from ronghe.core.access import Role
    from ronghe.orgs.models import PartyOrg
    from ronghe.testing import make_user

    root = PartyOrg.objects.get(org_code=ROOT_CODE)
    branch = PartyOrg.objects.get(org_code=SECRETARY_BRANCH)
    users = {}
    wanted = {
        ADMIN_USERNAME: (Role.PARTY_ADMIN, root, root.secretary),
        SECRETARY_USERNAME: (Role.SECRETARY, branch, branch.secretary),
    }
    for username, (role, place, person) in wanted.items():
        user = User.objects.filter(username=username).first()
        if user is None:
            user = make_user(username, person=person, roles=[(role, place)])
        User.objects.filter(pk=user.pk).update(
            password_changed_at=timezone.now(),
            must_change_password=False,
            failed_logins=0,
            locked_until=None,
        )
        user.refresh_from_db()
        users[username] = user
    return {
        "party_admin": users[ADMIN_USERNAME],
        "secretary": users[SECRETARY_USERNAME],
        "root": root,
        "branch": branch,
    }


def search_terms(branch: Any) -> dict[str, Any]:
    """Search terms a branch secretary would type for one of their own members.

    The first person (by id) in the branch subtree with a three-character name gives the
    2-character name part (surname + first given character), the 3-letter pinyin initials
    and the last 4 of the ID number.
    """
    from ronghe.people.models import Person

    person = (
        Person.objects.filter(party_org__path__startswith=branch.path, name__regex=r"^...$")
        .order_by("id")
        .first()
    )
    if person is None:
        raise SystemExit(f"No member with a three-character name in {branch.org_code}")
    return {
        "person": person.name,
        "name": person.name[:2],
        "initials": person.name_initials,
        "id_tail": person.id_last4,
    }


def database_label() -> str:
    url = os.environ.get("DATABASE_URL", "")
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.hostname or ''}{':' + str(parts.port) if parts.port else ''}{parts.path}"
