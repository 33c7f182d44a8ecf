"""The roster benchmark: list and the three searches, unscoped and for a branch secretary.

Server time is measured in-process with `django.test.Client` through the full middleware
stack and template rendering (no network, no WSGI server). Each round measures its own
baselines with the same data, connection and warm cache (PERF-ANCHORS §6.1):

- `healthz/<user>`: `/healthz` through the full middleware for the same signed-in clients (the
  framework floor: session and user load, the user's reach — the session policy asks whether
  the user is an administrator — middleware, JSON response; B-json-mw in PERF-ANCHORS §6.1);
- `sql`: the SELECT statements the roster request issued (captured once with
  `CaptureQueriesContext`), replayed on the same connection with `connection.cursor()`,
  execute + fetchall; `roster_sql` is the part of it on `people_person` (count + page).

Samples are interleaved (one request of every scenario per iteration) so that drift in the
machine affects all scenarios alike, which keeps the scoped/unscoped ratio fair.
"""

from __future__ import annotations

import re
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from ronghe.people.models import Person
from ronghe.testing import sign_in

LIST_URL = "/people/"
HEALTH_URL = "/healthz"
USERS = ("party_admin", "secretary")
SEARCHES = ("list", "name", "initials", "id_tail")
TARGET_MEDIAN_MS = 50.0
TARGET_RATIO = 1.2
_ROW_LINK = re.compile(rb'href="/people/[0-9a-f-]{36}/"')


def summarise(seconds: list[float]) -> dict[str, float | int]:
    ms = sorted(s * 1000 for s in seconds)
    return {
        "n": len(ms),
        "median_ms": round(statistics.median(ms), 3),
        "p95_ms": round(statistics.quantiles(ms, n=20, method="inclusive")[18], 3),
        "min_ms": round(ms[0], 3),
        "max_ms": round(ms[-1], 3),
    }


@dataclass
class Scenario:
    search: str  # list | name | initials | id_tail
    user: str  # party_admin | secretary
    params: dict[str, str]
    client: Client
    statements: list[str] = field(default_factory=list)
    queries: int = 0
    rows: int = 0
    matches: int = 0
    view: list[float] = field(default_factory=list)
    sql: list[float] = field(default_factory=list)
    roster_sql: list[float] = field(default_factory=list)

    @property
    def key(self) -> str:
        return f"{self.search}/{self.user}"


def make_client(user: Any) -> Client:
    return sign_in(Client(HTTP_HOST="127.0.0.1"), user)


def _get(client: Client, path: str, params: dict[str, str] | None = None) -> float:
    started = time.perf_counter()
    response = client.get(path, params or {}, secure=True)
    elapsed = time.perf_counter() - started
    if response.status_code != 200:
        raise SystemExit(f"GET {path} {params} answered {response.status_code}")
    return elapsed


def _is_select(sql: str) -> bool:
    return sql.lstrip().upper().startswith("SELECT")


def capture(scenario: Scenario, user: Any) -> None:
    """One request under CaptureQueriesContext: the statements, the query count, the rows."""
    with CaptureQueriesContext(connection) as ctx:
        response = scenario.client.get(LIST_URL, scenario.params, secure=True)
    assert response.status_code == 200, response.status_code
    scenario.queries = len(ctx.captured_queries)
    scenario.statements = [q["sql"] for q in ctx.captured_queries if _is_select(q["sql"])]
    scenario.rows = len(_ROW_LINK.findall(response.content))
    scenario.matches = Person.objects.visible_to(user).search(scenario.params.get("q", "")).count()


def replay(statements: list[str]) -> tuple[float, float]:
    """Execute and fetch every statement; returns (total seconds, people_person seconds)."""
    total = roster = 0.0
    with connection.cursor() as cursor:
        for sql in statements:
            started = time.perf_counter()
            cursor.execute(sql)
            cursor.fetchall()
            elapsed = time.perf_counter() - started
            total += elapsed
            if 'FROM "people_person"' in sql:
                roster += elapsed
    return total, roster


def explain(scenarios: list[Scenario]) -> str:
    """EXPLAIN (ANALYZE, BUFFERS) of the people_person statements of every scenario."""
    out: list[str] = []
    with connection.cursor() as cursor:
        for scenario in scenarios:
            for sql in scenario.statements:
                if 'FROM "people_person"' not in sql:
                    continue
                cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
                plan = "\n".join(row[0] for row in cursor.fetchall())
                out.append(f"### {scenario.key} {scenario.params}\n{sql}\n\n{plan}\n")
    return "\n".join(out)


