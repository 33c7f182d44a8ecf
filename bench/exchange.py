"""The roster import and export benchmark (issue 3): 100,000 rows each way.

Run by `bench/run.py` (`--suite exchange`, or `--suite all`, the default of `make bench`).
Every round measures its own baselines on the same file, data and connection:

- **Import.** A 100,000-row .xlsx in the import's own columns (`exports.HEADER`, cells written
  as the export writes them), generated once into bench/out/ with openpyxl's write-only mode:
  fictional people (ronghe.demo.names, seed `SEED`, not the bench data's), whose ID numbers are
  checked against the bench database's blind index so that none is already on the roster. Every
  row is filed under `BRANCH`, a branch of its own in a throwaway committee (`COMMITTEE`), with
  the business unit `UNIT`. The import runs as the console does it (`RosterImport(org=BRANCH,
  user=None)`, `open_sheet(path, Limits.console())`, `validate`, then `commit`) in a fresh
  Python process, so that its peak RSS (VmHWM) covers the import only.
  Baseline **B-read**, also in a fresh process: `openpyxl.load_workbook(read_only=True,
  data_only=True)` on the same file and `iter_rows(values_only=True)` over every row. (The
  import itself reads with python-calamine since it missed this target with openpyxl.)
  Afterwards the imported people are deleted (their AuditEvent rows stay: the audit table is
  append-only on PostgreSQL, about 100,000 rows per round, so keep the number of runs modest).
- **Export.** `exports.write_roster` over the roster the export page would write for a
  Party-affairs user on the root committee who may unmask (`listing.roster_for`: every person of
  the bench data, full ID and phone numbers, so every row decrypts two fields).
  Baseline **B-write**: the same cell values, prepared in memory first (`roster_rows` into a
  list), written with openpyxl's write-only mode (`append` per row, `save`).
  Two more figures split the time: `rows` (the query, decryption and formatting alone, no
  workbook) and `write_xlsx` (our writer over the in-memory rows: escaping and column formats).

Targets (issue 3): import (validate + write) ≤ 60 s, peak RSS ≤ 500 MB, import rate ≥ 40% of
B-read's (B-read s ÷ import s ≥ 0.4); export ≤ 1.5 × B-write.

Not counted, on request (bench/run.py flags): `--breakdown-import` times the import's steps one
by one in a fresh process, every write rolled back; `--breakdown-export` times where the
export's rows come from, with PostgreSQL's JIT on and off, and a values_list version of
`roster_rows` (checked equal); `--console-import` runs `manage.py import_roster` once;
`--profile-import` runs one import under cProfile (bench/out/exchange-profile.txt).

The module is also the child process: `python bench/exchange.py read FILE`,
`python bench/exchange.py import FILE --org CODE [--profile OUT.prof]` and
`python bench/exchange.py breakdown FILE --org CODE` (the import's steps timed one by one, every
write rolled back) print one JSON line.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
SEED = 3003  # the bench data uses 2026: another stream of names and ID numbers
REFERENCE_DAY = date(2025, 6, 30)  # ages and Party dates are computed from this day
COMMITTEE = ("BENCH-XCHG", "中共融合基准导入测试委员会")
BRANCH = ("BENCH-XCHG-ZB", "导入测试党支部")
UNIT = ("BENCH-XCHG-U", "导入测试部")
EXPORTER_USERNAME = "bench_exporter"
RESULT_MARK = "EXCHANGE-RESULT "

TARGET_IMPORT_S = 60.0
TARGET_RSS_MB = 500.0
TARGET_READ_RATIO = 0.4  # B-read seconds ÷ import seconds
TARGET_EXPORT_RATIO = 1.5  # export seconds ÷ B-write seconds

Log = Callable[[str], None]


# --- the places and the user -------------------------------------------------------------------


def places() -> dict[str, Any]:
    """The throwaway committee and its branch under the bench root, and a unit: created once."""
    from bench import data
    from ronghe.orgs.models import PartyOrg, Unit

    committee = PartyOrg.objects.filter(org_code=COMMITTEE[0]).first()
    if committee is None:
        root = PartyOrg.objects.get(org_code=data.ROOT_CODE)
        committee = root.add_child(
            org_code=COMMITTEE[0], name=COMMITTEE[1], kind=PartyOrg.Kind.COMMITTEE
        )
    branch = PartyOrg.objects.filter(org_code=BRANCH[0]).first()
    if branch is None:
        committee = PartyOrg.objects.get(pk=committee.pk)  # treebeard: fresh numchild
        branch = committee.add_child(org_code=BRANCH[0], name=BRANCH[1], kind=PartyOrg.Kind.BRANCH)
    unit = Unit.objects.filter(org_code=UNIT[0]).first()
    if unit is None:
        company = Unit.objects.get(org_code=data.BENCH_GROUP[1])
        unit = company.add_child(org_code=UNIT[0], name=UNIT[1], kind=Unit.Kind.DEPARTMENT)
    return {"committee": committee, "branch": branch, "unit": unit}


def exporter() -> Any:
    """Party-affairs staff on the root committee who may unmask: the export's worst case."""
    from bench import data
    from ronghe.accounts.models import User
    from ronghe.core.access import Role
    from ronghe.orgs.models import PartyOrg
    from ronghe.testing import make_user

    user = User.objects.filter(username=EXPORTER_USERNAME).first()
    if user is None:
        root = PartyOrg.objects.get(org_code=data.ROOT_CODE)
        user = make_user(EXPORTER_USERNAME, roles=[(Role.PARTY_ADMIN, root)], may_unmask=True)
    return user


