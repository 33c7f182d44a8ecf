"""Steps shared by the browser journeys."""

from __future__ import annotations

import time

from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import Page, expect

from ronghe.accounts.models import User
from ronghe.testing import TEST_PASSWORD


def totp_code(user: User) -> str:
    """The code the administrator's authenticator app shows right now."""
    device = TOTPDevice.objects.get(user=user, confirmed=True)
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time()
    return f"{totp.token():0{device.digits}d}"


def submit(page: Page, field_name: str) -> None:
    """Press the submit button of the form holding `field_name` (the sidebar has forms too)."""
    page.locator(f"form:has([name='{field_name}']) button[type=submit]").click()


def sign_in(page: Page, base: str, username: str, password: str = TEST_PASSWORD) -> None:
    """The password step of the login page."""
    page.goto(f"{base}/accounts/login/")
    page.locator("input[name=username]").fill(username)
    page.locator("input[name=password]").fill(password)
    submit(page, "password")


def sign_in_admin(page: Page, base: str, user: User) -> None:
    """Password, then the authenticator code, as every administrator must."""
    sign_in(page, base, user.username)
    expect(page).to_have_url(f"{base}/accounts/login/otp/")
    page.locator("input[name=code]").fill(totp_code(user))
    submit(page, "code")


def expect_today(page: Page, base: str) -> None:
    """The today page inside the signed-in shell."""
    expect(page).to_have_url(f"{base}/")
    expect(page.locator("aside.navbar-vertical")).to_be_attached()
    expect(page.locator("#sidebar-menu a.nav-link[href='/']")).to_be_attached()
