"""The plan and task endpoints: the same forms, services and gate as the pages. Each write
succeeds for the persona who may make it, bad input is a 422 naming its field and changes
nothing, a refusal of the workflow is a 422 `refused` naming its field, the outsider gets 404
on every endpoint that takes a code, and a persona without the capability is refused."""

from __future__ import annotations

import json
import uuid
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from ronghe.api.root import api
from ronghe.core.models import AuditEvent
from ronghe.orglife.models import Meeting, Resolution
from ronghe.plans import services
from ronghe.plans.models import (
    Category,
    Dimension,
    IntegrationPoint,
    Milestone,
    Plan,
    PlanItem,
    PlanRevision,
    ProgressReport,
    Task,
    TaskPolicy,
)
from ronghe.testing import make_org

TODAY = date(2026, 6, 15)
SHANGHAI = ZoneInfo("Asia/Shanghai")
JPEG = b"\xff\xd8\xff\xe0" + b"0" * 200
PDF = b"%PDF-1.4 x"


@pytest.fixture(autouse=True)
def _on_today(settings, tmp_path):
    settings.RONGHE_PRIVATE_DIR = tmp_path / "private"
    with time_machine.travel(datetime.combine(TODAY, time(10), SHANGHAI), tick=False):
        yield


def send(client, method: str, url: str, data: dict[str, Any] | None = None, **headers: str):
    return getattr(client, method)(
        url, json.dumps(data or {}), content_type="application/json", headers=headers
    )


def category(dimension: str) -> Category:
    return Category.objects.filter(dimension=dimension, org=None).first()


def party() -> str:
    return str(category(Dimension.PARTY).code)


def business() -> str:
    return str(category(Dimension.BUSINESS).code)


def fields_of(response) -> list[str]:
    return [entry["field"] for entry in response.json()["detail"]]


def item_body(**changes) -> dict[str, Any]:
    return {
        "dimension": "party",
        "title": "党员先锋岗上安全关键线",
        "party_category": party(),
        "business_category": business(),
        "deadline": "2026-09-30",
        "weight": 3,
    } | changes


def approved_item(cast, org: str = "A") -> PlanItem:
    plan = services.plan_create(
        org=cast.orgs[org], year=2026, quarter=0, title="计划", by=cast.users["party_admin"]
    )
    item = services.item_save(
        plan=plan,
        item=None,
        values={
            "dimension": Dimension.BUSINESS,
            "title": "客户投诉主题党日",
            "description": "",
            "party_category": category(Dimension.PARTY),
            "business_category": category(Dimension.BUSINESS),
            "integration_point": None,
            "deadline": date(2026, 7, 31),
            "weight": 3,
        },
        by=cast.users["party_admin"],
    )
    services.plan_submit(plan=plan, by=cast.users["party_admin"])
    services.plan_approve(plan=plan, by=cast.users["leader"])
    item.refresh_from_db()
    return item


def a1_task(cast, days: int = 10, **values) -> Task:
    return services.task_create(
        org=cast.orgs["A1"],
        values={
            "title": "安全隐患排查",
            "party_category": category(Dimension.PARTY),
            "deadline": TODAY + timedelta(days=days),
            **values,
        },
        by=cast.users["secretary"],
    )


def held_meeting(cast, org: str = "A1") -> Meeting:
    return Meeting.objects.create(
        org=cast.orgs[org],
        kind="theme_day",
        title="主题党日",
        starts_at=datetime.combine(TODAY - timedelta(days=3), time(9), SHANGHAI),
        status=Meeting.Status.HELD,
        held_on=TODAY - timedelta(days=3),
    )


def audited(model: str) -> int:
    return AuditEvent.objects.filter(object_type=f"plans.{model}").count()


def task_body(cast, **changes) -> dict[str, Any]:
    return {
        "org": str(cast.orgs["A1"].code),
        "title": "班组安全隐患排查",
        "party_category": party(),
        "business_category": business(),
        "party_lead": str(cast.people["张伟强"].code),
        "business_lead": str(cast.people["刘洋"].code),
        "deadline": (TODAY + timedelta(days=5)).isoformat(),
        "weight": 2,
    } | changes


def report_form(**changes) -> dict[str, Any]:
    return {
        "text": "开展主题党日，走访投诉客户 12 户",
        "progress": 100,
        "claims_done": "true",
    } | changes


