"""Journey 10: the committee deploys a target of its approved plan to three branches; a branch
secretary reports progress with a photo; the checker returns it for more evidence; it is
resubmitted and accepted, which closes the task; the committee's cascade view shows it. Then
the board: dragging a card without evidence to "done" is refused on the card, dragging it to
"in progress" moves it.

The day is fixed (Monday 15 June 2026, 10:00 Beijing time, the clock running): the countdowns
and the report dates depend on it."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import Browser, Page, expect
from pytest_django.live_server_helper import LiveServer

from ronghe.e2e.conftest import STEP_TIMEOUT_MS
from ronghe.e2e.support import expect_today, sign_in, sign_in_admin
from ronghe.plans import services
from ronghe.plans.models import Category, Dimension, PlanItem, ProgressReport, Task
from ronghe.testing import Cast, make_org

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]

BEIJING = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 6, 15, 10, 0, tzinfo=BEIJING)
TARGET = "客户投诉主题党日"
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 512


@pytest.fixture
def monday_morning() -> Iterator[None]:
    with time_machine.travel(NOW, tick=True):
        yield


def approved_target(cast: Cast) -> PlanItem:
    """甲公司党委's year plan, drafted by the staff and approved by the leader."""
    staff, leader = cast.users["party_admin"], cast.users["leader"]
    plan = services.plan_create(
        org=cast.orgs["A"], year=2026, quarter=0, title="甲公司 2026 年融合工作计划", by=staff
    )
    item = services.item_save(
        plan=plan,
        item=None,
        values={
            "dimension": Dimension.BUSINESS,
            "title": TARGET,
            "description": "各支部围绕客户投诉开展一次主题党日。",
            "party_category": Category.objects.get(org=None, name="作风建设"),
            "business_category": Category.objects.get(org=None, name="客户服务"),
            "integration_point": None,
            "deadline": date(2026, 7, 31),
            "weight": 3,
        },
        by=staff,
    )
    services.plan_submit(plan=plan, by=staff)
    services.plan_approve(plan=plan, by=leader)
    return item


def org_box(page: Page, name: str) -> Any:
    return page.locator("label.form-check").filter(has_text=name).locator("input")