def imported_people(where: dict[str, Any]) -> Any:
    from django.db.models import Q

    from ronghe.people.models import Person

    return Person.objects.filter(
        Q(party_org__path__startswith=where["committee"].path) | Q(unit=where["unit"])
    )


def leftovers() -> int:
    """People of an import round that did not get to delete them (0 before the first run)."""
    from ronghe.orgs.models import PartyOrg, Unit

    committee = PartyOrg.objects.filter(org_code=COMMITTEE[0]).first()
    unit = Unit.objects.filter(org_code=UNIT[0]).first()
    if committee is None or unit is None:
        return 0
    return imported_people({"committee": committee, "unit": unit}).count()


def cleanup(where: dict[str, Any]) -> dict[str, Any]:
    """Delete the people an import round created (their audit rows stay), and the console
    command's batches (else the same file counts as imported already), then VACUUM so that
    the roster benchmark finds the table as it was."""
    from django.db import connection

    from ronghe.people.models import ImportBatch

    started = time.perf_counter()
    deleted, _ = imported_people(where).delete()
    ImportBatch.objects.filter(party_org__path__startswith=where["committee"].path).delete()
    seconds = time.perf_counter() - started
    if deleted and connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute('VACUUM (ANALYZE) "people_person"')
    return {"deleted": deleted, "delete_s": round(seconds, 2)}


# --- the file --------------------------------------------------------------------------------


def file_path(rows: int, seed: int = SEED) -> Path:
    return OUT / f"exchange-roster-{rows}-seed{seed}.xlsx"


def _statuses() -> list[tuple[Any, float]]:
    from ronghe.people.models import PoliticalStatus

    return [  # the shares of the demo builder
        (PoliticalStatus.FULL_MEMBER, 0.50),
        (PoliticalStatus.PROBATIONARY, 0.05),
        (PoliticalStatus.CANDIDATE, 0.04),
        (PoliticalStatus.ACTIVIST, 0.06),
        (PoliticalStatus.APPLICANT, 0.07),
        (PoliticalStatus.NON_MEMBER, 0.28),
    ]


