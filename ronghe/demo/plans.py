"""The demo committee's joint work plan for the year and how its branches carry it out.

`build_plan_year(built)` runs after the meeting history and the personas:

- four integration points (融合点) in the group committee's catalogue, two of them raised at
  座谈会 held this year (the forum meetings are written here, with their minutes);
- the committee's year plan with 20 targets, Party-building and business side by side, drafted
  and submitted by the Party-affairs staff login and approved by the leader login (so it is
  frozen); half the targets are deployed to every branch through `plans.services.deploy`, the
  rest the committee carries out itself;
- each task in the state its deadline makes likely: finished with accepted evidence, finished
  late (the permanent late mark), still open past its deadline, cancelled with a reason, in
  progress with a report waiting for the checker, returned for more evidence, not started;
- one resolution of the personas' branch turned into a task (`task_from_resolution`).

Deadlines fall between mid-January of the plan year and six weeks after the build, so the
demo looks the same whenever it is built. History (reports, checks, late marks) is written in
bulk with its own past dates, the way the services would have written it on those days.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.utils import timezone

from ronghe.accounts.models import User
from ronghe.demo.builder import Built
from ronghe.orglife.models import Meeting, MeetingKind, Resolution
from ronghe.orgs.models import PartyOrg
from ronghe.people.models import PARTY_MEMBER_STATUSES, Person
from ronghe.plans import services
from ronghe.plans.models import (
    Category,
    Dimension,
    IntegrationPoint,
    Milestone,
    Plan,
    ProgressReport,
    Task,
)

PERSONAS_BRANCH = "FD-YX"
# The states the personas' branch shows in turn, for deadlines passed and to come.
PERSONAS_PAST = ("done", "done_late", "overdue", "done", "cancelled")
PERSONAS_UPCOMING = ("returned", "waiting", "in_progress", "not_started")


@dataclass(frozen=True)
class Point:
    title: str
    party_work: str
    business_goal: str
    source: str
    forum: str = ""  # the 座谈会 it was raised at (a meeting is written for it)
    note: str = ""


POINTS = [
    Point(
        "党员先锋岗进运行一线",
        "在各运行值设立党员先锋岗，党员亮身份、当先锋、作表率",
        "机组非计划停运次数同比下降",
        IntegrationPoint.Source.FORUM,
        forum="一线职工座谈会",
    ),
    Point(
        "主题党日聚焦客户诉求",
        "支部主题党日走访重点客户，逐条梳理投诉与建议",
        "客户投诉办结率不低于 98%",
        IntegrationPoint.Source.FORUM,
        forum="客户服务座谈会",
    ),
    Point(
        "党建+安全生产责任区",
        "党员划分安全责任区，每月开展隐患排查",
        "全年零人身伤亡事故",
        IntegrationPoint.Source.SURVEY,
        note="安全生产专题调研",
    ),
    Point(
        "党员技术攻关队",
        "党员牵头组建攻关队，承接卡脖子技术难题",
        "完成三项技术改造，降低煤耗",
        IntegrationPoint.Source.EXCHANGE,
        note="赴兄弟单位交流互访",
    ),
]


@dataclass(frozen=True)
class Target:
    dimension: str
    title: str
    party: str  # Party category (platform list)
    business: str  # business category; "" for a Party-only target
    when: float  # where the deadline falls: 0 = mid-January, 1 = six weeks after the build
    weight: int
    point: int | None  # index into POINTS
    cascade: bool  # deployed to every branch


PARTY, BUSINESS = Dimension.PARTY, Dimension.BUSINESS
TARGETS = [
    Target(PARTY, "学习贯彻全会精神专题学习", "思想建设", "", 0.05, 3, None, True),
    Target(PARTY, "支部“三会一课”规范化建设", "组织建设", "", 0.15, 3, None, True),
    Target(BUSINESS, "一季度安全生产大检查", "组织建设", "安全生产", 0.2, 4, 2, True),
    Target(PARTY, "党员先锋岗创建与挂牌", "组织建设", "生产经营", 0.3, 3, 0, True),
    Target(BUSINESS, "客户投诉主题党日", "作风建设", "客户服务", 0.4, 2, 1, True),
    Target(PARTY, "廉洁风险点排查", "党风廉政建设", "", 0.5, 2, None, True),
    Target(BUSINESS, "迎峰度夏保供党员突击队", "组织建设", "生产经营", 0.6, 4, 0, True),
    Target(PARTY, "组织生活会与民主评议党员", "组织建设", "", 0.72, 3, None, True),
    Target(BUSINESS, "冬季安全隐患排查", "作风建设", "安全生产", 0.9, 3, 2, True),
    Target(PARTY, "年度党建工作述职准备", "政治建设", "生产经营", 0.97, 2, None, True),
    Target(PARTY, "党委理论学习中心组学习计划", "思想建设", "", 0.1, 2, None, False),
    Target(BUSINESS, "年度经营目标分解与党建责任书", "政治建设", "生产经营", 0.12, 4, None, False),
    Target(BUSINESS, "党员技术攻关：锅炉燃烧优化", "组织建设", "科技创新", 0.35, 3, 3, False),
    Target(PARTY, "“三重一大”制度修订", "制度建设", "改革发展", 0.45, 3, None, False),
    Target(BUSINESS, "青年人才“导师带徒”", "组织建设", "人才队伍", 0.55, 2, None, False),
    Target(PARTY, "巡察整改“回头看”", "纪律建设", "", 0.65, 3, None, False),
    Target(BUSINESS, "降本增效党员献一策", "作风建设", "降本增效", 0.8, 2, None, False),
    Target(PARTY, "基层党建品牌培育", "组织建设", "客户服务", 0.88, 2, 1, False),
    Target(BUSINESS, "数字化转型党员示范项目", "组织建设", "科技创新", 0.95, 3, 3, False),
    Target(PARTY, "年度党建考核与述职评议", "政治建设", "", 1.0, 3, None, False),
]


@dataclass
class PlanYear:
    plan: Plan
    items: int = 0
    deployed: int = 0
    tasks: int = 0
    states: dict[str, int] = field(default_factory=dict)


def plan_year(today: date) -> int:
    """The year whose plan the demo shows: this year, unless it has barely begun."""
    return today.year if today >= date(today.year, 3, 1) else today.year - 1


def deadline_at(when: float, today: date) -> date:
    start = date(plan_year(today), 1, 15)
    end = today + timedelta(days=42)
    return start + timedelta(days=round(when * (end - start).days))


def build_plan_year(built: Built, *, seed: int = 2026, today: date | None = None) -> PlanYear:
    today = today or timezone.localdate()
    rng = random.Random(seed)
    staff = User.objects.get(username="party_admin")
    leader = User.objects.get(username="leader")
    root = built.party_root
    points = _points(root, staff, today)
    plan = services.plan_create(
        org=root,
        year=plan_year(today),
        quarter=0,
        title=f"{root.name} {plan_year(today)} 年党建与业务融合工作计划",
        by=staff,
    )
    categories = {(c.dimension, c.name): c for c in Category.objects.filter(org=None)}
    items = []
    for target in TARGETS:
        items.append(
            services.item_save(
                plan=plan,
                item=None,
                values={
                    "dimension": target.dimension,
                    "title": target.title,
                    "description": "",
                    "party_category": categories[(PARTY, target.party)],
                    "business_category": categories.get((BUSINESS, target.business)),
                    "integration_point": None if target.point is None else points[target.point],
                    "deadline": deadline_at(target.when, today),
                    "weight": target.weight,
                },
                by=staff,
            )
        )
    services.plan_submit(plan=plan, by=staff)
    services.plan_approve(plan=plan, by=leader)
    result = PlanYear(plan=plan, items=len(items))

    branches = list(
        PartyOrg.objects.filter(path__startswith=root.path, kind=PartyOrg.Kind.BRANCH)
        .open()
        .order_by("path")
    )
    for target, item in zip(TARGETS, items, strict=True):
        receivers = branches if target.cascade else [root]
        services.deploy(item=item, orgs=receivers, by=staff)
        result.deployed += target.cascade
    tasks = list(Task.objects.filter(item__plan=plan).select_related("org").order_by("id"))
    _carry_out(tasks, rng, today, staff, result)
    _resolution_task(built, staff, today)
    result.tasks = Task.objects.count()
    return result


def _points(root: PartyOrg, staff: User, today: date) -> list[IntegrationPoint]:
    made = []
    start = date(plan_year(today), 1, 1)
    for index, point in enumerate(POINTS):
        meeting = None
        if point.forum:
            held_on = start + timedelta(days=20 + 35 * index)
            host = root.secretary
            meeting = Meeting.objects.create(
                org=root,
                kind=MeetingKind.FORUM,
                title=point.forum,
                starts_at=timezone.make_aware(datetime.combine(held_on, time(14, 30))),
                place="集团本部三楼会议室",
                host=host,
                status=Meeting.Status.HELD,
                held_on=held_on,
                # A 座谈会 hears whom it needs: its participants are named in the minutes, not
                # invited from the roster (no attendance rows, as the kind says).
                minutes=f"会议由{host.name if host else '党委书记'}主持。应到职工代表 12 人，"
                f"实到 12 人。与会职工围绕“{point.business_goal}”提出建议，党委研究形成融合点："
                f"{point.party_work}。",
            )
        made.append(
            services.point_save(
                org=root,
                values={
                    "title": point.title,
                    "party_work": point.party_work,
                    "business_goal": point.business_goal,
                    "source": point.source,
                    "source_meeting": meeting,
                    "source_note": point.note,
                },
                by=staff,
            )
        )
    return made


# --- carrying the tasks out ----------------------------------------------------------------------


def _leads(org: PartyOrg, rng: random.Random) -> tuple[Person | None, Person | None]:
    """The branch secretary leads the Party side; someone of its department the business side."""
    people = list(
        Person.objects.filter(party_org__path__startswith=org.path)
        .filter(political_status__in=PARTY_MEMBER_STATUSES)
        .order_by("id")[:40]
    )
    party = org.secretary or (people[0] if people else None)
    others = [p for p in people if party is None or p.pk != party.pk]
    return party, (rng.choice(others) if others else party)


def _at(day: date, hour: int = 16) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour)))


class _History:
    """Reports and their evidence, written at the end in bulk."""

    def __init__(self, checker: User) -> None:
        self.checker = checker
        self.reports: list[ProgressReport] = []
        self.evidence: dict[int, list[int]] = {}  # report index → meeting ids
        self.milestones: list[Milestone] = []

    def report(
        self,
        task: Task,
        *,
        on: date,
        text: str,
        progress: int,
        status: str,
        done: bool = False,
        meetings: list[int] | None = None,
        returned: str = "",
        reporter: User | None = None,
    ) -> None:
        checked = status != ProgressReport.Status.SUBMITTED
        self.reports.append(
            ProgressReport(
                task=task,
                text=text,
                progress=progress,
                claims_done=done,
                link="" if meetings else "https://intranet.example/reports/" + str(task.code)[:8],
                status=status,
                times_returned=1 if returned else 0,
                return_reason=returned,
                reported_by=reporter,
                submitted_at=_at(on),
                checked_by=self.checker if checked else None,
                checked_at=_at(on + timedelta(days=2), 10) if checked else None,
            )
        )
        if meetings:
            self.evidence[len(self.reports) - 1] = meetings

    def save(self) -> None:
        ProgressReport.objects.bulk_create(self.reports, batch_size=500)
        through = ProgressReport.meetings.through
        through.objects.bulk_create(
            [
                through(progressreport_id=self.reports[index].pk, meeting_id=meeting_id)
                for index, meeting_ids in self.evidence.items()
                for meeting_id in meeting_ids
            ],
            batch_size=1000,
        )
        Milestone.objects.bulk_create(self.milestones, batch_size=500)


def _carry_out(
    tasks: list[Task], rng: random.Random, today: date, checker: User, result: PlanYear
) -> None:
    users = {
        user.person_id: user
        for user in User.objects.filter(person__isnull=False).only("id", "person_id")
    }
    meetings = _held_meetings(tasks)
    history = _History(checker)
    leads: dict[int, tuple[Person | None, Person | None]] = {}
    head = User.objects.select_related("person").get(username="business_head").person
    personas = next((t.org for t in tasks if t.org.org_code == PERSONAS_BRANCH), None)
    if personas is not None:  # the business head login leads its department's side
        leads[personas.pk] = (personas.secretary, head)
    shown: dict[bool, int] = {True: 0, False: 0}  # the personas' branch: past / upcoming seen
    for task in tasks:
        if task.org_id not in leads:
            leads[task.org_id] = _leads(task.org, rng)
        task.party_lead, task.business_lead = leads[task.org_id]
        reporter = users.get(task.party_lead_id) if task.party_lead_id else None
        state = _state(task, rng, today)
        if task.org.org_code == PERSONAS_BRANCH:
            # The secretary's own list shows every state, whatever the dice say.
            past = task.deadline < today
            cycle = PERSONAS_PAST if past else PERSONAS_UPCOMING
            state = cycle[shown[past] % len(cycle)]
            shown[past] += 1
        result.states[state] = result.states.get(state, 0) + 1
        _apply(state, task, rng, today, history, meetings.get(task.org_id, []), reporter)
    Task.objects.bulk_update(
        tasks,
        [
            "party_lead",
            "business_lead",
            "status",
            "progress",
            "done_on",
            "late_mark",
            "late_marked_on",
            "cancel_reason",
        ],
        batch_size=500,
    )
    history.save()


def _held_meetings(tasks: list[Task]) -> dict[int, list[int]]:
    """Each organisation's held meetings (latest first), to cite as evidence."""
    by_org: dict[int, list[int]] = {}
    rows = (
        Meeting.objects.held()
        .filter(org_id__in={task.org_id for task in tasks})
        .order_by("-starts_at")
        .values_list("org_id", "id")
    )
    for org_id, meeting_id in rows:
        by_org.setdefault(org_id, []).append(meeting_id)
    return by_org


