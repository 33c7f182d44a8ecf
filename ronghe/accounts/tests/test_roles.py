"""Granting and revoking roles: refusals change nothing and say why next to the field."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from ronghe.accounts import services
from ronghe.accounts.models import RoleAssignment, User
from ronghe.core.access import Role
from ronghe.core.models import AuditEvent
from ronghe.testing import Cast, make_user


def grant_page(client: Client, **data: Any) -> Any:
    data.setdefault("party_org", "")
    data.setdefault("unit", "")
    return client.post(reverse("accounts:role_list"), data)


def field_errors(response: Any) -> dict[str, list[str]]:
    assert response.status_code == 200
    return response.context["form"].errors


# --- refusals through the service -------------------------------------------------------------


@pytest.mark.req("B-3")
@pytest.mark.parametrize(
    ("case", "field"),
    [
        ("org_outside_reach", "party_org"),
        ("user_outside_reach", "username"),
        ("user_without_person", "username"),
        ("admin_role", "role"),
        ("unmask_without_unmask", "may_unmask"),
        ("duplicate", "role"),
    ],
)
def test_party_staff_cannot_grant_outside_their_reach(cast: Cast, case: str, field: str) -> None:
    by = cast.users["party_admin"]
    kwargs: dict[str, Any] = {
        "user": cast.users["member"],
        "role": Role.COMMITTEE,
        "party_org": cast.orgs["A1"],
    }
    if case == "org_outside_reach":
        kwargs["party_org"] = cast.orgs["O"]
    elif case == "user_outside_reach":
        kwargs["user"] = cast.users["outsider"]
    elif case == "user_without_person":
        kwargs["user"] = make_user("nobody")
    elif case == "admin_role":
        kwargs.update(role=Role.SYSADMIN, party_org=None)
    elif case == "unmask_without_unmask":
        by = make_user(
            "staff_a", person=cast.people["杨帆"], roles=[(Role.PARTY_ADMIN, cast.orgs["A"])]
        )
        kwargs["may_unmask"] = True
    elif case == "duplicate":
        kwargs["role"] = Role.MEMBER
    before = RoleAssignment.objects.count()
    with pytest.raises(services.AccountError) as refused:
        services.role_grant(by=by, **kwargs)
    assert refused.value.field == field
    assert RoleAssignment.objects.count() == before
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.ROLE_GRANTED).exists()


@pytest.mark.req("B-3")
def test_a_business_head_sits_on_a_business_unit_not_a_party_org(cast: Cast) -> None:
    before = RoleAssignment.objects.count()
    with pytest.raises(services.AccountError) as refused:
        services.role_grant(
            user=cast.users["member"],
            role=Role.BUSINESS_HEAD,
            party_org=cast.orgs["A1"],
            by=cast.users["secadmin"],
        )
    assert refused.value.field == "unit"
    assert RoleAssignment.objects.count() == before


# --- the same refusals through the page -------------------------------------------------------


@pytest.mark.req("B-3")
def test_the_page_refuses_an_org_outside_the_staff_members_reach(cast: Cast) -> None:
    before = RoleAssignment.objects.count()
    response = grant_page(
        cast.client("party_admin"),
        username="member",
        role=Role.COMMITTEE,
        party_org=cast.orgs["O"].pk,
    )
    assert "party_org" in field_errors(response)
    assert RoleAssignment.objects.count() == before


@pytest.mark.req("B-3")
@pytest.mark.parametrize("target", ["outsider", "leader"])
def test_the_page_refuses_a_user_outside_the_staff_members_reach(cast: Cast, target: str) -> None:
    before = RoleAssignment.objects.count()
    response = grant_page(
        cast.client("party_admin"),
        username=target,
        role=Role.COMMITTEE,
        party_org=cast.orgs["A1"].pk,
    )
    assert "username" in field_errors(response)
    assert b'id="id_username_error"' in response.content
    assert RoleAssignment.objects.count() == before


@pytest.mark.req("B-3")
def test_the_page_offers_party_staff_no_administrator_role(cast: Cast) -> None:
    before = RoleAssignment.objects.count()
    client = cast.client("party_admin")
    form = client.get(reverse("accounts:role_list")).context["form"]
    offered = {value for value, _ in form.fields["role"].choices}
    assert not offered & {Role.SYSADMIN, Role.SECADMIN, Role.AUDITOR}
    response = grant_page(client, username="member", role=Role.AUDITOR)
    assert "role" in field_errors(response)
    assert RoleAssignment.objects.count() == before


@pytest.mark.req("B-3")
def test_the_page_refuses_a_business_head_on_a_party_org(cast: Cast) -> None:
    before = RoleAssignment.objects.count()
    response = grant_page(
        cast.client("secadmin"),
        username="member",
        role=Role.BUSINESS_HEAD,
        party_org=cast.orgs["A1"].pk,
    )
    assert "unit" in field_errors(response)
    assert b'id="id_unit_error"' in response.content
    assert RoleAssignment.objects.count() == before


@pytest.mark.req("B-3")
@pytest.mark.parametrize("granter", ["secadmin", "party_admin"])
def test_the_page_refuses_a_duplicate_grant(cast: Cast, granter: str) -> None:
    before = RoleAssignment.objects.count()
    response = grant_page(
        cast.client(granter), username="member", role=Role.MEMBER, party_org=cast.orgs["A1"].pk
    )
    assert "role" in field_errors(response)
    assert RoleAssignment.objects.count() == before


@pytest.mark.req("B-3")
def test_the_page_refuses_a_party_role_for_an_administrator(cast: Cast) -> None:
    before = RoleAssignment.objects.count()
    response = grant_page(
        cast.client("secadmin"), username="sysadmin", role=Role.MEMBER, party_org=cast.orgs["A1"].pk
    )
    assert "username" in field_errors(response)
    assert RoleAssignment.objects.count() == before


@pytest.mark.req("B-3")
def test_the_page_refuses_a_second_administrator_role(cast: Cast) -> None:
    before = RoleAssignment.objects.count()
    response = grant_page(cast.client("secadmin"), username="sysadmin", role=Role.AUDITOR)
    assert "role" in field_errors(response)
    assert RoleAssignment.objects.count() == before


@pytest.mark.req("B-3")
def test_the_page_refuses_an_unknown_username(cast: Cast) -> None:
    before = RoleAssignment.objects.count()
    response = grant_page(
        cast.client("secadmin"),
        username="no-such-user",
        role=Role.MEMBER,
        party_org=cast.orgs["A1"].pk,
    )
    assert "username" in field_errors(response)
    assert RoleAssignment.objects.count() == before


# --- successful grants and revokes ------------------------------------------------------------


@pytest.mark.req("B-3")
@pytest.mark.req("C-5")
def test_a_grant_through_the_page_takes_effect_and_is_audited(cast: Cast) -> None:
    response = grant_page(
        cast.client("party_admin"),
        username="secretary",
        role=Role.COMMITTEE,
        party_org=cast.orgs["A1"].pk,
    )
    assert response.status_code == 302
    assignment = RoleAssignment.objects.get(user=cast.users["secretary"], role=Role.COMMITTEE)
    assert assignment.granted_by == cast.users["party_admin"]
    event = AuditEvent.objects.get(action=AuditEvent.Action.ROLE_GRANTED)
    assert event.actor == cast.users["party_admin"]
    assert event.object_id == str(cast.users["secretary"].code)
    assert event.after == {
        "role": "committee",
        "party_org": "A1",
        "unit": None,
        "may_unmask": False,
    }


@pytest.mark.req("B-3")
def test_the_security_administrator_grants_a_business_head_on_a_unit(cast: Cast) -> None:
    response = grant_page(
        cast.client("secadmin"),
        username="sibling",
        role=Role.BUSINESS_HEAD,
        unit=cast.units["UA2"].pk,
    )
    assert response.status_code == 302
    assert RoleAssignment.objects.filter(
        user=cast.users["sibling"], role=Role.BUSINESS_HEAD, unit=cast.units["UA2"]
    ).exists()


@pytest.mark.req("B-3")
@pytest.mark.req("C-5")
def test_a_revoke_through_the_page_takes_effect_and_is_audited(cast: Cast) -> None:
    assignment = RoleAssignment.objects.get(user=cast.users["member"])
    response = cast.client("party_admin").post(
        reverse("accounts:role_revoke", args=[assignment.code])
    )
    assert response.status_code == 302
    assert not RoleAssignment.objects.filter(pk=assignment.pk).exists()
    event = AuditEvent.objects.get(action=AuditEvent.Action.ROLE_REVOKED)
    assert event.actor == cast.users["party_admin"]
    assert event.before == {"role": "member", "party_org": "A1", "unit": None}


@pytest.mark.req("B-3")
def test_party_staff_cannot_revoke_outside_their_reach(cast: Cast) -> None:
    outsiders = RoleAssignment.objects.get(user=cast.users["outsider"])
    admins = RoleAssignment.objects.get(user=cast.users["auditor"])
    client = cast.client("party_admin")
    for assignment in (outsiders, admins):
        assert (
            client.post(reverse("accounts:role_revoke", args=[assignment.code])).status_code == 404
        )
        assert RoleAssignment.objects.filter(pk=assignment.pk).exists()
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.ROLE_REVOKED).exists()


@pytest.mark.req("B-3")
def test_the_security_administrator_cannot_revoke_their_own_role(cast: Cast) -> None:
    own = RoleAssignment.objects.get(user=cast.users["secadmin"])
    cast.client("secadmin").post(reverse("accounts:role_revoke", args=[own.code]))
    assert RoleAssignment.objects.filter(pk=own.pk).exists()


@pytest.mark.req("B-3")
def test_a_granted_role_changes_what_the_user_may_see_at_their_next_request(cast: Cast) -> None:
    member = cast.client("member")
    assert member.get("/people/").status_code == 403
    services.role_grant(
        user=cast.users["member"],
        role=Role.COMMITTEE,
        party_org=cast.orgs["A1"],
        by=cast.users["party_admin"],
    )
    assert member.get("/people/").status_code == 200
    assert User.objects.get(username="member").role_names() == {Role.MEMBER, Role.COMMITTEE}


@pytest.mark.req("B-3")
@pytest.mark.req("D-2")
def test_the_right_to_unmask_can_only_be_passed_on_where_the_granter_holds_it(cast: Cast) -> None:
    # Staff who may unmask in 甲公司 (A) but not in 乙公司 (B), though they assign roles in both.
    staff = make_user("staff2", person=cast.people["杨帆"])
    RoleAssignment.objects.create(
        user=staff, role=Role.PARTY_ADMIN, party_org=cast.orgs["A"], may_unmask=True
    )
    RoleAssignment.objects.create(user=staff, role=Role.PARTY_ADMIN, party_org=cast.orgs["B"])
    target = make_user("huangtao", person=cast.people["黄涛"])
    before = RoleAssignment.objects.count()
    with pytest.raises(services.AccountError) as refused:
        services.role_grant(
            user=target, role=Role.SECRETARY, party_org=cast.orgs["B1"], may_unmask=True, by=staff
        )
    assert refused.value.field == "may_unmask"
    assert RoleAssignment.objects.count() == before
    # Without the unmask right the same grant is fine.
    services.role_grant(user=target, role=Role.SECRETARY, party_org=cast.orgs["B1"], by=staff)