def _identities(rng: random.Random, count: int, log: Log) -> list[tuple[str, date, str]]:
    """(gender, birth date, ID number), distinct, none of them on the roster (blind index)."""
    from ronghe.core import crypto
    from ronghe.demo import names
    from ronghe.people.models import Person

    people: dict[str, tuple[str, date, str]] = {}
    clashes = 0
    while len(people) < count:
        fresh: dict[str, tuple[str, date, str]] = {}
        while len(people) + len(fresh) < count:
            gender = "male" if rng.random() < 0.62 else "female"
            born = names.birth_date(rng, REFERENCE_DAY)
            number = names.id_number(rng, born, gender)
            if number not in people:
                fresh[number] = (gender, born, number)
        by_index = {crypto.blind_index("id_number", number): number for number in fresh}
        keys = list(by_index)
        for start in range(0, len(keys), 5000):
            taken = Person.objects.filter(id_number_index__in=keys[start : start + 5000])
            for index in taken.values_list("id_number_index", flat=True):
                del fresh[by_index[index]]
                clashes += 1
        people.update(fresh)
    log(f"  {clashes} generated ID numbers were already on the roster and were drawn again")
    return list(people.values())


def make_file(
    path: Path, rows: int, where: dict[str, Any], *, seed: int = SEED, log: Log = print
) -> dict[str, Any]:
    """Write the roster with openpyxl's write-only mode; returns what was made."""
    import openpyxl

    from ronghe.demo import names
    from ronghe.orgs.models import PartyOrg, PathNames, Unit
    from ronghe.people import roster
    from ronghe.people.exports import HEADER, TEXT_INDEXES
    from ronghe.people.models import Gender, PoliticalStatus, format_partial_date

    started = time.perf_counter()
    rng = random.Random(seed)
    party_cell = PathNames(PartyOrg).full(where["branch"].path)
    unit_cell = PathNames(Unit).full(where["unit"].path)
    statuses = _statuses()
    educations = list(roster.EDUCATION_LABELS.values())
    members = (PoliticalStatus.FULL_MEMBER, PoliticalStatus.PROBATIONARY)
    shares: dict[str, int] = {}

    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet(title="名册")
    for index in TEXT_INDEXES:
        sheet.column_dimensions[openpyxl.utils.get_column_letter(index + 1)].number_format = "@"
    sheet.append(HEADER)
    for gender, born, number in _identities(rng, rows, log):
        roll, status = rng.random(), statuses[-1][0]
        for candidate, share in statuses:
            if roll < share:
                status = candidate
                break
            roll -= share
        shares[status] = shares.get(status, 0) + 1
        joined = full = None
        precision = "day" if rng.random() < 0.75 else "month"  # old records: the month only
        if status in members:
            eighteen = date(born.year + 18, born.month, min(born.day, 28))
            earliest = max(eighteen, REFERENCE_DAY - timedelta(days=365 * 35))
            if status == PoliticalStatus.FULL_MEMBER:
                span = max((REFERENCE_DAY - timedelta(days=400) - earliest).days, 1)
                joined = earliest + timedelta(days=31 + rng.randrange(span))
                full = joined + timedelta(days=365)
            else:
                joined = REFERENCE_DAY - timedelta(days=rng.randrange(30, 330))
                precision = "day"
        sheet.append(
            [
                names.person_name(rng, gender),
                roster.GENDER_LABELS[Gender(gender)],
                number,
                born.isoformat(),
                names.mobile(rng) if rng.random() < 0.9 else None,
                rng.choice(educations),
                roster.STATUS_LABELS[PoliticalStatus(status)],
                party_cell if status != PoliticalStatus.NON_MEMBER else None,
                format_partial_date(joined, precision) or None,
                format_partial_date(full, precision) or None,
                unit_cell,
                rng.choice(names.POSTS) if rng.random() < 0.9 else None,
            ]
        )
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".partial.xlsx")
    workbook.save(partial)
    partial.replace(path)
    made = {
        "rows": rows,
        "seed": seed,
        "bytes": path.stat().st_size,
        "generation_s": round(time.perf_counter() - started, 1),
        "statuses": shares,
    }
    path.with_suffix(".json").write_text(json.dumps(made, ensure_ascii=False, indent=2))
    return made


# --- the child processes -----------------------------------------------------------------------


def _status_mb(field: str) -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return round(int(line.split()[1]) / 1024, 1)
    return float("nan")


