"""Benchmark entry point: `make bench` runs `.venv/bin/python bench/run.py`.

Uses its own database (never the demo's or production's): by default
`postgres://postgres@127.0.0.1:5432/ronghe_bench`, created if missing; override with
`--database-url` or `RONGHE_BENCH_DATABASE_URL`, or use `--sqlite` for an embedded file in
bench/out/. Migrates, generates the data once (bench/data.py; for the compliance suite also a
year of meetings, bench/meetings.py; for the plans suite plans and 200,000 tasks,
bench/plans.py), then runs the suites `--suite` names (default: all):

- `roster`: list and search (bench/roster.py) for `--rounds` rounds → bench/out/roster.json;
- `exchange`: 100,000-row roster import and export (bench/exchange.py) for `--exchange-rounds`
  rounds → bench/out/exchange.json;
- `compliance`: every rule for every organisation, and the compliance board (bench/compliance.py)
  for `--compliance-rounds` rounds → bench/out/compliance.json;
- `plans`: deploying one item to every organisation below the root, and the item's cascade view
  (bench/plans.py) for `--plans-rounds` rounds → bench/out/plans.json.

Each writes a timestamped copy too and prints a table. Exit status 1 when a target is missed.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import platform
import sys
import time
from datetime import datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/ronghe_bench"


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="bench/run.py", description=__doc__.splitlines()[0])
    parser.add_argument(
        "--database-url", default=os.environ.get("RONGHE_BENCH_DATABASE_URL", DEFAULT_URL)
    )
    parser.add_argument("--sqlite", action="store_true", help="use bench/out/ronghe_bench.sqlite3")
    parser.add_argument("--rounds", type=int, default=3, help="measurement rounds (median taken)")
    parser.add_argument("--samples", type=int, default=30, help="samples per scenario per round")
    parser.add_argument("--warmup", type=int, default=5, help="warm-up requests per scenario")
    parser.add_argument(
        "--explain",
        action="store_true",
        help="write EXPLAIN (ANALYZE, BUFFERS) of the roster, board and cascade SQL to bench/out/",
    )
    parser.add_argument(
        "--max-load",
        type=float,
        default=None,
        help="before each round, wait (up to --wait s) until the 1-minute load average is below this",
    )
    parser.add_argument("--wait", type=int, default=900, help="longest wait for --max-load, s")
    parser.add_argument("--generate-only", action="store_true", help="build the data and stop")
    parser.add_argument(
        "--suite",
        choices=("all", "roster", "exchange", "compliance", "plans"),
        default="all",
        help="what to measure",
    )
    parser.add_argument(
        "--compliance-rounds",
        type=int,
        default=3,
        help="compliance rounds (median taken): four evaluations and the board samples each",
    )
    parser.add_argument(
        "--breakdown-evaluation",
        action="store_true",
        help="time the evaluator's steps for first, again and month_start (not counted)",
    )
    parser.add_argument(
        "--plans-rounds",
        type=int,
        default=3,
        help="plans rounds (median taken): one deploy to every organisation and the cascade"
        " view samples each; each deploy leaves one audit row per organisation",
    )
    parser.add_argument(
        "--profile-plans",
        action="store_true",
        help="one more deploy and 20 cascade requests under cProfile (not counted)"
        " → bench/out/plans-profile.txt",
    )
    parser.add_argument(
        "--exchange-rounds",
        type=int,
        default=2,
        help="import and export rounds (median taken); each import leaves 100,000 audit rows",
    )
    parser.add_argument(
        "--exchange-rows", type=int, default=100_000, help="rows of the imported roster"
    )
    parser.add_argument(
        "--profile-import",
        action="store_true",
        help="one more import under cProfile (not counted) → bench/out/exchange-profile.txt",
    )
    parser.add_argument(
        "--breakdown-import",
        action="store_true",
        help="time the import's steps one by one (writes rolled back, not counted)",
    )
    parser.add_argument(
        "--breakdown-export",
        action="store_true",
        help="time where the export's rows come from, PostgreSQL JIT on and off (not counted)",
    )
    parser.add_argument(
        "--console-import",
        action="store_true",
        help="once more through `manage.py import_roster` (not counted; 100,000 more audit rows)",
    )
    parser.add_argument(
        "--no-export", action="store_true", help="exchange suite: measure the import only"
    )
    parser.add_argument(
        "--no-import",
        action="store_true",
        help="exchange suite: measure the export only (no people or audit rows are written)",
    )
    return parser.parse_args(argv)


def configure(args: argparse.Namespace) -> str:
    """Environment for ronghe.settings, set before Django is imported."""
    url = f"sqlite:///{OUT / 'ronghe_bench.sqlite3'}" if args.sqlite else args.database_url
    os.environ["DATABASE_URL"] = url  # the bench database only, whatever the shell exports
    os.environ["RONGHE_DEBUG"] = "false"  # production settings: no query log, hashed static files
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ronghe.settings")
    sys.path.insert(0, str(ROOT))
    return url


def machine() -> dict[str, Any]:
    info: dict[str, Any] = {
        "cpus": os.cpu_count(),
        "cpus_usable": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None,
        "python": platform.python_version(),
        "platform": platform.platform(),
    }
    try:
        cpuinfo = Path("/proc/cpuinfo").read_text()
        info["cpu_model"] = next(
            line.split(":", 1)[1].strip()
            for line in cpuinfo.splitlines()
            if line.startswith("model name")
        )
        meminfo = Path("/proc/meminfo").read_text().splitlines()[0]
        info["memory_gib"] = round(int(meminfo.split()[1]) / 1024 / 1024, 1)
    except (OSError, StopIteration):
        pass
    return info


def database_info() -> dict[str, Any]:
    import django
    from django.db import connection

    info: dict[str, Any] = {"vendor": connection.vendor, "django": django.get_version()}
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SHOW server_version")
            info["server_version"] = cursor.fetchone()[0]
            cursor.execute(
                "SELECT name, setting, unit FROM pg_settings WHERE name IN ('shared_buffers',"
                " 'work_mem', 'effective_cache_size', 'random_page_cost', 'jit',"
                " 'max_parallel_workers_per_gather', 'autovacuum')"
            )
            info["settings"] = {n: f"{s}{' × ' + u if u else ''}" for n, s, u in cursor.fetchall()}
    return info


def wait_for_quiet(max_load: float, longest: int) -> None:
    """The host may be shared: let other people's jobs finish before a round starts."""
    deadline = time.monotonic() + longest
    while os.getloadavg()[0] > max_load and time.monotonic() < deadline:
        print(f"  load average {os.getloadavg()[0]:.2f} > {max_load}: waiting …", flush=True)
        time.sleep(15)


