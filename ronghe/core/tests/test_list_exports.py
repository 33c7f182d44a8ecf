"""Every list page exports what it shows: the trees and the audit trail (issue 3)."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest
from django.urls import reverse

from ronghe.core.models import AuditEvent


@pytest.fixture(autouse=True)
def private_dir(settings, tmp_path):
    settings.RONGHE_PRIVATE_DIR = tmp_path / "private"


def sheet_rows(response, tmp_path: Path) -> list[tuple]:
    assert response.status_code == 200
    path = tmp_path / "list.xlsx"
    path.write_bytes(b"".join(response.streaming_content))
    return list(openpyxl.load_workbook(path).active.iter_rows(values_only=True))


@pytest.mark.parametrize(
    ("persona", "expected"),
    [
        ("secretary", {"A1", "A1G"}),
        ("outsider", {"O", "O1"}),
        ("party_admin", {"G", "A", "A1", "A1G", "A2", "B", "B1"}),
    ],
)
def test_the_party_tree_exports_the_nodes_in_reach(cast, tmp_path, persona, expected):
    rows = sheet_rows(cast.client(persona).get(reverse("orgs:party_export")), tmp_path)
    assert rows[0][0] == "组织代码"
    assert {row[0] for row in rows[1:]} == expected
    audited = AuditEvent.objects.filter(action="export", object_type="orgs.partyorg").latest("id")
    assert audited.after["rows"] == len(expected)


def test_a_search_exports_its_matches_with_paths_and_mapping(cast, tmp_path):
    rows = sheet_rows(
        cast.client("party_admin").get(reverse("orgs:party_export"), {"q": "甲一"}), tmp_path
    )
    by_code = {row[0]: row for row in rows[1:]}
    assert set(by_code) == {"A1", "A1G"}
    assert by_code["A1"][3] == "集团党委/甲公司党委/甲一支部"
    assert by_code["A1"][4] == "UA1"


def test_the_unit_tree_exports_too(cast, tmp_path):
    rows = sheet_rows(cast.client("business_head").get(reverse("orgs:unit_export")), tmp_path)
    assert {row[0] for row in rows[1:]} == {"UA1"}


def test_only_the_auditor_exports_the_trail_and_the_filters_apply(cast, tmp_path):
    assert cast.client("sysadmin").get(reverse("core:audit_export")).status_code == 403
    assert cast.client("party_admin").get(reverse("core:audit_export")).status_code == 403
    cast.client("secretary").get(reverse("orgs:party_export"))  # one export to find
    rows = sheet_rows(
        cast.client("auditor").get(
            reverse("core:audit_export"), {"actor": "secretary", "action": "export"}
        ),
        tmp_path,
    )
    assert len(rows) == 2 and rows[1][1] == "secretary"
    assert AuditEvent.objects.filter(action="export", actor_username="auditor").count() == 1


def test_only_the_system_administrator_exports_the_accounts(cast, tmp_path):
    assert cast.client("party_admin").get(reverse("accounts:user_export")).status_code == 403
    rows = sheet_rows(
        cast.client("sysadmin").get(reverse("accounts:user_export"), {"q": "secre"}), tmp_path
    )
    assert [row[0] for row in rows[1:]] == ["secretary"]
    assert rows[1][4] == "否"  # no authenticator yet