def _memory() -> dict[str, float]:
    """Resident memory now and at its peak (VmHWM: since exec, this process only).

    Not `getrusage().ru_maxrss`: Linux carries it across exec, so a child started by
    `subprocess` reports at least the parent's size (a child of the bench process, which holds
    the export's 100,000 rows, reported 515 MB that way; a 400 MB parent gives 410 MB to a
    bare `python -c`, whose VmHWM is 9 MB).
    """
    return {"rss_mb": _status_mb("VmRSS"), "hwm_mb": _status_mb("VmHWM")}


def child_read(path: Path) -> dict[str, Any]:
    """B-read: openpyxl's own read-only pass over every row, nothing else."""
    import openpyxl

    before = _memory()
    started = time.perf_counter()
    workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    rows = cells = 0
    for values in workbook.worksheets[0].iter_rows(values_only=True):
        rows += 1
        cells += len(values)
    workbook.close()
    seconds = time.perf_counter() - started
    return {"seconds": seconds, "rows": rows, "cells": cells, "start": before, "end": _memory()}


def child_import(path: Path, org_code: str, profile: Path | None) -> dict[str, Any]:
    """The console's import (validate, then commit) of `path` into `org_code`."""
    import cProfile

    import django

    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ronghe.settings")
    django.setup()
    from ronghe.core.spreadsheets import Limits, open_sheet
    from ronghe.orgs.models import PartyOrg
    from ronghe.people.importing import RosterImport

    org = PartyOrg.objects.get(org_code=org_code)
    before = _memory()
    profiler = cProfile.Profile() if profile else None
    if profiler:
        profiler.enable()
    t0 = time.perf_counter()
    importer = RosterImport(org=org, user=None)
    t1 = time.perf_counter()
    with open_sheet(path, Limits.console()) as sheet:
        importer.sheet_title = sheet.title
        report = importer.validate(sheet)
    t2 = time.perf_counter()
    after_validate = _memory()
    if report.ok:
        importer.commit(batch_label="bench/exchange.py")
    t3 = time.perf_counter()
    if profiler and profile:
        profiler.disable()
        profiler.dump_stats(profile)
    return {
        "setup_s": t1 - t0,
        "validate_s": t2 - t1,
        "commit_s": t3 - t2,
        "total_s": t3 - t0,
        "start": before,
        "after_validate": after_validate,
        "end": _memory(),
        "rows": report.total,
        "planned_created": report.planned_created,
        "created": report.created,
        "committed": report.committed,
        "error_count": len(report.errors),
        "errors": [error.as_dict() for error in report.errors[:10]],
        "warnings": report.warnings,
    }