# --- plans and targets -------------------------------------------------------------------------


def test_a_plan_is_drafted_given_targets_submitted_and_approved(cast):
    admin, leader = cast.client("party_admin"), cast.client("leader")
    created = send(
        admin,
        "post",
        "/api/v1/plans",
        {"org": str(cast.orgs["A"].code), "year": 2026, "title": "年度计划"},
    )
    assert created.status_code == 201, created.content
    plan = created.json()
    assert (plan["status"], plan["quarter"], plan["org"]["org_code"]) == ("draft", 0, "A")
    assert plan["may_write"] is True and plan["items"] == []
    url = f"/api/v1/plans/{plan['code']}"

    added = send(admin, "post", f"{url}/items", item_body())
    assert added.status_code == 201, added.content
    assert added.json()["party_category"]["code"] == party()
    assert added.json()["tasks"] == {"total": 0, "done": 0, "late": 0}

    assert send(admin, "post", f"{url}/submit").json()["status"] == "submitted"
    own = send(admin, "post", f"{url}/approve")
    assert own.status_code == 422 and own.json()["code"] == "refused"
    assert isinstance(own.json()["detail"], str)  # concerns no single field
    approved = send(leader, "post", f"{url}/approve")
    assert approved.status_code == 200 and approved.json()["status"] == "approved"

    detail = leader.get(url).json()
    assert [item["title"] for item in detail["items"]] == ["党员先锋岗上安全关键线"]
    assert detail["may_write"] is False and detail["may_approve"] is True
    listed = leader.get("/api/v1/plans", {"year": 2026, "status": "approved"}).json()
    assert [(p["code"], p["item_count"]) for p in listed["results"]] == [(plan["code"], 1)]
    assert leader.get("/api/v1/plans", {"org": str(cast.orgs["B"].code)}).json()["results"] == []
    assert audited("plan") == 3 and audited("planitem") == 1


def test_bad_plans_and_targets_answer_per_field_and_change_nothing(cast):
    secretary, admin = cast.client("secretary"), cast.client("party_admin")
    a1 = str(cast.orgs["A1"].code)
    for body, field in (
        ({"org": str(cast.orgs["B1"].code), "year": 2026, "title": "计划"}, "org"),
        ({"org": a1, "year": 1999, "title": "计划"}, "year"),
        ({"org": a1, "year": 2026, "quarter": 5, "title": "计划"}, "quarter"),
        ({"org": a1, "year": 2026}, "title"),
    ):
        answer = send(secretary, "post", "/api/v1/plans", body)
        assert answer.status_code == 422, (field, answer.content)
        assert field in fields_of(answer)
    assert not Plan.objects.exists() and audited("plan") == 0

    plan = services.plan_create(
        org=cast.orgs["A"], year=2026, quarter=0, title="计划", by=cast.users["party_admin"]
    )
    twice = send(
        admin,
        "post",
        "/api/v1/plans",
        {"org": str(cast.orgs["A"].code), "year": 2026, "title": "又一个"},
    )
    assert twice.status_code == 422 and twice.json()["code"] == "refused"
    assert fields_of(twice) == ["quarter"]
    url = f"/api/v1/plans/{plan.code}/items"
    for body, field, code in (
        (item_body(party_category=None), "party_category", "invalid"),
        (item_body(business_category=str(cast.orgs["A"].code)), "business_category", "invalid"),
        (item_body(weight=0), "weight", "invalid"),
        (item_body(deadline="2027-12-31"), "deadline", "refused"),
    ):
        answer = send(admin, "post", url, body)
        assert answer.status_code == 422, (field, answer.content)
        assert answer.json()["code"] == code and field in fields_of(answer)
    assert not PlanItem.objects.exists() and audited("planitem") == 0
    assert Plan.objects.count() == 1 and audited("plan") == 1


