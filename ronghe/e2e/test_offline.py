"""Journey 7: nothing the pages need comes from outside the machine (no CDN, no web fonts)."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import BrowserContext, Page, Request, Response, expect
from pytest_django.live_server_helper import LiveServer

from ronghe.e2e.support import expect_today, sign_in
from ronghe.testing import Cast

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]

LOCAL_SCHEMES = {"data", "blob", "about"}  # never go over the network


def test_a_journey_only_talks_to_our_own_server(
    context: BrowserContext, page: Page, live_server: LiveServer, cast: Cast
) -> None:
    base = live_server.url
    requests: list[Request] = []
    failed: list[str] = []
    context.on("request", lambda r: requests.append(r))
    context.on("requestfailed", lambda r: failed.append(f"{r.url} {r.failure}"))

    def check_status(response: Response) -> None:
        if response.status >= 400:
            failed.append(f"{response.url} {response.status}")

    context.on("response", check_status)

    # Every page type with its scripts, styles, icon font, an htmx call and a Tom Select form.
    sign_in(page, base, "secretary")
    expect_today(page, base)
    page.locator("#sidebar-menu a[href='/orgs/']").click()
    expect(page).to_have_url(f"{base}/orgs/")
    with page.expect_response(re.compile(r"/children/$")):
        page.locator(".tree-row button[hx-get]").first.click()
    page.goto(f"{base}/people/")
    with page.expect_response(re.compile(r"/people/\?.*q=zwq")):
        page.locator("#roster-q").fill("zwq")
    page.goto(f"{base}/people/{cast.people['张伟强'].code}/edit/")
    expect(page.locator(".ts-wrapper").first).to_be_visible()  # Tom Select ran
    page.wait_for_load_state("networkidle")

    urls = [r.url for r in requests]
    ours = urlsplit(base).netloc
    outside = [
        url
        for url in urls
        if urlsplit(url).scheme not in LOCAL_SCHEMES and urlsplit(url).netloc != ours
    ]
    assert not outside, f"requests leaving the machine: {outside}"
    assert not failed, f"requests that failed: {failed}"
    # The recording saw the assets, so an empty `outside` means something.
    paths = {urlsplit(url).path for url in urls}
    for asset in (
        "/static/vendor/htmx/htmx.min.js",
        "/static/vendor/tabler/tabler.min.css",
        "/static/vendor/tom-select/tom-select.complete.min.js",
        "/static/ronghe/ronghe.js",
    ):
        assert asset in paths, asset
    assert any(p.startswith("/static/vendor/tabler-icons/fonts/") for p in paths), paths