def migrate() -> None:
    """`migrate`, with a stop-gap for core.0002 on PostgreSQL.

    core/migrations/0002_audit_append_only.py passes its PL/pgSQL (which contains `%` in a
    RAISE format) to `schema_editor.execute(sql)` with the default `params=()`; Django 5.2's
    PostgreSQL schema editor then merges parameters client-side and psycopg refuses the bare
    `%` ("incomplete placeholder"). Until that migration passes `params=None`, the bench
    creates the same trigger with a plain cursor and records the migration as applied.
    """
    from django.core.management import call_command
    from django.db import connection
    from django.db.migrations.recorder import MigrationRecorder

    try:
        call_command("migrate", interactive=False, verbosity=0)
        return
    except Exception as exc:
        if connection.vendor != "postgresql" or "incomplete placeholder" not in str(exc):
            raise
        applied = MigrationRecorder(connection).applied_migrations()
        if ("core", "0002_audit_append_only") in applied:
            raise
    module = importlib.import_module("ronghe.core.migrations.0002_audit_append_only")
    print(
        "  core.0002 cannot run on PostgreSQL as written (bare % in schema_editor.execute);"
        " creating its trigger directly and faking the migration"
    )
    call_command("migrate", "core", "0001", interactive=False, verbosity=0)
    with connection.cursor() as cursor:
        cursor.execute(module.FORWARD)
    call_command("migrate", "core", "0002", fake=True, interactive=False, verbosity=0)
    call_command("migrate", interactive=False, verbosity=0)


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    url = configure(args)
    OUT.mkdir(parents=True, exist_ok=True)

    from bench import data

    is_postgres = not args.sqlite and url.startswith(("postgres://", "postgresql://"))
    if is_postgres and data.ensure_postgres_database(url):
        print(f"Created database {url.rsplit('/', 1)[-1]}")

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from bench import exchange

    print(f"Database {data.database_label()}: migrating …")
    migrate()
    call_command("collectstatic", interactive=False, verbosity=0)  # DEBUG off: hashed names

    leftovers = exchange.leftovers()  # an import round that died before deleting its people
    if leftovers:
        print(f"Deleting {leftovers:,} people left by an interrupted exchange run …")
        exchange.cleanup(exchange.places())

    generation_s = None
    if not data.is_generated():
        generation_s = data.generate()
    else:
        print("Bench data already generated.")
    with connection.cursor() as cursor:  # fresh planner statistics (indexes may have changed)
        if connection.vendor == "postgresql":
            cursor.execute("ANALYZE people_person, orgs_partyorg, orgs_unit")
        else:
            cursor.execute("ANALYZE")
    counts = data.counts()
    print("  " + ", ".join(f"{k} {v:,}" for k, v in counts.items()))
    meetings_generated = None
    if args.suite in ("all", "compliance"):
        from bench import meetings

        if not meetings.is_generated():
            meetings_generated = meetings.generate()
        else:
            print("Bench meetings already generated.")
    plans_generated = None
    if args.suite in ("all", "plans"):
        from bench import plans

        left = plans.cleanup()  # a deploy round that died before removing its item
        if left:
            print(f"Removed {left} item(s) left by an interrupted plans run.")
        if not plans.is_generated():
            plans_generated = plans.generate()
        else:
            print("Bench plans already generated.")
    if args.generate_only:
        return 0

    context = {
        "machine": machine(),
        "database": {"url": data.database_label(), **database_info()},
        "data": {
            **counts,
            "generation_s": generation_s,
            "companies": data.COMPANIES,
            "departments_per_company": data.DEPARTMENTS,
            "people_per_branch": list(data.PEOPLE_PER_BRANCH),
            "seed": data.SEED,
        },
    }
    ok = True
    if args.suite in ("all", "roster"):
        ok = run_roster(args, context) and ok
    if args.suite in ("all", "exchange"):
        ok = run_exchange(args, context) and ok
    if args.suite in ("all", "compliance"):
        ok = run_compliance(args, context, meetings_generated) and ok
    if args.suite in ("all", "plans"):
        ok = run_plans(args, context, plans_generated) and ok
    return 0 if ok else 1