def test_an_approved_plan_changes_only_with_a_reason(cast):
    item = approved_item(cast)
    admin = cast.client("party_admin")
    url = f"/api/v1/plans/items/{item.code}"
    unexplained = send(admin, "patch", url, {"weight": 5})
    assert unexplained.status_code == 422 and fields_of(unexplained) == ["reason"]
    item.refresh_from_db()
    assert item.weight == 3 and not PlanRevision.objects.exists()

    changed = send(admin, "patch", url, {"weight": 5, "reason": "集团要求加重"})
    assert changed.status_code == 200 and changed.json()["weight"] == 5
    assert changed.json()["title"] == "客户投诉主题党日"  # not sent, kept
    revision = PlanRevision.objects.get()
    assert revision.reason == "集团要求加重" and revision.after["weight"] == 5
    assert revision.before["weight"] == 3

    assert send(admin, "delete", url).status_code == 422
    services.deploy(item=item, orgs=[cast.orgs["A1"]], by=cast.users["party_admin"])
    carried = admin.delete(f"{url}?reason=不再需要")
    assert carried.status_code == 422 and carried.json()["code"] == "refused"
    assert PlanItem.objects.filter(pk=item.pk).exists()
    assert cast.client("leader").get(url).json()["tasks"]["total"] == 1


def test_a_target_is_removed_from_a_draft(cast):
    plan = services.plan_create(
        org=cast.orgs["A1"], year=2026, quarter=3, title="三季度计划", by=cast.users["secretary"]
    )
    client = cast.client("secretary")
    added = send(
        client, "post", f"/api/v1/plans/{plan.code}/items", item_body(deadline="2026-08-31")
    )
    assert added.status_code == 201, added.content
    removed = client.delete(f"/api/v1/plans/items/{added.json()['code']}")
    assert removed.status_code == 204 and not PlanItem.objects.exists()
    assert audited("planitem") == 2


def test_a_submitted_plan_is_returned_with_a_reason(cast):
    plan = services.plan_create(
        org=cast.orgs["A1"], year=2026, quarter=0, title="计划", by=cast.users["secretary"]
    )
    client = cast.client("secretary")
    send(client, "post", f"/api/v1/plans/{plan.code}/items", item_body())
    send(client, "post", f"/api/v1/plans/{plan.code}/submit")
    url = f"/api/v1/plans/{plan.code}/return"
    assert send(client, "post", url, {"reason": "x"}).status_code == 403  # no approval reach
    leader = cast.client("leader")
    blank = send(leader, "post", url, {"reason": "   "})
    assert blank.status_code == 422 and fields_of(blank) == ["reason"]
    returned = send(leader, "post", url, {"reason": "补充业务目标"})
    assert returned.status_code == 200
    assert (returned.json()["status"], returned.json()["returned_reason"]) == (
        "draft",
        "补充业务目标",
    )


# --- deployment and the cascade ----------------------------------------------------------------


def test_a_target_is_deployed_down_the_tree_and_followed_in_the_cascade(cast):
    item = approved_item(cast)
    admin = cast.client("party_admin")
    url = f"/api/v1/plans/items/{item.code}"
    outside = send(admin, "post", f"{url}/deploy", {"orgs": [str(cast.orgs["B1"].code)]})
    assert outside.status_code == 422 and set(fields_of(outside)) == {"orgs"}
    nobody = send(admin, "post", f"{url}/deploy", {"scope": "chosen"})
    assert nobody.status_code == 422 and fields_of(nobody) == ["orgs"]
    assert not Task.objects.exists()

    chosen = send(admin, "post", f"{url}/deploy", {"orgs": [str(cast.orgs["A1"].code)]})
    assert chosen.status_code == 200 and chosen.json() == {"created": 1, "already": 0}
    branches = send(admin, "post", f"{url}/deploy", {"scope": "branches"})
    assert branches.json() == {"created": 1, "already": 1}
    assert sorted(Task.objects.values_list("org__org_code", flat=True)) == ["A1", "A2"]

    cascade = admin.get(f"{url}/cascade").json()["results"]
    assert [row["org"]["org_code"] for row in cascade] == ["A1", "A2"]
    assert {row["colour"] for row in cascade} == {"green"}  # 46 days left
    assert {row["item"] for row in cascade} == {str(item.code)}
    mine = cast.client("secretary").get(f"/api/v1/tasks/{cascade[0]['code']}")
    assert mine.status_code == 200 and mine.json()["plan"] == str(item.plan.code)

    assert (
        send(cast.client("secretary"), "post", f"{url}/deploy", {"scope": "all"}).status_code == 404
    )
    assert send(cast.client("leader"), "post", f"{url}/deploy", {"scope": "all"}).status_code == 403


