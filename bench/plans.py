"""The plans benchmark (issue 5): cascading one item to every organisation, and its cascade view.

Run by `bench/run.py` (`--suite plans`, or `--suite all`). Targets: with about 5,000
organisations and 200,000 tasks, deploying one item of the root committee to every
organisation below it takes ≤ 5 s (bulk, one transaction), and the cascade view of such an
item renders in ≤ 300 ms (median server time).

**Data** (generated once per bench database, seeded, on top of bench/data.py's organisation;
a later run finds it and skips). Approved plans of the root committee (last year's and this
year's annual plans and this year's fourth quarter) and of 30 of the 40 company committees
(this year), with Party and business items; each item is deployed to every organisation below
its plan's, to the committees and branches only, to the branches only, or carried by the plan's
organisation itself. Every organisation also has tasks of its own (no item, deadlines from 300
days before to 120 days after the day of generation), up to 200,000 tasks in all. Statuses follow the deadline against the day of generation (past: mostly done,
some still open with a late mark, some done late; coming: not started, in progress, a few done),
with Party and business dimensions (30% both), Party and business leads drawn from the
organisation's members and the staff of its mapped business unit, integration points, and
progress reports (accepted, returned, or waiting for a check). Everything is written with
`ronghe.core.bulk.insert_rows` (COPY) in one transaction, ids drawn from the tables' sequences
first.

**Deploy.** Each round adds a fresh item to the root committee's approved plan for this year
(not timed), loads the organisations below the root as the deploy page does (timed apart), and
times `plans.services.deploy(item=…, orgs=…, by=bench_party_admin)` called outside any
transaction: its own `transaction.atomic` is the one transaction, so the time includes the
commit and its deferred foreign-key checks, and the on-commit enqueue of the notification job
(into a Huey queue of the bench's own, bench/out/huey-bench.sqlite3, never the project's).
Then, not timed: the created tasks are checked and copied out, deleted, the baseline runs, and
the item and tasks are removed and `plans_task` VACUUMed (see `vacuum`). The audit rows stay
(the audit table is append-only): each round leaves one per organisation.

**B-write** (the floor for the deploy, measured in the same round with the same rows): the
task rows the deploy wrote, COPYed back into `plans_task` itself (same indexes, foreign keys
checked at the commit), and its audit rows COPYed into a temporary twin of `core_auditevent`
(`LIKE … INCLUDING ALL`: same columns and indexes, no foreign key), both in one transaction
with its commit. This is the least work any implementation must do to store the same rows;
what the deploy adds is building them in Python and its few reads.

**Cascade view.** `/plans/items/<code>/cascade/` for this year's first root item, deployed to
every organisation below the root (about 5,900 tasks), in-process through the full middleware
with `django.test.Client`, signed in as `bench_party_admin` (party_admin on the root): page 1
and the last page. Baselines per round as in bench/roster.py: `/healthz` for the same client,
and B-sql (the page's SELECTs replayed on the same connection).
"""

from __future__ import annotations

import cProfile
import io
import pstats
import random
import re
import statistics
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext

from bench.roster import _get, _is_select, make_client, replay, summarise

SEED = 5005  # bench/data.py uses 2026, the exchange file 3003, the meetings 4004
TASKS = 200_000
EXPECTED_TASKS = (190_000, 215_000)
COMPANY_PLANS = 30  # of the 40 company committees
TARGET_DEPLOY_S = 5.0
TARGET_CASCADE_MS = 300.0
HEALTH_URL = "/healthz"
PAGE_SIZE = 50  # plans.views.PAGE_SIZE
SKIP_CODES = ("BENCH-XCHG",)  # the exchange suite's throwaway committee
DEPLOY_TITLE = "基准下发测试"  # items the deploy rounds add (and remove)
ROOT_PLAN_TITLE = "{year}年度党建与经营工作计划（基准）"
SHANGHAI = ZoneInfo("Asia/Shanghai")
_TASK_LINK = re.compile(rb'href="/tasks/[0-9a-f-]{36}/"')

Log = Callable[[str], None]

PARTY_TITLES = (
    "深入学习贯彻党的二十大精神",
    "落实“三会一课”制度",
    "开展主题党日活动",
    "党风廉政建设责任制落实",
    "发展党员工作",
    "基层党组织标准化规范化建设",
    "党建品牌创建",
    "青年理论学习小组建设",
    "意识形态工作责任制落实",
    "党员先锋岗创建",
    "组织生活会与民主评议党员",
    "廉洁风险排查",
)
BUSINESS_TITLES = (
    "安全生产专项整治",
    "降本增效攻坚",
    "科技创新项目攻关",
    "客户满意度提升",
    "设备完好率达标",
    "人才梯队建设",
    "重点工程按期投产",
    "年度经营指标完成",
    "隐患排查治理",
    "数字化转型试点",
    "节能减排",
    "质量提升行动",
)
POINT_TITLES = (
    ("党建+安全生产", "党员安全责任区", "安全生产零事故"),
    ("党建+降本增效", "党员攻关小组", "单位成本下降"),
    ("党建+科技创新", "党员创新工作室", "关键技术突破"),
    ("党建+客户服务", "党员服务队", "客户满意度提升"),
    ("党建+重点工程", "党员突击队", "工程按期投产"),
    ("党建+人才培养", "双培养机制", "骨干人才储备"),
)
REPORT_TEXTS = (
    "已召开专题会议研究部署，明确责任分工和时间节点。",
    "按计划推进，阶段性目标已完成，附会议记录和照片。",
    "组织党员集中学习并开展研讨，形成问题清单。",
    "完成现场检查，整改项目已落实，附整改台账。",
    "任务已全部完成，相关佐证材料已上传。",
)
RETURN_REASONS = ("缺少会议记录", "佐证材料不完整，请补充照片", "进度描述与附件不一致")
CANCEL_REASONS = ("上级调整部署", "与其他任务合并", "机构调整")


