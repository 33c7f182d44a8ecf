"""Journeys 4 and 5: the secretary corrects a record; the auditor finds the change."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect
from pytest_django.live_server_helper import LiveServer
from pytest_playwright import CreateContextCallback

from ronghe.core.models import AuditEvent
from ronghe.e2e.support import expect_today, sign_in, sign_in_admin, submit
from ronghe.people.models import Person
from ronghe.testing import Cast

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]

OLD_PHONE = "13800138000"  # what the cast stores for everyone
BAD_PHONE = "12800138000"  # 12x is not a mainland mobile prefix
NEW_PHONE = "13912345678"


def open_edit_form_by_pinyin(page: Page, base: str, person: Person) -> None:
    """From the roster: pinyin initials searched as you type, the record, its edit form."""
    page.locator("#sidebar-menu a[href='/people/']").click()
    expect(page).to_have_url(f"{base}/people/")
    results = page.locator("#roster-results")
    expect(results.get_by_role("link", name="王磊", exact=True)).to_be_visible()

    with page.expect_response(re.compile(r"/people/\?.*q=zwq")) as searched:
        page.locator("#roster-q").fill("zwq")
    assert searched.value.request.headers.get("hx-request") == "true"  # htmx, not a reload
    expect(results.get_by_role("link", name="王磊", exact=True)).to_have_count(0)
    expect(results.locator("tbody tr")).to_have_count(1)
    expect(results.get_by_role("link", name="张伟强", exact=True)).to_be_visible()
    expect(page).to_have_url(re.compile(r"/people/\?.*q=zwq"))  # hx-push-url

    results.get_by_role("link", name="张伟强", exact=True).click()
    expect(page).to_have_url(f"{base}/people/{person.code}/")
    expect(page.locator("h2.page-title")).to_contain_text("张伟强")

    page.locator(f"a[href='/people/{person.code}/edit/']").click()
    expect(page).to_have_url(f"{base}/people/{person.code}/edit/")
    expect(page.locator("input[name=phone]")).to_have_value("")  # stored numbers stay on the server
    # The stored branch is offered and chosen (a secretary once got no Party organisation here).
    expect(page.locator("select[name=party_org]")).to_have_value(str(person.party_org_id))


def submit_wrong_phone(page: Page, base: str, person: Person) -> None:
    """One mistake: the error shows beside the phone field, and nothing is saved."""
    page.locator("input[name=phone]").fill(BAD_PHONE)
    submit(page, "phone")
    expect(page).to_have_url(f"{base}/people/{person.code}/edit/")
    phone = page.locator("input[name=phone]")
    expect(phone).to_have_class(re.compile(r"\bis-invalid\b"))
    expect(phone).to_have_value(BAD_PHONE)  # kept for correcting, not retyping
    error = page.locator("input[name=phone] + .invalid-feedback")
    expect(error).to_be_visible()
    expect(error).to_contain_text("13")  # names the allowed prefixes 13–19
    expect(phone).to_have_attribute("aria-describedby", error.get_attribute("id") or "?")
    person.refresh_from_db()
    assert person.phone() == OLD_PHONE
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.UPDATE).exists()
    errors = page.locator(".invalid-feedback")
    assert errors.count() == 1, f"errors besides the phone's: {errors.all_inner_texts()}"


def save_corrected_phone(page: Page, base: str, person: Person) -> None:
    page.locator("input[name=phone]").fill(NEW_PHONE)
    submit(page, "phone")
    expect(page).to_have_url(f"{base}/people/{person.code}/")
    expect(page.locator(".alert-success")).to_be_visible()
    expect(page.locator("#sensitive")).to_contain_text("139****5678")
    person.refresh_from_db()
    assert person.phone() == NEW_PHONE


def auditor_finds_the_phone_change(page: Page, base: str, cast: Cast) -> None:
    sign_in_admin(page, base, cast.users["auditor"])
    expect_today(page, base)
    page.locator("#sidebar-menu a[href='/audit/']").click()
    expect(page).to_have_url(f"{base}/audit/")
    expect(page.get_by_test_id("audit-row").first).to_be_visible()

    page.locator("input[name=actor]").fill("secretary")
    page.locator("select[name=action]").select_option("update")
    submit(page, "actor")
    expect(page).to_have_url(re.compile(r"/audit/\?.*actor=secretary.*action=update"))

    rows = page.get_by_test_id("audit-row")
    expect(rows).to_have_count(1)
    expect(rows).to_contain_text("secretary")
    expect(rows).to_contain_text("张伟强")
    expect(rows).to_contain_text("138****8000")  # before
    expect(rows).to_contain_text("139****5678")  # after
    expect(rows).not_to_contain_text(NEW_PHONE)  # the trail keeps masks, never the number


def test_secretary_finds_by_pinyin_fixes_one_mistake_and_saves(
    page: Page, live_server: LiveServer, cast: Cast
) -> None:
    base, person = live_server.url, cast.people["张伟强"]
    sign_in(page, base, "secretary")
    expect_today(page, base)
    open_edit_form_by_pinyin(page, base, person)
    submit_wrong_phone(page, base, person)
    save_corrected_phone(page, base, person)


def test_auditor_sees_the_secretarys_edit_in_the_audit_trail(
    page: Page, new_context: CreateContextCallback, live_server: LiveServer, cast: Cast
) -> None:
    base, person = live_server.url, cast.people["张伟强"]
    sign_in(page, base, "secretary")
    expect_today(page, base)
    page.goto(f"{base}/people/{person.code}/edit/")  # the way there is journey 4's
    save_corrected_phone(page, base, person)

    auditor = new_context().new_page()  # another browser profile: nothing shared
    auditor_finds_the_phone_change(auditor, base, cast)
