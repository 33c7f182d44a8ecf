"""Journey 6: a 375-px phone screen: no sideways scrolling, the menu opens from its toggler."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect
from pytest_django.live_server_helper import LiveServer

from ronghe.e2e.support import expect_today, sign_in
from ronghe.testing import Cast

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]

PHONE_WIDTH = 375


def page_width(page: Page) -> int:
    return page.evaluate("document.documentElement.scrollWidth")


def test_today_and_roster_fit_a_phone_and_the_menu_opens(
    page: Page, live_server: LiveServer, cast: Cast
) -> None:
    base = live_server.url
    page.set_viewport_size({"width": PHONE_WIDTH, "height": 800})
    sign_in(page, base, "secretary")
    expect_today(page, base)
    page.wait_for_load_state("load")  # style sheets and fonts in place before measuring
    assert page_width(page) <= PHONE_WIDTH

    page.goto(f"{base}/people/")
    expect(page.locator("#roster-results").get_by_role("link", name="张伟强")).to_be_visible()
    page.wait_for_load_state("load")
    assert page_width(page) <= PHONE_WIDTH

    # The menu is folded away behind its toggler, which unfolds it.
    toggler = page.locator("aside .navbar-toggler")
    menu = page.locator("#sidebar-menu")
    roster_link = menu.locator("a[href='/people/']")
    expect(toggler).to_be_visible()
    expect(toggler).to_have_attribute("aria-expanded", "false")
    expect(roster_link).to_be_hidden()
    toggler.click()
    expect(menu).to_have_class(re.compile(r"\bshow\b"))
    expect(toggler).to_have_attribute("aria-expanded", "true")
    expect(roster_link).to_be_visible()
    expect(menu.locator("a[href='/']")).to_be_in_viewport()
    assert page_width(page) <= PHONE_WIDTH

    menu.locator("a[href='/']").click()
    expect_today(page, base)


def test_the_task_pages_fit_a_phone(page: Page, live_server: LiveServer, cast: Cast) -> None:

    from django.utils import timezone

    from ronghe.plans import services
    from ronghe.plans.models import Category

    task = services.task_create(
        org=cast.orgs["A1"],
        values={
            "title": "客户投诉主题党日：走访重点客户并逐条梳理投诉与建议",
            "party_category": Category.objects.filter(dimension="party").first(),
            "business_category": Category.objects.filter(dimension="business").first(),
            "party_lead": cast.people["张伟强"],
            "deadline": timezone.localdate(),  # this month, so on the timeline's first page
        },
        by=cast.users["secretary"],
    )
    base = live_server.url
    page.set_viewport_size({"width": PHONE_WIDTH, "height": 800})
    sign_in(page, base, "secretary")
    expect_today(page, base)
    for url in (
        "/tasks/",
        f"/tasks/{task.code}/",
        "/tasks/board/",
        "/tasks/timeline/",
        "/duties/",
        "/plans/points/",
        "/tasks/settings/",
    ):
        page.goto(f"{base}{url}")
        expect(page.locator("h2.page-title")).to_be_visible()
        page.wait_for_load_state("load")
        assert page_width(page) <= PHONE_WIDTH, url
    # The timeline turns into a list by day on a phone.
    page.goto(f"{base}/tasks/timeline/")
    expect(page.locator(".d-md-none").get_by_role("link", name=task.title)).to_be_visible()