# --- the data --------------------------------------------------------------------------------


def _root() -> Any:
    from bench import data
    from ronghe.orgs.models import PartyOrg

    return PartyOrg.objects.get(org_code=data.ROOT_CODE)


def _bench_tasks() -> Any:
    from ronghe.plans.models import Task

    return Task.objects.filter(org__path__startswith=_root().path)


def root_plan(year: int | None = None) -> Any:
    """The root committee's approved annual plan of `year` (the latest if None)."""
    from ronghe.plans.models import Plan

    plans = Plan.objects.filter(org=_root(), quarter=0, status=Plan.Status.APPROVED)
    if year is not None:
        plans = plans.filter(year=year)
    plan = plans.filter(title__endswith="（基准）").order_by("-year").first()
    if plan is None:
        raise SystemExit("No bench plans: generate them first.")
    return plan


def is_generated() -> bool:
    tasks = _bench_tasks().count()
    if not tasks:
        return False
    low, high = EXPECTED_TASKS
    if not low <= tasks <= high:
        raise SystemExit(
            f"The bench database holds {tasks:,} bench tasks (expected {low:,}–{high:,})."
            " Empty the plans tables (TRUNCATE plans_task, plans_planitem, plans_plan CASCADE)"
            " and run again."
        )
    return True


def generated_on() -> date:
    """The day the plans were generated (their approval), which fixed the status mix."""
    approved = root_plan().approved_at
    return approved.astimezone(SHANGHAI).date()


def cascade_item() -> Any:
    """This year's first item of the root committee, deployed to every organisation below."""
    return root_plan().items.order_by("position", "id").first()


def counts() -> dict[str, Any]:
    from django.db.models import Count

    from ronghe.plans.models import Plan, PlanItem, ProgressReport

    root = _root()
    tasks = _bench_tasks()
    item = cascade_item()
    result: dict[str, Any] = {
        "tasks": tasks.count(),
        "tasks_by_status": dict(tasks.order_by().values_list("status").annotate(n=Count("id"))),
        "tasks_carrying_an_item": tasks.filter(item__isnull=False).count(),
        "tasks_own": tasks.filter(item__isnull=True).count(),
        "tasks_late_mark": tasks.filter(late_mark=True).count(),
        "tasks_both_dimensions": tasks.filter(
            party_category__isnull=False, business_category__isnull=False
        ).count(),
        "tasks_with_party_lead": tasks.filter(party_lead__isnull=False).count(),
        "tasks_with_business_lead": tasks.filter(business_lead__isnull=False).count(),
        "plans": Plan.objects.filter(org__path__startswith=root.path).count(),
        "plan_items": PlanItem.objects.filter(plan__org__path__startswith=root.path).count(),
        "reports": ProgressReport.objects.filter(task__org__path__startswith=root.path).count(),
        "reports_by_status": dict(
            ProgressReport.objects.filter(task__org__path__startswith=root.path)
            .order_by()
            .values_list("status")
            .annotate(n=Count("id"))
        ),
        "generated_on": generated_on().isoformat(),
        "cascade_item": {
            "title": item.title,
            "deadline": item.deadline.isoformat(),
            "tasks": item.tasks.count(),
            "by_status": dict(item.tasks.order_by().values_list("status").annotate(n=Count("id"))),
            "late_mark": item.tasks.filter(late_mark=True).count(),
        },
    }
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_total_relation_size('plans_task'),"
                " pg_total_relation_size('plans_progressreport')"
            )
            task_bytes, report_bytes = cursor.fetchone()
        result["task_table_mb"] = round(task_bytes / 1e6)
        result["report_table_mb"] = round(report_bytes / 1e6)
    return result


@dataclass
class Org:
    id: int
    path: str
    kind: str
    depth: int
    secretary_id: int | None
    party_people: list[int] = field(default_factory=list)  # who may be the Party lead
    business_people: list[int] = field(default_factory=list)  # who may be the business lead
    diligence: float = 0.0  # the chance an open task is behind


@dataclass
class Item:
    id: int
    plan_id: int
    org: Org
    dimension: str
    title: str
    party_category: int | None
    business_category: int | None
    point: int | None
    deadline: date
    weight: int
    created: datetime
    targets: list[Org]


