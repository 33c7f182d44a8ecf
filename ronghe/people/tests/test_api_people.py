"""The roster API: the same rules as the pages, bad input refused per field, nothing written."""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from ronghe.core.models import AuditEvent
from ronghe.people.models import ExportRequest, ImportBatch, Person
from ronghe.testing import valid_id_number

ROSTERS = Path(__file__).parent / "rosters"


@pytest.fixture(autouse=True)
def private_dir(settings, tmp_path):
    settings.RONGHE_PRIVATE_DIR = tmp_path / "private"
    return settings.RONGHE_PRIVATE_DIR


def post_json(client, url: str, data: dict, **headers):
    return client.post(url, json.dumps(data), content_type="application/json", headers=headers)


def test_the_list_pages_with_a_cursor_and_keeps_the_filters(cast):
    client = cast.client("party_admin")
    first = client.get("/api/v1/people", {"page_size": 4}).json()
    assert len(first["results"]) == 4 and first["next"]
    seen = {item["code"] for item in first["results"]}
    cursor = parse_qs(urlparse(first["next"]).query)["cursor"][0]
    second = client.get("/api/v1/people", {"page_size": 4, "cursor": cursor}).json()
    assert not seen & {item["code"] for item in second["results"]}
    scoped = client.get("/api/v1/people", {"org": str(cast.orgs["A1"].code), "page_size": 100})
    names = {item["name"] for item in scoped.json()["results"]}
    assert names == {"张伟强", "李娜", "王磊", "赵敏"}
    assert all("*" in item["id_number"] for item in scoped.json()["results"])


def test_a_filter_on_an_organisation_outside_reach_is_not_found(cast):
    response = cast.client("secretary").get("/api/v1/people", {"org": str(cast.orgs["B1"].code)})
    assert response.status_code == 404


def person_body(**overrides):
    body = {
        "name": "接口新人",
        "id_number": valid_id_number(),
        "gender": "male",
        "political_status": "non_member",
        "unit": None,
        "party_org": None,
    }
    body.update(overrides)
    return body


def test_create_through_the_api_follows_the_form_rules(cast):
    client = cast.client("secretary")
    response = post_json(client, "/api/v1/people", person_body(unit=str(cast.units["UA1"].code)))
    assert response.status_code == 201, response.content
    assert response.json()["unit"]["org_code"] == "UA1"
    assert Person.objects.filter(name="接口新人").count() == 1


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"id_number": "110101198001020010"}, "id_number"),  # wrong check digit
        ({"birth_date": "1970-01-01"}, "birth_date"),  # disagrees with the ID number
        ({"political_status": "full_member"}, "party_org"),  # a member needs a branch
        ({"party_org": "00000000-0000-0000-0000-000000000000"}, "party_org"),
    ],
)
def test_bad_input_is_refused_per_field_and_writes_nothing(cast, overrides, field):
    before, events = Person.objects.count(), AuditEvent.objects.count()
    body = person_body(unit=str(cast.units["UA1"].code), **overrides)
    response = post_json(cast.client("secretary"), "/api/v1/people", body)
    assert response.status_code == 422, response.content
    payload = response.json()
    assert payload["code"] == "invalid"
    assert field in {entry["field"] for entry in payload["detail"]}
    assert all(
        any("\u4e00" <= ch <= "\u9fff" for ch in entry["message"]) for entry in payload["detail"]
    )
    assert Person.objects.count() == before and AuditEvent.objects.count() == events


def test_a_duplicate_id_number_is_refused(cast):
    number = cast.people["王磊"].id_number()
    response = post_json(
        cast.client("party_admin"),
        "/api/v1/people",
        person_body(id_number=number, unit=str(cast.units["UA1"].code)),
    )
    assert response.status_code == 422
    assert response.json()["detail"][0]["field"] == "id_number"