def test_a_draft_target_is_not_deployed(cast):
    plan = services.plan_create(
        org=cast.orgs["A"], year=2026, quarter=0, title="计划", by=cast.users["party_admin"]
    )
    admin = cast.client("party_admin")
    item = send(admin, "post", f"/api/v1/plans/{plan.code}/items", item_body()).json()
    refused = send(admin, "post", f"/api/v1/plans/items/{item['code']}/deploy", {"scope": "all"})
    assert refused.status_code == 422 and refused.json()["code"] == "refused"
    assert not Task.objects.exists()


# --- integration points --------------------------------------------------------------------------


def point_body(cast, **changes) -> dict[str, Any]:
    return {
        "org": str(cast.orgs["A"].code),
        "title": "党员服务队进客户现场",
        "party_work": "党员服务队",
        "business_goal": "客户投诉下降 20%",
        "source": "survey",
        "source_note": "2026 年客户调研",
    } | changes


def test_integration_points_are_catalogued_changed_and_retired(cast):
    admin = cast.client("party_admin")
    created = send(admin, "post", "/api/v1/integration-points", point_body(cast))
    assert created.status_code == 201, created.content
    point = created.json()
    assert point["org"]["org_code"] == "A" and point["active"] is True
    url = f"/api/v1/integration-points/{point['code']}"

    secretary = cast.client("secretary")
    assert secretary.get(url).status_code == 200  # a branch sees its committee's points
    assert send(secretary, "patch", url, {"active": False}).status_code == 403

    retired = send(admin, "patch", url, {"active": False})
    assert retired.status_code == 200 and retired.json()["active"] is False
    assert retired.json()["title"] == "党员服务队进客户现场"
    assert admin.get("/api/v1/integration-points").json()["results"] == []
    everything = admin.get("/api/v1/integration-points", {"retired": True}).json()["results"]
    assert [p["code"] for p in everything] == [point["code"]]
    assert audited("integrationpoint") == 2


def test_bad_integration_points_change_nothing(cast):
    admin = cast.client("party_admin")
    forum = Meeting.objects.create(
        org=cast.orgs["B1"],
        kind="forum",
        title="座谈会",
        starts_at=datetime.combine(TODAY - timedelta(days=5), time(9), SHANGHAI),
    )
    for body, field, code in (
        (point_body(cast, org=str(cast.orgs["O"].code)), "org", "invalid"),
        (point_body(cast, source="rumour"), "source", "invalid"),
        (point_body(cast, source_meeting=str(forum.code)), "source_meeting", "invalid"),
        (point_body(cast, source="forum", source_note=""), "source_meeting", "refused"),
        (point_body(cast, party_work="   "), "party_work", "invalid"),
    ):
        answer = send(admin, "post", "/api/v1/integration-points", body)
        assert answer.status_code == 422, (field, answer.content)
        assert answer.json()["code"] == code and field in fields_of(answer)
    assert not IntegrationPoint.objects.exists() and audited("integrationpoint") == 0


# --- who may do what ---------------------------------------------------------------------------------


def our_objects(cast) -> dict[str, Any]:
    """One object of each kind in A1, as the secretary and the checker leave them."""
    item = approved_item(cast)
    task = a1_task(cast)
    report = services.report_submit(
        task=task,
        data=services.ReportInput(
            text="进展", progress=20, files=[SimpleUploadedFile("a.jpg", JPEG)]
        ),
        by=cast.users["secretary"],
    )
    point = services.point_save(
        org=cast.orgs["A1"],
        values={
            "title": "党员示范岗",
            "party_work": "示范岗",
            "business_goal": "降本",
            "source": "survey",
            "source_meeting": None,
            "source_note": "调研",
        },
        by=cast.users["secretary"],
    )
    milestone = services.milestone_add(
        task=task, title="节点", due_on=TODAY, by=cast.users["secretary"]
    )
    category = services.category_add(
        org=cast.orgs["A1"], dimension="party", name="支部品牌", by=cast.users["party_admin"]
    )
    services.policy_save(
        org=cast.orgs["A1"],
        values={"yellow_days": 9, "red_days": 3, "remind_days": 3, "grace_days": 15},
        by=cast.users["party_admin"],
    )
    resolution = Resolution.objects.create(meeting=held_meeting(cast), text="开展隐患排查")
    return {
        "plan": item.plan,
        "item": item,
        "task": task,
        "report": report,
        "file": report.files.get(),
        "point": point,
        "milestone": milestone,
        "category": category,
        "org": cast.orgs["A1"],  # its thresholds
        "resolution": resolution,
    }