def _ids(table: str, n: int) -> list[int]:
    """`n` ids from the table's sequence (nextval is not rolled back: gaps at most)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
            [table, n],
        )
        return [row[0] for row in cursor.fetchall()]


def _uuid(rng: random.Random) -> uuid.UUID:
    return uuid.UUID(int=rng.getrandbits(128), version=4)


def _load(rng: random.Random) -> list[Org]:
    """The bench organisations in path order, with the people who may lead their tasks."""
    from django.db.models import Q

    from ronghe.orgs.models import PartyOrg
    from ronghe.people.models import PARTY_MEMBER_STATUSES, Person

    root = _root()
    skip = Q()
    for code in SKIP_CODES:
        skip |= Q(org_code__startswith=code)
    orgs = [
        Org(pk, path, kind, depth, secretary)
        for pk, path, kind, depth, secretary in PartyOrg.objects.filter(
            path__startswith=root.path, closed_on=None
        )
        .exclude(skip)
        .order_by("path")
        .values_list("id", "path", "kind", "depth", "secretary_id")
    ]
    by_id = {org.id: org for org in orgs}
    by_path = {org.path: org for org in orgs}
    step = PartyOrg.steplen
    unit_of: dict[int, int] = {}
    for org_id, unit_id in PartyOrg.units.through.objects.filter(
        partyorg_id__in=list(by_id)
    ).values_list("partyorg_id", "unit_id"):
        unit_of.setdefault(org_id, unit_id)
    staff: dict[int, list[int]] = {}
    for person_id, org_id, unit_id, status in (
        Person.objects.filter(
            Q(party_org_id__in=list(by_id)) | Q(unit_id__in=set(unit_of.values()))
        )
        .order_by("id")
        .values_list("id", "party_org_id", "unit_id", "political_status")
    ):
        if org_id in by_id and status in PARTY_MEMBER_STATUSES:
            by_id[org_id].party_people.append(person_id)
        if unit_id is not None:
            staff.setdefault(unit_id, []).append(person_id)
    for org in orgs:
        # The Party lead: the secretary or a member; a committee's own members are few, so
        # the secretaries of the organisations right below it are candidates too.
        if org.secretary_id:
            org.party_people.insert(0, org.secretary_id)
        if org.kind == PartyOrg.Kind.COMMITTEE:
            org.party_people += [
                o.secretary_id
                for o in orgs
                if o.depth == org.depth + 1 and o.path.startswith(org.path) and o.secretary_id
            ]
        # The business lead: staff of the unit mapped to it or to the nearest organisation
        # above (a Party group shares its branch's department).
        for end in range(len(org.path), 0, -step):
            above = by_path.get(org.path[:end])
            if above is not None and above.id in unit_of:
                org.business_people = staff.get(unit_of[above.id], [])
                break
        org.diligence = rng.choice((0.02, 0.05, 0.05, 0.1, 0.1, 0.2, 0.4))
    return orgs


def _deadlines(year: int, n: int) -> list[date]:
    """`n` deadlines spread over the year, at month ends."""
    months = [round(1 + i * 11 / max(n - 1, 1)) for i in range(n)]
    return [date(year + m // 12, m % 12 + 1, 1) - timedelta(days=1) for m in months]


def _status(deadline: date, today: date, org: Org, rng: random.Random) -> dict[str, Any]:
    """Status, progress, done day and late mark of a task by its deadline against today."""
    roll = rng.random()
    behind = org.diligence
    values: dict[str, Any] = {
        "status": "not_started",
        "progress": 0,
        "done_on": None,
        "late_mark": False,
        "late_marked_on": None,
        "cancel_reason": "",
        "reminded_for": None,
    }
    if deadline - timedelta(days=3) <= today:
        values["reminded_for"] = deadline
    if deadline < today:
        if roll < 0.03:
            values |= {"status": "cancelled", "cancel_reason": rng.choice(CANCEL_REASONS)}
        elif roll < 0.03 + behind * 0.5:  # still open past its deadline
            values |= {
                "status": rng.choice(("in_progress", "in_progress", "not_started")),
                "late_mark": True,
                "late_marked_on": deadline + timedelta(days=1),
            }
            if values["status"] == "in_progress":
                values["progress"] = rng.randrange(20, 100, 10)
        elif roll < 0.03 + behind:  # done late: the mark stays
            late = min(deadline + timedelta(days=rng.randint(1, 30)), today)
            values |= {
                "status": "done",
                "progress": 100,
                "done_on": late,
                "late_mark": True,
                "late_marked_on": deadline + timedelta(days=1),
            }
        else:
            values |= {
                "status": "done",
                "progress": 100,
                "done_on": deadline - timedelta(days=rng.randint(0, 40)),
            }
        return values
    near = (deadline - today).days <= 45
    shares = (0.02, 0.2, 0.6) if near else (0.02, 0.05, 0.45)  # cancelled, done, in progress
    if roll < shares[0]:
        values |= {"status": "cancelled", "cancel_reason": rng.choice(CANCEL_REASONS)}
    elif roll < shares[0] + shares[1]:
        values |= {
            "status": "done",
            "progress": 100,
            "done_on": today - timedelta(days=rng.randint(0, 20)),
        }
    elif roll < shares[0] + shares[1] + shares[2]:
        values |= {"status": "in_progress", "progress": rng.randrange(10, 100, 10)}
    return values


TASK_FIELDS = (
    "id",
    "code",
    "title",
    "description",
    "org_id",
    "item_id",
    "party_category_id",
    "business_category_id",
    "integration_point_id",
    "party_lead_id",
    "business_lead_id",
    "deadline",
    "weight",
    "status",
    "cancel_reason",
    "progress",
    "done_on",
    "late_mark",
    "late_marked_on",
    "reminded_for",
    "created_by_id",
    "created_at",
    "updated_at",
)
REPORT_FIELDS = (
    "id",
    "code",
    "task_id",
    "text",
    "progress",
    "claims_done",
    "status",
    "times_returned",
    "return_reason",
    "reported_by_id",
    "submitted_at",
    "checked_by_id",
    "checked_at",
)


def _moment(day: date, rng: random.Random) -> datetime:
    return datetime(
        day.year, day.month, day.day, rng.randint(8, 20), rng.randint(0, 59), 0, 0, SHANGHAI
    )


def _reports(
    task: dict[str, Any], created: datetime, today: date, rng: random.Random
) -> Iterator[dict[str, Any]]:
    """0–2 progress reports of a task, as its status implies."""
    status = task["status"]
    if status == "done" and rng.random() < 0.75:
        end = task["done_on"]
        start = created.date()
        if rng.random() < 0.4:  # an earlier partial report
            day = start + (end - start) / 2
            yield {
                "progress": 50,
                "claims_done": False,
                "status": "accepted",
                "times_returned": 0,
                "return_reason": "",
                "submitted_at": _moment(day, rng),
                "checked": True,
            }
        yield {
            "progress": 100,
            "claims_done": True,
            "status": "accepted",
            "times_returned": 1 if rng.random() < 0.15 else 0,
            "return_reason": "",
            "submitted_at": _moment(end, rng),
            "checked": True,
        }
    elif status == "in_progress" and rng.random() < 0.55:
        roll = rng.random()
        state = "submitted" if roll < 0.35 else "returned" if roll < 0.45 else "accepted"
        day = max(created.date(), today - timedelta(days=rng.randint(0, 30)))
        yield {
            "progress": task["progress"],
            "claims_done": False,
            "status": state,
            "times_returned": 1 if state == "returned" else 0,
            "return_reason": rng.choice(RETURN_REASONS) if state == "returned" else "",
            "submitted_at": _moment(day, rng),
            "checked": state != "submitted",
        }


def generate(log: Log = print) -> dict[str, Any]:
    """Write the plans, items, integration points, tasks and reports; returns the counts and
    the seconds it took."""
    from django.utils import timezone

    from bench import data
    from ronghe.core import bulk
    from ronghe.orgs.models import PartyOrg
    from ronghe.plans.models import (
        Category,
        Dimension,
        IntegrationPoint,
        Plan,
        PlanItem,
        ProgressReport,
        Task,
    )

    if connection.vendor != "postgresql":
        raise SystemExit("The plans suite needs PostgreSQL (ids are drawn from its sequences).")
    started = time.perf_counter()
    rng = random.Random(SEED)
    now = timezone.now()
    today = timezone.localdate()
    year = today.year
    admin = data.bench_users()["party_admin"]
    orgs = _load(rng)
    root = orgs[0]
    assert root.depth == min(org.depth for org in orgs)
    below = orgs[1:]
    committees_and_branches = [
        o for o in below if o.kind in (PartyOrg.Kind.COMMITTEE, PartyOrg.Kind.BRANCH)
    ]
    branches = [o for o in below if o.kind == PartyOrg.Kind.BRANCH]
    companies = [
        o for o in below if o.kind == PartyOrg.Kind.COMMITTEE and o.depth == root.depth + 1
    ]
    planned = sorted(
        rng.sample(companies, min(COMPANY_PLANS, len(companies))), key=lambda o: o.path
    )
    categories = {
        dimension: list(
            Category.objects.filter(org=None, dimension=dimension, active=True).values_list(
                "id", flat=True
            )
        )
        for dimension in Dimension.values
    }
    log(
        f"Generating plans and {TASKS:,} tasks for {len(orgs):,} organisations"
        f" (status mix as of {today}) …"
    )

    # Integration points: six for the root committee, two for each planned company.
    point_rows = []
    points: dict[int, list[int]] = {}
    owners = [root] * len(POINT_TITLES) + [o for o in planned for _ in range(2)]
    for point_id, owner in zip(_ids("plans_integrationpoint", len(owners)), owners, strict=True):
        title, work, goal = POINT_TITLES[len(points.get(owner.id, [])) % len(POINT_TITLES)]
        points.setdefault(owner.id, []).append(point_id)
        point_rows.append((point_id, _uuid(rng), owner.id, title, work, goal, "decision", now))

    # Plans and their items, with the organisations each item is deployed to.
    plan_specs: list[tuple[Org, int, int, int, list[str]]] = [
        # (organisation, year, quarter, items, where each item goes)
        (root, year - 1, 0, 10, ["all"] * 4 + ["upper"] * 3 + ["own"] * 3),
        (root, year, 0, 12, ["all"] * 5 + ["upper"] * 4 + ["own"] * 3),
        (root, year, 4, 4, ["branches"] * 2 + ["own"] * 2),
        *((o, year, 0, 8, ["subtree"] * 5 + ["own"] * 3) for o in planned),
    ]
    plan_ids = _ids("plans_plan", len(plan_specs))
    plan_rows = []
    items: list[Item] = []
    item_positions: list[int] = []
    for plan_id, (org, plan_year, quarter, n, spread) in zip(plan_ids, plan_specs, strict=True):
        approved = datetime(plan_year, max(1, quarter * 3 - 2), 10, 10, 0, 0, 0, SHANGHAI)
        if plan_year == year and quarter == 0 and org is root:
            approved = now  # generated_on() reads the day of generation from here
        period = f"{plan_year}年第{quarter}季度" if quarter else f"{plan_year}年度"
        title = (
            ROOT_PLAN_TITLE.format(year=plan_year)
            if org is root and quarter == 0
            else f"{period}党建与经营工作计划"
        )
        plan_rows.append(
            (
                plan_id,
                _uuid(rng),
                org.id,
                plan_year,
                quarter,
                title,
                "approved",
                admin.pk,
                approved - timedelta(days=3),
                admin.pk,
                approved,
                admin.pk,
                approved - timedelta(days=7),
            )
        )
        if quarter:
            deadlines = [date(plan_year, quarter * 3 - 2 + i % 3, 28) for i in range(n)]
        else:
            deadlines = _deadlines(plan_year, n)
        if org is root and plan_year == year and quarter == 0:
            deadlines[0] = today + timedelta(days=14)  # the cascade item: due in two weeks
        below_org = [o for o in below if o.path.startswith(org.path)]
        where = {
            "all": below,
            "upper": committees_and_branches,
            "branches": branches,
            "subtree": below_org,
            "own": [org],
        }
        for position, (deadline, target) in enumerate(zip(deadlines, spread, strict=True)):
            dimension = Dimension.PARTY if position % 3 != 2 else Dimension.BUSINESS
            titles = PARTY_TITLES if dimension == Dimension.PARTY else BUSINESS_TITLES
            party = rng.choice(categories["party"])
            business = rng.choice(categories["business"])
            both = rng.random() < 0.4
            owner_points = points.get(org.id, [])
            items.append(
                Item(
                    id=0,
                    plan_id=plan_id,
                    org=org,
                    dimension=dimension,
                    title=titles[(position + plan_id) % len(titles)],
                    party_category=party if dimension == Dimension.PARTY or both else None,
                    business_category=business if dimension == Dimension.BUSINESS or both else None,
                    point=rng.choice(owner_points) if both and owner_points else None,
                    deadline=deadline,
                    weight=rng.choice((1, 1, 2, 3, 5)),
                    created=approved + timedelta(days=rng.randint(1, 10)),
                    targets=where[target],
                )
            )
            item_positions.append(position)
    for item, item_id in zip(items, _ids("plans_planitem", len(items)), strict=True):
        item.id = item_id
    item_rows = [
        (
            item.id,
            _uuid(rng),
            item.plan_id,
            item.dimension,
            item.title,
            "",
            item.party_category,
            item.business_category,
            item.point,
            item.deadline,
            item.weight,
            position,
        )
        for item, position in zip(items, item_positions, strict=True)
    ]

    # Tasks: every item's deployment, then each organisation's own tasks up to TASKS.
    deployed = sum(len(item.targets) for item in items)
    own_total = TASKS - deployed
    weights: dict[str, float] = {
        PartyOrg.Kind.COMMITTEE: 3.0,
        PartyOrg.Kind.BRANCH: 3.0,
        PartyOrg.Kind.GROUP: 1.0,
    }
    share = sum(weights.get(o.kind, 1.0) for o in orgs)
    own_counts = [int(own_total * weights.get(o.kind, 1.0) / share) for o in orgs]
    for index in rng.sample(range(len(orgs)), own_total - sum(own_counts)):
        own_counts[index] += 1
    task_ids = iter(_ids("plans_task", TASKS))
    task_rows: list[tuple[Any, ...]] = []
    report_specs: list[tuple[int, dict[str, Any]]] = []

    def add_task(org: Org, item: Item | None, values: dict[str, Any], created: datetime) -> None:
        task_id = next(task_ids)
        party_lead = (
            rng.choice(org.party_people) if org.party_people and rng.random() < 0.92 else None
        )
        business_lead = (
            rng.choice(org.business_people)
            if org.business_people and rng.random() < (0.8 if values["business"] else 0.45)
            else None
        )
        state = _status(values["deadline"], today, org, rng)
        if state["done_on"] is not None and state["done_on"] < created.date():
            state["done_on"] = min(created.date() + timedelta(days=rng.randint(1, 10)), today)
        updated = max(created, _moment(state["done_on"], rng)) if state["done_on"] else created
        task_rows.append(
            (
                task_id,
                _uuid(rng),
                values["title"],
                values["description"],
                org.id,
                item.id if item else None,
                values["party"],
                values["business"],
                values["point"],
                party_lead,
                business_lead,
                values["deadline"],
                values["weight"],
                state["status"],
                state["cancel_reason"],
                state["progress"],
                state["done_on"],
                state["late_mark"],
                state["late_marked_on"],
                state["reminded_for"],
                admin.pk if item else None,
                created,
                updated,
            )
        )
        for report in _reports(state, created, today, rng):
            report_specs.append((task_id, report))

    for item in items:
        values = {
            "title": item.title,
            "description": "",
            "party": item.party_category,
            "business": item.business_category,
            "point": item.point,
            "deadline": item.deadline,
            "weight": item.weight,
        }
        for org in item.targets:
            add_task(org, item, values, item.created)
    for org, n in zip(orgs, own_counts, strict=True):
        for _ in range(n):
            roll = rng.random()
            own_party: int | None = rng.choice(categories["party"]) if roll < 0.75 else None
            own_business: int | None = rng.choice(categories["business"]) if roll >= 0.45 else None
            titles = (
                PARTY_TITLES
                if own_party and (not own_business or rng.random() < 0.5)
                else BUSINESS_TITLES
            )
            deadline = today + timedelta(days=rng.randint(-300, 120))  # a rolling list
            created = _moment(
                min(
                    deadline - timedelta(days=rng.randint(20, 120)),
                    today - timedelta(days=rng.randint(0, 10)),
                ),
                rng,
            )
            add_task(
                org,
                None,
                {
                    "title": rng.choice(titles),
                    "description": "",
                    "party": own_party,
                    "business": own_business,
                    "point": None,
                    "deadline": deadline,
                    "weight": rng.choice((1, 1, 1, 2, 3)),
                },
                created,
            )
    report_rows = [
        (
            report_id,
            _uuid(rng),
            task_id,
            rng.choice(REPORT_TEXTS),
            r["progress"],
            r["claims_done"],
            r["status"],
            r["times_returned"],
            r["return_reason"],
            None,
            r["submitted_at"],
            admin.pk if r["checked"] else None,
            r["submitted_at"] + timedelta(days=rng.randint(0, 3)) if r["checked"] else None,
        )
        for report_id, (task_id, r) in zip(
            _ids("plans_progressreport", len(report_specs)), report_specs, strict=True
        )
    ]
    built = time.perf_counter()

    with transaction.atomic():
        bulk.insert_rows(
            IntegrationPoint,
            (
                "id",
                "code",
                "org_id",
                "title",
                "party_work",
                "business_goal",
                "source",
                "created_at",
            ),
            point_rows,
        )
        bulk.insert_rows(
            Plan,
            (
                "id",
                "code",
                "org_id",
                "year",
                "quarter",
                "title",
                "status",
                "submitted_by_id",
                "submitted_at",
                "approved_by_id",
                "approved_at",
                "created_by_id",
                "created_at",
            ),
            plan_rows,
        )
        bulk.insert_rows(
            PlanItem,
            (
                "id",
                "code",
                "plan_id",
                "dimension",
                "title",
                "description",
                "party_category_id",
                "business_category_id",
                "integration_point_id",
                "deadline",
                "weight",
                "position",
            ),
            item_rows,
        )
        log(f"  {len(plan_rows)} plans, {len(item_rows)} items; {len(task_rows):,} tasks …")
        bulk.insert_rows(Task, TASK_FIELDS, task_rows)
        log(f"  {len(report_rows):,} progress reports …")
        bulk.insert_rows(ProgressReport, REPORT_FIELDS, report_rows)
    written = time.perf_counter()
    with connection.cursor() as cursor:
        for table in ("plans_plan", "plans_planitem", "plans_task", "plans_progressreport"):
            cursor.execute(f'VACUUM (ANALYZE) "{table}"')
    elapsed = time.perf_counter() - started
    log(f"  done in {elapsed:.0f} s")
    return {
        "plans": len(plan_rows),
        "items": len(item_rows),
        "tasks": len(task_rows),
        "tasks_deployed": deployed,
        "tasks_own": own_total,
        "reports": len(report_rows),
        "seed": SEED,
        "status_as_of": today.isoformat(),
        "build_s": round(built - started, 1),
        "copy_s": round(written - built, 1),
        "generation_s": round(elapsed, 1),
    }


# --- deploy ------------------------------------------------------------------------------------


class _Counter:
    """Counts the statements Django executes (an execute wrapper)."""

    def __init__(self) -> None:
        self.count = 0
        self.heads: list[str] = []  # the start of each statement, for the report

    def __call__(self, execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        self.count += 1
        self.heads.append(" ".join(sql.split())[:120])
        return execute(sql, params, many, context)


class _BenchQueue:
    """Points the Huey instance at a queue of the bench's own while deploying, so the
    notification job deploy enqueues on commit never lands in the project's queue."""

    def __enter__(self) -> Any:
        from huey.contrib.djhuey import HUEY
        from huey.storage import SqliteStorage

        from bench.run import OUT

        self.huey = HUEY
        self.saved = HUEY.storage
        HUEY.storage = SqliteStorage(name="ronghe-bench", filename=str(OUT / "huey-bench.sqlite3"))
        return HUEY.storage

    def __exit__(self, *exc: Any) -> None:
        self.huey.storage.flush_queue()
        self.huey.storage = self.saved


