"""The endpoints for what the task page and the settings page do besides tasks and reports:
milestones, a meeting's resolution made a task, the category lists and the thresholds. Each
write succeeds for the persona who may make it, bad input is a 422 naming its field and
changes nothing, the outsider gets 404, and a persona without the capability is refused."""

from __future__ import annotations

import uuid
from datetime import datetime, time, timedelta

from django.db import connection
from django.test.utils import CaptureQueriesContext

from ronghe.orglife.models import Meeting, Resolution, ResolutionTask
from ronghe.plans import services
from ronghe.plans.models import Category, Dimension, Milestone, Task, TaskPolicy
from ronghe.plans.tests.test_api import (  # noqa: F401 - _on_today is an autouse fixture
    SHANGHAI,
    TODAY,
    _on_today,
    a1_task,
    audited,
    business,
    fields_of,
    party,
    send,
)


def count_queries(client, url: str, params: dict | None = None) -> int:
    with CaptureQueriesContext(connection) as captured:
        answer = client.get(url, params or {})
        assert answer.status_code == 200, answer.content
    return len(captured)


# --- milestones ------------------------------------------------------------------------------------


def test_milestones_are_added_listed_ticked_and_removed(cast):
    task = a1_task(cast)
    client = cast.client("secretary")
    url = f"/api/v1/tasks/{task.code}/milestones"
    body = {"title": "完成排查", "due_on": "2026-06-20"}
    added = send(client, "post", url, body, **{"Idempotency-Key": "milestone-1"})
    assert added.status_code == 201, added.content
    milestone = added.json()
    assert (milestone["title"], milestone["due_on"], milestone["done_on"]) == (
        "完成排查",
        "2026-06-20",
        None,
    )
    assert milestone["task"] == str(task.code)
    again = send(client, "post", url, body, **{"Idempotency-Key": "milestone-1"})
    assert again["Idempotent-Replayed"] == "true" and Milestone.objects.count() == 1

    listed = client.get(url).json()["results"]
    assert [m["code"] for m in listed] == [milestone["code"]]
    detail = client.get(f"/api/v1/tasks/{task.code}").json()
    assert [m["code"] for m in detail["milestones"]] == [milestone["code"]]

    done_url = f"/api/v1/tasks/milestones/{milestone['code']}/done"
    ticked = send(client, "post", done_url, {"done": True})
    assert ticked.status_code == 200 and ticked.json()["done_on"] == TODAY.isoformat()
    untouched = send(client, "post", done_url, {"done": False})
    assert untouched.status_code == 200 and untouched.json()["done_on"] is None

    removed = client.delete(f"/api/v1/tasks/milestones/{milestone['code']}")
    assert removed.status_code == 204 and not Milestone.objects.exists()
    assert audited("milestone") == 4  # added, ticked, tick taken back, removed


def test_bad_milestones_change_nothing(cast):
    task = a1_task(cast, days=5)
    client = cast.client("secretary")
    url = f"/api/v1/tasks/{task.code}/milestones"
    for body, field, code in (
        ({"due_on": "2026-06-18"}, "title", "invalid"),
        ({"title": "   ", "due_on": "2026-06-18"}, "title", "invalid"),
        ({"title": "节点", "due_on": "下周"}, "due_on", "invalid"),
        ({"title": "晚了", "due_on": "2026-06-21"}, "due_on", "refused"),  # after the deadline
    ):
        answer = send(client, "post", url, body)
        assert answer.status_code == 422, (field, answer.content)
        assert answer.json()["code"] == code and fields_of(answer) == [field], answer.json()
    assert not Milestone.objects.exists() and audited("milestone") == 0

    milestone = services.milestone_add(
        task=task, title="节点", due_on=TODAY, by=cast.users["secretary"]
    )
    not_a_flag = send(client, "post", f"/api/v1/tasks/milestones/{milestone.code}/done", {})
    assert not_a_flag.status_code == 422 and fields_of(not_a_flag) == ["done"]
    services.task_cancel(task=task, reason="取消", by=cast.users["secretary"])
    closed = send(client, "post", f"/api/v1/tasks/milestones/{milestone.code}/done", {"done": True})
    assert closed.status_code == 422 and closed.json()["code"] == "refused"
    assert isinstance(closed.json()["detail"], str)  # concerns the task, not a field
    kept = client.delete(f"/api/v1/tasks/milestones/{milestone.code}")
    assert kept.status_code == 422 and kept.json()["code"] == "refused"
    assert send(client, "post", url, {"title": "又一个", "due_on": "2026-06-18"}).status_code == 422
    milestone.refresh_from_db()
    assert milestone.done_on is None and Milestone.objects.count() == 1
    assert audited("milestone") == 1


