"""The catalogues and the remaining task pages: integration points with their source, the
category lists and thresholds per subtree, milestones, a resolution made a task, and the
timeline. Each write with bad input changes nothing; the outsider gets 404."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from ronghe.core.models import AuditEvent
from ronghe.orglife.models import Meeting, Resolution, ResolutionTask
from ronghe.plans import services
from ronghe.plans.models import (
    Category,
    Dimension,
    IntegrationPoint,
    Milestone,
    Task,
    TaskPolicy,
)

TODAY = date(2026, 6, 15)
SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.fixture(autouse=True)
def _on_today():
    with time_machine.travel(datetime.combine(TODAY, time(10), SHANGHAI), tick=False):
        yield


def category(dimension: str) -> Category:
    return Category.objects.filter(dimension=dimension, org=None).first()


def a1_task(cast, days: int = 20, **values) -> Task:
    return services.task_create(
        org=cast.orgs["A1"],
        values={
            "title": values.pop("title", "安全隐患排查"),
            "party_category": category(Dimension.PARTY),
            "business_category": category(Dimension.BUSINESS),
            "deadline": TODAY + timedelta(days=days),
            **values,
        },
        by=cast.users["party_admin"],
    )


def forum(cast, org: str = "A") -> Meeting:
    return Meeting.objects.create(
        org=cast.orgs[org],
        kind="forum",
        title="客户服务座谈会",
        starts_at=datetime.combine(TODAY - timedelta(days=10), time(9), SHANGHAI),
        status=Meeting.Status.HELD,
        held_on=TODAY - timedelta(days=10),
    )


def point(cast, org: str = "A", title: str = "党员先锋岗") -> IntegrationPoint:
    return services.point_save(
        org=cast.orgs[org],
        values={
            "title": title,
            "party_work": "党员亮身份",
            "business_goal": "投诉下降",
            "source": IntegrationPoint.Source.SURVEY,
            "source_meeting": None,
            "source_note": "2026 年调研",
        },
        by=cast.users["party_admin"],
    )


# --- integration points ---------------------------------------------------------------------------


def test_a_point_from_a_forum_is_catalogued_with_its_meeting(cast):
    meeting = forum(cast)
    client = cast.client("party_admin")

    response = client.post(
        f"/plans/points/new/?org={cast.orgs['A'].code}",
        {
            "title": "主题党日进客服中心",
            "party_work": "主题党日",
            "business_goal": "客户投诉下降 20%",
            "source": "forum",
            "source_meeting": meeting.code,
        },
    )

    created = IntegrationPoint.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/plans/points/{created.code}/"
    assert created.org == cast.orgs["A"] and created.source_meeting == meeting
    assert AuditEvent.objects.filter(object_id=str(created.code), action="create").exists()
    page = client.get(f"/plans/points/{created.code}/").content.decode()
    assert "客户服务座谈会" in page and "客户投诉下降 20%" in page


def test_a_forum_point_without_its_forum_is_refused_next_to_the_field(cast):
    client = cast.client("party_admin")

    response = client.post(
        f"/plans/points/new/?org={cast.orgs['A'].code}",
        {"title": "x", "party_work": "y", "business_goal": "z", "source": "forum"},
    )

    assert response.status_code == 422
    page = response.content.decode()
    assert 'id="id_source_meeting_error"' in page and "座谈会" in page
    assert not IntegrationPoint.objects.exists()


def test_a_point_cannot_name_another_subtrees_meeting(cast):
    other = forum(cast, "B")
    with pytest.raises(services.Refused) as refused:
        services.point_save(
            org=cast.orgs["A"],
            values={
                "title": "x",
                "party_work": "y",
                "business_goal": "z",
                "source": "forum",
                "source_meeting": other,
                "source_note": "",
            },
            by=cast.users["party_admin"],
        )
    assert refused.value.field == "source_meeting"
    assert not IntegrationPoint.objects.exists()


def test_a_branch_sees_its_committees_points_but_not_a_siblings(cast):
    committee = point(cast, "A", "甲公司融合点")
    sibling = point(cast, "A2", "甲二支部融合点")
    a1_task(cast, integration_point=committee)
    client = cast.client("secretary")

    page = client.get("/plans/points/").content.decode()

    assert "甲公司融合点" in page and "甲二支部融合点" not in page
    assert client.get(f"/plans/points/{committee.code}/").status_code == 200
    assert client.get(f"/plans/points/{sibling.code}/").status_code == 404
    # The secretary reads the committee's point but does not change it.
    assert client.get(f"/plans/points/{committee.code}/edit/").status_code == 403


def test_a_point_is_changed_and_retired_with_an_audit_row(cast):
    made = point(cast)
    client = cast.client("party_admin")

    response = client.post(
        f"/plans/points/{made.code}/edit/",
        {
            "title": "党员先锋岗（安全）",
            "party_work": "党员亮身份",
            "business_goal": "零事故",
            "source": "survey",
            "source_note": "2026 年调研",
        },
    )

    made.refresh_from_db()
    assert response.status_code == 302
    assert made.business_goal == "零事故" and made.active is False  # the box left unticked
    event = AuditEvent.objects.filter(object_id=str(made.code), action="update").get()
    assert event.after["business_goal"] == "零事故"
    assert (
        "党员先锋岗（安全）"
        not in cast.client("party_admin").get("/plans/points/").content.decode()
    )


def test_the_outsider_gets_404_on_points(cast):
    made = point(cast)
    client = cast.client("outsider")
    assert client.get(f"/plans/points/{made.code}/").status_code == 404
    assert client.post(f"/plans/points/{made.code}/edit/", {"title": "x"}).status_code == 404
    assert made.title == IntegrationPoint.objects.get().title


# --- categories and thresholds --------------------------------------------------------------------


def test_a_committee_adds_a_category_its_branches_choose(cast):
    client = cast.client("party_admin")

    response = client.post(
        "/tasks/settings/categories/",
        {"org": cast.orgs["A"].code, "dimension": "business", "name": "数字化转型"},
    )

    assert response.status_code == 302
    added = Category.objects.get(name="数字化转型")
    assert added.org == cast.orgs["A"]
    form = cast.client("secretary").get(f"/tasks/new/?org={cast.orgs['A1'].code}")
    assert "数字化转型" in form.content.decode()
    sibling_form = cast.client("party_admin").get(f"/tasks/new/?org={cast.orgs['B1'].code}")
    assert "数字化转型" not in sibling_form.content.decode()


def test_a_duplicate_category_is_refused_next_to_the_field(cast):
    existing = category(Dimension.BUSINESS).name
    client = cast.client("party_admin")
    before = Category.objects.count()

    response = client.post(
        "/tasks/settings/categories/",
        {"org": cast.orgs["A"].code, "dimension": "business", "name": existing},
    )

    assert response.status_code == 422
    assert 'id="id_name_error"' in response.content.decode()
    assert Category.objects.count() == before


def test_a_retired_category_is_no_longer_offered_but_stays_on_its_tasks(cast):
    added = services.category_add(
        org=cast.orgs["A"], dimension="party", name="支部品牌", by=cast.users["party_admin"]
    )
    task = a1_task(cast, party_category=added)
    client = cast.client("party_admin")

    assert client.post(f"/tasks/settings/categories/{added.code}/").status_code == 302

    added.refresh_from_db()
    assert added.active is False
    task.refresh_from_db()
    assert task.party_category == added
    form = client.get(f"/tasks/new/?org={cast.orgs['A1'].code}").content.decode()
    assert "支部品牌" not in form


def test_the_platforms_categories_and_settings_are_not_for_a_secretary(cast):
    platform = category(Dimension.PARTY)
    client = cast.client("secretary")
    assert client.get("/tasks/settings/").status_code == 200  # reading is allowed
    assert client.post(f"/tasks/settings/categories/{platform.code}/").status_code == 403
    response = client.post(
        "/tasks/settings/categories/",
        {"org": cast.orgs["A1"].code, "dimension": "party", "name": "x"},
    )
    assert response.status_code == 403
    assert not Category.objects.filter(name="x").exists()
    platform.refresh_from_db()
    assert platform.active


def test_thresholds_for_a_subtree_change_its_countdowns_and_can_be_removed(cast):
    task = a1_task(cast, days=10)  # green under the default (yellow from 7 days left)
    client = cast.client("party_admin")

    response = client.post(
        "/tasks/settings/thresholds/",
        {
            "org": cast.orgs["A"].code,
            "yellow_days": 14,
            "red_days": 5,
            "remind_days": 7,
            "grace_days": 30,
        },
    )

    assert response.status_code == 302
    policy = TaskPolicy.objects.get(org=cast.orgs["A"])
    assert services.colour(task, services.Policies().for_org(task.org), TODAY) == "yellow"
    assert "bg-yellow" in client.get(f"/tasks/{task.code}/").content.decode()

    assert client.post(f"/tasks/settings/thresholds/{policy.code}/delete/").status_code == 302
    assert services.colour(task, services.Policies().for_org(task.org), TODAY) == "green"
    assert AuditEvent.objects.filter(object_id=str(policy.code), action="delete").exists()


def test_red_after_yellow_is_refused_next_to_the_field(cast):
    client = cast.client("party_admin")

    response = client.post(
        "/tasks/settings/thresholds/",
        {
            "org": cast.orgs["A"].code,
            "yellow_days": 3,
            "red_days": 5,
            "remind_days": 7,
            "grace_days": 30,
        },
    )

    assert response.status_code == 422
    assert 'id="id_red_days_error"' in response.content.decode()
    assert not TaskPolicy.objects.filter(org=cast.orgs["A"]).exists()


# --- milestones -----------------------------------------------------------------------------------


def test_milestones_are_added_ticked_and_removed(cast):
    task = a1_task(cast)
    client = cast.client("secretary")

    response = client.post(
        f"/tasks/{task.code}/milestones/", {"title": "完成排查", "due_on": "2026-06-25"}
    )
    assert response.status_code == 302
    milestone = Milestone.objects.get()
    assert (milestone.task, milestone.due_on) == (task, date(2026, 6, 25))

    assert client.post(f"/tasks/milestones/{milestone.code}/done/").status_code == 302
    milestone.refresh_from_db()
    assert milestone.done_on == TODAY
    assert "完成排查" in client.get(f"/tasks/{task.code}/").content.decode()

    assert client.post(f"/tasks/milestones/{milestone.code}/delete/").status_code == 302
    assert not Milestone.objects.exists()
    actions = AuditEvent.objects.filter(object_id=str(milestone.code)).values_list(
        "action", flat=True
    )
    assert sorted(actions) == ["create", "delete", "update"]


def test_a_milestone_after_the_deadline_is_refused_next_to_the_field(cast):
    task = a1_task(cast, days=5)
    client = cast.client("secretary")

    response = client.post(
        f"/tasks/{task.code}/milestones/", {"title": "晚了", "due_on": "2026-07-30"}
    )

    assert response.status_code == 422
    assert 'id="id_due_on_error"' in response.content.decode()
    assert not Milestone.objects.exists()


def test_milestones_of_a_task_one_cannot_change_are_closed(cast):
    task = a1_task(cast)
    milestone = services.milestone_add(
        task=task, title="节点", due_on=TODAY, by=cast.users["party_admin"]
    )
    assert cast.client("member").post(f"/tasks/milestones/{milestone.code}/done/").status_code in (
        403,
        404,
    )
    outsider = cast.client("outsider")
    assert outsider.post(f"/tasks/milestones/{milestone.code}/done/").status_code == 404
    assert outsider.post(f"/tasks/{task.code}/milestones/", {"title": "x"}).status_code == 404
    milestone.refresh_from_db()
    assert milestone.done_on is None and Milestone.objects.count() == 1


# --- a resolution becomes a task ------------------------------------------------------------------


def resolution(cast, outcome: str = "passed") -> Resolution:
    meeting = Meeting.objects.create(
        org=cast.orgs["A1"],
        kind="committee_meeting",
        title="六月支委会",
        starts_at=datetime.combine(TODAY - timedelta(days=1), time(9), SHANGHAI),
        status=Meeting.Status.HELD,
        held_on=TODAY - timedelta(days=1),
    )
    return Resolution.objects.create(
        meeting=meeting, text="开展安全隐患排查\n各党小组分片负责", outcome=outcome
    )


def test_a_resolution_becomes_a_task_from_the_meeting_page(cast):
    passed = resolution(cast)
    client = cast.client("secretary")
    meeting_page = client.get(f"/meetings/{passed.meeting.code}/").content.decode()
    assert f"/meetings/resolutions/{passed.code}/task/" in meeting_page

    form = client.get(f"/meetings/resolutions/{passed.code}/task/").content.decode()
    assert 'value="开展安全隐患排查"' in form and "六月支委会" in form

    response = client.post(
        f"/meetings/resolutions/{passed.code}/task/",
        {
            "title": "开展安全隐患排查",
            "party_category": category(Dimension.PARTY).pk,
            "party_lead": cast.people["张伟强"].code,
            "deadline": "2026-07-15",
            "weight": 1,
        },
    )

    task = Task.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/tasks/{task.code}/"
    assert task.resolution == passed and task.org == cast.orgs["A1"]
    assert ResolutionTask.objects.filter(resolution=passed, task_code=task.code).exists()
    assert (
        f"/meetings/{passed.meeting.code}/" in client.get(f"/tasks/{task.code}/").content.decode()
    )
    assert (
        f"/tasks/{task.code}/" in client.get(f"/meetings/{passed.meeting.code}/").content.decode()
    )


def test_a_resolution_task_without_a_dimension_changes_nothing(cast):
    passed = resolution(cast)
    response = cast.client("secretary").post(
        f"/meetings/resolutions/{passed.code}/task/",
        {"title": "x", "deadline": "2026-07-15", "weight": 1},
    )
    assert response.status_code == 422
    assert not Task.objects.exists() and not ResolutionTask.objects.exists()


def test_a_failed_resolution_does_not_become_a_task(cast):
    failed = resolution(cast, outcome="failed")
    client = cast.client("secretary")
    assert (
        f"/meetings/resolutions/{failed.code}/task/"
        not in client.get(f"/meetings/{failed.meeting.code}/").content.decode()
    )
    response = client.post(
        f"/meetings/resolutions/{failed.code}/task/",
        {
            "title": "x",
            "party_category": category(Dimension.PARTY).pk,
            "deadline": "2026-07-15",
            "weight": 1,
        },
    )
    assert response.status_code == 422 and "未通过的决议" in response.content.decode()
    assert not Task.objects.exists()


def test_resolutions_of_other_organisations_stay_hidden(cast):
    passed = resolution(cast)
    assert (
        cast.client("outsider").get(f"/meetings/resolutions/{passed.code}/task/").status_code == 404
    )
    # A member sees the meeting but does not plan tasks.
    member = cast.client("member")
    assert member.get(f"/meetings/resolutions/{passed.code}/task/").status_code in (403, 404)


# --- the timeline ---------------------------------------------------------------------------------


def test_the_timeline_puts_tasks_on_their_deadlines_and_milestones_on_their_days(cast):
    task = a1_task(cast, days=5, title="六月任务")
    services.milestone_add(task=task, title="中期检查", due_on=TODAY + timedelta(days=2), by=None)
    a1_task(cast, days=40, title="七月任务")
    client = cast.client("party_admin")

    june = client.get("/tasks/timeline/?month=2026-06").content.decode()
    july = client.get("/tasks/timeline/?month=2026-07&status=not_started").content.decode()

    assert "六月任务" in june and "中期检查" in june and "七月任务" not in june
    assert "七月任务" in july and "六月任务" not in july


def test_the_timeline_query_count_does_not_grow_with_the_tasks(cast):
    client = cast.client("party_admin")
    for index in range(3):
        a1_task(cast, days=index + 1, title=f"任务{index}")
    client.get("/tasks/timeline/?month=2026-06")
    with CaptureQueriesContext(connection) as few:
        assert client.get("/tasks/timeline/?month=2026-06").status_code == 200
    for index in range(20):
        task = a1_task(cast, days=index + 1, title=f"更多{index}")
        services.milestone_add(task=task, title="节点", due_on=TODAY, by=None)
    with CaptureQueriesContext(connection) as many:
        assert client.get("/tasks/timeline/?month=2026-06").status_code == 200
    assert len(many) == len(few)


def test_catalogue_pages_query_counts_do_not_grow(cast):
    client = cast.client("party_admin")
    point(cast, "A", "第一个")
    client.get("/plans/points/")
    with CaptureQueriesContext(connection) as few:
        assert client.get("/plans/points/").status_code == 200
        assert client.get("/tasks/settings/").status_code == 200
    for index in range(10):
        made = point(cast, "A", f"融合点{index}")
        a1_task(cast, integration_point=made)
        services.category_add(org=cast.orgs["A"], dimension="party", name=f"类别{index}", by=None)
    with CaptureQueriesContext(connection) as many:
        assert client.get("/plans/points/").status_code == 200
        assert client.get("/tasks/settings/").status_code == 200
    assert len(many) == len(few)
