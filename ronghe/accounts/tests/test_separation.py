"""B-3: separation of the three administrators (三员分立) and who may open which admin page."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse

from ronghe.accounts import services
from ronghe.accounts.models import RoleAssignment, User
from ronghe.core.access import Role
from ronghe.core.models import AuditEvent
from ronghe.testing import Cast

ADMIN_PAGES = [
    "accounts:user_list",
    "accounts:user_create",
    "accounts:role_list",
    "core:audit_list",
]

# Who may open which administration page; everyone else gets 403.
ALLOWED: dict[str, set[str]] = {
    "accounts:user_list": {"sysadmin"},
    "accounts:user_create": {"sysadmin"},
    # Party-affairs staff grant roles inside their own subtree (the outsider in theirs).
    "accounts:role_list": {"secadmin", "party_admin", "outsider"},
    "core:audit_list": {"auditor"},
}


@pytest.mark.req("B-3")
def test_every_persona_gets_exactly_the_admin_pages_of_the_allow_table(cast: Cast) -> None:
    expected, actual = {}, {}
    for persona in cast.users:
        client = cast.client(persona)
        for page in ADMIN_PAGES:
            expected[persona, page] = 200 if persona in ALLOWED[page] else 403
            actual[persona, page] = client.get(reverse(page)).status_code
    assert actual == expected


@pytest.mark.req("B-3")
def test_the_user_detail_page_is_for_the_sysadmin_only(cast: Cast) -> None:
    url = reverse("accounts:user_detail", args=[cast.users["member"].code])
    for persona in cast.users:
        status = cast.client(persona).get(url).status_code
        assert status == (200 if persona == "sysadmin" else 403), persona


@pytest.mark.req("B-3")
@pytest.mark.parametrize("persona", ["sysadmin", "secadmin", "auditor"])
def test_administrators_reach_no_party_data(cast: Cast, persona: str) -> None:
    client = cast.client(persona)
    assert client.get("/people/").status_code == 403
    assert client.get(reverse("people:detail", args=[cast.people["王磊"].code])).status_code == 404


@pytest.mark.req("B-3")
def test_an_administrator_cannot_be_granted_a_second_administrator_role(cast: Cast) -> None:
    before = RoleAssignment.objects.count()
    with pytest.raises(services.AccountError) as refused:
        services.role_grant(
            user=cast.users["sysadmin"], role=Role.AUDITOR, by=cast.users["secadmin"]
        )
    assert refused.value.field == "role"
    assert RoleAssignment.objects.count() == before


@pytest.mark.req("B-3")
def test_the_database_refuses_a_second_administrator_role_too(cast: Cast) -> None:
    before = RoleAssignment.objects.count()
    with pytest.raises(IntegrityError), transaction.atomic():
        RoleAssignment.objects.create(user=cast.users["sysadmin"], role=Role.AUDITOR)
    assert RoleAssignment.objects.count() == before


@pytest.mark.req("B-3")
def test_the_database_refuses_an_administrator_role_tied_to_an_organisation(cast: Cast) -> None:
    newcomer = User.objects.create_user("newcomer", "x")
    with pytest.raises(IntegrityError), transaction.atomic():
        RoleAssignment.objects.create(user=newcomer, role=Role.AUDITOR, party_org=cast.orgs["G"])


@pytest.mark.req("B-3")
@pytest.mark.parametrize("granter", ["secadmin", "party_admin"])
def test_an_administrator_cannot_be_given_a_party_role(cast: Cast, granter: str) -> None:
    before = RoleAssignment.objects.count()
    with pytest.raises(services.AccountError):
        services.role_grant(
            user=cast.users["sysadmin"],
            role=Role.MEMBER,
            party_org=cast.orgs["A1"],
            by=cast.users[granter],
        )
    assert RoleAssignment.objects.count() == before
    assert cast.users["sysadmin"].role_names() == {Role.SYSADMIN}


@pytest.mark.req("B-3")
def test_a_party_role_holder_cannot_be_made_an_administrator(cast: Cast) -> None:
    before = RoleAssignment.objects.count()
    with pytest.raises(services.AccountError) as refused:
        services.role_grant(user=cast.users["member"], role=Role.AUDITOR, by=cast.users["secadmin"])
    assert refused.value.field == "role"
    assert RoleAssignment.objects.count() == before


@pytest.mark.req("B-3")
def test_the_auditor_cannot_use_any_mutating_account_endpoint(cast: Cast) -> None:
    client = cast.client("auditor")
    member = cast.users["member"]
    assignment = RoleAssignment.objects.get(user=member)
    roles_before = RoleAssignment.objects.count()
    users_before = User.objects.count()
    audit_before = AuditEvent.objects.count()

    posts = [
        (reverse("accounts:user_create"), {"username": "sneaky", "display_name": "x"}),
        *[
            (reverse("accounts:user_action", args=[member.code, action]), {})
            for action in ("disable", "enable", "unlock", "reset-password", "remove-otp")
        ],
        (
            reverse("accounts:role_list"),
            {"username": "member", "role": Role.COMMITTEE, "party_org": cast.orgs["A1"].pk},
        ),
        (reverse("accounts:role_revoke", args=[assignment.code]), {}),
    ]
    for url, data in posts:
        assert client.post(url, data).status_code == 403, url

    member.refresh_from_db()
    assert member.is_active and member.check_password("Ronghe-Test-2026!")
    assert RoleAssignment.objects.count() == roles_before
    assert User.objects.count() == users_before
    assert AuditEvent.objects.count() == audit_before


@pytest.mark.req("B-3")
def test_the_security_administrator_cannot_manage_accounts(cast: Cast) -> None:
    client = cast.client("secadmin")
    url = reverse("accounts:user_action", args=[cast.users["auditor"].code, "disable"])
    assert client.post(url).status_code == 403
    assert User.objects.get(username="auditor").is_active


@pytest.mark.req("B-3")
def test_the_sysadmin_cannot_grant_roles(cast: Cast) -> None:
    with pytest.raises(services.AccountError):
        services.role_grant(
            user=cast.users["member"],
            role=Role.COMMITTEE,
            party_org=cast.orgs["A1"],
            by=cast.users["sysadmin"],
        )
    assert cast.client("sysadmin").post(reverse("accounts:role_list"), {}).status_code == 403


@pytest.mark.req("B-3")
def test_the_outsider_sees_only_role_assignments_in_their_own_organisation(cast: Cast) -> None:
    response = cast.client("outsider").get(reverse("accounts:role_list"))
    listed = {(a.user.username, a.party_org.org_code) for a in response.context["page"]}
    assert listed == {("outsider", "O")}
    form = response.context["form"]
    assert {org.org_code for org in form.fields["party_org"].queryset} == {"O", "O1"}
    assert {unit.org_code for unit in form.fields["unit"].queryset} == set()


@pytest.mark.req("B-3")
def test_there_is_no_superuser_who_bypasses_the_roles(db: None) -> None:
    assert not hasattr(User, "is_superuser")
    assert not hasattr(User, "has_perm")


@pytest.mark.req("B-3")
@pytest.mark.req("B-3")
def test_the_auditor_reading_the_trail_is_itself_audited(cast: Cast) -> None:
    client = cast.client("auditor")
    before = AuditEvent.objects.count()
    assert client.get(reverse("core:audit_list"), {"actor": "member"}).status_code == 200
    assert AuditEvent.objects.filter(actor=cast.users["auditor"]).count() == 1
    assert AuditEvent.objects.count() == before + 1
