"""Journey 9: a secretary plans a 支委会 with a business topic, the committee signs in (one by
the QR code on a phone), minutes and a resolution are recorded, and the branch's red 支委会
finding turns green.

The day is fixed (Friday 27 March 2026, 09:58 Beijing time, the clock running from there): the
evaluator's periods, the QR sign-in window (the meeting's own day, from two hours before) and
"a meeting is recorded once it has started" all depend on today, and a fixed day keeps the
story the same on the 1st, the 31st and just after midnight.

The story the findings tell (compliance/evaluator.py): 甲一支部 held no 支委会 in February and
one on 6 March. Each month first claims its own meetings, so 6 March counts for March and
February is overdue — red, within its 30 grace days. Today's 支委会 becomes March's own, which
frees 6 March to make up February late: February is met (late), March is met, nothing is red.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from playwright.sync_api import Browser, Locator, Page, ViewportSize, expect
from pytest_django.live_server_helper import LiveServer

from ronghe.compliance import evaluator
from ronghe.compliance.models import Finding
from ronghe.core.access import Role
from ronghe.e2e.conftest import STEP_TIMEOUT_MS
from ronghe.e2e.support import expect_today, sign_in, submit
from ronghe.orglife import services
from ronghe.orglife.models import Attendance, Meeting, MeetingKind, Resolution
from ronghe.orgs.models import PartyOrg
from ronghe.people.models import Gender, Person
from ronghe.testing import TEST_PASSWORD, Cast, PersonFactory, make_user

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]

BEIJING = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 3, 27, 9, 58, tzinfo=BEIJING)
EARLIER = datetime(2026, 3, 6, 14, 0, tzinfo=BEIJING)  # this month's first 支委会
RULE = "支部委员会会议每月至少1次"
RULE_KEY = "branch-committee-monthly"
TITLE = "三月支委会：安全生产与党建融合"
BUSINESS_TOPIC = "甲一部一季度交付攻坚"
PHONE: ViewportSize = {"width": 375, "height": 812}
# The 支委会 invites the leadership: the secretary (张伟强, from the cast) and these committee
# members, each with an account.
COMMITTEE = {"孙丽": "sunli", "马超": "machao", "朱红": "zhuhong"}


@pytest.fixture
def friday_morning() -> Iterator[None]:
    """The server's clock (and this process's) on the journey's day, still ticking."""
    with time_machine.travel(NOW, tick=True):
        yield


def committee_of(cast: Cast) -> dict[str, Person]:
    """Three committee members with accounts and one more full member, so that 甲一支部 has
    the 7 full members from which the monthly 支委会 rule applies (R5.5)."""
    a1, ua1 = cast.orgs["A1"], cast.units["UA1"]
    people = {}
    for name, username in COMMITTEE.items():
        gender = Gender.FEMALE if name in ("孙丽", "朱红") else Gender.MALE
        person = PersonFactory.create(name=name, party_org=a1, unit=ua1, gender=gender)
        make_user(username, person=person, roles=[(Role.COMMITTEE, a1)])
        people[name] = person
    PersonFactory.create(name="胡军", party_org=a1, unit=ua1)  # a member, not on the committee
    return people


def committee_finding(org: PartyOrg, month: date) -> Finding:
    return Finding.objects.get(rule__key=RULE_KEY, org=org, period_start=month)


def finding_row(page: Page, month: str) -> Locator:
    """The 支委会 row of the branch's compliance card for the month "YYYY-MM"."""
    return (
        page.locator(".list-group-item")
        .filter(has_text=RULE)
        .filter(has=page.locator(".text-secondary", has_text=month))
    )


def attendance_row(page: Page, name: str) -> Locator:
    return page.locator("#attendance .list-group-item").filter(has_text=name)


def mark(page: Page, name: str, status: str, reason: str = "") -> None:
    """The recorder sets one invitee's attendance in the row's own form."""
    row = attendance_row(page, name)
    row.locator("select[name=status]").select_option(label=status)
    row.locator("input[name=reason]").fill(reason)
    row.get_by_role("button", name="保存").click()