def test_deploy_report_with_a_photo_return_resubmit_accept_and_the_board(
    monday_morning: None,
    page: Page,
    browser: Browser,
    browser_context_args: dict[str, Any],
    live_server: LiveServer,
    cast: Cast,
) -> None:
    base = live_server.url
    item = approved_target(cast)
    make_org(cast.orgs["A"], "甲三支部", "A3", "branch")
    staff = cast.users["party_admin"]
    TOTPDevice.objects.create(user=staff, name="phone", confirmed=True)

    # The committee's staff open the approved plan and deploy the target.
    sign_in_admin(page, base, staff)
    expect_today(page, base)
    page.locator("#sidebar-menu a[href='/plans/']").click()
    page.get_by_role("link", name="甲公司 2026 年融合工作计划").click()
    page.locator(f"a[href='/plans/items/{item.code}/deploy/']").click()

    # Bad input first: nobody chosen.
    page.get_by_role("button", name="部署").click()
    expect(page.locator("#id_orgs_error")).to_contain_text("请至少选择一个组织。")
    assert not Task.objects.exists()

    for name in ("甲一支部", "甲二支部", "甲三支部"):
        org_box(page, name).check()
    page.get_by_role("button", name="部署").click()
    expect(page).to_have_url(f"{base}/plans/items/{item.code}/cascade/")
    expect(page.locator(".alert-success")).to_contain_text("已部署到 3 个组织")
    rows = page.locator("table tbody tr")
    expect(rows).to_have_count(3)
    assert set(Task.objects.values_list("org__org_code", flat=True)) == {"A1", "A2", "A3"}
    a1_task = Task.objects.get(org__org_code="A1")

    # The A1 secretary reports the work done, with a photo.
    secretary_context = browser.new_context(**browser_context_args)
    secretary_context.set_default_timeout(STEP_TIMEOUT_MS)
    try:
        branch = secretary_context.new_page()
        sign_in(branch, base, "secretary")
        expect_today(branch, base)
        branch.locator("#sidebar-menu a[href='/tasks/']").click()
        branch.get_by_role("link", name=TARGET).click()
        expect(branch).to_have_url(f"{base}/tasks/{a1_task.code}/")
        report = branch.locator(f"form[action='/tasks/{a1_task.code}/reports/']")
        report.locator("textarea[name=text]").fill("6 月 12 日开展主题党日，走访客户 8 家。")
        report.locator("input[name=progress]").fill("100")
        report.locator("input[name=claims_done]").check()
        report.locator("input[name=evidence]").set_input_files(
            {"name": "走访现场.jpg", "mimeType": "image/jpeg", "buffer": JPEG}
        )
        report.get_by_role("button", name="提交报送").click()
        expect(branch.locator(".alert-success")).to_contain_text("进展已报送，等待审核。")
        expect(branch.locator("#reports")).to_contain_text("走访现场.jpg")
        first = ProgressReport.objects.get(task=a1_task)
        assert first.status == ProgressReport.Status.SUBMITTED and first.files.count() == 1

        # The checker (the committee's staff) returns it: the photo alone is not enough.
        page.goto(f"{base}/plans/items/{item.code}/cascade/")
        waiting = page.locator(".card-sm").filter(has_text="待审核报送").locator(".h1")
        expect(waiting).to_have_text("1")
        page.locator("table tbody tr").filter(has_text="甲一支部").get_by_role("link").click()
        expect(page).to_have_url(f"{base}/tasks/{a1_task.code}/")
        page.locator("summary", has_text="退回补充佐证").click()
        page.locator("form[action$='/return/'] button[type=submit]").click()  # no reason yet
        expect(page.locator("#id_reason_error")).to_be_visible()
        first.refresh_from_db()
        assert first.status == ProgressReport.Status.SUBMITTED
        page.locator(
            "form[action$='/return/'] textarea[name=reason], form[action$='/return/'] input[name=reason]"
        ).fill("请补充签到表")
        page.locator("form[action$='/return/'] button[type=submit]").click()
        expect(page.locator("#reports")).to_contain_text("请补充签到表")

        # The secretary adds the sign-in sheet and resubmits.
        branch.reload()
        expect(branch.locator("#reports")).to_contain_text("请补充签到表")
        amend = branch.locator(f"form[action='/tasks/reports/{first.code}/amend/']")
        amend.locator("textarea[name=text]").fill("补充签到表：参加党员 21 人。")
        amend.locator("input[name=progress]").fill("100")
        amend.locator("input[name=claims_done]").check()
        amend.locator("input[name=evidence]").set_input_files(
            {"name": "签到表.jpg", "mimeType": "image/jpeg", "buffer": JPEG}
        )
        amend.get_by_role("button", name="重新报送").click()
        expect(branch.locator(".alert-success")).to_contain_text("已重新报送，等待审核。")
        first.refresh_from_db()
        assert first.status == ProgressReport.Status.SUBMITTED and first.times_returned == 1

        # The checker accepts it: the report claims the work finished, so the task closes.
        page.reload()
        page.get_by_role("button", name="通过").click()
        a1_task.refresh_from_db()
        assert a1_task.status == Task.Status.DONE and a1_task.done_on == NOW.date()
        assert not a1_task.late_mark
    finally:
        secretary_context.close()

    # The cascade view shows A1 done, the other two open.
    page.goto(f"{base}/plans/items/{item.code}/cascade/")
    expect(page.locator("table tbody tr").filter(has_text="甲一支部")).to_contain_text("100%")
    expect(
        page.locator("table tbody tr").filter(has_text="甲一支部").locator(".badge")
    ).to_contain_text("完成 06-15")
    expect(page.locator("table tbody tr").filter(has_text="甲二支部")).to_contain_text("0%")

    # The board: A2's card has no evidence, so dropping it on "done" is refused on the card.
    page.goto(f"{base}/tasks/board/")
    a2_task = Task.objects.get(org__org_code="A2")
    card = page.locator(f"#task-{a2_task.code}")
    expect(
        page.locator("[data-status=not_started]").locator(f"#task-{a2_task.code}")
    ).to_be_visible()
    card.drag_to(page.locator("[data-status=done] [data-cards]"))
    expect(card.locator("[role=alert]")).to_contain_text("完成须有佐证")
    a2_task.refresh_from_db()
    assert a2_task.status == Task.Status.NOT_STARTED
    expect(
        page.locator("[data-status=not_started]").locator(f"#task-{a2_task.code}")
    ).to_be_visible()

    card.drag_to(page.locator("[data-status=in_progress] [data-cards]"))
    expect(
        page.locator("[data-status=in_progress]").locator(f"#task-{a2_task.code}")
    ).to_be_visible()
    a2_task.refresh_from_db()
    assert a2_task.status == Task.Status.IN_PROGRESS
