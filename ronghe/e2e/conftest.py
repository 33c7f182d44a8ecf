"""Fixtures for the browser journeys (the Chromium launch itself is in the root conftest)."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import BrowserContext, expect

# Fail fast: a journey step that does not happen within a few seconds will not happen at all.
STEP_TIMEOUT_MS = 5_000
expect.set_options(timeout=STEP_TIMEOUT_MS)


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args: dict[str, Any]) -> dict[str, Any]:
    """A browser set up like our users' own: Chinese first, Beijing time."""
    return {
        **browser_context_args,
        "locale": "zh-CN",
        "timezone_id": "Asia/Shanghai",
        "extra_http_headers": {"Accept-Language": "zh-CN,zh;q=0.9"},
    }


@pytest.fixture
def context(context: BrowserContext) -> BrowserContext:
    context.set_default_timeout(STEP_TIMEOUT_MS)
    context.set_default_navigation_timeout(2 * STEP_TIMEOUT_MS)
    return context


# Browser journeys use transactional databases, which Django empties after each test; every
# journey module therefore asks for `serialized_rollback=True`, so that the rows migrations
# load (the compliance rule set) come back for the tests that follow.