def write_report(name: str, report: dict[str, Any], started: datetime) -> str:
    """bench/out/<name>.json and a timestamped copy; returns the copy's name."""
    stamp = started.strftime("%Y%m%d-%H%M%S")
    text = json.dumps(report, ensure_ascii=False, indent=2)
    (OUT / f"{name}.json").write_text(text, encoding="utf-8")
    (OUT / f"{name}-{stamp}.json").write_text(text, encoding="utf-8")
    return f"{name}-{stamp}.json"


def run_roster(args: argparse.Namespace, context: dict[str, Any]) -> bool:
    from bench import data, roster

    users = data.bench_users()
    terms = data.search_terms(users["branch"])
    print(
        f"Secretary branch {users['branch'].org_code} ({users['branch'].name}); search terms "
        f"from {terms['person']}: name {terms['name']!r}, initials {terms['initials']!r}, "
        f"ID tail {terms['id_tail']!r}"
    )

    started = datetime.now().astimezone()
    rounds = []
    scenarios: list[Any] = []
    for number in range(1, args.rounds + 1):
        print(f"Round {number}/{args.rounds}")
        if args.max_load is not None:
            wait_for_quiet(args.max_load, args.wait)
        t0 = time.perf_counter()
        load_before = os.getloadavg()
        result, scenarios = roster.run_round(users, terms, samples=args.samples, warmup=args.warmup)
        result["seconds"] = round(time.perf_counter() - t0, 1)
        # The host is shared: the 1-minute load average around the round, for the record.
        result["loadavg_1min"] = [round(load_before[0], 2), round(os.getloadavg()[0], 2)]
        rounds.append(result)
        print(roster.table(roster.combine([result])))
        print(
            f"  {result['seconds']} s, load average {result['loadavg_1min'][0]} → {result['loadavg_1min'][1]}"
        )
    summary = roster.combine(rounds)

    report = {
        "benchmark": "roster",
        "started_at": started.isoformat(timespec="seconds"),
        "finished_at": datetime.now().astimezone().isoformat(timespec="seconds"),
        **context,
        "users": {
            "party_admin": {"role": "party_admin", "on": users["root"].org_code},
            "secretary": {"role": "secretary", "on": users["branch"].org_code},
        },
        "terms": terms,
        "config": {"rounds": args.rounds, "samples": args.samples, "warmup": args.warmup},
        "rounds": rounds,
        "summary": summary,
    }
    copy = write_report("roster", report, started)
    if args.explain and scenarios:
        (OUT / "roster-explain.txt").write_text(roster.explain(scenarios), encoding="utf-8")
    print(f"\nMedian of {args.rounds} rounds ({args.samples} samples each):")
    print(roster.table(summary))
    print(f"\nWritten: {OUT / 'roster.json'} and {copy}")
    targets = summary["targets"]
    return bool(targets["median_le_50ms"] and targets["list_ratio_le_1_2"])