KIND_OF_PATH = {  # the kind of object a path's {code} names
    "/api/v1/plans/items/": "item",
    "/api/v1/plans/categories/": "category",
    "/api/v1/plans/": "plan",
    "/api/v1/integration-points/": "point",
    "/api/v1/tasks/reports/": "report",
    "/api/v1/tasks/files/": "file",
    "/api/v1/tasks/milestones/": "milestone",
    "/api/v1/tasks/thresholds/": "org",
    "/api/v1/tasks/": "task",
    "/api/v1/resolutions/": "resolution",
}
JSON_BODIES = {  # by the path's last segment other than the code
    "deploy": {"scope": "all"},
    "return": {"reason": "补充"},
    "cancel": {"reason": "取消"},
    "status": {"status": "in_progress"},
    "unlock": {"reason": "补录", "until": "2026-06-20"},
    "milestones": {"title": "节点", "due_on": "2026-06-20"},
    "done": {"done": True},
    "active": {"active": False},
    "thresholds": {"yellow_days": 1, "red_days": 0, "remind_days": 0, "grace_days": 0},
    "task": {"party_category": str(uuid.UUID(int=0)), "deadline": "2026-07-15"},
}
TAGS = {
    "plans",
    "integration points",
    "tasks",
    "milestones",
    "progress reports",
    "categories and thresholds",
}


def plans_operations() -> list[tuple[str, str]]:
    schema = api.get_openapi_schema()
    return [
        (path, method)
        for path, operations in schema["paths"].items()
        for method, operation in operations.items()
        if TAGS & set(operation.get("tags", []))
    ]


def call(client, method: str, path: str, code: Any):
    url = path.replace("{code}", str(code))
    last = path.replace("/{code}", "").rsplit("/", 1)[-1]
    if method == "post" and last in ("reports", "amend"):
        return client.post(url, report_form(progress=20, claims_done="false"))
    if method == "post" and last == "items":
        return send(client, method, url, item_body())
    if method in ("post", "put", "patch"):
        return send(client, method, url, JSON_BODIES.get(last, {}))
    return getattr(client, method)(url)


def test_every_plans_operation_is_walked():
    operations = plans_operations()
    assert len(operations) == 41
    coded = [path for path, _method in operations if "{code}" in path]
    assert all(any(path.startswith(prefix) for prefix in KIND_OF_PATH) for path in coded)


def test_the_outsider_gets_404_on_every_operation_that_takes_a_code(cast):
    objects = our_objects(cast)
    outsider = cast.client("outsider")
    answers = {}
    for path, method in plans_operations():
        if "{code}" not in path:
            continue
        kind = next(kind for prefix, kind in KIND_OF_PATH.items() if path.startswith(prefix))
        answers[f"{method.upper()} {path}"] = call(
            outsider, method, path, objects[kind].code
        ).status_code
    assert answers and set(answers.values()) == {404}, answers
    # Our organisation in a filter is as unknown to them as in a path.
    a1 = str(cast.orgs["A1"].code)
    for url in (
        "/api/v1/plans",
        "/api/v1/tasks",
        "/api/v1/integration-points",
        "/api/v1/plans/categories",
    ):
        assert outsider.get(url, {"org": a1}).status_code == 404, url
    # Their own lists hold nothing of ours.
    for url in ("/api/v1/plans", "/api/v1/tasks", "/api/v1/integration-points"):
        assert outsider.get(url).json()["results"] == [], url
    assert [row["org"] for row in outsider.get("/api/v1/tasks/thresholds").json()] == [None]
    assert Task.objects.count() == 1 and ProgressReport.objects.get().status == "submitted"
    assert Milestone.objects.count() == 1 and Category.objects.get(org__isnull=False).active
    assert TaskPolicy.objects.filter(org=objects["org"]).exists()