def test_milestones_are_hidden_from_the_outsider_and_closed_to_readers(cast):
    task = a1_task(cast)
    milestone = services.milestone_add(
        task=task, title="节点", due_on=TODAY, by=cast.users["secretary"]
    )
    url = f"/api/v1/tasks/{task.code}/milestones"
    one = f"/api/v1/tasks/milestones/{milestone.code}"
    body = {"title": "x", "due_on": "2026-06-18"}
    for persona in ("outsider", "sibling", "member"):  # the member neither reads plans nor leads
        client = cast.client(persona)
        assert client.get(url).status_code == 404, persona
        assert send(client, "post", url, body).status_code == 404, persona
        assert send(client, "post", f"{one}/done", {"done": True}).status_code == 404, persona
        assert client.delete(one).status_code == 404, persona
    leader = cast.client("leader")  # reads and checks, writes nothing
    assert leader.get(url).status_code == 200
    assert send(leader, "post", url, body).status_code == 403
    assert send(leader, "post", f"{one}/done", {"done": True}).status_code == 403
    assert leader.delete(one).status_code == 403
    milestone.refresh_from_db()
    assert milestone.done_on is None and Milestone.objects.count() == 1


# --- a resolution becomes a task ---------------------------------------------------------------


def resolution(cast, org: str = "A1", outcome: str = "passed") -> Resolution:
    meeting = Meeting.objects.create(
        org=cast.orgs[org],
        kind="committee_meeting",
        title="六月支委会",
        starts_at=datetime.combine(TODAY - timedelta(days=1), time(9), SHANGHAI),
        status=Meeting.Status.HELD,
        held_on=TODAY - timedelta(days=1),
    )
    return Resolution.objects.create(
        meeting=meeting, text="开展安全隐患排查\n各党小组分片负责", outcome=outcome
    )


def resolution_body(**changes) -> dict:
    return {"party_category": party(), "deadline": "2026-07-15"} | changes


def test_a_resolution_becomes_a_task_of_the_meetings_organisation(cast):
    passed = resolution(cast)
    client = cast.client("secretary")
    url = f"/api/v1/resolutions/{passed.code}/task"
    made = send(client, "post", url, resolution_body(), **{"Idempotency-Key": "resolution-1"})
    assert made.status_code == 201, made.content
    task = made.json()
    assert (task["title"], task["org"]["org_code"], task["resolution"]) == (
        "开展安全隐患排查",
        "A1",
        str(passed.code),
    )
    assert task["description"] == passed.text and task["may_write"] is True
    again = send(client, "post", url, resolution_body(), **{"Idempotency-Key": "resolution-1"})
    assert again["Idempotent-Replayed"] == "true" and Task.objects.count() == 1
    assert ResolutionTask.objects.filter(resolution=passed, task_code=task["code"]).exists()

    named = send(
        client,
        "post",
        url,
        resolution_body(title="分片排查", business_category=business(), description=""),
    )
    assert named.status_code == 201, named.content
    assert (named.json()["title"], named.json()["description"]) == ("分片排查", "")
    assert named.json()["business_category"]["code"] == business()
    assert audited("task") == 2