def _copy_out(sql: str, params: list[Any]) -> bytes:
    chunks: list[bytes] = []
    with (
        connection.cursor() as cursor,
        cursor.cursor.copy(f"COPY ({sql}) TO STDOUT", params) as pipe,
    ):
        for chunk in pipe:
            chunks.append(bytes(chunk))
    return b"".join(chunks)


def cleanup() -> int:
    """Remove the items (and their tasks) a deploy round left behind; returns how many."""
    from ronghe.plans.models import PlanItem

    ids = list(PlanItem.objects.filter(title=DEPLOY_TITLE).values_list("id", flat=True))
    if ids:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("DELETE FROM plans_task WHERE item_id = ANY(%s)", [ids])
            cursor.execute("DELETE FROM plans_planitem WHERE id = ANY(%s)", [ids])
        vacuum()
    return len(ids)


def vacuum() -> None:
    """VACUUM plans_task after a round's deletes, as autovacuum would (it is off on the bench
    host). Without it every round leaves about 12,000 dead rows at the end of the table; the
    planner scales its row estimates by the grown table, and after a few rounds the cascade
    view's page query switched to a plan 3–4× slower (docs/PERFORMANCE.md)."""
    with connection.cursor() as cursor:
        cursor.execute("VACUUM plans_task")