def child_breakdown(path: Path, org_code: str) -> dict[str, Any]:
    """Where the import's time goes, without cProfile's distortion: the same steps timed one
    by one. The writes run in transactions that are rolled back (no people, no audit rows
    stay)."""
    import dataclasses

    import django

    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ronghe.settings")
    django.setup()
    from django.db import transaction

    from ronghe.core import audit, bulk, crypto
    from ronghe.core.spreadsheets import Limits, open_sheet
    from ronghe.orgs.models import PartyOrg
    from ronghe.people import identity, services
    from ronghe.people.importing import RosterImport
    from ronghe.people.models import Person

    seconds: dict[str, float] = {}

    def timed(name: str, function: Callable[..., Any]) -> Callable[..., Any]:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                seconds[name] = seconds.get(name, 0.0) + time.perf_counter() - started

        return wrapper

    org = PartyOrg.objects.get(org_code=org_code)
    importer = RosterImport(org=org, user=None)
    started = time.perf_counter()
    with open_sheet(path, Limits.console()) as sheet:
        rows = list(sheet.rows)
        seconds["read: open_sheet + rows into a list"] = time.perf_counter() - started
        in_memory = dataclasses.replace(sheet, rows=iter(rows))
    for name in (
        "_read_rows",
        "_parse_row",
        "_check_duplicates_in_file",
        "_match_existing",
        "_check_rules",
        "_count_plan",
    ):
        setattr(importer, name, timed(f"validate: {name}", getattr(importer, name)))
    started = time.perf_counter()
    report = importer.validate(in_memory)
    seconds["validate over the rows in memory"] = time.perf_counter() - started
    assert report.ok, report.errors[:5]
    creates = [planned for planned in importer.plan if planned.action == "create"]
    values = [planned.values for planned in creates]

    def loop(name: str, function: Callable[[dict[str, Any]], Any]) -> None:
        started = time.perf_counter()
        for data in values:
            function(data)
        seconds[name] = time.perf_counter() - started

    loop("part of apply: pinyin_keys", lambda data: identity.pinyin_keys(data["name"]))
    loop("part of apply: encrypt ID", lambda data: crypto.encrypt(data["id_number"]))
    loop(
        "part of apply: encrypt phone", lambda data: data["phone"] and crypto.encrypt(data["phone"])
    )
    loop(
        "part of apply: blind index",
        lambda data: crypto.blind_index("id_number", data["id_number"]),
    )

    with transaction.atomic():
        started = time.perf_counter()
        people = []
        for data in values:
            person = Person()
            services.apply_values(person, data)
            people.append(person)
        seconds["commit: apply_values"] = time.perf_counter() - started
        started = time.perf_counter()
        for start in range(0, len(people), 1000):
            bulk.insert_new(people[start : start + 1000])
        seconds["commit: Person insert_new"] = time.perf_counter() - started
        started = time.perf_counter()
        items = [(person, None, services.person_snapshot(person)) for person in people]
        seconds["commit: person_snapshot"] = time.perf_counter() - started
        started = time.perf_counter()
        for start in range(0, len(items), 1000):
            audit.record_many(audit.Action.CREATE, actor=None, items=items[start : start + 1000])
        seconds["commit: audit record_many"] = time.perf_counter() - started
        transaction.set_rollback(True)
    return {key: round(value, 3) for key, value in seconds.items()} | {
        "rows": len(rows) - 1,
        "created_planned": len(creates),
    }


def _spawn(*args: str) -> dict[str, Any]:
    """Run this module as a child; its one result line, or SystemExit with its output."""
    done = subprocess.run(
        [sys.executable, str(Path(__file__).resolve()), *args],
        capture_output=True,
        text=True,
        env=os.environ.copy(),  # DATABASE_URL etc. as bench/run.py configured them
        check=False,
    )
    for line in done.stdout.splitlines():
        if line.startswith(RESULT_MARK):
            return json.loads(line[len(RESULT_MARK) :])
    raise SystemExit(f"bench/exchange.py {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")


# --- the rounds ------------------------------------------------------------------------------


def import_round(path: Path, where: dict[str, Any], *, log: Log = print) -> dict[str, Any]:
    read = _spawn("read", str(path))
    log(f"  B-read (openpyxl read-only) {read['seconds']:.2f} s, {read['rows']:,} rows")
    ours = _spawn("import", str(path), "--org", where["branch"].org_code)
    if not ours["committed"]:
        cleanup(where)
        raise SystemExit(
            f"The import wrote nothing: {ours['error_count']} errors, first ones:\n"
            + "\n".join(json.dumps(e, ensure_ascii=False) for e in ours["errors"])
        )
    log(
        f"  import: validate {ours['validate_s']:.2f} s + commit {ours['commit_s']:.2f} s"
        f" (setup {ours['setup_s']:.2f} s), {ours['created']:,} created,"
        f" peak RSS {ours['end']['hwm_mb']:.0f} MB"
    )
    removed = cleanup(where)
    log(f"  deleted {removed['deleted']:,} imported people in {removed['delete_s']} s")
    return {
        "b_read_s": round(read["seconds"], 3),
        "b_read_peak_rss_mb": read["end"]["hwm_mb"],
        "rows": ours["rows"],
        "created": ours["created"],
        "setup_s": round(ours["setup_s"], 3),
        "validate_s": round(ours["validate_s"], 3),
        "commit_s": round(ours["commit_s"], 3),
        "total_s": round(ours["total_s"], 3),
        "rss_start_mb": ours["start"]["rss_mb"],
        "peak_rss_after_validate_mb": ours["after_validate"]["hwm_mb"],
        "peak_rss_mb": ours["end"]["hwm_mb"],
        "read_ratio": round(read["seconds"] / ours["total_s"], 3),
        "read_ratio_validate_only": round(read["seconds"] / ours["validate_s"], 3),
        "rows_per_s": round(ours["rows"] / ours["total_s"]),
        "b_read_rows_per_s": round(read["rows"] / read["seconds"]),
        "warnings": ours["warnings"],
        **removed,
    }