def _state(task: Task, rng: random.Random, today: date) -> str:
    """What became of a task, by how far its deadline is behind or ahead of today."""
    roll = rng.random()
    if task.deadline < today:
        if roll < 0.04:
            return "cancelled"
        if roll < 0.72:
            return "done"
        if roll < 0.88:
            return "done_late"
        return "overdue"
    if roll < 0.15:
        return "not_started"
    if roll < 0.35:
        return "waiting"
    if roll < 0.47:
        return "returned"
    if task.deadline - today < timedelta(days=10) and roll > 0.9:
        return "done_early"
    return "in_progress"


def _apply(
    state: str,
    task: Task,
    rng: random.Random,
    today: date,
    history: _History,
    meetings: list[int],
    reporter: User | None,
) -> None:
    accepted = ProgressReport.Status.ACCEPTED
    cited = meetings[rng.randrange(len(meetings))] if meetings else None
    evidence = [cited] if cited else None
    created = task.deadline - timedelta(days=60)
    if state in ("done", "done_early"):
        finished = min(
            task.deadline - timedelta(days=rng.randint(1, 12)), today - timedelta(days=1)
        )
        finished = max(finished, created + timedelta(days=5))
        history.report(
            task,
            on=created + timedelta(days=(finished - created).days // 2),
            text="已完成方案制定并部署到各党小组。",
            progress=50,
            status=accepted,
            reporter=reporter,
        )
        history.report(
            task,
            on=finished,
            text="按计划完成，附会议记录与现场照片。",
            progress=100,
            status=accepted,
            done=True,
            meetings=evidence,
            reporter=reporter,
        )
        task.status, task.progress, task.done_on = Task.Status.DONE, 100, finished
    elif state == "done_late":
        finished = min(
            task.deadline + timedelta(days=rng.randint(3, 25)), today - timedelta(days=1)
        )
        history.report(
            task,
            on=finished,
            text="逾期完成：受检修任务影响推迟，现已全部落实。",
            progress=100,
            status=accepted,
            done=True,
            meetings=evidence,
            reporter=reporter,
        )
        task.status, task.progress, task.done_on = Task.Status.DONE, 100, finished
        task.late_mark, task.late_marked_on = True, task.deadline + timedelta(days=1)
    elif state == "overdue":
        history.report(
            task,
            on=task.deadline - timedelta(days=10),
            text="已启动，部分班组尚未落实。",
            progress=40,
            status=accepted,
            reporter=reporter,
        )
        task.status, task.progress = Task.Status.IN_PROGRESS, 40
        task.late_mark, task.late_marked_on = True, task.deadline + timedelta(days=1)
    elif state == "cancelled":
        task.status = Task.Status.CANCELLED
        task.cancel_reason = "机构调整，该支部相关业务已并入其他部门。"
    elif state == "not_started":
        task.status, task.progress = Task.Status.NOT_STARTED, 0
    else:  # in progress, with a report accepted, waiting or returned
        progress = rng.choice((30, 40, 50, 60, 70, 80))
        task.status, task.progress = Task.Status.IN_PROGRESS, progress
        last = max(today - timedelta(days=rng.randint(1, 9)), created + timedelta(days=1))
        if state == "waiting":
            history.report(
                task,
                on=last,
                text="完成阶段性工作，召开专题会议推进。",
                progress=progress,
                status=ProgressReport.Status.SUBMITTED,
                meetings=evidence,
                reporter=reporter,
            )
        elif state == "returned":
            history.report(
                task,
                on=last,
                text="已开展，详见附件。",
                progress=progress,
                status=ProgressReport.Status.RETURNED,
                returned="请补充会议签到表和现场照片。",
                reporter=reporter,
            )
        else:
            history.report(
                task,
                on=last,
                text="按节点推进中。",
                progress=progress,
                status=accepted,
                meetings=evidence,
                reporter=reporter,
            )
        history.milestones.append(
            Milestone(
                task=task,
                title="阶段检查",
                due_on=task.deadline - timedelta(days=7),
                done_on=None,
            )
        )


def _resolution_task(built: Built, staff: User, today: date) -> None:
    """A passed resolution of the personas' branch becomes a task, linked both ways."""
    branch = built.branches[PERSONAS_BRANCH]
    resolution = (
        Resolution.objects.filter(
            meeting__org=branch,
            meeting__status=Meeting.Status.HELD,
            outcome=Resolution.Outcome.PASSED,
        )
        .order_by("-meeting__starts_at")
        .first()
    )
    if resolution is None:
        return
    party = Category.objects.get(org=None, dimension=PARTY, name="组织建设")
    business = Category.objects.get(org=None, dimension=BUSINESS, name="生产经营")
    services.task_from_resolution(
        resolution=resolution,
        values={
            "title": resolution.text.strip().splitlines()[0][:200],
            "description": resolution.text,
            "party_category": party,
            "business_category": business,
            "party_lead": branch.secretary,
            "business_lead": User.objects.select_related("person")
            .get(username="business_head")
            .person,
            "deadline": today + timedelta(days=20),
            "weight": 2,
        },
        by=staff,
    )
