"""Plan and task workflows at the service level: approval and revisions, cascade deployment,
leads, evidence, the permanent late mark and the entry lock."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile

from ronghe.core import private_files
from ronghe.core.models import AuditEvent
from ronghe.notify.models import Notification
from ronghe.orglife.models import Meeting, Resolution, ResolutionTask
from ronghe.plans import services
from ronghe.plans.models import (
    Category,
    Dimension,
    Plan,
    PlanRevision,
    ProgressReport,
    ReportFile,
    Task,
    TaskUnlock,
)
from ronghe.plans.services import Refused, ReportInput

TODAY = date(2026, 6, 15)
JPEG = b"\xff\xd8\xff\xe0" + b"0" * 200
SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.fixture(autouse=True)
def _on_today():
    """Every workflow here runs on TODAY, whatever the real date."""
    with time_machine.travel(datetime.combine(TODAY, time(10), SHANGHAI), tick=False):
        yield


def party_category() -> Category:
    return Category.objects.get(dimension=Dimension.PARTY, name="组织建设", org=None)


def business_category() -> Category:
    return Category.objects.get(dimension=Dimension.BUSINESS, name="安全生产", org=None)


def item_values(**changes):
    return {
        "dimension": Dimension.PARTY,
        "title": "党员先锋岗上安全关键线",
        "description": "",
        "party_category": party_category(),
        "business_category": business_category(),
        "integration_point": None,
        "deadline": date(2026, 9, 30),
        "weight": 5,
    } | changes


def approved_plan(cast, org="A", **item_changes):
    plan = services.plan_create(
        org=cast.orgs[org],
        year=2026,
        quarter=0,
        title="2026 年党建与业务工作计划",
        by=cast.users["party_admin"],
    )
    item = services.item_save(
        plan=plan, item=None, values=item_values(**item_changes), by=cast.users["party_admin"]
    )
    services.plan_submit(plan=plan, by=cast.users["party_admin"])
    services.plan_approve(plan=plan, by=cast.users["leader"])
    plan.refresh_from_db()
    item.refresh_from_db()
    return plan, item


def own_task(cast, org="A1", **changes) -> Task:
    values = {
        "title": "安全生产月主题党日",
        "description": "",
        "party_category": party_category(),
        "business_category": business_category(),
        "integration_point": None,
        "party_lead": cast.people["张伟强"],
        "business_lead": cast.people["刘洋"],
        "deadline": TODAY + timedelta(days=10),
        "weight": 1,
    } | changes
    return services.task_create(org=cast.orgs[org], values=values, by=cast.users["secretary"])


def photo(name="现场.jpg", content=JPEG):
    return SimpleUploadedFile(name, content, content_type="image/jpeg")


# --- plans ------------------------------------------------------------------------------------


def test_a_plan_goes_draft_submitted_approved(cast):
    plan, _ = approved_plan(cast)
    assert plan.status == Plan.Status.APPROVED
    assert plan.approved_by == cast.users["leader"]
    actions = AuditEvent.objects.filter(object_type="plans.plan").values_list(
        "after__status", flat=True
    )
    assert list(actions) == [None, "submitted", "approved"]


def test_the_submitter_does_not_approve_their_own_plan(cast):
    plan = services.plan_create(
        org=cast.orgs["A"], year=2026, quarter=0, title="计划", by=cast.users["party_admin"]
    )
    services.item_save(plan=plan, item=None, values=item_values(), by=cast.users["party_admin"])
    services.plan_submit(plan=plan, by=cast.users["party_admin"])

    with pytest.raises(Refused, match="报批人以外"):
        services.plan_approve(plan=plan, by=cast.users["party_admin"])
    plan.refresh_from_db()
    assert plan.status == Plan.Status.SUBMITTED


def test_an_empty_plan_is_not_submitted_and_a_period_has_one_plan(cast):
    plan = services.plan_create(
        org=cast.orgs["A"], year=2026, quarter=0, title="计划", by=cast.users["party_admin"]
    )
    with pytest.raises(Refused, match="至少添加一个目标"):
        services.plan_submit(plan=plan, by=cast.users["party_admin"])
    with pytest.raises(Refused) as refused:
        services.plan_create(
            org=cast.orgs["A"], year=2026, quarter=0, title="又一个", by=cast.users["party_admin"]
        )
    assert refused.value.field == "quarter"
    assert Plan.objects.count() == 1


def test_a_returned_plan_is_a_draft_again_with_the_reason(cast):
    plan = services.plan_create(
        org=cast.orgs["A"], year=2026, quarter=0, title="计划", by=cast.users["party_admin"]
    )
    services.item_save(plan=plan, item=None, values=item_values(), by=cast.users["party_admin"])
    services.plan_submit(plan=plan, by=cast.users["party_admin"])
    with pytest.raises(Refused):
        services.plan_return(plan=plan, reason=" ", by=cast.users["leader"])

    services.plan_return(plan=plan, reason="业务目标缺少量化指标", by=cast.users["leader"])

    plan.refresh_from_db()
    assert (plan.status, plan.returned_reason) == (Plan.Status.DRAFT, "业务目标缺少量化指标")


def test_a_submitted_plan_does_not_change(cast):
    plan = services.plan_create(
        org=cast.orgs["A"], year=2026, quarter=0, title="计划", by=cast.users["party_admin"]
    )
    item = services.item_save(
        plan=plan, item=None, values=item_values(), by=cast.users["party_admin"]
    )
    services.plan_submit(plan=plan, by=cast.users["party_admin"])

    with pytest.raises(Refused, match="正在报批"):
        services.item_save(
            plan=plan, item=item, values={"title": "改"}, by=cast.users["party_admin"]
        )


def test_an_approved_plan_changes_only_by_a_revision_that_reaches_open_tasks(cast):
    plan, item = approved_plan(cast)
    services.deploy(
        item=item, orgs=[cast.orgs["A1"], cast.orgs["A2"]], by=cast.users["party_admin"]
    )
    done = Task.objects.get(org=cast.orgs["A2"])
    Task.objects.filter(pk=done.pk).update(status=Task.Status.DONE, done_on=TODAY)

    with pytest.raises(Refused) as refused:
        services.item_save(
            plan=plan,
            item=item,
            values={"deadline": date(2026, 10, 31)},
            by=cast.users["party_admin"],
        )
    assert refused.value.field == "reason"
    assert not PlanRevision.objects.exists()

    services.item_save(
        plan=plan,
        item=item,
        values={"deadline": date(2026, 10, 31)},
        by=cast.users["party_admin"],
        reason="检修窗口推迟一个月",
    )

    plan.refresh_from_db()
    revision = plan.revisions.get()
    assert (plan.revision, revision.number, revision.reason) == (1, 1, "检修窗口推迟一个月")
    assert revision.before["deadline"] == "2026-09-30"
    assert revision.after["deadline"] == "2026-10-31"
    deadlines = dict(Task.objects.values_list("org__org_code", "deadline"))
    assert deadlines == {
        "A1": date(2026, 10, 31),
        "A2": date(2026, 9, 30),
    }  # the done one keeps its


def test_an_item_deadline_outside_the_period_is_refused(cast):
    plan = services.plan_create(
        org=cast.orgs["A"], year=2026, quarter=2, title="二季度", by=cast.users["party_admin"]
    )
    with pytest.raises(Refused) as refused:
        services.item_save(
            plan=plan,
            item=None,
            values=item_values(deadline=date(2027, 3, 1)),
            by=cast.users["party_admin"],
        )
    assert refused.value.field == "deadline"
    assert not plan.items.exists()


# --- cascade deployment -------------------------------------------------------------------------


def test_deploy_gives_each_organisation_its_own_task_linked_back(cast):
    _, item = approved_plan(cast)

    deployment = services.deploy(
        item=item,
        orgs=[cast.orgs["A1"], cast.orgs["A2"], cast.orgs["A1G"]],
        by=cast.users["party_admin"],
    )

    assert len(deployment.created) == 3
    tasks = Task.objects.filter(item=item)
    assert sorted(t.org.org_code for t in tasks) == ["A1", "A1G", "A2"]
    for task in tasks:
        assert (task.title, task.deadline, task.weight) == (item.title, item.deadline, item.weight)
        assert task.party_category == item.party_category
        assert task.status == Task.Status.NOT_STARTED
    assert AuditEvent.objects.filter(object_type="plans.task", message="deploy").count() == 3


def test_deploy_stays_inside_the_plans_subtree(cast):
    _, item = approved_plan(cast)

    with pytest.raises(Refused) as refused:
        services.deploy(
            item=item, orgs=[cast.orgs["A1"], cast.orgs["B1"]], by=cast.users["party_admin"]
        )

    assert refused.value.field == "orgs"
    assert "乙一支部" in refused.value.message
    assert not Task.objects.exists()  # nothing half-written


def test_deploying_again_skips_organisations_already_carrying_the_item(cast):
    _, item = approved_plan(cast)
    services.deploy(item=item, orgs=[cast.orgs["A1"]], by=cast.users["party_admin"])

    again = services.deploy(
        item=item, orgs=[cast.orgs["A1"], cast.orgs["A2"]], by=cast.users["party_admin"]
    )

    assert (len(again.created), again.already) == (1, 1)
    assert Task.objects.filter(item=item).count() == 2


def test_only_an_approved_plan_deploys(cast):
    plan = services.plan_create(
        org=cast.orgs["A"], year=2026, quarter=0, title="计划", by=cast.users["party_admin"]
    )
    item = services.item_save(
        plan=plan, item=None, values=item_values(), by=cast.users["party_admin"]
    )

    with pytest.raises(Refused, match="请先批准计划"):
        services.deploy(item=item, orgs=[cast.orgs["A1"]], by=cast.users["party_admin"])


def test_a_deployed_task_keeps_the_items_deadline(cast):
    _, item = approved_plan(cast)
    services.deploy(item=item, orgs=[cast.orgs["A1"]], by=cast.users["party_admin"])
    task = Task.objects.get(item=item)

    with pytest.raises(Refused) as refused:
        services.task_update(
            task=task, values={"deadline": date(2026, 12, 31)}, by=cast.users["secretary"]
        )
    assert refused.value.field == "deadline"

    services.task_update(
        task=task, values={"party_lead": cast.people["王磊"]}, by=cast.users["secretary"]
    )
    task.refresh_from_db()
    assert (task.party_lead, task.deadline) == (cast.people["王磊"], item.deadline)


# --- leads and dimensions ---------------------------------------------------------------------------


def test_a_lead_outside_the_organisation_is_refused(cast):
    with pytest.raises(Refused) as refused:
        own_task(cast, party_lead=cast.people["黄涛"])  # a member of B1, not of A1
    assert refused.value.field == "party_lead"
    assert not Task.objects.exists()


def test_the_business_head_of_the_unit_a_branch_is_built_on_may_lead(cast):
    task = own_task(cast, business_lead=cast.people["刘洋"])  # not a member; works in UA1 ↔ A1
    assert task.business_lead == cast.people["刘洋"]


def test_a_task_carries_at_least_one_dimension(cast):
    with pytest.raises(Refused) as refused:
        own_task(cast, party_category=None, business_category=None)
    assert refused.value.field == "party_category"


# --- reports, evidence and the board's moves ---------------------------------------------------------


def test_done_needs_accepted_evidence(cast):
    task = own_task(cast)
    with pytest.raises(Refused, match="完成须有佐证"):
        services.task_move(
            task=task, status=Task.Status.DONE, by=cast.users["secretary"], today=TODAY
        )

    report = services.report_submit(
        task=task,
        data=ReportInput(text="召开动员会", progress=40),
        by=cast.users["secretary"],
        today=TODAY,
    )
    services.report_accept(report=report, by=cast.users["party_admin"])
    with pytest.raises(Refused, match="完成须有佐证"):  # accepted, but no evidence
        services.task_move(
            task=task, status=Task.Status.DONE, by=cast.users["secretary"], today=TODAY
        )

    report = services.report_submit(
        task=task,
        data=ReportInput(text="现场照片", progress=90, files=[photo()]),
        by=cast.users["secretary"],
        today=TODAY,
    )
    services.report_accept(report=report, by=cast.users["party_admin"])
    services.task_move(task=task, status=Task.Status.DONE, by=cast.users["secretary"], today=TODAY)

    task.refresh_from_db()
    assert (task.status, task.progress, task.done_on, task.late_mark) == (
        Task.Status.DONE,
        100,
        TODAY,
        False,
    )


def test_a_report_claiming_done_needs_evidence(cast):
    task = own_task(cast)
    with pytest.raises(Refused) as refused:
        services.report_submit(
            task=task,
            data=ReportInput(text="完成", progress=100, claims_done=True),
            by=cast.users["secretary"],
            today=TODAY,
        )
    assert refused.value.field == "evidence"
    assert not ProgressReport.objects.exists()
    task.refresh_from_db()
    assert task.status == Task.Status.NOT_STARTED


def test_returned_evidence_is_amended_resubmitted_and_closes_the_task(cast):
    task = own_task(cast)
    report = services.report_submit(
        task=task,
        data=ReportInput(
            text="完成", progress=100, claims_done=True, link="https://intranet.example/safety"
        ),
        by=cast.users["secretary"],
        today=TODAY,
    )
    services.report_return(report=report, reason="请补充现场照片", by=cast.users["party_admin"])
    report.refresh_from_db()
    assert (report.status, report.times_returned) == (ProgressReport.Status.RETURNED, 1)
    assert Notification.objects.filter(
        user=cast.users["secretary"], key__startswith="plans.returned."
    ).exists()

    services.report_amend(
        report=report,
        data=ReportInput(text="完成，附现场照片", progress=100, claims_done=True, files=[photo()]),
        by=cast.users["secretary"],
        today=TODAY,
    )
    report.refresh_from_db()
    assert report.status == ProgressReport.Status.SUBMITTED
    services.report_accept(report=report, by=cast.users["party_admin"])

    task.refresh_from_db()
    assert task.status == Task.Status.DONE
    assert task.done_on == report.submitted_at.astimezone(SHANGHAI).date()
    assert report.files.count() == 1


def test_the_reporter_does_not_check_their_own_report(cast):
    task = own_task(cast)
    report = services.report_submit(
        task=task,
        data=ReportInput(text="进展", progress=30),
        by=cast.users["party_admin"],
        today=TODAY,
    )
    with pytest.raises(Refused, match="报送人以外"):
        services.report_accept(report=report, by=cast.users["party_admin"])
    with pytest.raises(Refused):
        services.report_return(report=report, reason="x", by=cast.users["party_admin"])


def test_a_file_that_is_not_a_photo_or_scan_leaves_nothing(cast):
    task = own_task(cast)
    before = set(private_files.directory("attachments").iterdir())

    with pytest.raises(Refused) as refused:
        services.report_submit(
            task=task,
            data=ReportInput(
                text="附件", progress=50, files=[photo(), photo("说明.exe", b"MZ\x90\x00")]
            ),
            by=cast.users["secretary"],
            today=TODAY,
        )

    assert refused.value.field == "evidence"
    assert "说明.exe" in refused.value.message
    assert not ProgressReport.objects.exists() and not ReportFile.objects.exists()
    assert set(private_files.directory("attachments").iterdir()) == before


def test_cancelling_needs_a_reason(cast):
    task = own_task(cast)
    with pytest.raises(Refused) as refused:
        services.task_move(
            task=task, status=Task.Status.CANCELLED, by=cast.users["secretary"], today=TODAY
        )
    assert refused.value.field == "reason"

    services.task_move(
        task=task,
        status=Task.Status.CANCELLED,
        reason="上级调整部署",
        by=cast.users["secretary"],
        today=TODAY,
    )
    task.refresh_from_db()
    assert (task.status, task.cancel_reason) == (Task.Status.CANCELLED, "上级调整部署")


# --- the late mark and the lock ----------------------------------------------------------------------


def test_the_late_mark_survives_completion(cast):
    task = own_task(cast, deadline=TODAY - timedelta(days=3))

    assert services.mark_late(today=TODAY) == 1
    task.refresh_from_db()
    assert (task.late_mark, task.late_marked_on) == (True, TODAY)

    report = services.report_submit(
        task=task,
        data=ReportInput(text="补完", progress=100, claims_done=True, files=[photo()]),
        by=cast.users["secretary"],
        today=TODAY,
    )
    services.report_accept(report=report, by=cast.users["party_admin"])
    task.refresh_from_db()
    assert task.status == Task.Status.DONE
    assert task.late_mark is True  # done, and still late

    services.mark_late(today=TODAY + timedelta(days=30))
    task.refresh_from_db()
    assert (task.late_mark, task.late_marked_on) == (True, TODAY)


def test_finishing_after_the_deadline_marks_late_even_before_the_nightly_job(cast):
    task = own_task(cast, deadline=TODAY - timedelta(days=1))  # no nightly job has run
    report = services.report_submit(
        task=task,
        data=ReportInput(text="完成", progress=100, claims_done=True, files=[photo()]),
        by=cast.users["secretary"],
        today=TODAY,
    )
    services.report_accept(report=report, by=cast.users["party_admin"])

    task.refresh_from_db()
    assert (task.done_on, task.late_mark) == (TODAY, True)  # submitted today, a day late


def test_mark_late_leaves_tasks_done_in_time_and_cancelled_ones(cast):
    on_time = own_task(cast, deadline=TODAY - timedelta(days=5))
    Task.objects.filter(pk=on_time.pk).update(
        status=Task.Status.DONE, done_on=TODAY - timedelta(days=6)
    )
    cancelled = own_task(cast, deadline=TODAY - timedelta(days=5), title="取消的")
    Task.objects.filter(pk=cancelled.pk).update(status=Task.Status.CANCELLED)
    late = own_task(cast, deadline=TODAY - timedelta(days=1), title="逾期的")

    assert services.mark_late(today=TODAY) == 1
    assert list(Task.objects.filter(late_mark=True)) == [late]


def test_entry_locks_after_the_grace_period_and_a_recorded_unlock_reopens_it(cast):
    task = own_task(cast, deadline=TODAY - timedelta(days=16))  # the default grace is 15 days
    data = ReportInput(text="迟到的进展", progress=60)
    with pytest.raises(Refused, match="已过宽限期"):
        services.report_submit(task=task, data=data, by=cast.users["secretary"], today=TODAY)

    with pytest.raises(Refused) as refused:
        services.task_unlock(
            task=task,
            reason="",
            until=TODAY + timedelta(days=7),
            by=cast.users["party_admin"],
            today=TODAY,
        )
    assert refused.value.field == "reason"
    with pytest.raises(Refused) as refused:
        services.task_unlock(
            task=task,
            reason="补录",
            until=TODAY + timedelta(days=91),
            by=cast.users["party_admin"],
            today=TODAY,
        )
    assert refused.value.field == "until"
    assert not TaskUnlock.objects.exists()

    services.task_unlock(
        task=task,
        reason="系统故障期间未能填报",
        until=TODAY + timedelta(days=7),
        by=cast.users["party_admin"],
        today=TODAY,
    )
    services.report_submit(task=task, data=data, by=cast.users["secretary"], today=TODAY)

    unlock = TaskUnlock.objects.get()
    assert (unlock.reason, unlock.by) == ("系统故障期间未能填报", cast.users["party_admin"])
    assert AuditEvent.objects.filter(
        object_type="plans.task", message="系统故障期间未能填报"
    ).exists()
    policy = services.Policies().for_org(task.org)
    task.refresh_from_db()
    assert services.is_locked(task, policy, TODAY + timedelta(days=8))  # the reopening ends


def test_countdown_colours_follow_the_policy(cast):
    task = own_task(cast)
    policy = services.Policies().for_org(task.org)  # yellow from 7 days left, red from 2
    colours = [
        services.colour(task, policy, task.deadline - timedelta(days=d))
        for d in (8, 7, 3, 2, 0, -1)
    ]
    assert colours == ["green", "yellow", "yellow", "red", "red", "red"]


# --- resolutions and reminders --------------------------------------------------------------------------


def test_a_resolution_becomes_a_task_linked_both_ways(cast):
    meeting = Meeting.objects.create(
        org=cast.orgs["A1"],
        kind="committee_meeting",
        title="支委会",
        starts_at=datetime.combine(TODAY, time(9), SHANGHAI),
        status=Meeting.Status.HELD,
        held_on=TODAY,
    )
    resolution = Resolution.objects.create(
        meeting=meeting, text="开展安全隐患排查", outcome="passed"
    )

    task = services.task_from_resolution(
        resolution=resolution,
        values={
            "title": "安全隐患排查",
            "party_category": party_category(),
            "business_category": business_category(),
            "deadline": TODAY + timedelta(days=30),
        },
        by=cast.users["secretary"],
    )

    assert task.resolution == resolution and task.org == cast.orgs["A1"]
    assert ResolutionTask.objects.filter(resolution=resolution, task_code=task.code).exists()


def test_leads_are_reminded_once_per_deadline(cast):
    task = own_task(cast, deadline=TODAY + timedelta(days=3))  # remind 3 days before by default

    assert services.remind_leads(today=TODAY) == 2  # the secretary and the business head
    assert services.remind_leads(today=TODAY) == 0
    services.task_update(
        task=task, values={"deadline": TODAY + timedelta(days=2)}, by=cast.users["secretary"]
    )
    assert services.remind_leads(today=TODAY) == 2


def test_the_receiving_secretaries_are_told_once_the_deployment_commits(
    cast, django_capture_on_commit_callbacks
):
    _, item = approved_plan(cast)
    with django_capture_on_commit_callbacks(execute=True):
        services.deploy(
            item=item, orgs=[cast.orgs["A1"], cast.orgs["A2"]], by=cast.users["party_admin"]
        )

    told = Notification.objects.filter(key=f"plans.deployed.{item.code}")
    assert [n.user.username for n in told] == ["secretary"]  # A2 has no secretary account
    assert item.title in told.get().title


def test_a_target_tasks_carry_out_is_not_removed(cast):
    plan, item = approved_plan(cast)
    services.deploy(item=item, orgs=[cast.orgs["A1"]], by=cast.users["party_admin"])

    with pytest.raises(Refused) as refused:
        services.item_delete(item=item, by=cast.users["party_admin"], reason="调整")
    assert "取消" in refused.value.message
    with pytest.raises(Refused) as refused:
        services.item_delete(item=item, by=cast.users["party_admin"])
    assert refused.value.field == "reason"  # an approved plan changes only with a reason
    assert plan.items.filter(pk=item.pk).exists() and not PlanRevision.objects.exists()
