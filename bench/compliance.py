"""The compliance benchmark (issue 4): every rule for every organisation, and the board.

Run by `bench/run.py` (`--suite compliance`, or `--suite all`). The data is the bench
organisation of bench/data.py (5,946 Party organisations, about 100,000 people) with a year of
meetings and attendance from bench/meetings.py. Targets: evaluating all rules for all
organisations ≤ 10 s; the board for the top committee ≤ 300 ms (median server time).

**Evaluation.** What the nightly job runs (`compliance.tasks.evaluate_all` →
`services.evaluate_and_notify()`), called in-process with `today` set to the data's reference
day (bench/meetings.py) so that every run sees the same mix of findings. Each round:

- `first`: the findings table emptied (TRUNCATE, not timed), then an evaluation that writes
  every finding (about 115,000 rows, by COPY). The table is then ANALYZEd, not timed, as
  autovacuum would before the next nightly run;
- `again`: the same day again: every finding read and compared, nothing written;
- `next_day`: the reference day + 1: a few findings change;
- `month_start`: the first day of the next month: every monthly rule opens a new period and
  the previous one stops being the latest (thousands of inserts and updates).

Queries are counted with a Django execute wrapper (the COPY of new findings goes through
psycopg's own cursor and is not counted). Baselines measured in the same round, same data and
connection: **B-sql**, the evaluator's SELECT statements (captured once from an `again` run)
replayed with `connection.cursor()`, execute + fetchall; **B-write**, the rows `first` wrote,
copied out as COPY text beforehand and COPYed into a temporary table with the same columns and
indexes (`LIKE compliance_finding INCLUDING ALL`; no foreign keys).

**Board.** `/compliance/` in-process through the full middleware with `django.test.Client`,
signed in as `bench_party_admin` (party_admin on the root committee: reach over all 5,946
organisations) and, for comparison, `bench_secretary` (one branch and its groups); both plain
and with "only organisations behind" (`?behind=1`). Findings are those of an evaluation at the
reference day. Samples are interleaved as in bench/roster.py; baselines per round: `/healthz`
for the same signed-in clients, and B-sql (the page's SELECTs replayed).
"""

from __future__ import annotations

import re
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from django.db import OperationalError, connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from bench import meetings
from bench.roster import _get, _is_select, make_client, replay, summarise

TARGET_EVALUATION_S = 10.0
TARGET_BOARD_MS = 300.0
BOARD_URL = "/compliance/"
HEALTH_URL = "/healthz"
USERS = ("party_admin", "secretary")
VIEWS = {"board": {}, "behind": {"behind": "1"}}
EVALUATIONS = ("first", "again", "next_day", "month_start")
_ROW_LINK = re.compile(rb'href="/compliance/orgs/[0-9a-f-]{36}/"')

Log = Callable[[str], None]