def export_round(user: Any, *, log: Log = print) -> dict[str, Any]:
    import openpyxl
    from django.http import QueryDict

    from ronghe.core.spreadsheets import write_xlsx
    from ronghe.people import listing
    from ronghe.people.exports import HEADER, TEXT_INDEXES, roster_rows, write_roster

    def people() -> Any:
        return listing.roster_for(user, listing.read_filters(user, QueryDict()))

    notes = [("导出人", user.username), ("说明", "bench/exchange.py")]
    started = time.perf_counter()
    rows = list(roster_rows(people(), user=user))
    rows_s = time.perf_counter() - started
    unmasked = sum(1 for row in rows if "*" not in row[2])

    baseline = OUT / "exchange-export-baseline.xlsx"
    started = time.perf_counter()
    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet(title="名册")
    sheet.append(HEADER)
    for row in rows:
        sheet.append(row)
    workbook.save(baseline)
    b_write_s = time.perf_counter() - started

    layer = OUT / "exchange-export-layer.xlsx"
    started = time.perf_counter()
    write_xlsx(layer, HEADER, rows, title="名册", text_columns=TEXT_INDEXES, notes=notes)
    layer_s = time.perf_counter() - started

    ours = OUT / "exchange-export.xlsx"
    started = time.perf_counter()
    written = write_roster(people(), user=user, target=ours, notes=notes)
    export_s = time.perf_counter() - started
    sizes = {name: p.stat().st_size for name, p in (("ours", ours), ("baseline", baseline))}
    for p in (baseline, layer, ours):
        p.unlink()
    log(
        f"  export {export_s:.2f} s ({written:,} rows, {unmasked:,} unmasked); B-write"
        f" {b_write_s:.2f} s; rows only {rows_s:.2f} s; write_xlsx over the rows {layer_s:.2f} s"
    )
    return {
        "rows": written,
        "cells": written * len(HEADER),
        "unmasked_rows": unmasked,
        "export_s": round(export_s, 3),
        "b_write_s": round(b_write_s, 3),
        "rows_only_s": round(rows_s, 3),
        "write_xlsx_s": round(layer_s, 3),
        "export_ratio": round(export_s / b_write_s, 3),
        "write_xlsx_ratio": round(layer_s / b_write_s, 3),
        "bytes": sizes["ours"],
        "baseline_bytes": sizes["baseline"],
    }


def breakdown_export(user: Any, *, log: Log = print) -> dict[str, Any]:
    """Where the export's rows come from, with PostgreSQL's JIT on and off (in this process;
    not counted). The workbook side needs no split: write_xlsx ≈ B-write (see the rounds)."""
    from django.db import connection
    from django.db.models import Exists, OuterRef
    from django.http import QueryDict

    from ronghe.core import crypto
    from ronghe.people import listing
    from ronghe.people.exports import roster_rows
    from ronghe.people.models import Person

    def people() -> Any:
        return listing.roster_for(user, listing.read_filters(user, QueryDict()))

    seconds: dict[str, Any] = {}

    def timed(name: str, function: Callable[[], Any]) -> Any:
        started = time.perf_counter()
        result = function()
        seconds[name.strip()] = round(time.perf_counter() - started, 3)
        log(f"  {name:<58}{seconds[name.strip()]:>10}")
        return result

    def fetch_sql() -> int:
        unmaskable = Person.objects.unmaskable_by(user).filter(pk=OuterRef("pk"))
        sql, params = people().annotate(may_unmask=Exists(unmaskable)).query.sql_with_params()
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return len(cursor.fetchall())

    list(roster_rows(people(), user=user))  # warms the caches
    settings = ("on", "off") if connection.vendor == "postgresql" else ("default",)
    for jit in settings:
        if jit != "default":
            with connection.cursor() as cursor:
                cursor.execute(f"SET jit = {jit}")
        timed(f"roster_rows (jit {jit})", lambda: list(roster_rows(people(), user=user)))
        timed(f"  its SQL alone, execute + fetchall (jit {jit})", fetch_sql)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("RESET jit")
    tokens = list(people().values_list("id_number_encrypted", "phone_encrypted"))
    timed(
        "  decrypt ID and phone of every row",
        lambda: [(crypto.decrypt(i), p and crypto.decrypt(p)) for i, p in tokens],
    )
    return seconds


