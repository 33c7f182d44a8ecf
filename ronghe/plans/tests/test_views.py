"""Plan and task pages: the committee's deployment and cascade view, a branch's report with a
photo, the checker's return and acceptance, bad input next to its field, and query counts that
do not grow with the number of tasks."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from ronghe.plans import services
from ronghe.plans.models import Category, Dimension, Plan, PlanItem, ProgressReport, Task

TODAY = date(2026, 6, 15)
SHANGHAI = ZoneInfo("Asia/Shanghai")
JPEG = b"\xff\xd8\xff\xe0" + b"0" * 200


@pytest.fixture(autouse=True)
def _on_today():
    with time_machine.travel(datetime.combine(TODAY, time(10), SHANGHAI), tick=False):
        yield


def category(dimension: str) -> Category:
    return Category.objects.filter(dimension=dimension, org=None).first()


def approved_item(cast) -> PlanItem:
    plan = services.plan_create(
        org=cast.orgs["A"],
        year=2026,
        quarter=0,
        title="甲公司 2026 计划",
        by=cast.users["party_admin"],
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
    return item


def test_a_plan_is_created_with_targets_side_by_side(cast):
    client = cast.client("party_admin")
    response = client.post(
        "/plans/new/", {"org": cast.orgs["A"].code, "year": 2026, "quarter": 0, "title": "年度计划"}
    )
    plan = Plan.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/plans/{plan.code}/"

    response = client.post(
        f"/plans/{plan.code}/items/new/",
        {
            "dimension": "party",
            "title": "党员先锋岗",
            "party_category": category(Dimension.PARTY).pk,
            "business_category": category(Dimension.BUSINESS).pk,
            "deadline": "2026-09-30",
            "weight": 2,
        },
    )
    assert response.status_code == 302
    page = client.get(f"/plans/{plan.code}/").content.decode()
    assert "党员先锋岗" in page and "党建目标" in page and "业务目标" in page


def test_a_target_without_its_sides_category_is_refused_next_to_the_field(cast):
    client = cast.client("party_admin")
    plan = services.plan_create(
        org=cast.orgs["A"], year=2026, quarter=0, title="计划", by=cast.users["party_admin"]
    )

    response = client.post(
        f"/plans/{plan.code}/items/new/",
        {"dimension": "party", "title": "x", "deadline": "2026-09-30", "weight": 0},
    )

    assert response.status_code == 422
    page = response.content.decode()
    assert 'id="id_party_category_error"' in page and 'id="id_weight_error"' in page
    assert not PlanItem.objects.exists()


def a1_task(cast) -> Task:
    return services.task_create(
        org=cast.orgs["A1"],
        values={
            "title": "任务",
            "party_category": category(Dimension.PARTY),
            "deadline": TODAY + timedelta(days=5),
        },
        by=cast.users["secretary"],
    )


def test_the_committee_deploys_to_chosen_branches_and_sees_them_in_the_cascade(cast):
    item = approved_item(cast)
    client = cast.client("party_admin")

    response = client.post(
        f"/plans/items/{item.code}/deploy/",
        {"scope": "chosen", "orgs": [cast.orgs["A1"].code, cast.orgs["A2"].code]},
    )

    assert response.status_code == 302
    assert sorted(Task.objects.values_list("org__org_code", flat=True)) == ["A1", "A2"]
    page = client.get(f"/plans/items/{item.code}/cascade/").content.decode()
    assert "甲一支部" in page and "甲二支部" in page


def test_deploying_to_every_branch_below_stays_in_the_subtree(cast):
    item = approved_item(cast)
    response = cast.client("party_admin").post(
        f"/plans/items/{item.code}/deploy/", {"scope": "branches"}
    )
    assert response.status_code == 302
    assert sorted(Task.objects.values_list("org__org_code", flat=True)) == ["A1", "A2"]


def test_deploying_to_nobody_is_refused_next_to_the_field(cast):
    item = approved_item(cast)
    response = cast.client("party_admin").post(
        f"/plans/items/{item.code}/deploy/", {"scope": "chosen"}
    )
    assert response.status_code == 422
    assert 'id="id_orgs_error"' in response.content.decode()
    assert not Task.objects.exists()


def test_a_branch_secretary_cannot_deploy_the_committees_item(cast):
    item = approved_item(cast)
    response = cast.client("secretary").post(f"/plans/items/{item.code}/deploy/", {"scope": "all"})
    assert response.status_code == 404  # A's plan is outside A1's reach
    assert not Task.objects.exists()


def test_report_with_photo_returned_resubmitted_and_accepted(cast):
    item = approved_item(cast)
    services.deploy(item=item, orgs=[cast.orgs["A1"]], by=cast.users["party_admin"])
    task = Task.objects.get()
    secretary, checker = cast.client("secretary"), cast.client("party_admin")

    response = secretary.post(
        f"/tasks/{task.code}/reports/",
        {
            "text": "开展主题党日，走访投诉客户 12 户",
            "progress": 100,
            "claims_done": "on",
            "evidence": SimpleUploadedFile("现场.jpg", JPEG, content_type="image/jpeg"),
        },
    )
    assert response.status_code == 302
    report = ProgressReport.objects.get()

    response = checker.post(f"/tasks/reports/{report.code}/return/", {"reason": "请补充签到表"})
    assert response.status_code == 302
    report.refresh_from_db()
    assert report.status == ProgressReport.Status.RETURNED
    assert "请补充签到表" in secretary.get(f"/tasks/{task.code}/").content.decode()

    response = secretary.post(
        f"/tasks/reports/{report.code}/amend/",
        {
            "text": "补充签到表",
            "progress": 100,
            "claims_done": "on",
            "evidence": SimpleUploadedFile(
                "签到表.pdf", b"%PDF-1.4 x", content_type="application/pdf"
            ),
        },
    )
    assert response.status_code == 302
    response = checker.post(f"/tasks/reports/{report.code}/accept/")
    assert response.status_code == 302

    task.refresh_from_db()
    assert (task.status, task.progress, task.late_mark) == (Task.Status.DONE, 100, False)
    file = report.files.first()
    assert secretary.get(f"/tasks/files/{file.code}/").status_code == 200


def test_a_report_with_a_bad_file_is_refused_next_to_the_field(cast):
    task = a1_task(cast)
    response = cast.client("secretary").post(
        f"/tasks/{task.code}/reports/",
        {
            "text": "进展",
            "progress": 120,
            "evidence": SimpleUploadedFile("a.exe", b"MZ", content_type="image/jpeg"),
        },
    )
    assert response.status_code == 422
    assert 'id="id_progress_error"' in response.content.decode()
    response = cast.client("secretary").post(
        f"/tasks/{task.code}/reports/",
        {
            "text": "进展",
            "progress": 50,
            "evidence": SimpleUploadedFile("a.exe", b"MZ", content_type="image/jpeg"),
        },
    )
    assert response.status_code == 422
    assert 'id="id_evidence_error"' in response.content.decode()
    assert not ProgressReport.objects.exists()


def test_the_secretary_does_not_check_reports(cast):
    task = a1_task(cast)
    report = services.report_submit(
        task=task, data=services.ReportInput(text="进展", progress=20), by=cast.users["party_admin"]
    )
    response = cast.client("secretary").post(f"/tasks/reports/{report.code}/accept/")
    assert response.status_code == 403
    report.refresh_from_db()
    assert report.status == ProgressReport.Status.SUBMITTED


def test_a_lead_outside_the_branch_is_refused_on_the_form(cast):
    response = cast.client("party_admin").post(
        f"/tasks/new/?org={cast.orgs['A1'].code}",
        {
            "title": "任务",
            "party_category": category(Dimension.PARTY).pk,
            "party_lead": cast.people["黄涛"].code,  # B1: not a choice for A1
            "deadline": (TODAY + timedelta(days=5)).isoformat(),
            "weight": 1,
        },
    )
    assert response.status_code == 422
    assert 'id="id_party_lead_error"' in response.content.decode()
    assert not Task.objects.exists()


def test_moving_to_done_without_evidence_is_refused_on_the_board(cast):
    task = a1_task(cast)
    response = cast.client("secretary").post(
        f"/tasks/{task.code}/status/", {"status": "done"}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 422
    assert "完成须有佐证" in response.content.decode()
    task.refresh_from_db()
    assert task.status == Task.Status.NOT_STARTED


def _tasks(cast, n: int) -> None:
    for index in range(n):
        services.task_create(
            org=cast.orgs["A1" if index % 2 else "A2"],
            values={
                "title": f"任务{index}",
                "party_category": category(Dimension.PARTY),
                "business_category": category(Dimension.BUSINESS),
                "party_lead": cast.people["张伟强"] if index % 2 else cast.people["陈静"],
                "deadline": TODAY + timedelta(days=index),
            },
            by=cast.users["party_admin"],
        )


def test_the_task_list_query_count_does_not_grow_with_the_tasks(cast):
    client = cast.client("party_admin")
    _tasks(cast, 3)
    client.get("/tasks/")
    with CaptureQueriesContext(connection) as few:
        assert client.get("/tasks/").status_code == 200
    _tasks(cast, 20)
    with CaptureQueriesContext(connection) as many:
        assert client.get("/tasks/").status_code == 200
    assert len(many) == len(few)


def test_the_cascade_view_query_count_does_not_grow_with_the_branches(cast):
    from ronghe.testing import make_org

    item = approved_item(cast)
    client = cast.client("party_admin")
    services.deploy(item=item, orgs=[cast.orgs["A1"]], by=cast.users["party_admin"])
    client.get(f"/plans/items/{item.code}/cascade/")
    with CaptureQueriesContext(connection) as few:
        assert client.get(f"/plans/items/{item.code}/cascade/").status_code == 200
    more = [make_org(cast.orgs["A"], f"新支部{i}", f"N{i}", "branch") for i in range(12)]
    services.deploy(item=item, orgs=more, by=cast.users["party_admin"])
    with CaptureQueriesContext(connection) as many:
        response = client.get(f"/plans/items/{item.code}/cascade/")
    assert response.status_code == 200 and "新支部11" in response.content.decode()
    assert len(many) == len(few)


def test_the_board_groups_the_tasks_by_status(cast):
    task = a1_task(cast)
    page = cast.client("secretary").get("/tasks/board/").content.decode()
    assert page.index('data-status="not_started"') < page.index(f"task-{task.code}")
    assert page.index(f"task-{task.code}") < page.index('data-status="in_progress"')


def test_the_board_moves_a_started_task_and_answers_with_its_card(cast):
    task = a1_task(cast)
    response = cast.client("secretary").post(
        f"/tasks/{task.code}/status/", {"status": "in_progress"}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    assert f'id="task-{task.code}"' in response.content.decode()
    task.refresh_from_db()
    assert task.status == Task.Status.IN_PROGRESS


def test_the_duties_page_shows_both_sides_and_the_late_marks(cast):
    party = a1_task(cast)
    services.task_update(
        task=party,
        values={"title": "党员责任区建设", "party_lead": cast.people["张伟强"]},
        by=cast.users["secretary"],
    )
    business = services.task_create(
        org=cast.orgs["A1"],
        values={
            "title": "降本增效攻关",
            "business_category": category(Dimension.BUSINESS),
            "business_lead": cast.people["张伟强"],
            "deadline": TODAY + timedelta(days=2),
        },
        by=cast.users["secretary"],
    )
    Task.objects.filter(pk=business.pk).update(late_mark=True, late_marked_on=TODAY)

    own = cast.client("secretary").get("/duties/").content.decode()
    assert (
        own.index("党建职责")
        < own.index("党员责任区建设")
        < own.index("业务职责")
        < own.index("降本增效攻关")
    )
    assert own.count("降本增效攻关") == 2  # a business duty, and a late mark

    other = cast.client("party_admin").get(f"/duties/{cast.people['张伟强'].code}/")
    assert other.status_code == 200 and "降本增效攻关" in other.content.decode()
    assert cast.client("outsider").get(f"/duties/{cast.people['张伟强'].code}/").status_code == 404


def test_the_today_page_lists_the_tasks_i_lead(cast):
    task = a1_task(cast)
    services.task_update(
        task=task, values={"party_lead": cast.people["张伟强"]}, by=cast.users["secretary"]
    )
    page = cast.client("secretary").get("/").content.decode()
    assert f"/tasks/{task.code}/" in page


def test_revising_an_approved_target_on_its_page_keeps_what_it_was(cast):
    # The page's ModelForm copies the new values onto the item before the service runs: the
    # revision must still hold the old deadline, and the open tasks get the new one.
    item = approved_item(cast)
    services.deploy(item=item, orgs=[cast.orgs["A1"]], by=cast.users["party_admin"])
    client = cast.client("party_admin")

    response = client.post(
        f"/plans/items/{item.code}/edit/",
        {
            "dimension": "business",
            "title": item.title,
            "party_category": item.party_category.pk,
            "business_category": item.business_category.pk,
            "deadline": "2026-08-31",
            "weight": 3,
            "reason": "上级要求延期",
        },
    )

    assert response.status_code == 302
    revision = item.plan.revisions.get()
    assert revision.before["deadline"] == "2026-07-31"
    assert revision.after["deadline"] == "2026-08-31"
    assert Task.objects.get(item=item).deadline == date(2026, 8, 31)


def test_changing_a_task_on_its_page_is_audited_with_the_old_value(cast):
    from ronghe.core.models import AuditEvent

    task = a1_task(cast)
    client = cast.client("secretary")

    response = client.post(
        f"/tasks/{task.code}/edit/",
        {
            "title": "改过的任务",
            "party_category": task.party_category.pk,
            "deadline": task.deadline.isoformat(),
            "weight": task.weight,
        },
    )

    assert response.status_code == 302
    event = AuditEvent.objects.get(object_id=str(task.code), action="update")
    assert event.before["title"] == "任务" and event.after["title"] == "改过的任务"


def test_an_overdue_task_shows_how_many_days_it_is_late(cast):
    task = a1_task(cast)
    with time_machine.travel(
        datetime.combine(task.deadline + timedelta(days=3), time(10), SHANGHAI)
    ):
        services.mark_late()
        client = cast.client("secretary")
        for url in ("/tasks/", f"/tasks/{task.code}/", "/tasks/timeline/?month=2026-06"):
            page = client.get(url).content.decode()
            assert "逾期 3 天" in page, url


def test_a_task_without_a_dimension_or_with_a_far_deadline_is_refused_next_to_the_field(cast):
    client = cast.client("secretary")
    url = f"/tasks/new/?org={cast.orgs['A1'].code}"

    no_side = client.post(url, {"title": "x", "deadline": "2026-07-01", "weight": 1})
    far = client.post(
        url,
        {
            "title": "x",
            "party_category": category(Dimension.PARTY).pk,
            "deadline": "9999-12-31",
            "weight": 1,
        },
    )

    assert no_side.status_code == 422 and far.status_code == 422
    assert 'id="id_party_category_error"' in no_side.content.decode()
    assert "党建维度" in no_side.content.decode()
    assert 'id="id_deadline_error"' in far.content.decode()
    assert not Task.objects.exists()


def test_a_report_link_longer_than_its_column_is_refused_next_to_the_field(cast):
    task = a1_task(cast)
    response = cast.client("secretary").post(
        f"/tasks/{task.code}/reports/",
        {"text": "进展", "progress": 10, "link": "https://example.org/" + "a" * 300},
    )
    assert response.status_code == 422
    assert 'id="id_link_error"' in response.content.decode()
    assert not ProgressReport.objects.exists()


def test_a_deployed_tasks_page_links_the_plan_only_for_those_who_see_it(cast):
    item = approved_item(cast)
    task = services.deploy(item=item, orgs=[cast.orgs["A1"]], by=cast.users["party_admin"]).created[
        0
    ]

    branch = cast.client("secretary").get(f"/tasks/{task.code}/").content.decode()
    committee = cast.client("party_admin").get(f"/tasks/{task.code}/").content.decode()

    assert item.plan.title in branch and f"/plans/{item.plan.code}/" not in branch
    assert f"/plans/{item.plan.code}/" in committee
    assert f"/plans/items/{item.code}/cascade/" in committee