def evaluation_days(reference: date) -> dict[str, date]:
    following = date(reference.year + reference.month // 12, reference.month % 12 + 1, 1)
    return {
        "first": reference,
        "again": reference,
        "next_day": reference + timedelta(days=1),
        "month_start": following,
    }


# --- evaluation ----------------------------------------------------------------------------------


class _Counter:
    """Counts the statements Django executes (an execute wrapper: no SQL kept, little cost)."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self, execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        self.count += 1
        return execute(sql, params, many, context)


def empty_findings() -> None:
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE compliance_finding")


def _analyze_findings() -> None:
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE compliance_finding")


def evaluate(today: date) -> dict[str, Any]:
    """One timed `evaluate_and_notify`, with its query count and what it wrote."""
    from ronghe.compliance import services

    counter = _Counter()
    started = time.perf_counter()
    try:
        with connection.execute_wrapper(counter):
            result = services.evaluate_and_notify(today=today)
    except OperationalError as exc:  # e.g. the 30 s statement timeout of the settings
        return {
            "seconds": round(time.perf_counter() - started, 3),
            "error": str(exc).splitlines()[0],
            "queries": counter.count,
        }
    return {
        "seconds": round(time.perf_counter() - started, 3),
        "queries": counter.count,
        "written": result.written,
        "unchanged": result.unchanged,
        "needs_action_changes": len(result.changes),
    }


def finding_mix() -> dict[str, Any]:
    from django.db.models import Count

    from ronghe.compliance.models import Finding

    rows = Finding.objects.order_by().values_list("status").annotate(n=Count("id"))
    current = Finding.objects.current().order_by().values_list("status").annotate(n=Count("id"))
    return {
        "findings": Finding.objects.count(),
        "by_status": dict(rows),
        "current_by_status": dict(current),
        "late": Finding.objects.filter(late=True).count(),
    }


def _findings_as_copy_text() -> bytes:
    """The stored findings in COPY's text format (for B-write)."""
    chunks: list[bytes] = []
    with connection.cursor() as cursor:
        raw = cursor.cursor
        with raw.copy("COPY compliance_finding TO STDOUT") as pipe:
            for chunk in pipe:
                chunks.append(bytes(chunk))
    return b"".join(chunks)


def b_write(payload: bytes) -> float:
    """Seconds to COPY the same finding rows into a temporary twin of the table."""
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS bench_finding_twin")
        cursor.execute(
            "CREATE TEMPORARY TABLE bench_finding_twin (LIKE compliance_finding INCLUDING ALL)"
        )
        raw = cursor.cursor
        started = time.perf_counter()
        with raw.copy("COPY bench_finding_twin FROM STDIN") as pipe:
            pipe.write(payload)
        elapsed = time.perf_counter() - started
        cursor.execute("DROP TABLE bench_finding_twin")
    return elapsed


@dataclass
class EvaluationSetup:
    reference: date
    days: dict[str, date]
    statements: list[str] = field(default_factory=list)  # the SELECTs of an `again` run
    payload: bytes = b""  # the findings of `first`, as COPY text
    mix: dict[str, Any] = field(default_factory=dict)


def prepare_evaluation(reference: date, *, log: Log = print) -> EvaluationSetup:
    """A warm-up `first` + `again` (not counted), capturing the statements for B-sql and the
    rows for B-write."""
    from ronghe.compliance import services

    setup = EvaluationSetup(reference, evaluation_days(reference))
    log("  warm-up evaluation (not counted) …")
    empty_findings()
    services.evaluate_and_notify(today=reference)
    _analyze_findings()
    setup.mix = finding_mix()
    setup.payload = _findings_as_copy_text()
    with CaptureQueriesContext(connection) as ctx:
        services.evaluate_and_notify(today=reference)
    setup.statements = [q["sql"] for q in ctx.captured_queries if _is_select(q["sql"])]
    return setup


def evaluation_round(setup: EvaluationSetup, *, log: Log = print) -> dict[str, Any]:
    empty_findings()
    result: dict[str, Any] = {"evaluations": {}, "baselines": {}}
    for name in EVALUATIONS:
        outcome = evaluate(setup.days[name])
        result["evaluations"][name] = outcome
        log(
            f"  {name:<12} {outcome['seconds']:7.2f} s, {outcome['queries']} queries"
            + (f", ERROR {outcome['error']}" if "error" in outcome else "")
            + (f", {outcome['written']:,} written" if "written" in outcome else "")
        )
        if name == "first":
            _analyze_findings()
    replayed, _ = replay(setup.statements)
    result["baselines"]["b_sql_s"] = round(replayed, 3)
    result["baselines"]["b_write_s"] = round(b_write(setup.payload), 3)
    result["baselines"]["b_write_rows"] = setup.mix["findings"]
    return result


STEPS = (
    "_orgs",
    "_settings",
    "_full_members",
    "_held_meetings",
    "_meeting_outcomes",
    "_term_outcomes",
    "_store",
    "_existing",
)


def breakdown(setup: EvaluationSetup, *, log: Log = print) -> dict[str, Any]:
    """Where each evaluation's time goes (not counted): the evaluator's steps and its two
    writes, timed by wrapping them for one `first`, `again` and `month_start`. `_store`
    includes `_existing`, both writes and the commit (deferred foreign-key checks)."""
    from ronghe.compliance import evaluator

    timers: dict[str, float] = {}

    def timed(name: str, function: Callable[..., Any]) -> Callable[..., Any]:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                timers[name] = timers.get(name, 0.0) + time.perf_counter() - started

        return wrapper

    originals = {name: getattr(evaluator, name) for name in STEPS}
    writes = {name: getattr(evaluator.bulk, name) for name in ("insert_rows", "update_rows")}
    result: dict[str, Any] = {}
    try:
        for name, function in originals.items():
            setattr(evaluator, name, timed(name, function))
        for name, function in writes.items():
            setattr(evaluator.bulk, name, timed(name, function))
        empty_findings()
        for name in ("first", "again", "month_start"):
            timers.clear()
            outcome = evaluate(setup.days[name])
            result[name] = {
                "seconds": outcome["seconds"],
                "steps_s": {k: round(v, 3) for k, v in timers.items()},
            }
            log(f"  {name}: {outcome['seconds']:.2f} s " + str(result[name]["steps_s"]))
            if name == "first":
                _analyze_findings()
    finally:
        for name, function in originals.items():
            setattr(evaluator, name, function)
        for name, function in writes.items():
            setattr(evaluator.bulk, name, function)
    return result


# --- the board ---------------------------------------------------------------------------------


@dataclass
class Scenario:
    view: str  # board | behind
    user: str  # party_admin | secretary
    params: dict[str, str]
    client: Client
    statements: list[str] = field(default_factory=list)
    queries: int = 0
    rows: int = 0
    bytes: int = 0
    samples: list[float] = field(default_factory=list)
    sql: list[float] = field(default_factory=list)

    @property
    def key(self) -> str:
        return f"{self.view}/{self.user}"


def _capture(scenario: Scenario) -> None:
    with CaptureQueriesContext(connection) as ctx:
        response = scenario.client.get(BOARD_URL, scenario.params, secure=True)
    assert response.status_code == 200, response.status_code
    scenario.queries = len(ctx.captured_queries)
    scenario.statements = [q["sql"] for q in ctx.captured_queries if _is_select(q["sql"])]
    scenario.rows = len(_ROW_LINK.findall(response.content))
    scenario.bytes = len(response.content)


def board_round(
    users: dict[str, Any], *, samples: int, warmup: int, log: Log = print
) -> tuple[dict[str, Any], list[Scenario]]:
    clients = {name: make_client(users[name]) for name in USERS}
    scenarios = [
        Scenario(view, user, params, clients[user])
        for user in USERS
        for view, params in VIEWS.items()
    ]
    health: dict[str, list[float]] = {user: [] for user in USERS}
    for _ in range(warmup):
        for user in USERS:
            _get(clients[user], HEALTH_URL)
        for scenario in scenarios:
            _get(scenario.client, BOARD_URL, scenario.params)
    for scenario in scenarios:
        _capture(scenario)
        for _ in range(warmup):
            replay(scenario.statements)

    log(f"  sampling {samples} × {len(scenarios)} board scenarios …")
    for _ in range(samples):
        for user in USERS:
            health[user].append(_get(clients[user], HEALTH_URL))
        for scenario in scenarios:
            scenario.samples.append(_get(scenario.client, BOARD_URL, scenario.params))
    for _ in range(samples):
        for scenario in scenarios:
            scenario.sql.append(replay(scenario.statements)[0])

    result: dict[str, Any] = {
        "baselines": {f"healthz/{user}": summarise(health[user]) for user in USERS},
        "scenarios": {},
    }
    for scenario in scenarios:
        view, sql = summarise(scenario.samples), summarise(scenario.sql)
        result["scenarios"][scenario.key] = {
            "params": scenario.params,
            "view": view,
            "sql": sql,
            "view_minus_sql_median_ms": round(view["median_ms"] - sql["median_ms"], 3),
            "queries": scenario.queries,
            "rows_on_page": scenario.rows,
            "html_bytes": scenario.bytes,
        }
    return result, scenarios


def explain(scenarios: list[Scenario]) -> str:
    """EXPLAIN (ANALYZE, BUFFERS) of the board's compliance statements."""
    out: list[str] = []
    with connection.cursor() as cursor:
        for scenario in scenarios:
            for sql in scenario.statements:
                if "compliance_finding" not in sql:
                    continue
                cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
                plan = "\n".join(row[0] for row in cursor.fetchall())
                out.append(f"### {scenario.key} {scenario.params}\n{sql}\n\n{plan}\n")
    return "\n".join(out)


# --- the summary ---------------------------------------------------------------------------------


def _med(values: list[float]) -> float:
    return round(statistics.median(values), 3)


def combine(evaluations: list[dict[str, Any]], boards: list[dict[str, Any]]) -> dict[str, Any]:
    """The median over rounds of every per-round figure, the ratios and the targets."""
    summary: dict[str, Any] = {"evaluations": {}, "evaluation_baselines": {}, "board": {}}
    for name in EVALUATIONS:
        per = [r["evaluations"][name] for r in evaluations]
        ok = [p for p in per if "error" not in p]
        summary["evaluations"][name] = {
            "median_s": _med([p["seconds"] for p in ok]) if ok else None,
            "min_s": min(p["seconds"] for p in ok) if ok else None,
            "max_s": max(p["seconds"] for p in ok) if ok else None,
            "errors": [p["error"] for p in per if "error" in p],
            "queries": ok[0]["queries"] if ok else None,
            "written": ok[0]["written"] if ok else None,
            "unchanged": ok[0]["unchanged"] if ok else None,
        }
    for key in ("b_sql_s", "b_write_s"):
        summary["evaluation_baselines"][key] = _med([r["baselines"][key] for r in evaluations])
    b_sql = summary["evaluation_baselines"]["b_sql_s"]
    b_write = summary["evaluation_baselines"]["b_write_s"]
    ratios: dict[str, Any] = {}
    for name, s in summary["evaluations"].items():
        if s["median_s"] is not None and b_sql:
            ratios[f"{name}/b_sql"] = round(s["median_s"] / b_sql, 2)
    first = summary["evaluations"]["first"]["median_s"]
    if first is not None and b_sql + b_write:
        ratios["first/(b_sql+b_write)"] = round(first / (b_sql + b_write), 2)
    summary["evaluation_ratios"] = ratios

    if boards:
        summary["board"]["baselines"] = {
            name: {
                k: _med([r["baselines"][name][k] for r in boards]) for k in ("median_ms", "p95_ms")
            }
            for name in boards[0]["baselines"]
        }
        summary["board"]["scenarios"] = {}
        for key in boards[0]["scenarios"]:
            per = [r["scenarios"][key] for r in boards]
            summary["board"]["scenarios"][key] = {
                "view_median_ms": _med([p["view"]["median_ms"] for p in per]),
                "view_p95_ms": _med([p["view"]["p95_ms"] for p in per]),
                "sql_median_ms": _med([p["sql"]["median_ms"] for p in per]),
                "view_minus_sql_median_ms": _med([p["view_minus_sql_median_ms"] for p in per]),
                "queries": per[0]["queries"],
                "rows_on_page": per[0]["rows_on_page"],
                "html_bytes": per[0]["html_bytes"],
            }
        scenarios = summary["board"]["scenarios"]
        baselines = summary["board"]["baselines"]
        summary["board"]["ratios"] = {
            f"{key}/healthz": round(
                s["view_median_ms"] / baselines[f"healthz/{key.split('/')[1]}"]["median_ms"], 2
            )
            for key, s in scenarios.items()
        } | {
            f"{key}/b_sql": round(s["view_median_ms"] / s["sql_median_ms"], 2)
            for key, s in scenarios.items()
            if s["sql_median_ms"]
        }

    worst_evaluation = max(
        (s["median_s"] for s in summary["evaluations"].values() if s["median_s"] is not None),
        default=None,
    )
    failed = any(s["errors"] or s["median_s"] is None for s in summary["evaluations"].values())
    targets: dict[str, Any] = {
        "evaluation_worst_median_s": worst_evaluation,
        "evaluation_le_10s": (
            not failed and worst_evaluation is not None and worst_evaluation <= TARGET_EVALUATION_S
        ),
    }
    if boards:
        top = [
            s for key, s in summary["board"]["scenarios"].items() if key.endswith("/party_admin")
        ]
        worst_board = max(s["view_median_ms"] for s in top)
        targets |= {
            "board_top_worst_median_ms": worst_board,
            "board_le_300ms": worst_board <= TARGET_BOARD_MS,
        }
    summary["targets"] = targets
    return summary


def table(summary: dict[str, Any]) -> str:
    lines = [f"{'evaluation':<14}{'median s':>10}{'min':>8}{'max':>8}{'queries':>9}{'written':>10}"]
    for name, s in summary["evaluations"].items():
        if s["median_s"] is None:
            lines.append(f"{name:<14}{'failed':>10}  {'; '.join(s['errors'])}")
            continue
        lines.append(
            f"{name:<14}{s['median_s']:>10.2f}{s['min_s']:>8.2f}{s['max_s']:>8.2f}"
            f"{s['queries']:>9}{s['written']:>10,}"
            + (f"  ({len(s['errors'])} failed)" if s["errors"] else "")
        )
    b = summary["evaluation_baselines"]
    lines.append(f"{'B-sql':<14}{b['b_sql_s']:>10.2f}")
    lines.append(f"{'B-write':<14}{b['b_write_s']:>10.2f}")
    lines.append(
        "ratios: " + ", ".join(f"{k} {v:.2f}" for k, v in summary["evaluation_ratios"].items())
    )
    board = summary.get("board") or {}
    if board:
        lines.append(
            f"{'board':<22}{'view p50':>10}{'view p95':>10}{'B-sql p50':>11}{'view−sql':>10}"
            f"{'queries':>9}{'rows':>6}"
        )
        for key, s in board["scenarios"].items():
            lines.append(
                f"{key:<22}{s['view_median_ms']:>10.2f}{s['view_p95_ms']:>10.2f}"
                f"{s['sql_median_ms']:>11.2f}{s['view_minus_sql_median_ms']:>10.2f}"
                f"{s['queries']:>9}{s['rows_on_page']:>6}"
            )
        for name, h in board["baselines"].items():
            lines.append(f"{name:<22}{h['median_ms']:>10.2f}{h['p95_ms']:>10.2f}")
        lines.append("ratios: " + ", ".join(f"{k} {v:.2f}" for k, v in board["ratios"].items()))
    t = summary["targets"]
    verdict = [
        f"evaluation worst median {t['evaluation_worst_median_s']} s ≤ 10 → "
        f"{'PASS' if t['evaluation_le_10s'] else 'FAIL'}"
    ]
    if "board_le_300ms" in t:
        verdict.append(
            f"board (top committee) worst median {t['board_top_worst_median_ms']:.1f} ms ≤ 300 → "
            f"{'PASS' if t['board_le_300ms'] else 'FAIL'}"
        )
    lines.append("targets: " + "; ".join(verdict))
    return "\n".join(lines)


def passed(summary: dict[str, Any]) -> bool:
    targets = summary["targets"]
    return bool(targets["evaluation_le_10s"] and targets.get("board_le_300ms", True))


def data_counts() -> dict[str, Any]:
    return meetings.counts()
