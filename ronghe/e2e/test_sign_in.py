"""Journeys 1 and 2: signing in, with and without the authenticator code."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect
from pytest_django.live_server_helper import LiveServer

from ronghe.e2e.support import expect_today, sign_in, submit, totp_code
from ronghe.testing import Cast

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]


def test_staff_member_signs_in_with_password_and_lands_on_today(
    page: Page, live_server: LiveServer, cast: Cast
) -> None:
    base = live_server.url
    page.goto(f"{base}/people/")
    expect(page).to_have_url(f"{base}/accounts/login/?next=/people/")
    expect(page.locator("aside.navbar-vertical")).to_have_count(0)  # no shell before signing in

    sign_in(page, base, "secretary")

    expect_today(page, base)
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    expect(page.locator("aside.navbar-vertical")).to_be_visible()
    expect(page.locator("#sidebar-menu")).to_be_visible()
    expect(page.locator("#sidebar-menu a[href='/orgs/']")).to_be_visible()
    expect(page.locator("#sidebar-menu a[href='/people/']")).to_be_visible()
    expect(page.locator("#sidebar-menu .nav-item.active a[href='/']")).to_be_visible()
    expect(page.locator("#sidebar-menu")).to_contain_text("secretary")


def test_administrator_signs_in_with_password_then_authenticator_code(
    page: Page, live_server: LiveServer, cast: Cast
) -> None:
    base = live_server.url
    auditor = cast.users["auditor"]

    sign_in(page, base, auditor.username)
    expect(page).to_have_url(f"{base}/accounts/login/otp/")
    expect(page.locator("aside.navbar-vertical")).to_have_count(0)  # not signed in yet
    expect(page.locator("input[name=code]")).to_be_focused()

    page.locator("input[name=code]").fill(totp_code(auditor))
    submit(page, "code")

    expect_today(page, base)
    expect(page.locator("aside.navbar-vertical")).to_be_visible()
    expect(page.locator("#sidebar-menu a[href='/audit/']")).to_be_visible()