def run_exchange(args: argparse.Namespace, context: dict[str, Any]) -> bool:
    """The 100,000-row roster import and export (bench/exchange.py)."""
    from bench import exchange

    where = exchange.places()
    user = exchange.exporter()
    path = exchange.file_path(args.exchange_rows)
    started = datetime.now().astimezone()
    made = None
    if not path.exists():
        print(f"Writing {path.name} ({args.exchange_rows:,} rows, openpyxl write-only) …")
        made = exchange.make_file(path, args.exchange_rows, where)
        print(f"  {made['bytes'] / 1e6:.1f} MB in {made['generation_s']} s")
    print(
        f"Import of {path.name} into {where['branch'].org_code} ({where['branch'].name});"
        f" export as {user.username} (party_admin on the root, may unmask)"
    )
    imports: list[dict[str, Any]] = []
    exports: list[dict[str, Any]] = []
    for number in range(1, args.exchange_rounds + 1):
        print(f"Exchange round {number}/{args.exchange_rounds}")
        if args.max_load is not None:
            wait_for_quiet(args.max_load, args.wait)
        if not args.no_import:
            load_before = os.getloadavg()
            result = exchange.import_round(path, where)
            result["loadavg_1min"] = [round(load_before[0], 2), round(os.getloadavg()[0], 2)]
            imports.append(result)
        if not args.no_export:
            load_before = os.getloadavg()
            result = exchange.export_round(user)
            result["loadavg_1min"] = [round(load_before[0], 2), round(os.getloadavg()[0], 2)]
            exports.append(result)
    summary = exchange.combine(imports, exports)
    console = None
    if args.console_import:
        print("The console command, once (not counted) …")
        console = exchange.console_import(path, where)
    breakdown = None
    if args.breakdown_import:
        print("Import step by step (writes rolled back, not counted) …")
        breakdown = exchange.breakdown_import(path, where)
    export_breakdown = None
    if args.breakdown_export:
        print("Export rows step by step (not counted) …")
        export_breakdown = exchange.breakdown_export(user)
    profile = None
    if args.profile_import:
        print("Profiled import (not counted) …")
        profile = exchange.profile_import(path, where)
        (OUT / "exchange-profile.txt").write_text(profile, encoding="utf-8")

    report = {
        "benchmark": "exchange",
        "started_at": started.isoformat(timespec="seconds"),
        "finished_at": datetime.now().astimezone().isoformat(timespec="seconds"),
        **context,
        "file": {
            "name": path.name,
            "bytes": path.stat().st_size,
            "rows": args.exchange_rows,
            "seed": exchange.SEED,
            "generated_now": made,
        },
        "import_into": {"org": where["branch"].org_code, "user": None},
        "export_as": {"user": user.username, "role": "party_admin", "may_unmask": True},
        "config": {"rounds": args.exchange_rounds, "rows": args.exchange_rows},
        "imports": imports,
        "exports": exports,
        "summary": summary,
        "import_breakdown_s": breakdown,
        "export_breakdown_s": export_breakdown,
        "console_import": console,
    }
    copy = write_report("exchange", report, started)
    print(f"\nMedian of {args.exchange_rounds} rounds:")
    print(exchange.table(summary))
    print(f"\nWritten: {OUT / 'exchange.json'} and {copy}")
    if profile:
        print(f"Profile: {OUT / 'exchange-profile.txt'} and exchange-import.prof")
    return exchange.passed(summary)