def test_the_same_idempotency_key_creates_once(cast):
    client = cast.client("secretary")
    body = person_body(unit=str(cast.units["UA1"].code))
    first = post_json(client, "/api/v1/people", body, **{"Idempotency-Key": "k-1"})
    again = post_json(client, "/api/v1/people", body, **{"Idempotency-Key": "k-1"})
    assert first.status_code == again.status_code == 201
    assert first.json() == again.json()
    assert Person.objects.filter(name="接口新人").count() == 1
    other = post_json(
        client, "/api/v1/people", {**body, "name": "别人"}, **{"Idempotency-Key": "k-1"}
    )
    assert other.status_code == 422 and other.json()["code"] == "idempotency_mismatch"


def test_patch_changes_only_what_is_sent(cast):
    person = cast.people["王磊"]
    client = cast.client("secretary")
    response = client.patch(
        f"/api/v1/people/{person.code}",
        json.dumps({"post": "组织委员"}),
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    person.refresh_from_db()
    assert person.post == "组织委员" and person.party_org == cast.orgs["A1"]
    bad = client.patch(
        f"/api/v1/people/{person.code}",
        json.dumps({"joined_on": "2099-01-01"}),
        content_type="application/json",
    )
    assert bad.status_code == 422
    person.refresh_from_db()
    assert person.joined_on.year < 2099
    outsider = cast.client("outsider").patch(
        f"/api/v1/people/{person.code}", json.dumps({"post": "x"}), content_type="application/json"
    )
    assert outsider.status_code == 404


def test_import_through_the_api_reports_row_errors_then_commits_a_clean_file(cast):
    client = cast.client("party_admin")
    messy = client.post(
        "/api/v1/people/imports",
        {
            "file": SimpleUploadedFile("messy.xlsx", (ROSTERS / "messy.xlsx").read_bytes()),
            "org": str(cast.orgs["A"].code),
        },
    )
    assert messy.status_code == 202, messy.content
    report = messy.json()
    assert report["status"] == "invalid" and report["error_count"] == 15
    assert {error["row"] for error in report["errors"]} >= {6, 7, 8, 9}
    annotated = client.get(report["error_file"])
    assert annotated.status_code == 200
    clean = client.post(
        "/api/v1/people/imports",
        {
            "file": SimpleUploadedFile("gbk.csv", (ROSTERS / "gbk.csv").read_bytes()),
            "org": str(cast.orgs["A1"].code),
        },
    )
    batch = clean.json()
    assert batch["status"] == "valid" and batch["created"] == 2
    done = client.post(f"/api/v1/people/imports/{batch['code']}/commit")
    assert done.status_code == 202 and done.json()["status"] == "committed"
    assert Person.objects.filter(name__in=["欧阳修", "司马光"]).count() == 2
    assert (
        cast.client("secretary").get(f"/api/v1/people/imports/{batch['code']}").status_code == 404
    )


def test_import_refuses_a_bad_file_and_an_org_outside_reach(cast):
    client = cast.client("secretary")
    html = client.post(
        "/api/v1/people/imports",
        {"file": SimpleUploadedFile("x.xlsx", b"<html></html>"), "org": str(cast.orgs["A1"].code)},
    )
    assert html.status_code == 422 and html.json()["detail"][0]["field"] == "file"
    outside = client.post(
        "/api/v1/people/imports",
        {
            "file": SimpleUploadedFile("gbk.csv", (ROSTERS / "gbk.csv").read_bytes()),
            "org": str(cast.orgs["B1"].code),
        },
    )
    assert outside.status_code == 422 and outside.json()["detail"][0]["field"] == "org"
    assert not ImportBatch.objects.exists()


def test_export_through_the_api(cast, settings):
    client = cast.client("secretary")
    small = client.get("/api/v1/people/export.xlsx")
    assert small.status_code == 200 and small["Content-Type"].startswith("application/vnd.openxml")
    settings.RONGHE_EXPORT_APPROVAL_ROWS = 1
    big = client.get("/api/v1/people/export.xlsx")
    assert big.status_code == 403 and big.json()["code"] == "approval_required"
    asked = post_json(client, "/api/v1/people/exports", {"reason": "统计"})
    assert asked.status_code == 201 and asked.json()["status"] == "pending"
    assert ExportRequest.objects.get().requested_by == cast.users["secretary"]
    empty = post_json(client, "/api/v1/people/exports", {"reason": "   "})
    assert empty.status_code == 422
    assert ExportRequest.objects.count() == 1