def test_personas_without_the_capability_are_refused(cast):
    objects = our_objects(cast)
    member, leader, secretary = (cast.client(p) for p in ("member", "leader", "secretary"))
    for url in ("/api/v1/plans", "/api/v1/integration-points", "/api/v1/plans/categories"):
        assert member.get(url).status_code == 403, url
    assert member.get("/api/v1/tasks").json()["results"] == []  # leads none
    assert (
        send(
            member,
            "post",
            "/api/v1/plans",
            {"org": str(cast.orgs["A1"].code), "year": 2026, "title": "x"},
        ).status_code
        == 403
    )
    assert send(member, "post", "/api/v1/tasks", task_body(cast)).status_code == 403
    assert send(member, "post", "/api/v1/integration-points", point_body(cast)).status_code == 403
    assert member.get(f"/api/v1/tasks/{objects['task'].code}").status_code == 404
    assert cast.client("business_head").get("/api/v1/plans").status_code == 403

    # The leader reads and checks, but writes nothing.
    item_url = f"/api/v1/plans/items/{objects['item'].code}"
    assert leader.get(item_url).status_code == 200
    assert send(leader, "patch", item_url, {"weight": 9, "reason": "x"}).status_code == 403
    assert send(leader, "post", "/api/v1/tasks", task_body(cast)).status_code == 403
    assert (
        send(
            leader,
            "post",
            f"/api/v1/tasks/{objects['task'].code}/status",
            {"status": "in_progress"},
        ).status_code
        == 403
    )
    # The secretary writes, but neither approves nor checks.
    report_url = f"/api/v1/tasks/reports/{objects['report'].code}"
    assert send(secretary, "post", f"{report_url}/accept").status_code == 403
    assert send(secretary, "post", f"{report_url}/return", {"reason": "x"}).status_code == 403
    assert secretary.get(f"/api/v1/plans/{objects['plan'].code}").status_code == 404  # A's plan
    # A member who leads a task reports on it, and sees no other.
    task = objects["task"]
    services.task_update(
        task=task, values={"party_lead": cast.people["王磊"]}, by=cast.users["secretary"]
    )
    assert member.get(f"/api/v1/tasks/{task.code}").json()["may_check"] is False
    assert [t["code"] for t in member.get("/api/v1/tasks").json()["results"]] == [str(task.code)]
    assert ProgressReport.objects.get().status == ProgressReport.Status.SUBMITTED
    assert PlanItem.objects.get().weight == 3


# --- query budgets ---------------------------------------------------------------------------------


def queries(client, url: str, params: dict[str, Any] | None = None) -> int:
    with CaptureQueriesContext(connection) as captured:
        answer = client.get(url, params or {})
        assert answer.status_code == 200, answer.content
        assert answer.json()["results"]
    return len(captured)


def test_list_query_counts_do_not_grow_with_the_rows(cast):
    admin = cast.client("party_admin")
    item = approved_item(cast)
    services.deploy(item=item, orgs=[cast.orgs["A1"]], by=cast.users["party_admin"])
    task = Task.objects.get()

    def report() -> None:
        ProgressReport.objects.filter(task=task).update(status=ProgressReport.Status.ACCEPTED)
        services.report_submit(
            task=task,
            data=services.ReportInput(
                text="进展",
                progress=10,
                files=[SimpleUploadedFile("a.jpg", JPEG)],
                meetings=[held_meeting(cast)],
            ),
            by=cast.users["secretary"],
        )

    def point(n: int) -> None:
        IntegrationPoint.objects.create(
            org=cast.orgs["A"],
            title=f"融合点{n}",
            party_work="x",
            business_goal="y",
            source="other",
        )

    report()
    point(0)
    lists = [
        ("/api/v1/tasks", None),
        ("/api/v1/plans", None),
        ("/api/v1/integration-points", None),
        (f"/api/v1/plans/items/{item.code}/cascade", None),
        (f"/api/v1/tasks/{task.code}/reports", None),
    ]
    few = {url: queries(admin, url, params) for url, params in lists}
    branches = [make_org(cast.orgs["A"], f"新支部{n}", f"N{n}", "branch") for n in range(6)]
    services.deploy(item=item, orgs=branches, by=cast.users["party_admin"])
    for n in range(4):
        a1_task(cast, title=f"任务{n}")
        report()
        point(n + 1)
        services.plan_create(
            org=cast.orgs["A1"],
            year=2026,
            quarter=n + 1,
            title="季度计划",
            by=cast.users["secretary"],
        )
    many = {url: queries(admin, url, params) for url, params in lists}
    assert many == few