def test_secretary_plans_a_committee_meeting_and_the_red_finding_turns_green(
    friday_morning: None,
    page: Page,
    browser: Browser,
    browser_context_args: dict[str, Any],
    live_server: LiveServer,
    cast: Cast,
) -> None:
    base = live_server.url
    a1 = cast.orgs["A1"]
    committee = committee_of(cast)
    earlier = Meeting.objects.create(
        org=a1,
        kind=MeetingKind.COMMITTEE_MEETING,
        title="三月第一次支委会",
        starts_at=EARLIER,
        status=Meeting.Status.HELD,
        held_on=EARLIER.date(),
        minutes="研究二月遗留事项。",
    )
    evaluator.evaluate()  # what the nightly job left
    assert committee_finding(a1, date(2026, 2, 1)).status == Finding.Status.OVERDUE
    assert committee_finding(a1, date(2026, 3, 1)).evidence_id == earlier.pk

    # The secretary opens the branch: February's 支委会 is red on its card.
    sign_in(page, base, "secretary")
    expect_today(page, base)
    page.goto(f"{base}/orgs/{a1.code}/")
    february = finding_row(page, "2026-02")
    expect(february).to_contain_text("已逾期 自 2026-02-28 起")
    expect(february.locator(".badge")).to_have_class(re.compile(r"\bbg-red-lt\b"))
    expect(finding_row(page, "2026-03").locator(".badge")).to_have_text("已完成")

    # Plan today's 支委会 from the branch page.
    page.get_by_role("link", name="安排会议").click()
    expect(page).to_have_url(f"{base}/meetings/new/?org={a1.code}")
    expect(page.locator("select[name=org]")).to_have_value(str(a1.code))
    page.locator("select[name=kind]").select_option(label="支部委员会")
    page.locator("input[name=title]").fill(TITLE)
    page.locator("input[name=starts_at]").fill("2026-03-27T09:55")
    page.locator("input[name=ends_at]").fill("2026-03-27T11:30")
    page.locator("input[name=place]").fill("三楼会议室")
    page.locator("select[name=host]").select_option(label="张伟强")
    page.locator("select[name=recorder]").select_option(label="孙丽")
    page.locator("input[name='topics-0-title']").fill(BUSINESS_TOPIC)
    page.locator("input[name='topics-0-is_business']").check()
    page.locator("input[name='topics-1-title']").fill("学习《中国共产党支部工作条例（试行）》")

    # Bad input: a business topic that names neither a unit nor a goal.
    page.get_by_role("button", name="排入日程").click()
    expect(page.locator("#id_topics-0-unit_error")).to_have_text(
        "请选择该议题服务的业务单位，或填写服务的业务目标。"
    )
    assert not Meeting.objects.filter(title=TITLE).exists()
    expect(page.locator("input[name=title]")).to_have_value(TITLE)  # nothing typed is lost

    page.locator("select[name='topics-0-unit']").select_option(label="甲一部")
    page.locator("input[name='topics-0-business_note']").fill("确保一季度交付节点")
    page.get_by_role("button", name="排入日程").click()
    meeting = Meeting.objects.get(title=TITLE)
    expect(page).to_have_url(f"{base}/meetings/{meeting.code}/")
    expect(page.locator(".alert-success")).to_contain_text("会议已排入日程，参会名单已生成。")
    expect(page.locator("h2.page-title")).to_contain_text(f"支部委员会：{TITLE}")
    expect(page.locator("h2.page-title .badge")).to_have_text("已计划")
    business = page.locator(".list-group-item").filter(has_text=BUSINESS_TOPIC)
    expect(business).to_contain_text("业务议题")
    expect(business).to_contain_text("甲一部 确保一季度交付节点")
    topics = list(meeting.topics.values_list("title", "is_business", "unit__org_code"))
    assert topics == [
        (BUSINESS_TOPIC, True, "UA1"),
        ("学习《中国共产党支部工作条例（试行）》", False, None),
    ]
    invited = set(meeting.attendance.values_list("person__name", flat=True))
    assert invited == {"张伟强", *COMMITTEE}  # the leadership, not every member
    for name in ("张伟强", *COMMITTEE):
        expect(attendance_row(page, name)).to_contain_text("未签到")
    code_card = page.locator(".card").filter(has_text="会场签到二维码")
    expect(code_card.locator("svg")).to_be_visible()  # the QR code, loaded by htmx

    # 孙丽 scans the code with her phone: what it carries is the check-in address.
    checkin_url = f"{base}/sign-in/{services.sign_in_token(meeting)}/"
    phone_context = browser.new_context(
        **browser_context_args, viewport=PHONE, is_mobile=True, has_touch=True
    )
    phone_context.set_default_timeout(STEP_TIMEOUT_MS)
    try:
        phone = phone_context.new_page()
        phone.goto(checkin_url)
        expect(phone).to_have_url(re.compile(r"/accounts/login/\?next=/sign-in/"))
        phone.locator("input[name=username]").fill("sunli")
        phone.locator("input[name=password]").fill(TEST_PASSWORD)
        submit(phone, "password")
        expect(phone.locator("aside.navbar-vertical")).to_be_attached()
        phone.goto(checkin_url)  # (login does not return to ?next=: she scans again)
        expect(phone.locator("h3")).to_have_text(f"支部委员会：{TITLE}")
        expect(phone.locator(".card-body")).to_contain_text("甲一支部 · 三楼会议室")
        phone.get_by_role("button", name="签到").click()
        expect(phone.locator(".alert-success")).to_contain_text("已签到：出席，时间 ")
        phone.wait_for_load_state("load")
        assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    finally:
        phone_context.close()
    signed = Attendance.objects.get(meeting=meeting, person=committee["孙丽"])
    assert (signed.status, signed.method) == (Attendance.Status.PRESENT, Attendance.Method.QR)

    # The secretary, as recorder, marks the rest: leave needs its reason.
    page.reload()
    expect(attendance_row(page, "孙丽").locator(".badge")).to_have_text("出席")
    mark(page, "马超", "请假")
    expect(page.locator("#attendance .alert-danger")).to_have_text("请填写请假或缺席原因。")
    assert Attendance.objects.get(meeting=meeting, person=committee["马超"]).status == "pending"
    mark(page, "马超", "请假", "在外地出差")
    expect(attendance_row(page, "马超").locator(".badge")).to_have_text("请假：在外地出差")
    mark(page, "张伟强", "出席")
    expect(attendance_row(page, "张伟强").locator(".badge")).to_have_text("出席")
    mark(page, "朱红", "出席")
    expect(attendance_row(page, "朱红").locator(".badge")).to_have_text("出席")
    expect(page.locator("dl")).to_contain_text(
        "应到 4 人，实到 3 人；有表决权党员应到 4 人，实到 3 人"
    )

    # Minutes with the 支委会's own field, then a resolution put to the vote.
    page.locator("textarea[name=minutes]").fill(
        "一、研究甲一部一季度交付攻坚，明确党员先锋岗。\n二、学习支部工作条例。"
    )
    page.locator("textarea[name=detail_for_general_meeting]").fill("发展对象的确定")
    page.get_by_role("button", name="保存会议记录").click()
    expect(page.locator(".alert-success")).to_contain_text("已记录会议召开情况。")
    expect(page.locator("h2.page-title .badge")).to_have_text("已召开")
    expect(page.locator("dl")).to_contain_text("提交党员大会的事项")

    page.locator("textarea[name=text]").fill("成立甲一部交付攻坚党员突击队，由孙丽牵头。")
    page.locator("select[name=vote_kind]").select_option(label="表决")
    page.locator("input[name=yes]").fill("3")
    page.locator("input[name=no]").fill("0")
    page.locator("input[name=abstain]").fill("0")
    page.locator("select[name=outcome]").select_option(label="通过")
    page.get_by_role("button", name="添加决议").click()
    resolutions = page.locator("#resolutions")
    expect(resolutions).to_contain_text("成立甲一部交付攻坚党员突击队")
    expect(resolutions).to_contain_text("表决：赞成 3 · 反对 0 · 弃权 0 — 通过")

    meeting.refresh_from_db()
    assert (meeting.status, meeting.held_on) == (Meeting.Status.HELD, date(2026, 3, 27))
    assert meeting.details == {"for_general_meeting": "发展对象的确定"}
    statuses = dict(meeting.attendance.values_list("person__name", "status"))
    assert statuses == {"张伟强": "present", "孙丽": "present", "马超": "leave", "朱红": "present"}
    resolution = Resolution.objects.get(meeting=meeting)
    assert (resolution.yes, resolution.outcome) == (3, Resolution.Outcome.PASSED)

    # Back on the branch: nothing about the 支委会 is red any more.
    page.goto(f"{base}/orgs/{a1.code}/")
    march = finding_row(page, "2026-03")
    expect(march.locator(".badge")).to_have_text("已完成")
    expect(march.locator(".badge")).to_have_class(re.compile(r"\bbg-green-lt\b"))
    expect(finding_row(page, "2026-02")).to_have_count(0)
    expect(
        page.locator(".list-group-item").filter(has_text=RULE).locator(".bg-red-lt")
    ).to_have_count(0)

    # The details: February was made up late by 6 March; March is met by today's meeting.
    page.get_by_role("link", name="详情").click()
    expect(page).to_have_url(f"{base}/compliance/orgs/{a1.code}/")
    current = page.locator("tr").filter(has_text=RULE).filter(has_text="2026-03-01")
    expect(current).to_contain_text("已完成")
    expect(current.get_by_role("link")).to_have_text(f"2026-03-27 {TITLE}")
    made_up = page.locator("tr").filter(has_text=RULE).filter(has_text="2026-02-01")
    expect(made_up).to_contain_text("已完成（逾期补开）")
    expect(made_up.get_by_role("link")).to_have_text("2026-03-06")

    february_finding = committee_finding(a1, date(2026, 2, 1))
    assert (february_finding.status, february_finding.late) == (Finding.Status.OK, True)
    assert february_finding.evidence_id == earlier.pk
    march_finding = committee_finding(a1, date(2026, 3, 1))
    assert (march_finding.status, march_finding.late) == (Finding.Status.OK, False)
    assert march_finding.evidence_id == meeting.pk
