"""The compliance board and an organisation's findings, as the committee and a secretary see
them; both cite the rule's source."""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from ronghe.compliance import evaluator
from ronghe.compliance.models import RuleSetting
from ronghe.orglife.models import Meeting
from ronghe.testing import make_org

TODAY = date(2026, 3, 27)


def held(org, kind, on):
    Meeting.objects.create(
        org=org,
        kind=kind,
        title="会议",
        starts_at=datetime.combine(on, time(9), ZoneInfo("Asia/Shanghai")),
        status=Meeting.Status.HELD,
        held_on=on,
    )


@time_machine.travel(datetime.combine(TODAY, time(10), ZoneInfo("Asia/Shanghai")))
def test_the_board_shows_green_yellow_and_red_with_sources(cast):
    held(cast.orgs["A1"], "theme_day", date(2026, 3, 5))
    held(cast.orgs["A1"], "theme_day", date(2026, 2, 5))
    evaluator.evaluate(today=TODAY)
    page = cast.client("party_admin").get("/compliance/")
    html = page.content.decode()
    assert page.status_code == 200
    for label in ("已完成", "即将到期", "已逾期"):
        assert label in html
    assert "中国共产党党员教育管理工作条例 第十六条" in html
    behind = cast.client("party_admin").get("/compliance/?behind=1&rule=theme-day-monthly")
    assert "甲二支部" in behind.content.decode() and "甲一支部" not in behind.content.decode()


@time_machine.travel(datetime.combine(TODAY, time(10), ZoneInfo("Asia/Shanghai")))
def test_a_secretary_sees_their_branch_and_a_member_does_not(cast):
    evaluator.evaluate(today=TODAY)
    a1 = cast.orgs["A1"]
    page = cast.client("secretary").get(f"/compliance/orgs/{a1.code}/")
    assert page.status_code == 200 and "主题党日每月1次" in page.content.decode()
    assert (
        cast.client("secretary").get(f"/compliance/orgs/{cast.orgs['B1'].code}/").status_code == 404
    )
    assert cast.client("member").get(f"/compliance/orgs/{a1.code}/card/").status_code == 403
    assert cast.client("member").get("/compliance/").status_code == 403


def board_queries(client) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get("/compliance/").status_code == 200
    return len(captured)


@time_machine.travel(datetime.combine(TODAY, time(10), ZoneInfo("Asia/Shanghai")))
def test_the_board_query_count_does_not_grow_with_organisations(cast):
    evaluator.evaluate(today=TODAY)
    client = cast.client("party_admin")
    board_queries(client)  # warm the session
    small = board_queries(client)
    for number in range(15):
        make_org(cast.orgs["B"], f"新支部{number}", f"NB{number}", "branch")
    evaluator.evaluate(today=TODAY)
    assert board_queries(client) == small


def test_the_rules_page_lists_sources_and_staff_adjust_a_subtree(cast):
    page = cast.client("secretary").get("/compliance/rules/")
    html = page.content.decode()
    assert page.status_code == 200 and "中国共产党党员教育管理工作条例" in html
    assert 'name="reason"' not in html  # a secretary reads, Party-affairs staff change
    assert cast.client("secretary").post("/compliance/rules/", {}).status_code == 403
    admin = cast.client("party_admin")
    form = {"rule": "theme-day-monthly", "org": cast.orgs["A"].code, "period": "quarter"}
    missing_reason = admin.post("/compliance/rules/", form)
    assert missing_reason.status_code == 400
    assert 'id="id_reason_error"' in missing_reason.content.decode()
    assert not RuleSetting.objects.exists()
    saved = admin.post("/compliance/rules/", {**form, "reason": "公司规定每季度一次"})
    assert saved.status_code == 302 and RuleSetting.objects.get().period == "quarter"
    listed = admin.get("/compliance/rules/").content.decode()
    assert "公司规定每季度一次" in listed
    setting = RuleSetting.objects.get()
    assert (
        cast.client("outsider").post(f"/compliance/settings/{setting.code}/delete/").status_code
        == 404
    )
    assert admin.post(f"/compliance/settings/{setting.code}/delete/").status_code == 302
    assert not RuleSetting.objects.exists()


@time_machine.travel(datetime.combine(TODAY, time(10), ZoneInfo("Asia/Shanghai")))
def test_the_today_page_tells_the_secretary_what_is_owed(cast):
    held(cast.orgs["A1"], "theme_day", date(2026, 3, 5))
    evaluator.evaluate(today=TODAY)
    html = cast.client("secretary").get("/").content.decode()
    assert "甲一支部：主题党日每月1次 已于 2026-02-28 逾期" in html  # February was missed
    assert "甲二支部" not in html  # not the secretary's branch
    assert "中国共产党党员教育管理工作条例" in html  # the rule's source beside the item
    member = cast.client("member").get("/").content.decode()
    assert "甲一支部：主题党日" not in member  # members are not the ones to act