def run_compliance(
    args: argparse.Namespace, context: dict[str, Any], generated: dict[str, Any] | None
) -> bool:
    """Every rule for every organisation, and the board (bench/compliance.py)."""
    from bench import compliance, data, meetings

    users = data.bench_users()
    reference = meetings.reference_day()
    days = compliance.evaluation_days(reference)
    counts = meetings.counts()
    print(
        f"Compliance: {counts['meetings']:,} meetings, {counts['attendance']:,} attendance rows;"
        f" reference day {reference}; evaluations at "
        + ", ".join(f"{name} {day}" for name, day in days.items())
    )
    started = datetime.now().astimezone()
    setup = compliance.prepare_evaluation(reference)
    print(
        f"  {setup.mix['findings']:,} findings at the reference day; "
        f"{len(setup.statements)} SELECTs captured for B-sql"
    )
    evaluations: list[dict[str, Any]] = []
    boards: list[dict[str, Any]] = []
    scenarios: list[Any] = []
    for number in range(1, args.compliance_rounds + 1):
        print(f"Compliance round {number}/{args.compliance_rounds}")
        if args.max_load is not None:
            wait_for_quiet(args.max_load, args.wait)
        load_before = os.getloadavg()
        t0 = time.perf_counter()
        result = compliance.evaluation_round(setup)
        result["seconds"] = round(time.perf_counter() - t0, 1)
        result["loadavg_1min"] = [round(load_before[0], 2), round(os.getloadavg()[0], 2)]
        evaluations.append(result)
        # The board reads the findings of the reference day, as the nightly run leaves them.
        compliance.empty_findings()
        compliance.evaluate(reference)
        if args.max_load is not None:
            wait_for_quiet(args.max_load, args.wait)
        load_before = os.getloadavg()
        t0 = time.perf_counter()
        board, scenarios = compliance.board_round(users, samples=args.samples, warmup=args.warmup)
        board["seconds"] = round(time.perf_counter() - t0, 1)
        board["loadavg_1min"] = [round(load_before[0], 2), round(os.getloadavg()[0], 2)]
        boards.append(board)
        print(compliance.table(compliance.combine([result], [board])))
        print(
            f"  load average {result['loadavg_1min'][0]} → {result['loadavg_1min'][1]}"
            f" (evaluations), {board['loadavg_1min'][0]} → {board['loadavg_1min'][1]} (board)"
        )
    summary = compliance.combine(evaluations, boards)
    breakdown = None
    if args.breakdown_evaluation:
        print("The evaluator step by step (not counted) …")
        breakdown = compliance.breakdown(setup)
        compliance.empty_findings()  # leave the findings of the reference day, as found
        compliance.evaluate(reference)

    report = {
        "benchmark": "compliance",
        "started_at": started.isoformat(timespec="seconds"),
        "finished_at": datetime.now().astimezone().isoformat(timespec="seconds"),
        **context,
        "meetings": {**counts, "generated_now": generated, "seed": meetings.SEED},
        "findings_at_reference_day": setup.mix,
        "evaluation_days": {name: day.isoformat() for name, day in days.items()},
        "users": {
            "party_admin": {"role": "party_admin", "on": users["root"].org_code},
            "secretary": {"role": "secretary", "on": users["branch"].org_code},
        },
        "config": {
            "rounds": args.compliance_rounds,
            "samples": args.samples,
            "warmup": args.warmup,
        },
        "evaluation_rounds": evaluations,
        "board_rounds": boards,
        "summary": summary,
        "evaluation_breakdown": breakdown,
    }
    copy = write_report("compliance", report, started)
    if args.explain and scenarios:
        (OUT / "compliance-explain.txt").write_text(compliance.explain(scenarios), encoding="utf-8")
    print(f"\nMedian of {args.compliance_rounds} rounds ({args.samples} board samples each):")
    print(compliance.table(summary))
    print(f"\nWritten: {OUT / 'compliance.json'} and {copy}")
    return compliance.passed(summary)


