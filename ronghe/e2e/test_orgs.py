"""Journey 3: the leader browses the Party tree, loads a level in place, opens a branch."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Locator, Page, expect
from pytest_django.live_server_helper import LiveServer

from ronghe.e2e.support import expect_today, sign_in
from ronghe.testing import Cast

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]


def row(page: Page, name: str) -> Locator:
    """The tree row whose link is the organisation `name`."""
    return page.locator(".tree-row").filter(has=page.get_by_role("link", name=name, exact=True))


def test_leader_expands_the_party_tree_in_place_and_opens_a_branch(
    page: Page, live_server: LiveServer, cast: Cast
) -> None:
    base = live_server.url
    a1 = cast.orgs["A1"]
    sign_in(page, base, "leader")
    expect_today(page, base)

    page.locator("#sidebar-menu a[href='/orgs/']").click()
    expect(page).to_have_url(f"{base}/orgs/")
    # The top of the leader's reach and the level below it; deeper levels are not loaded yet.
    expect(row(page, "集团党委")).to_be_visible()
    expect(row(page, "甲公司党委")).to_be_visible()
    expect(row(page, "乙公司党委")).to_be_visible()
    expect(page.get_by_role("link", name="甲一支部", exact=True)).to_have_count(0)
    # Only our organisation: the other company's tree stays out of sight.
    expect(page.get_by_role("link", name="外单位党委", exact=True)).to_have_count(0)

    below = row(page, "甲公司党委").locator("button[hx-get]")
    expect(below).to_contain_text("2")
    with page.expect_response(re.compile(r"/orgs/[0-9a-f-]{36}/children/$")) as loaded:
        below.click()
    assert loaded.value.status == 200
    assert loaded.value.request.headers.get("hx-request") == "true"

    # The children arrived in the list under 甲公司党委, and the page did not change.
    children = page.locator("li:has(> .tree-row a:text-is('甲公司党委')) > ul.tree-children")
    expect(children.get_by_role("link", name="甲一支部", exact=True)).to_be_visible()
    expect(children.get_by_role("link", name="甲二支部", exact=True)).to_be_visible()
    expect(page).to_have_url(f"{base}/orgs/")

    children.get_by_role("link", name="甲一支部", exact=True).click()
    expect(page).to_have_url(f"{base}/orgs/{a1.code}/")
    expect(page.locator("h2.page-title")).to_contain_text("甲一支部")
    expect(page.locator(".breadcrumb")).to_contain_text("甲公司党委")
    expect(page.get_by_role("link", name="张伟强", exact=True)).to_be_visible()  # its secretary
    expect(page.locator(f"a[href='/people/?org={a1.code}']")).to_be_visible()
    # Its party group is listed below it.
    expect(page.get_by_role("link", name="甲一第一党小组", exact=True)).to_be_visible()
