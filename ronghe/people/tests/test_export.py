"""Roster export: what the list shows, masked unless unmaskable, escaped, audited, approved
above the threshold; and export → import changes nothing (SECURITY.md D-2, G-3, I-6, §3.3)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import openpyxl
import pytest
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from ronghe.core.access import Role
from ronghe.core.models import AuditEvent
from ronghe.core.spreadsheets import Limits, open_sheet
from ronghe.people import exports
from ronghe.people.importing import RosterImport
from ronghe.people.models import DatePrecision, ExportRequest, Person, PoliticalStatus
from ronghe.testing import PersonFactory, make_user, sign_in, valid_id_number


@pytest.fixture(autouse=True)
def private_dir(settings, tmp_path):
    settings.RONGHE_PRIVATE_DIR = tmp_path / "private"
    settings.RONGHE_EXPORT_APPROVAL_ROWS = 50
    return settings.RONGHE_PRIVATE_DIR


def download(response, tmp_path: Path) -> openpyxl.Workbook:
    assert response.status_code == 200, response.content[:300]
    path = tmp_path / "export.xlsx"
    path.write_bytes(b"".join(response.streaming_content))
    return openpyxl.load_workbook(path)


def rows_of(workbook: openpyxl.Workbook) -> list[list]:
    return [list(row) for row in workbook["名册"].iter_rows(values_only=True)]


def test_export_holds_what_the_list_shows_with_full_numbers_only_for_unmaskers(cast, tmp_path):
    url = reverse("people:export") + f"?org={cast.orgs['A1'].code}"
    full = rows_of(download(cast.client("party_admin").get(url), tmp_path))
    masked = rows_of(download(cast.client("secretary").get(url), tmp_path))
    expected = {
        p.name for p in Person.objects.filter(party_org__path__startswith=cast.orgs["A1"].path)
    }
    assert {row[0] for row in full[1:]} == expected == {row[0] for row in masked[1:]}
    zhang = cast.people["张伟强"]
    assert [row[2] for row in full if row[0] == "张伟强"] == [zhang.id_number()]
    assert [row[2] for row in masked if row[0] == "张伟强"] == [zhang.id_number_masked]
    event = AuditEvent.objects.filter(action="export").latest("id")
    assert event.after["rows"] == len(expected)


def test_export_carries_a_watermark_sheet(cast, tmp_path):
    workbook = download(cast.client("secretary").get(reverse("people:export")), tmp_path)
    notes = dict(workbook["说明"].iter_rows(values_only=True))
    assert notes["导出人"] == "secretary" and notes["导出时间"]


@pytest.mark.req("I-6")
def test_cells_that_excel_would_run_are_exported_as_text(cast, tmp_path):
    PersonFactory.create(
        name='=HYPERLINK("http://x","a")', party_org=cast.orgs["A1"], unit=cast.units["UA1"]
    )
    rows = rows_of(download(cast.client("secretary").get(reverse("people:export")), tmp_path))
    cell = next(row[0] for row in rows if "HYPERLINK" in str(row[0]))
    assert cell.startswith("'=")


@pytest.mark.req("G-3")
def test_a_big_export_needs_a_second_persons_approval(cast, tmp_path, settings):
    settings.RONGHE_EXPORT_APPROVAL_ROWS = 3
    client = cast.client("party_admin")
    response = client.get(reverse("people:export"))
    assert response.status_code == 200 and "export_request" not in response.get("Content-Type", "")
    assert "审批" in response.content.decode()
    assert not AuditEvent.objects.filter(action="export").exists()
    # No reason: refused next to the field, nothing requested.
    refused = client.post(reverse("people:export_request"), {"query": "", "reason": " "})
    assert refused.status_code == 400 and not ExportRequest.objects.exists()
    client.post(reverse("people:export_request"), {"query": "", "reason": "年度统计"})
    export = ExportRequest.objects.get()
    assert export.status == ExportRequest.Status.PENDING and export.party_org == cast.orgs["G"]
    # Nobody approves their own request, and the file is not there yet.
    assert (
        client.post(
            reverse("people:export_decide", args=[export.code]), {"decision": "approve"}
        ).status_code
        == 403
    )
    assert client.get(reverse("people:export_download", args=[export.code])).status_code == 403
    approver = make_user("approver", roles=[(Role.PARTY_ADMIN, cast.orgs["G"])])
    approver_client = sign_in(Client(), approver)
    assert "年度统计" in approver_client.get(reverse("people:exports")).content.decode()
    decide = reverse("people:export_decide", args=[export.code])
    approver_client.post(decide, {"decision": "maybe"})
    export.refresh_from_db()
    assert export.status == ExportRequest.Status.PENDING  # a decision it does not know: nothing
    approver_client.post(
        reverse("people:export_decide", args=[export.code]), {"decision": "approve"}
    )
    export.refresh_from_db()
    assert export.status == ExportRequest.Status.APPROVED and export.decided_by == approver
    workbook = download(client.get(reverse("people:export_download", args=[export.code])), tmp_path)
    assert len(rows_of(workbook)) - 1 == export.row_count
    assert dict(workbook["说明"].iter_rows(values_only=True))["审批人"] == "approver"
    assert AuditEvent.objects.filter(action="export_approved").count() == 1
    # Someone else's request is invisible.
    assert (
        cast.client("outsider")
        .get(reverse("people:export_download", args=[export.code]))
        .status_code
        == 404
    )


def _import_back(path: Path, org, user) -> RosterImport:
    importer = RosterImport(org=org, user=user, update_existing=True)
    with open_sheet(path, Limits.console()) as sheet:
        importer.validate(sheet)
    return importer


def test_export_then_import_changes_nothing(cast, tmp_path):
    person = cast.people["李娜"]
    person.joined_on, person.joined_on_precision = date(2012, 7, 1), DatePrecision.MONTH
    person.full_member_on = date(2013, 7, 20)
    person.save()
    user = cast.users["party_admin"]
    path = tmp_path / "roundtrip.xlsx"
    count = exports.write_roster(
        Person.objects.visible_to(user).for_list(), user=user, target=path, notes=[]
    )
    importer = _import_back(path, cast.orgs["G"], user)
    assert importer.report.ok, importer.report.errors[:5]
    assert importer.report.planned_unchanged == count
    assert importer.report.planned_created == importer.report.planned_updated == 0


names = st.text(alphabet="张王李赵陈刘杨黄周吴伟娜磊敏静强军芳·", min_size=2, max_size=6).filter(
    lambda n: not n.startswith("·") and not n.endswith("·")
)


@st.composite
def people(draw) -> list[dict]:
    count = draw(st.integers(min_value=1, max_value=6))
    made = []
    for _ in range(count):
        born = draw(st.dates(min_value=date(1950, 1, 1), max_value=date(2000, 12, 31)))
        gender = draw(st.sampled_from(["male", "female"]))
        status = draw(st.sampled_from(list(PoliticalStatus)))
        person = {
            "name": draw(names),
            "gender": gender,
            "birth_date": born,
            "id_number": valid_id_number(born, gender),
            "phone": draw(st.one_of(st.just(""), st.from_regex(r"1[3-9][0-9]{9}", fullmatch=True))),
            "political_status": status,
            "post": draw(st.sampled_from(["", "会计", "=SUM(A1)", "+1", "-x", "@a"])),
            "education": draw(st.sampled_from(["", "bachelor", "postgraduate"])),
        }
        if status in (PoliticalStatus.PROBATIONARY, PoliticalStatus.FULL_MEMBER):
            joined = date(born.year + 20, draw(st.integers(1, 12)), 1)
            person["joined_on"] = joined
            person["joined_on_precision"] = draw(st.sampled_from(list(DatePrecision)))
            if status == PoliticalStatus.FULL_MEMBER:
                person["full_member_on"] = date(joined.year + 1, joined.month, 15)
        made.append(person)
    return made


@pytest.mark.django_db
@hypothesis_settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(generated=people())
def test_property_export_import_is_identity(cast, tmp_path, generated):
    user = cast.users["party_admin"]
    ids = set()
    for values in generated:
        if values["id_number"] in ids:
            continue
        ids.add(values["id_number"])
        phone = values.pop("phone")
        created = PersonFactory.create(party_org=cast.orgs["A1"], unit=cast.units["UA1"], **values)
        created.set_phone(phone)
        created.save()
        values["phone"] = phone
    try:
        path = tmp_path / "property.xlsx"
        count = exports.write_roster(
            Person.objects.visible_to(user).for_list(), user=user, target=path, notes=[]
        )
        importer = _import_back(path, cast.orgs["G"], user)
        assert importer.report.ok, importer.report.errors[:3]
        changes = [(p.values["name"], p.changed) for p in importer.plan if p.changed]
        assert importer.report.planned_unchanged == count, changes
    finally:
        Person.objects.filter(party_org=cast.orgs["A1"]).exclude(
            pk__in=[p.pk for p in cast.people.values()]
        ).delete()