def _fresh_item(plan: Any, rng: random.Random) -> Any:
    from django.utils import timezone

    from ronghe.plans.models import Category, Dimension, PlanItem

    party = Category.objects.filter(org=None, dimension=Dimension.PARTY).order_by("id").first()
    business = Category.objects.filter(org=None, dimension=Dimension.BUSINESS).order_by("id").last()
    point = plan.org.integration_points.order_by("id").first()
    created = PlanItem.objects.create(
        plan=plan,
        dimension=Dimension.PARTY,
        title=DEPLOY_TITLE,
        description="下发到全部下级组织的基准测试目标。",
        party_category=party,
        business_category=business,
        integration_point=point,
        deadline=timezone.localdate() + timedelta(days=rng.randint(20, 60)),
        weight=2,
        position=99,
    )
    return PlanItem.objects.get(pk=created.pk)  # as the deploy view gets it: plan not loaded


def _targets(plan: Any) -> list[Any]:
    """The organisations below the plan's, as the deploy page lists them (`item_deploy`)."""
    from ronghe.orgs.models import PartyOrg

    org = plan.org
    return list(
        PartyOrg.objects.filter(path__startswith=org.path, depth__gt=org.depth)
        .open()
        .order_by("path")
    )


def b_write(task_payload: bytes, audit_payload: bytes) -> dict[str, float]:
    """The same task rows into plans_task and audit rows into a twin of core_auditevent, in
    one transaction with its commit (the deployed tasks must be deleted before)."""
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS bench_audit_twin")
        cursor.execute(
            "CREATE TEMPORARY TABLE bench_audit_twin (LIKE core_auditevent INCLUDING ALL)"
        )
    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        raw = cursor.cursor
        with raw.copy("COPY plans_task FROM STDIN") as pipe:
            pipe.write(task_payload)
        tasks_done = time.perf_counter()
        with raw.copy("COPY bench_audit_twin FROM STDIN") as pipe:
            pipe.write(audit_payload)
        audit_done = time.perf_counter()
    committed = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE bench_audit_twin")
    return {
        "b_write_s": round(committed - started, 4),
        "tasks_copy_s": round(tasks_done - started, 4),
        "audit_copy_s": round(audit_done - tasks_done, 4),
        "commit_s": round(committed - audit_done, 4),
    }