def test_bad_resolution_tasks_change_nothing(cast):
    passed = resolution(cast)
    client = cast.client("secretary")
    url = f"/api/v1/resolutions/{passed.code}/task"
    for body, field in (
        (resolution_body(deadline="2026-06-01"), "deadline"),  # in the past
        (resolution_body(party_lead=str(cast.people["黄涛"].code)), "party_lead"),
        (resolution_body(party_category=str(uuid.uuid4())), "party_category"),
        (resolution_body(weight=0), "weight"),
        ({"deadline": "2026-07-15"}, None),  # neither dimension
    ):
        answer = send(client, "post", url, body)
        assert answer.status_code == 422, (field, answer.content)
        assert answer.json()["code"] == "invalid"
        assert field is None or field in fields_of(answer), answer.json()
    failed = resolution(cast, outcome="failed")
    refused = send(client, "post", f"/api/v1/resolutions/{failed.code}/task", resolution_body())
    assert refused.status_code == 422 and refused.json()["code"] == "refused"
    assert isinstance(refused.json()["detail"], str)
    assert not Task.objects.exists() and not ResolutionTask.objects.exists()
    assert audited("task") == 0


def test_resolutions_of_others_stay_hidden_and_readers_make_no_tasks(cast):
    ours, theirs = resolution(cast), resolution(cast, "B1")
    url = f"/api/v1/resolutions/{ours.code}/task"
    for persona in ("outsider", "sibling"):
        assert send(cast.client(persona), "post", url, resolution_body()).status_code == 404
    secretary = cast.client("secretary")
    elsewhere = f"/api/v1/resolutions/{theirs.code}/task"
    assert send(secretary, "post", elsewhere, resolution_body()).status_code == 404
    unknown = f"/api/v1/resolutions/{uuid.uuid4()}/task"
    assert send(secretary, "post", unknown, resolution_body()).status_code == 404
    # The member and the leader see the meeting but plan no tasks for it.
    for persona in ("member", "leader"):
        assert send(cast.client(persona), "post", url, resolution_body()).status_code == 403
    assert not Task.objects.exists()


# --- categories ----------------------------------------------------------------------------------


def test_a_committee_adds_a_category_retires_it_and_brings_it_back(cast):
    admin = cast.client("party_admin")
    body = {"org": str(cast.orgs["A"].code), "dimension": "business", "name": "数字化转型"}
    added = send(admin, "post", "/api/v1/plans/categories", body, **{"Idempotency-Key": "c-1"})
    assert added.status_code == 201, added.content
    category = added.json()
    assert (category["org"]["org_code"], category["active"]) == ("A", True)
    again = send(admin, "post", "/api/v1/plans/categories", body, **{"Idempotency-Key": "c-1"})
    assert again["Idempotent-Replayed"] == "true"
    assert Category.objects.filter(name="数字化转型").count() == 1

    def names(client, **filters) -> list[str]:
        answer = client.get("/api/v1/plans/categories", {"dimension": "business", **filters})
        assert answer.status_code == 200, answer.content
        return [row["name"] for row in answer.json()]

    secretary = cast.client("secretary")
    assert "数字化转型" in names(secretary, org=str(cast.orgs["A1"].code))
    assert "数字化转型" not in names(admin, org=str(cast.orgs["B1"].code))

    url = f"/api/v1/plans/categories/{category['code']}/active"
    retired = send(admin, "post", url, {"active": False})
    assert retired.status_code == 200 and retired.json()["active"] is False
    assert "数字化转型" not in names(secretary)
    assert "数字化转型" not in names(secretary, org=str(cast.orgs["A1"].code))
    assert "数字化转型" in names(secretary, retired=True)
    back = send(admin, "post", url, {"active": True})
    assert back.status_code == 200 and back.json()["active"] is True
    assert audited("category") == 3