def run_round(
    users: dict[str, Any],
    terms: dict[str, str],
    *,
    samples: int,
    warmup: int,
    log: Callable[[str], None] = print,
) -> tuple[dict[str, Any], list[Scenario]]:
    clients = {name: make_client(users[name]) for name in USERS}
    queries = {
        "list": "",
        "name": terms["name"],
        "initials": terms["initials"],
        "id_tail": terms["id_tail"],
    }
    scenarios = [
        Scenario(search, user, {"q": queries[search]} if queries[search] else {}, clients[user])
        for search in SEARCHES
        for user in USERS
    ]
    health: dict[str, list[float]] = {user: [] for user in USERS}

    for _ in range(warmup):
        for user in USERS:
            _get(clients[user], HEALTH_URL)
        for scenario in scenarios:
            _get(scenario.client, LIST_URL, scenario.params)
    for scenario in scenarios:
        capture(scenario, users[scenario.user])
        for _ in range(warmup):
            replay(scenario.statements)

    log(f"  sampling {samples} × {len(scenarios)} scenarios …")
    for _ in range(samples):
        for user in USERS:
            health[user].append(_get(clients[user], HEALTH_URL))
        for scenario in scenarios:
            scenario.view.append(_get(scenario.client, LIST_URL, scenario.params))
    for _ in range(samples):
        for scenario in scenarios:
            total, roster = replay(scenario.statements)
            scenario.sql.append(total)
            scenario.roster_sql.append(roster)

    result: dict[str, Any] = {
        "baselines": {f"healthz/{user}": summarise(health[user]) for user in USERS},
        "scenarios": {},
    }
    for scenario in scenarios:
        view, sql = summarise(scenario.view), summarise(scenario.sql)
        result["scenarios"][scenario.key] = {
            "params": scenario.params,
            "view": view,
            "sql": sql,
            "roster_sql": summarise(scenario.roster_sql),
            "view_minus_sql_median_ms": round(view["median_ms"] - sql["median_ms"], 3),
            "queries": scenario.queries,
            "selects_replayed": len(scenario.statements),
            "rows_on_page": scenario.rows,
            "matches": scenario.matches,
        }
    result["ratios"] = ratios(result["scenarios"])
    return result, scenarios


def ratios(scenarios: dict[str, Any]) -> dict[str, Any]:
    """Secretary (scoped) / party_admin (unscoped), median and p95, per search."""
    out = {}
    for search in SEARCHES:
        scoped, unscoped = (
            scenarios[f"{search}/secretary"]["view"],
            scenarios[f"{search}/party_admin"]["view"],
        )
        out[search] = {
            "median": round(scoped["median_ms"] / unscoped["median_ms"], 3),
            "p95": round(scoped["p95_ms"] / unscoped["p95_ms"], 3),
        }
    return out


def combine(rounds: list[dict[str, Any]]) -> dict[str, Any]:
    """The median over rounds of every per-round figure."""

    def med(values: list[float]) -> float:
        return round(statistics.median(values), 3)

    summary: dict[str, Any] = {
        "baselines": {
            name: {
                k: med([r["baselines"][name][k] for r in rounds]) for k in ("median_ms", "p95_ms")
            }
            for name in rounds[0]["baselines"]
        },
        "scenarios": {},
    }
    for key in rounds[0]["scenarios"]:
        per = [r["scenarios"][key] for r in rounds]
        summary["scenarios"][key] = {
            "view_median_ms": med([p["view"]["median_ms"] for p in per]),
            "view_p95_ms": med([p["view"]["p95_ms"] for p in per]),
            "sql_median_ms": med([p["sql"]["median_ms"] for p in per]),
            "roster_sql_median_ms": med([p["roster_sql"]["median_ms"] for p in per]),
            "view_minus_sql_median_ms": med([p["view_minus_sql_median_ms"] for p in per]),
            "queries": per[0]["queries"],
            "rows_on_page": per[0]["rows_on_page"],
            "matches": per[0]["matches"],
        }
    summary["ratios"] = {
        search: {k: med([r["ratios"][search][k] for r in rounds]) for k in ("median", "p95")}
        for search in SEARCHES
    }
    worst = max(s["view_median_ms"] for s in summary["scenarios"].values())
    summary["targets"] = {
        "median_le_50ms": worst <= TARGET_MEDIAN_MS,
        "worst_median_ms": worst,
        "list_ratio_le_1_2": summary["ratios"]["list"]["median"] <= TARGET_RATIO,
        "list_ratio": summary["ratios"]["list"]["median"],
    }
    return summary


def table(summary: dict[str, Any]) -> str:
    lines = [
        f"{'scenario':<22}{'view p50':>10}{'view p95':>10}{'B-sql p50':>11}{'people sql':>11}"
        f"{'view−sql':>10}{'queries':>9}{'rows':>6}{'matches':>9}",
    ]
    for key, s in summary["scenarios"].items():
        lines.append(
            f"{key:<22}{s['view_median_ms']:>10.2f}{s['view_p95_ms']:>10.2f}"
            f"{s['sql_median_ms']:>11.2f}{s['roster_sql_median_ms']:>11.2f}"
            f"{s['view_minus_sql_median_ms']:>10.2f}{s['queries']:>9}{s['rows_on_page']:>6}"
            f"{s['matches']:>9}"
        )
    for name, h in summary["baselines"].items():
        lines.append(f"{name:<22}{h['median_ms']:>10.2f}{h['p95_ms']:>10.2f}")
    lines.append(
        "ratio secretary/party_admin (median, p95): "
        + ", ".join(f"{k} {v['median']:.2f}/{v['p95']:.2f}" for k, v in summary["ratios"].items())
    )
    t = summary["targets"]
    lines.append(
        f"targets: worst median {t['worst_median_ms']:.2f} ms ≤ 50 → "
        f"{'PASS' if t['median_le_50ms'] else 'FAIL'}; list ratio {t['list_ratio']:.2f} ≤ 1.2 → "
        f"{'PASS' if t['list_ratio_le_1_2'] else 'FAIL'}"
    )
    return "\n".join(lines)