def deploy_round(user: Any, rng: random.Random, *, log: Log = print) -> dict[str, Any]:
    from ronghe.core import bulk
    from ronghe.core.models import AuditEvent
    from ronghe.plans import services

    plan = root_plan()
    item = _fresh_item(plan, rng)
    started = time.perf_counter()
    orgs = _targets(item.plan)
    load_s = time.perf_counter() - started
    item = type(item).objects.get(pk=item.pk)  # drop the plan loaded just now
    last_audit = AuditEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0

    counter = _Counter()
    copies = 0
    original_copy = bulk._copy

    def counted_copy(*args: Any, **kwargs: Any) -> None:
        nonlocal copies
        copies += 1
        original_copy(*args, **kwargs)

    assert not connection.in_atomic_block  # deploy's own atomic is the outermost: one transaction
    bulk._copy = counted_copy  # type: ignore[assignment]
    try:
        with _BenchQueue() as queue, connection.execute_wrapper(counter):
            started = time.perf_counter()
            deployment = services.deploy(item=item, orgs=orgs, by=user)
            deploy_s = time.perf_counter() - started
            queued = queue.queue_size()
    finally:
        bulk._copy = original_copy  # type: ignore[assignment]

    created = item.tasks.count()
    audit_rows = AuditEvent.objects.filter(id__gt=last_audit, message="deploy").count()
    if created != len(orgs) or len(deployment.created) != len(orgs):
        raise SystemExit(f"deploy wrote {created} tasks for {len(orgs)} organisations")
    task_payload = _copy_out("SELECT * FROM plans_task WHERE item_id = %s", [item.pk])
    audit_payload = _copy_out(
        "SELECT * FROM core_auditevent WHERE id > %s AND message = 'deploy'", [last_audit]
    )
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM plans_task WHERE item_id = %s", [item.pk])
    baseline = b_write(task_payload, audit_payload)
    cleanup()  # the item, the tasks B-write wrote back, and VACUUM
    log(
        f"  deploy {deploy_s:6.2f} s to {len(orgs):,} organisations ({counter.count} queries"
        f" + {copies} COPY); B-write {baseline['b_write_s']:.2f} s; orgs load {load_s:.2f} s"
    )
    return {
        "deploy_s": round(deploy_s, 4),
        "organisations": len(orgs),
        "tasks_created": created,
        "audit_rows": audit_rows,
        "queries": counter.count,
        "statements": counter.heads,
        "copies": copies,
        "jobs_enqueued": queued,
        "orgs_load_s": round(load_s, 4),
        "baselines": baseline,
    }


