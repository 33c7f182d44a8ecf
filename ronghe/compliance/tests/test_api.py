"""The compliance endpoints: the rule set with sources, findings within reach, and local
settings that only Party-affairs staff may change (audited; bad input changes nothing)."""

from __future__ import annotations

import json
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from ronghe.compliance import evaluator
from ronghe.compliance.models import RuleSetting
from ronghe.compliance.tests.test_views import TODAY, held
from ronghe.core.models import AuditEvent
from ronghe.testing import make_org

NOON = datetime.combine(TODAY, time(12), ZoneInfo("Asia/Shanghai"))


def post_json(client, url: str, data: dict):
    return client.post(url, json.dumps(data), content_type="application/json")


def test_the_rules_cite_their_sources(cast):
    rules = cast.client("secretary").get("/api/v1/compliance/rules").json()
    by_key = {rule["key"]: rule for rule in rules}
    assert by_key["theme-day-monthly"]["period"] == "month"
    assert all(rule["source_document"] for rule in rules)
    assert cast.client("member").get("/api/v1/compliance/rules").status_code == 403


@time_machine.travel(NOON)
def test_findings_within_reach_with_their_evidence(cast):
    held(cast.orgs["A1"], "theme_day", date(2026, 3, 5))
    held(cast.orgs["A1"], "theme_day", date(2026, 2, 5))
    evaluator.evaluate(today=TODAY)
    client = cast.client("secretary")
    answer = client.get("/api/v1/compliance/findings", {"rule": "theme-day-monthly"}).json()
    rows = answer["results"]
    assert {row["org"]["org_code"] for row in rows} == {"A1"}  # a secretary sees their branch
    march = next(row for row in rows if row["period_start"] == "2026-03-01")
    assert march["status"] == "ok" and march["evidence"] and march["source"]
    everyone = cast.client("party_admin").get(
        "/api/v1/compliance/findings", {"rule": "theme-day-monthly", "behind": True}
    )
    behind = {row["org"]["org_code"] for row in everyone.json()["results"]}
    assert "A2" in behind and "A1" not in behind
    hidden = client.get("/api/v1/compliance/findings", {"org": str(cast.orgs["B1"].code)})
    assert hidden.status_code == 404
    history = cast.client("party_admin").get(
        "/api/v1/compliance/findings",
        {"org": str(cast.orgs["A2"].code), "rule": "theme-day-monthly", "history": True},
    )
    assert len(history.json()["results"]) > 1


def test_only_party_affairs_staff_adjust_a_rule_and_bad_input_changes_nothing(cast):
    body = {
        "rule": "theme-day-monthly",
        "org": str(cast.orgs["A"].code),
        "period": "quarter",
        "reason": "甲公司党委规定：主题党日每季度一次",
    }
    assert post_json(cast.client("secretary"), "/api/v1/compliance/settings", body).status_code == (
        403
    )
    admin = cast.client("party_admin")
    for bad, field in (
        ({**body, "reason": "  "}, "reason"),
        ({**body, "rule": "no-such-rule"}, "rule"),
        ({**body, "org": str(cast.orgs["O"].code)}, "org"),
        ({**body, "period": ""}, "non_field"),
        ({**body, "rule": "term-renewal", "period": "month"}, "period"),
    ):
        answer = post_json(admin, "/api/v1/compliance/settings", bad)
        assert answer.status_code == 422, (field, answer.content)
        assert field in [item["field"] for item in answer.json()["detail"]], answer.json()
    assert not RuleSetting.objects.exists()
    assert not AuditEvent.objects.filter(object_type="compliance.rulesetting").exists()

    saved = post_json(admin, "/api/v1/compliance/settings", body)
    assert saved.status_code == 201 and saved.json()["period"] == "quarter"
    listed = admin.get("/api/v1/compliance/settings").json()
    assert [item["code"] for item in listed] == [saved.json()["code"]]
    assert cast.client("outsider").get("/api/v1/compliance/settings").json() == []
    assert AuditEvent.objects.filter(object_type="compliance.rulesetting").count() == 1
    removed = admin.delete(f"/api/v1/compliance/settings/{saved.json()['code']}")
    assert removed.status_code == 204 and not RuleSetting.objects.exists()
    assert AuditEvent.objects.filter(object_type="compliance.rulesetting").count() == 2


@time_machine.travel(NOON)
def test_the_findings_query_count_does_not_grow_with_organisations(cast):
    client = cast.client("party_admin")
    evaluator.evaluate(today=TODAY)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            answer = client.get("/api/v1/compliance/findings", {"page_size": 200})
            assert answer.status_code == 200 and answer.json()["results"]
        return len(captured)

    few = queries()
    for n in range(8):
        make_org(cast.orgs["A"], f"新支部{n}", f"A9{n}", "branch")
    evaluator.evaluate(today=TODAY)
    assert queries() == few


@time_machine.travel(NOON)
def test_every_finding_is_paged_through_when_more_than_a_page_share_a_deadline(cast):
    # The cursor keeps its place among equal deadlines by an offset; ninja caps that offset
    # at 100 unless told otherwise, which broke page 2 once a period's findings filled a page.
    for index in range(130):
        make_org(cast.orgs["A"], f"新支部{index}", f"N{index}", "branch")
    evaluator.evaluate(today=TODAY)
    client = cast.client("party_admin")
    query = {"rule": "theme-day-monthly"}

    def key(row: dict) -> tuple[str, str]:
        return row["org"]["org_code"], row["period_start"]

    whole = client.get("/api/v1/compliance/findings", {**query, "page_size": 1000}).json()
    seen: list[tuple[str, str]] = []
    url, params = "/api/v1/compliance/findings", {**query, "page_size": 100}
    while url:
        response = client.get(url, params)
        assert response.status_code == 200, response.content
        seen += [key(row) for row in response.json()["results"]]
        url, params = response.json()["next"], None
    assert len(whole["results"]) > 200
    assert len(set(seen)) == len(seen) and set(seen) == {key(row) for row in whole["results"]}