def test_bad_categories_change_nothing(cast):
    admin = cast.client("party_admin")
    a = str(cast.orgs["A"].code)
    taken = Category.objects.filter(dimension=Dimension.BUSINESS, org=None).first().name
    for body, field, code in (
        ({"org": a, "dimension": "business", "name": taken}, "name", "refused"),
        ({"org": a, "dimension": "business", "name": "   "}, "name", "invalid"),
        ({"org": a, "dimension": "hobby", "name": "兴趣"}, "dimension", "invalid"),
        ({"org": a, "dimension": "party", "name": "长" * 61}, "name", "invalid"),
        ({"org": str(cast.orgs["O"].code), "dimension": "party", "name": "外"}, "org", "invalid"),
        ({"org": str(uuid.uuid4()), "dimension": "party", "name": "无"}, "org", "invalid"),
    ):
        answer = send(admin, "post", "/api/v1/plans/categories", body)
        assert answer.status_code == 422, (field, answer.content)
        assert answer.json()["code"] == code and fields_of(answer) == [field], answer.json()
    assert not Category.objects.exclude(org=None).exists() and audited("category") == 0
    own = services.category_add(
        org=cast.orgs["A"], dimension="party", name="支部品牌", by=cast.users["party_admin"]
    )
    url = f"/api/v1/plans/categories/{own.code}/active"
    assert send(admin, "post", url, {"active": "sometimes"}).status_code == 422
    own.refresh_from_db()
    assert own.active is True


def test_categories_are_changed_only_by_those_who_set_rules(cast):
    own = services.category_add(
        org=cast.orgs["A"], dimension="party", name="支部品牌", by=cast.users["party_admin"]
    )
    platform = Category.objects.filter(org=None).first()
    body = {"org": str(cast.orgs["A1"].code), "dimension": "party", "name": "x"}
    secretary = cast.client("secretary")  # reads the lists, sets no rules
    assert send(secretary, "post", "/api/v1/plans/categories", body).status_code == 403
    for category in (own, platform):
        url = f"/api/v1/plans/categories/{category.code}/active"
        assert send(secretary, "post", url, {"active": False}).status_code == 403
    # The platform's lists are nobody's to retire here.
    admin_url = f"/api/v1/plans/categories/{platform.code}/active"
    assert send(cast.client("party_admin"), "post", admin_url, {"active": False}).status_code == 403
    outsider = cast.client("outsider")
    url = f"/api/v1/plans/categories/{own.code}/active"
    assert send(outsider, "post", url, {"active": False}).status_code == 404
    # Our organisation in the body answers as an unknown one would.
    ours = send(outsider, "post", "/api/v1/plans/categories", body)
    nobodys = send(outsider, "post", "/api/v1/plans/categories", body | {"org": str(uuid.uuid4())})
    assert ours.status_code == nobodys.status_code == 422
    assert ours.json()["detail"][0]["message"] == nobodys.json()["detail"][0]["message"]
    assert [row["name"] for row in outsider.get("/api/v1/plans/categories").json()] == [
        c.name for c in Category.objects.filter(org=None, active=True)
    ]
    assert cast.client("member").get("/api/v1/plans/categories").status_code == 403
    assert not Category.objects.filter(name="x").exists()
    assert Category.objects.filter(active=False).count() == 0


# --- thresholds ----------------------------------------------------------------------------------


def thresholds(**changes) -> dict:
    return {"yellow_days": 14, "red_days": 5, "remind_days": 7, "grace_days": 30} | changes


def test_a_subtrees_thresholds_are_set_changed_and_removed(cast):
    task = a1_task(cast, days=10)  # green under the default (yellow from 7 days left)
    admin = cast.client("party_admin")
    listed = admin.get("/api/v1/tasks/thresholds").json()
    assert [(row["org"], row["yellow_days"]) for row in listed] == [(None, 7)]

    url = f"/api/v1/tasks/thresholds/{cast.orgs['A'].code}"
    set_ = send(admin, "put", url, thresholds())
    assert set_.status_code == 200, set_.content
    assert (set_.json()["org"]["org_code"], set_.json()["yellow_days"]) == ("A", 14)
    assert cast.client("secretary").get(f"/api/v1/tasks/{task.code}").json()["colour"] == "yellow"
    changed = send(admin, "put", url, thresholds(yellow_days=9))
    assert changed.status_code == 200 and changed.json()["code"] == set_.json()["code"]
    assert TaskPolicy.objects.get(org=cast.orgs["A"]).yellow_days == 9

    # A branch reads the thresholds above it, in tree order.
    rows = cast.client("secretary").get("/api/v1/tasks/thresholds").json()
    assert [row["org"] and row["org"]["org_code"] for row in rows] == [None, "A"]

    assert admin.delete(url).status_code == 204
    assert not TaskPolicy.objects.filter(org=cast.orgs["A"]).exists()
    assert cast.client("secretary").get(f"/api/v1/tasks/{task.code}").json()["colour"] == "green"
    assert admin.delete(url).status_code == 404  # nothing left to remove
    assert audited("taskpolicy") == 3