def profile_deploy(user: Any, rng: random.Random) -> str:
    """One more deploy under cProfile (not counted); the top of the profile as text."""
    from ronghe.plans import services

    item = _fresh_item(root_plan(), rng)
    orgs = _targets(item.plan)
    item = type(item).objects.get(pk=item.pk)
    profiler = cProfile.Profile()
    with _BenchQueue():
        profiler.enable()
        services.deploy(item=item, orgs=orgs, by=user)
        profiler.disable()
    cleanup()
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(45)
    pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(25)
    return out.getvalue()


# --- the cascade view ----------------------------------------------------------------------------


@dataclass
class Scenario:
    page: str  # first | last
    params: dict[str, str]
    client: Client
    url: str
    statements: list[str] = field(default_factory=list)
    queries: int = 0
    rows: int = 0
    bytes: int = 0
    samples: list[float] = field(default_factory=list)
    sql: list[float] = field(default_factory=list)

    @property
    def key(self) -> str:
        return f"cascade/{self.page}"


def _capture(scenario: Scenario) -> None:
    with CaptureQueriesContext(connection) as ctx:
        response = scenario.client.get(scenario.url, scenario.params, secure=True)
    assert response.status_code == 200, response.status_code
    scenario.queries = len(ctx.captured_queries)
    scenario.statements = [q["sql"] for q in ctx.captured_queries if _is_select(q["sql"])]
    scenario.rows = len(_TASK_LINK.findall(response.content))
    scenario.bytes = len(response.content)


