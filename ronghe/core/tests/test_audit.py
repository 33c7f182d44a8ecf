"""The audit trail (DESIGN.md §4, SECURITY.md C): append-only, auditor-only, atomic with writes."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from unittest import mock

import pytest
import time_machine
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from ronghe.core import audit
from ronghe.core.models import AuditEvent
from ronghe.orgs import services as org_services
from ronghe.orgs.models import PartyOrg
from ronghe.people import services as people_services
from ronghe.people.models import Person
from ronghe.testing import Cast

POSTGRES_ONLY = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the append-only trigger exists on PostgreSQL only"
)
FAIL_AUDIT = "ronghe.core.audit.AuditEvent.objects.create"


@pytest.fixture
def trail(cast: Cast) -> list[AuditEvent]:
    """Four events of different kinds, two of them a day old."""
    admin, secretary = cast.users["party_admin"], cast.users["secretary"]
    # Rows cannot be back-dated after the fact (the trail is append-only), so the clock is.
    with time_machine.travel(timezone.now() - timedelta(days=1), tick=False):
        old = [
            audit.record(
                audit.Action.LOGIN_FAILED, username="nobody", outcome=audit.Outcome.FAILURE
            ),
            audit.record(audit.Action.MOVE, actor=admin, obj=cast.orgs["A1"]),
        ]
    new = [
        audit.record(
            audit.Action.UPDATE, actor=secretary, obj=cast.people["王磊"], after={"post": "x"}
        ),
        audit.record(audit.Action.UNMASK, actor=admin, obj=cast.people["黄涛"]),
    ]
    return [*new, *old]


# --- append-only ------------------------------------------------------------------------------


@POSTGRES_ONLY
@pytest.mark.req("C-3")
@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE core_auditevent SET action = 'login' WHERE id = %s",
        "DELETE FROM core_auditevent WHERE id = %s",
    ],
    ids=["update", "delete"],
)
def test_the_database_refuses_to_rewrite_the_trail(trail: list[AuditEvent], statement: str) -> None:
    event = trail[0]
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(statement, [event.pk])
    event.refresh_from_db()
    assert event.action == AuditEvent.Action.UPDATE


@POSTGRES_ONLY
@pytest.mark.req("C-3")
def test_the_orm_cannot_rewrite_the_trail_either(trail: list[AuditEvent]) -> None:
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.filter(pk=trail[0].pk).update(message="tampered")
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.filter(pk=trail[0].pk).delete()
    assert AuditEvent.objects.filter(pk=trail[0].pk, message="").exists()


@POSTGRES_ONLY
@pytest.mark.req("C-3")
def test_the_trigger_lets_new_rows_in(cast: Cast) -> None:
    audit.record(audit.Action.EXPORT, actor=cast.users["party_admin"], object_type="test")
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM core_auditevent WHERE action = 'export'")
        assert cursor.fetchone()[0] == 1


# --- who reads it -----------------------------------------------------------------------------


@pytest.mark.req("B-3")
@pytest.mark.parametrize(
    "persona",
    [
        "leader",
        "party_admin",
        "secretary",
        "member",
        "sibling",
        "business_head",
        "sysadmin",
        "secadmin",
        "outsider",
    ],
)
def test_only_the_audit_administrator_reads_the_trail(
    cast: Cast, trail: list[AuditEvent], persona: str
) -> None:
    assert cast.client(persona).get("/audit/").status_code == 403


@pytest.mark.req("B-3")
def test_the_audit_administrator_reads_the_newest_first(
    cast: Cast, trail: list[AuditEvent]
) -> None:
    response = cast.client("auditor").get("/audit/")
    assert response.status_code == 200
    own_read, *rest = response.context["page"]
    assert own_read.action == AuditEvent.Action.AUDIT_READ  # reading is itself audited
    assert [event.pk for event in rest] == [
        trail[1].pk,
        trail[0].pk,
        trail[3].pk,
        trail[2].pk,
    ]
    assert "no-store" in response["Cache-Control"]


def audit_page(cast: Cast, **params: Any) -> list[int]:
    response = cast.client("auditor").get("/audit/", params)
    assert response.status_code == 200
    # The auditor's own reads are audited too; these tests look at the other rows.
    return sorted(
        event.pk
        for event in response.context["page"]
        if event.action != AuditEvent.Action.AUDIT_READ
    )


@pytest.mark.req("C-2")
def test_the_trail_filters_by_user_action_outcome_and_object(
    cast: Cast, trail: list[AuditEvent]
) -> None:
    update, unmask, failed, move = (event.pk for event in trail)
    assert audit_page(cast, actor="SECRET") == [update]
    assert audit_page(cast, actor="party_admin") == sorted([unmask, move])
    assert audit_page(cast, actor="nobody") == [failed]
    assert audit_page(cast, action="unmask") == [unmask]
    assert audit_page(cast, outcome="failure") == [failed]
    assert audit_page(cast, object_id=str(cast.orgs["A1"].code)) == [move]
    assert audit_page(cast, actor="party_admin", action="move") == [move]


@pytest.mark.req("C-2")
def test_the_trail_filters_by_day(cast: Cast, trail: list[AuditEvent]) -> None:
    today = timezone.localdate()
    yesterday = today - timedelta(days=1)
    update, unmask, failed, move = (event.pk for event in trail)
    assert audit_page(cast, since=today.isoformat()) == sorted([update, unmask])
    assert audit_page(cast, until=yesterday.isoformat()) == sorted([failed, move])
    assert audit_page(cast, since=yesterday.isoformat(), until=today.isoformat()) == sorted(
        [update, unmask, failed, move]
    )


def test_a_reversed_date_range_is_reported_on_the_end_date(
    cast: Cast, trail: list[AuditEvent]
) -> None:
    today = timezone.localdate()
    response = cast.client("auditor").get(
        "/audit/", {"since": today.isoformat(), "until": (today - timedelta(days=2)).isoformat()}
    )
    assert "until" in response.context["form"].errors


def test_an_unknown_action_filter_is_a_form_error_not_a_crash(
    cast: Cast, trail: list[AuditEvent]
) -> None:
    response = cast.client("auditor").get("/audit/", {"action": "drop table"})
    assert response.status_code == 200
    assert "action" in response.context["form"].errors


# --- what a row records -----------------------------------------------------------------------


@pytest.mark.req("C-1")
def test_a_row_written_during_a_request_carries_who_where_and_the_request_id(cast: Cast) -> None:
    wang = cast.people["王磊"]
    response = cast.client("party_admin").post(
        f"/people/{wang.code}/reveal/", HTTP_USER_AGENT="pytest-agent"
    )
    event = AuditEvent.objects.get()
    assert (event.actor_username, event.actor_roles) == ("party_admin", "party_admin")
    assert event.ip == "127.0.0.1"
    assert event.user_agent == "pytest-agent"
    assert event.request_id == response["X-Request-ID"]
    assert event.object_type == "people.person"
    assert event.object_repr == "王磊"


# --- an audit row and its change commit together or not at all ------------------------------


@pytest.mark.req("C-5")
def test_a_failing_audit_write_rolls_back_the_person_update(cast: Cast) -> None:
    wang = cast.people["王磊"]
    before = Person.objects.filter(pk=wang.pk).values().get()
    with (
        mock.patch(FAIL_AUDIT, side_effect=DatabaseError("audit down")),
        pytest.raises(DatabaseError),
    ):
        people_services.person_update(
            person=wang,
            data={"post": "改过", "id_number": "11010519491231002X"},
            by=cast.users["secretary"],
        )
    assert Person.objects.filter(pk=wang.pk).values().get() == before


@pytest.mark.req("C-5")
def test_a_failing_audit_write_rolls_back_an_edit_made_through_the_page(cast: Cast) -> None:
    wang = cast.people["王磊"]
    before = Person.objects.filter(pk=wang.pk).values().get()
    data = {
        "name": "王磊",
        "gender": wang.gender,
        "birth_date": wang.birth_date.isoformat(),
        "education": "",
        "unit": wang.unit_id,
        "post": "改过",
        "political_status": wang.political_status,
        "party_org": wang.party_org_id,
        "joined_on": wang.joined_on.isoformat(),
        "full_member_on": wang.full_member_on.isoformat(),
        "id_number": "",
        "phone": "",
    }
    client = cast.client("secretary")
    with (
        mock.patch(FAIL_AUDIT, side_effect=DatabaseError("audit down")),
        pytest.raises(DatabaseError),
    ):
        client.post(f"/people/{wang.code}/edit/", data)
    assert Person.objects.filter(pk=wang.pk).values().get() == before


@pytest.mark.req("C-5")
def test_a_failing_audit_write_rolls_back_a_person_created(cast: Cast) -> None:
    count = Person.objects.count()
    data = {
        "name": "新人",
        "gender": "male",
        "birth_date": None,
        "id_number": "34052419800101001X",
        "phone": "",
    }
    with (
        mock.patch(FAIL_AUDIT, side_effect=DatabaseError("audit down")),
        pytest.raises(DatabaseError),
    ):
        people_services.person_create(data=data, by=cast.users["party_admin"])
    assert Person.objects.count() == count


@pytest.mark.req("C-5")
def test_a_failing_audit_write_rolls_back_a_subtree_move(cast: Cast) -> None:
    paths = list(PartyOrg.objects.order_by("pk").values_list("pk", "path", "depth", "numchild"))
    with (
        mock.patch(FAIL_AUDIT, side_effect=DatabaseError("audit down")),
        pytest.raises(DatabaseError),
    ):
        org_services.node_move(
            node=cast.orgs["A1"], new_parent=cast.orgs["B"], by=cast.users["party_admin"]
        )
    assert (
        list(PartyOrg.objects.order_by("pk").values_list("pk", "path", "depth", "numchild"))
        == paths
    )


@pytest.mark.req("C-5")
def test_a_failing_audit_write_rolls_back_a_reveal(cast: Cast) -> None:
    """No audit row, no numbers: unmasking without a record must not happen."""
    with (
        mock.patch(FAIL_AUDIT, side_effect=DatabaseError("audit down")),
        pytest.raises(DatabaseError),
    ):
        people_services.person_unmask(person=cast.people["王磊"], by=cast.users["party_admin"])