def profile_import(path: Path, where: dict[str, Any], *, top: int = 30, log: Log = print) -> str:
    """One extra import under cProfile (not counted): the top functions by own time."""
    import io
    import pstats

    target = OUT / "exchange-import.prof"
    ours = _spawn("import", str(path), "--org", where["branch"].org_code, "--profile", str(target))
    cleanup(where)
    log(
        f"  profiled import (cProfile overhead included): validate {ours['validate_s']:.1f} s,"
        f" commit {ours['commit_s']:.1f} s"
    )
    text = io.StringIO()
    stats = pstats.Stats(str(target), stream=text)
    stats.sort_stats("tottime").print_stats(top)
    stats.sort_stats("cumulative").print_stats(top)
    return text.getvalue()


def breakdown_import(path: Path, where: dict[str, Any], *, log: Log = print) -> dict[str, Any]:
    """The import's steps timed one by one in a fresh process (writes rolled back)."""
    result = _spawn("breakdown", str(path), "--org", where["branch"].org_code)
    for key, value in result.items():
        log(f"  {key:<58}{value:>10}")
    return result


def console_import(path: Path, where: dict[str, Any], *, log: Log = print) -> dict[str, Any]:
    """`manage.py import_roster FILE --org CODE` once, as an operator runs it (not counted):
    wall time of the whole process, including Python and Django start-up."""
    command = [sys.executable, str(ROOT / "manage.py"), "import_roster", str(path)]
    command += ["--org", where["branch"].org_code]
    log_file = OUT / "exchange-console.log"
    peak_kb = 0
    started = time.perf_counter()
    with log_file.open("w") as output:
        process = subprocess.Popen(command, stdout=output, stderr=subprocess.STDOUT)
        status = Path(f"/proc/{process.pid}/status")
        while process.poll() is None:  # VmHWM only grows: the last reading is the peak
            try:
                for line in status.read_text().splitlines():
                    if line.startswith("VmHWM:"):
                        peak_kb = max(peak_kb, int(line.split()[1]))
            except (OSError, ValueError):
                pass
            time.sleep(0.05)
    seconds = time.perf_counter() - started
    removed = cleanup(where)
    result = {
        "seconds": round(seconds, 2),
        "exit_status": process.returncode,
        "peak_rss_mb": round(peak_kb / 1024, 1),
        "output_tail": log_file.read_text().strip().splitlines()[-3:],
        **removed,
    }
    log(
        f"  import_roster: {seconds:.1f} s, exit {result['exit_status']}, peak RSS"
        f" {result['peak_rss_mb']:.0f} MB; {result['output_tail'][-1:]}"
    )
    return result


# --- the summary -----------------------------------------------------------------------------