def cascade_round(
    user: Any, *, samples: int, warmup: int, log: Log = print
) -> tuple[dict[str, Any], list[Scenario]]:
    item = cascade_item()
    url = f"/plans/items/{item.code}/cascade/"
    pages = max(1, -(-item.tasks.count() // PAGE_SIZE))
    client = make_client(user)
    scenarios = [
        Scenario("first", {}, client, url),
        Scenario("last", {"page": str(pages)}, client, url),
    ]
    health: list[float] = []
    for _ in range(warmup):
        _get(client, HEALTH_URL)
        for scenario in scenarios:
            _get(client, scenario.url, scenario.params)
    for scenario in scenarios:
        _capture(scenario)
        for _ in range(warmup):
            replay(scenario.statements)
    log(f"  sampling {samples} × {len(scenarios)} cascade scenarios …")
    for _ in range(samples):
        health.append(_get(client, HEALTH_URL))
        for scenario in scenarios:
            scenario.samples.append(_get(client, scenario.url, scenario.params))
    for _ in range(samples):
        for scenario in scenarios:
            scenario.sql.append(replay(scenario.statements)[0])
    result: dict[str, Any] = {
        "baselines": {"healthz/party_admin": summarise(health)},
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
            "selects_replayed": len(scenario.statements),
            "rows_on_page": scenario.rows,
            "html_bytes": scenario.bytes,
        }
    return result, scenarios


def explain(scenarios: list[Scenario]) -> str:
    """EXPLAIN (ANALYZE, BUFFERS) of the cascade view's plans_task statements."""
    out: list[str] = []
    with connection.cursor() as cursor:
        for scenario in scenarios:
            for sql in scenario.statements:
                if '"plans_task"' not in sql:
                    continue
                cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
                plan = "\n".join(row[0] for row in cursor.fetchall())
                out.append(f"### {scenario.key} {scenario.params}\n{sql}\n\n{plan}\n")
    return "\n".join(out)


def profile_cascade(user: Any, requests: int = 20) -> str:
    item = cascade_item()
    client = make_client(user)
    url = f"/plans/items/{item.code}/cascade/"
    _get(client, url)
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(requests):
        _get(client, url)
    profiler.disable()
    out = io.StringIO()
    out.write(f"{requests} requests of {url}\n")
    pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(45)
    return out.getvalue()


# --- the summary ---------------------------------------------------------------------------------


def _med(values: list[float]) -> float:
    return round(statistics.median(values), 4)


def combine(deploys: list[dict[str, Any]], cascades: list[dict[str, Any]]) -> dict[str, Any]:
    """The median over rounds of every per-round figure, the ratios and the targets."""
    summary: dict[str, Any] = {}
    targets: dict[str, Any] = {}
    if deploys:
        deploy = {
            "median_s": _med([d["deploy_s"] for d in deploys]),
            "min_s": min(d["deploy_s"] for d in deploys),
            "max_s": max(d["deploy_s"] for d in deploys),
            "organisations": deploys[0]["organisations"],
            "queries": [d["queries"] for d in deploys],
            "copies": deploys[0]["copies"],
            "jobs_enqueued": deploys[0]["jobs_enqueued"],
            "orgs_load_s": _med([d["orgs_load_s"] for d in deploys]),
            "baselines": {
                key: _med([d["baselines"][key] for d in deploys]) for key in deploys[0]["baselines"]
            },
        }
        deploy["ratio_b_write"] = round(deploy["median_s"] / deploy["baselines"]["b_write_s"], 2)
        deploy["python_s"] = round(deploy["median_s"] - deploy["baselines"]["b_write_s"], 3)
        summary["deploy"] = deploy
        targets |= {
            "deploy_median_s": deploy["median_s"],
            "deploy_le_5s": deploy["median_s"] <= TARGET_DEPLOY_S,
        }
    if cascades:
        baselines = {
            name: {
                k: _med([r["baselines"][name][k] for r in cascades])
                for k in ("median_ms", "p95_ms")
            }
            for name in cascades[0]["baselines"]
        }
        scenarios = {}
        for key in cascades[0]["scenarios"]:
            per = [r["scenarios"][key] for r in cascades]
            scenarios[key] = {
                "view_median_ms": _med([p["view"]["median_ms"] for p in per]),
                "view_p95_ms": _med([p["view"]["p95_ms"] for p in per]),
                "sql_median_ms": _med([p["sql"]["median_ms"] for p in per]),
                "view_minus_sql_median_ms": _med([p["view_minus_sql_median_ms"] for p in per]),
                "queries": per[0]["queries"],
                "rows_on_page": per[0]["rows_on_page"],
                "html_bytes": per[0]["html_bytes"],
            }
        health = baselines["healthz/party_admin"]["median_ms"]
        summary["cascade"] = {
            "baselines": baselines,
            "scenarios": scenarios,
            "ratios": {
                f"{k}/healthz": round(s["view_median_ms"] / health, 2) for k, s in scenarios.items()
            }
            | {
                f"{k}/b_sql": round(s["view_median_ms"] / s["sql_median_ms"], 2)
                for k, s in scenarios.items()
                if s["sql_median_ms"]
            },
        }
        worst = max(s["view_median_ms"] for s in scenarios.values())
        targets |= {
            "cascade_worst_median_ms": worst,
            "cascade_le_300ms": worst <= TARGET_CASCADE_MS,
        }
    summary["targets"] = targets
    return summary


def table(summary: dict[str, Any]) -> str:
    lines: list[str] = []
    deploy = summary.get("deploy")
    if deploy:
        b = deploy["baselines"]
        lines += [
            f"{'deploy':<22}{'median s':>10}{'min':>8}{'max':>8}{'orgs':>8}{'queries':>9}{'COPY':>6}",
            f"{'services.deploy':<22}{deploy['median_s']:>10.3f}{deploy['min_s']:>8.3f}"
            f"{deploy['max_s']:>8.3f}{deploy['organisations']:>8,}"
            f"{'/'.join(map(str, deploy['queries'])):>9}"
            f"{deploy['copies']:>6}",
            f"{'B-write':<22}{b['b_write_s']:>10.3f}   (tasks COPY {b['tasks_copy_s']:.3f},"
            f" audit COPY {b['audit_copy_s']:.3f}, commit {b['commit_s']:.3f})",
            f"{'orgs load (apart)':<22}{deploy['orgs_load_s']:>10.3f}",
            f"ratio deploy/B-write {deploy['ratio_b_write']:.2f}; deploy − B-write"
            f" {deploy['python_s']:.3f} s",
        ]
    cascade = summary.get("cascade")
    if cascade:
        lines.append(
            f"{'cascade view':<22}{'view p50':>10}{'view p95':>10}{'B-sql p50':>11}{'view−sql':>10}"
            f"{'queries':>9}{'rows':>6}"
        )
        for key, s in cascade["scenarios"].items():
            lines.append(
                f"{key:<22}{s['view_median_ms']:>10.2f}{s['view_p95_ms']:>10.2f}"
                f"{s['sql_median_ms']:>11.2f}{s['view_minus_sql_median_ms']:>10.2f}"
                f"{s['queries']:>9}{s['rows_on_page']:>6}"
            )
        for name, h in cascade["baselines"].items():
            lines.append(f"{name:<22}{h['median_ms']:>10.2f}{h['p95_ms']:>10.2f}")
        lines.append("ratios: " + ", ".join(f"{k} {v:.2f}" for k, v in cascade["ratios"].items()))
    t = summary["targets"]
    verdict = []
    if "deploy_le_5s" in t:
        verdict.append(
            f"deploy median {t['deploy_median_s']:.2f} s ≤ 5 → {'PASS' if t['deploy_le_5s'] else 'FAIL'}"
        )
    if "cascade_le_300ms" in t:
        verdict.append(
            f"cascade worst median {t['cascade_worst_median_ms']:.1f} ms ≤ 300 → "
            f"{'PASS' if t['cascade_le_300ms'] else 'FAIL'}"
        )
    lines.append("targets: " + "; ".join(verdict))
    return "\n".join(lines)


def passed(summary: dict[str, Any]) -> bool:
    targets = summary["targets"]
    return bool(targets.get("deploy_le_5s", True) and targets.get("cascade_le_300ms", True))
