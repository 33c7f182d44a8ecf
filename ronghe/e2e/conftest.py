"""Fixtures for the browser journeys (the Chromium launch itself is in the root conftest)."""

from __future__ import annotations

from importlib import import_module
from typing import Any

import pytest
from django.apps import apps
from playwright.sync_api import BrowserContext, expect
from pytest_django.plugin import blocking_manager_key

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


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item: pytest.Item, nextitem: pytest.Item | None) -> Any:
    """Put back the rows migrations load (the compliance rule set, the task categories and
    policy, the default matter catalogue) once a journey's transactional database has been
    emptied, for every test that runs after it. (Django's `serialized_rollback` reloads them
    only at the start of the next transactional test.)"""
    result = yield
    if nextitem is None:
        return result  # the last test: the test database is already gone
    with item.config.stash[blocking_manager_key].unblock():
        import_module("ronghe.compliance.migrations.0003_seed_rules").seed(apps, None)
        import_module("ronghe.plans.migrations.0002_seed").seed(apps, None)
        import_module("ronghe.decisions.migrations.0002_seed").seed(apps, None)
    return result