def test_bad_thresholds_change_nothing(cast):
    admin = cast.client("party_admin")
    url = f"/api/v1/tasks/thresholds/{cast.orgs['A'].code}"
    for body, field, code in (
        (thresholds(yellow_days=3, red_days=5), "red_days", "refused"),
        (thresholds(grace_days=400), "grace_days", "invalid"),
        (thresholds(remind_days=-1), "remind_days", "invalid"),
        ({"yellow_days": 14, "red_days": 5, "remind_days": 7}, "grace_days", "invalid"),
    ):
        answer = send(admin, "put", url, body)
        assert answer.status_code == 422, (field, answer.content)
        assert answer.json()["code"] == code and fields_of(answer) == [field], answer.json()
    assert not TaskPolicy.objects.exclude(org=None).exists() and audited("taskpolicy") == 0
    # Thresholds are addressed by their organisation: an unknown one has none.
    assert admin.delete(f"/api/v1/tasks/thresholds/{uuid.uuid4()}").status_code == 404


def test_thresholds_are_set_only_by_those_who_set_rules(cast):
    services.policy_save(org=cast.orgs["A"], values=thresholds(), by=cast.users["party_admin"])
    secretary = cast.client("secretary")
    a1 = f"/api/v1/tasks/thresholds/{cast.orgs['A1'].code}"
    a = f"/api/v1/tasks/thresholds/{cast.orgs['A'].code}"
    assert send(secretary, "put", a1, thresholds()).status_code == 403
    assert secretary.delete(a).status_code == 404  # A is above the secretary's reach
    assert send(cast.client("member"), "put", a1, thresholds()).status_code == 403
    assert cast.client("leader").delete(a).status_code == 403
    assert cast.client("member").get("/api/v1/tasks/thresholds").status_code == 403
    outsider = cast.client("outsider")
    for url in (a, a1):
        assert send(outsider, "put", url, thresholds(yellow_days=1, red_days=0)).status_code == 404
        assert outsider.delete(url).status_code == 404
    assert [row["org"] for row in outsider.get("/api/v1/tasks/thresholds").json()] == [None]
    policy = TaskPolicy.objects.get(org=cast.orgs["A"])
    assert policy.yellow_days == 14 and TaskPolicy.objects.count() == 2


# --- query budgets ---------------------------------------------------------------------------------


def test_the_new_lists_query_counts_do_not_grow_with_the_rows(cast):
    admin = cast.client("party_admin")
    task = a1_task(cast)
    lists = [
        (f"/api/v1/tasks/{task.code}/milestones", None),
        ("/api/v1/tasks/thresholds", None),
        ("/api/v1/plans/categories", {"retired": True}),
        ("/api/v1/plans/categories", {"org": str(cast.orgs["A1"].code)}),
    ]

    def more(n: int) -> None:
        services.milestone_add(task=task, title=f"节点{n}", due_on=TODAY, by=None)
        for org in ("A", "A1", "B1", "G")[n : n + 1]:
            services.policy_save(org=cast.orgs[org], values=thresholds(), by=None)
        services.category_add(org=cast.orgs["A"], dimension="party", name=f"类别{n}", by=None)

    more(0)
    few = {url + str(params): count_queries(admin, url, params) for url, params in lists}
    for n in range(1, 4):
        more(n)
    many = {url + str(params): count_queries(admin, url, params) for url, params in lists}
    assert many == few