def run_plans(
    args: argparse.Namespace, context: dict[str, Any], generated: dict[str, Any] | None
) -> bool:
    """One item deployed to every organisation below the root, and its cascade view
    (bench/plans.py)."""
    import random

    from bench import data, plans

    users = data.bench_users()
    user = users["party_admin"]
    counts = plans.counts()
    item = counts["cascade_item"]
    print(
        f"Plans: {counts['tasks']:,} tasks ({counts['tasks_carrying_an_item']:,} carrying an item),"
        f" {counts['plans']} plans, {counts['plan_items']} items, {counts['reports']:,} reports;"
        f" status mix as of {counts['generated_on']}; cascade item {item['title']!r} with"
        f" {item['tasks']:,} tasks"
    )
    started = datetime.now().astimezone()
    rng = random.Random(plans.SEED)
    deploys: list[dict[str, Any]] = []
    cascades: list[dict[str, Any]] = []
    scenarios: list[Any] = []
    for number in range(1, args.plans_rounds + 1):
        print(f"Plans round {number}/{args.plans_rounds}")
        if args.max_load is not None:
            wait_for_quiet(args.max_load, args.wait)
        load_before = os.getloadavg()
        result = plans.deploy_round(user, rng)
        result["loadavg_1min"] = [round(load_before[0], 2), round(os.getloadavg()[0], 2)]
        deploys.append(result)
        if args.max_load is not None:
            wait_for_quiet(args.max_load, args.wait)
        load_before = os.getloadavg()
        t0 = time.perf_counter()
        cascade, scenarios = plans.cascade_round(user, samples=args.samples, warmup=args.warmup)
        cascade["seconds"] = round(time.perf_counter() - t0, 1)
        cascade["loadavg_1min"] = [round(load_before[0], 2), round(os.getloadavg()[0], 2)]
        cascades.append(cascade)
        print(plans.table(plans.combine([result], [cascade])))
        print(
            f"  load average {result['loadavg_1min'][0]} → {result['loadavg_1min'][1]} (deploy),"
            f" {cascade['loadavg_1min'][0]} → {cascade['loadavg_1min'][1]} (cascade view)"
        )
    summary = plans.combine(deploys, cascades)
    profile = None
    if args.profile_plans:
        print("Profiled deploy and cascade view (not counted) …")
        profile = plans.profile_deploy(user, rng) + "\n\n" + plans.profile_cascade(user)
        (OUT / "plans-profile.txt").write_text(profile, encoding="utf-8")

    report = {
        "benchmark": "plans",
        "started_at": started.isoformat(timespec="seconds"),
        "finished_at": datetime.now().astimezone().isoformat(timespec="seconds"),
        **context,
        "plans": {**counts, "generated_now": generated, "seed": plans.SEED},
        "user": {"username": user.username, "role": "party_admin", "on": users["root"].org_code},
        "config": {"rounds": args.plans_rounds, "samples": args.samples, "warmup": args.warmup},
        "deploy_rounds": deploys,
        "cascade_rounds": cascades,
        "summary": summary,
    }
    copy = write_report("plans", report, started)
    if args.explain and scenarios:
        (OUT / "plans-explain.txt").write_text(plans.explain(scenarios), encoding="utf-8")
    print(f"\nMedian of {args.plans_rounds} rounds ({args.samples} cascade samples each):")
    print(plans.table(summary))
    print(f"\nWritten: {OUT / 'plans.json'} and {copy}")
    if profile:
        print(f"Profile: {OUT / 'plans-profile.txt'}")
    return plans.passed(summary)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