def combine(imports: list[dict[str, Any]], exports: list[dict[str, Any]]) -> dict[str, Any]:
    def med(rounds: list[dict[str, Any]], key: str) -> float:
        return round(statistics.median(r[key] for r in rounds), 3)

    summary: dict[str, Any] = {"import": {}, "export": {}}
    if imports:
        summary["import"] = {
            key: med(imports, key)
            for key in (
                "b_read_s",
                "setup_s",
                "validate_s",
                "commit_s",
                "total_s",
                "read_ratio",
                "read_ratio_validate_only",
                "rows_per_s",
                "b_read_rows_per_s",
                "rss_start_mb",
                "peak_rss_after_validate_mb",
                "b_read_peak_rss_mb",
            )
        }
        summary["import"]["rows"] = imports[0]["rows"]
        summary["import"]["peak_rss_mb"] = max(r["peak_rss_mb"] for r in imports)
    if exports:
        summary["export"] = {
            key: med(exports, key)
            for key in (
                "export_s",
                "b_write_s",
                "rows_only_s",
                "write_xlsx_s",
                "export_ratio",
                "write_xlsx_ratio",
            )
        }
        summary["export"]["rows"] = exports[0]["rows"]
        summary["export"]["unmasked_rows"] = exports[0]["unmasked_rows"]
    targets: dict[str, Any] = {}
    if imports:
        i = summary["import"]
        targets["import_le_60s"] = i["total_s"] <= TARGET_IMPORT_S
        targets["import_rss_le_500mb"] = i["peak_rss_mb"] <= TARGET_RSS_MB
        targets["import_read_ratio_ge_0_4"] = i["read_ratio"] >= TARGET_READ_RATIO
    if exports:
        targets["export_ratio_le_1_5"] = summary["export"]["export_ratio"] <= TARGET_EXPORT_RATIO
    summary["targets"] = targets
    return summary


def table(summary: dict[str, Any]) -> str:
    def verdict(ok: bool) -> str:
        return "PASS" if ok else "FAIL"

    lines = []
    t = summary["targets"]
    if summary["import"]:
        i = summary["import"]
        lines += [
            f"import of {i['rows']:,} rows    validate {i['validate_s']:.2f} s + commit "
            f"{i['commit_s']:.2f} s (+ setup {i['setup_s']:.2f} s) = {i['total_s']:.2f} s"
            f" ({i['rows_per_s']:,.0f} rows/s)",
            f"B-read (openpyxl)         {i['b_read_s']:.2f} s ({i['b_read_rows_per_s']:,.0f} rows/s),"
            f" peak RSS {i['b_read_peak_rss_mb']:.0f} MB",
            f"peak RSS of the import    {i['peak_rss_mb']:.0f} MB (after validate "
            f"{i['peak_rss_after_validate_mb']:.0f} MB, at start {i['rss_start_mb']:.0f} MB)",
            f"targets: total {i['total_s']:.1f} s ≤ 60 → {verdict(t['import_le_60s'])}; "
            f"peak RSS {i['peak_rss_mb']:.0f} MB ≤ 500 → {verdict(t['import_rss_le_500mb'])}; "
            f"B-read/import {i['read_ratio']:.3f} ≥ 0.4 → {verdict(t['import_read_ratio_ge_0_4'])}"
            f" (validate only {i['read_ratio_validate_only']:.3f})",
        ]
    if summary["export"]:
        e = summary["export"]
        lines += [
            f"export of {e['rows']:,} rows    {e['export_s']:.2f} s "
            f"({e['unmasked_rows']:,} rows unmasked)",
            f"B-write (openpyxl)        {e['b_write_s']:.2f} s",
            f"  rows only (query, decrypt, format) {e['rows_only_s']:.2f} s;"
            f" write_xlsx over them {e['write_xlsx_s']:.2f} s ({e['write_xlsx_ratio']:.2f}×)",
            f"target: export/B-write {e['export_ratio']:.2f} ≤ 1.5 → "
            f"{verdict(t['export_ratio_le_1_5'])}",
        ]
    return "\n".join(lines)


def passed(summary: dict[str, Any]) -> bool:
    return all(summary["targets"].values())


# --- the child's entry point -------------------------------------------------------------------


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="bench/exchange.py", description="child process")
    parser.add_argument("mode", choices=("read", "import", "breakdown"))
    parser.add_argument("file", type=Path)
    parser.add_argument("--org", default=BRANCH[0])
    parser.add_argument("--profile", type=Path)
    args = parser.parse_args(argv)
    if args.mode == "read":
        result = child_read(args.file)
    elif args.mode == "breakdown":
        result = child_breakdown(args.file, args.org)
    else:
        result = child_import(args.file, args.org, args.profile)
    print(RESULT_MARK + json.dumps(result, ensure_ascii=False), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
