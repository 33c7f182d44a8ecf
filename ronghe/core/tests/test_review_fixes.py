"""Regression tests for holes found in review: each would let someone act outside their reach,
or leave a write without its audit row."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client, RequestFactory, override_settings

from ronghe.accounts.models import RoleAssignment, User
from ronghe.core.access import Role
from ronghe.core.middleware import client_ip
from ronghe.core.models import AuditEvent
from ronghe.orgs.models import PartyOrg, Unit
from ronghe.people.models import Person, PoliticalStatus
from ronghe.testing import Cast, PersonFactory, make_user, sign_in


@pytest.mark.req("B-4")
def test_reading_a_unit_is_not_enough_to_map_it_and_gain_its_people(cast: Cast) -> None:
    # Staff of A1 who also lead (read-only) the whole company U.
    staff = make_user(
        "a1_staff", roles=[(Role.PARTY_ADMIN, cast.orgs["A1"]), (Role.LEADER, cast.units["U"])]
    )
    client = sign_in(Client(), staff)
    a1 = cast.orgs["A1"]
    response = client.post(
        f"/orgs/{a1.code}/edit/",
        {
            "name": a1.name,
            "org_code": a1.org_code,
            "kind": a1.kind,
            "term_years": 3,
            "units": [cast.units["UA1"].pk, cast.units["UB1"].pk],
        },
    )
    assert response.status_code == 200
    assert "units" in response.context["form"].errors
    assert set(a1.units.values_list("org_code", flat=True)) == {"UA1"}
    assert client.get(f"/people/{cast.people['黄涛'].code}/edit/").status_code == 403


@pytest.mark.req("B-4")
def test_a_secretary_cannot_pull_a_member_of_another_branch_into_their_own(cast: Cast) -> None:
    # 钱七 belongs to branch A2 but works in UA1, the department A1 is built on.
    qian = PersonFactory.create(name="钱七", party_org=cast.orgs["A2"], unit=cast.units["UA1"])
    client = cast.client("secretary")
    form = client.get(f"/people/{qian.code}/edit/").context["form"]
    assert all(form.fields[name].disabled for name in form.PARTY_FIELDS)
    data = {
        "name": "钱七",
        "gender": qian.gender,
        "birth_date": qian.birth_date.isoformat(),
        "unit": cast.units["UA1"].pk,
        "post": "高级工程师",
        "education": "",
        "political_status": PoliticalStatus.FULL_MEMBER,
        "party_org": cast.orgs["A1"].pk,
        "joined_on": "2010-07-01",
        "full_member_on": "2011-07-01",
    }
    response = client.post(f"/people/{qian.code}/edit/", data)
    assert response.status_code == 302  # the work record saves …
    qian.refresh_from_db()
    assert qian.post == "高级工程师"
    assert qian.party_org == cast.orgs["A2"]  # … the Party record does not move


def test_a_new_person_needs_a_unit_or_a_party_organisation(cast: Cast) -> None:
    before = Person.objects.count()
    response = cast.client("secretary").post(
        "/people/new/",
        {
            "name": "孙八",
            "id_number": "11010519491231002X",
            "gender": "male",
            "political_status": PoliticalStatus.NON_MEMBER,
        },
    )
    assert response.status_code == 200
    assert "unit" in response.context["form"].errors
    assert Person.objects.count() == before


@pytest.mark.req("B-4")
def test_a_login_needs_role_granting_reach_over_that_person(cast: Cast) -> None:
    # Secretary of A1 and staff of B1: may grant roles in B1, not over A1's people.
    mixed = make_user(
        "mixed", roles=[(Role.SECRETARY, cast.orgs["A1"]), (Role.PARTY_ADMIN, cast.orgs["B1"])]
    )
    client = sign_in(Client(), mixed)
    li_na = cast.people["李娜"]
    assert client.get(f"/people/{li_na.code}/").context["can_create_login"] is False
    response = client.post(f"/people/{li_na.code}/login/", {"username": "lina"})
    assert response.status_code == 403
    assert not User.objects.filter(person=li_na).exists()


@pytest.mark.req("C-1")
def test_the_bootstrap_role_grant_is_audited(db: None) -> None:
    call_command("bootstrap_admin", username="root_admin", stdout=StringIO())
    grant = AuditEvent.objects.get(action=AuditEvent.Action.ROLE_GRANTED)
    assert grant.after == {"role": Role.SYSADMIN}
    assert RoleAssignment.objects.filter(role=Role.SYSADMIN).count() == 1


def test_the_first_organisations_come_from_the_command_line(db: None) -> None:
    call_command("create_root_org", tree="unit", name="某集团公司", code="zj", stdout=StringIO())
    call_command(
        "create_root_org",
        tree="party",
        name="中共某集团公司委员会",
        code="ZJ-DW",
        map_to="ZJ",
        stdout=StringIO(),
    )
    root = PartyOrg.objects.get(org_code="ZJ-DW")
    assert (root.depth, root.kind, root.term_years) == (1, PartyOrg.Kind.COMMITTEE, 5)
    assert list(root.units.values_list("org_code", flat=True)) == ["ZJ"]
    assert AuditEvent.objects.filter(action=AuditEvent.Action.CREATE).count() == 2
    with pytest.raises(CommandError):
        call_command("create_root_org", tree="party", name="x", code="ZJ-DW", stdout=StringIO())
    with pytest.raises(CommandError):  # a branch cannot be a top-level organisation
        call_command(
            "create_root_org", tree="party", name="x", code="X1", kind="branch", stdout=StringIO()
        )
    assert PartyOrg.objects.count() == 1 and Unit.objects.count() == 1


def test_paging_the_account_list_keeps_the_search(cast: Cast) -> None:
    for number in range(55):
        make_user(f"zz{number:02d}")
    response = cast.client("sysadmin").get("/manage/accounts/", {"q": "zz"})
    html = response.content.decode()
    assert "q=zz&amp;page=2" in html


@override_settings(TRUSTED_PROXIES=["10.0.0.1"])
def test_the_audit_address_comes_from_our_proxy_only() -> None:
    factory = RequestFactory()
    via_proxy = factory.get(
        "/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="1.2.3.4, 203.0.113.9"
    )
    assert client_ip(via_proxy) == "203.0.113.9"
    spoofed = factory.get("/", REMOTE_ADDR="198.51.100.7", HTTP_X_FORWARDED_FOR="1.2.3.4")
    assert client_ip(spoofed) == "198.51.100.7"
