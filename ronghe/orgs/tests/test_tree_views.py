"""The two trees through their pages: browse, create, rename, move a subtree, close."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.messages import get_messages
from django.test import Client
from django.utils import timezone

from ronghe.core.models import AuditEvent
from ronghe.orgs import services
from ronghe.orgs.forms import MoveForm
from ronghe.orgs.models import PartyOrg, Unit
from ronghe.testing import Cast, make_org, make_unit

K = PartyOrg.Kind
UK = Unit.Kind


def tree_state(model: type[PartyOrg] | type[Unit]) -> list[tuple[Any, ...]]:
    return list(
        model.objects.order_by("pk").values_list(
            "pk", "path", "depth", "numchild", "name", "org_code", "kind", "closed_on"
        )
    )


def form_errors(response: Any, field: str) -> list[Any]:
    return response.context["form"].errors.get(field, [])


def new_party_org(client: Client, parent: PartyOrg, **fields: Any) -> Any:
    data = {"name": "新组织", "org_code": "NEW1", "kind": K.GROUP, **fields}
    return client.post(f"/orgs/new/?parent={parent.code}", data)


def move_value(node: Any) -> Any:
    return MoveForm.base_fields["new_parent"].prepare_value(node)


# --- browsing ---------------------------------------------------------------------------------


def test_the_tree_page_opens_at_the_top_of_the_reach_with_its_children(cast: Cast) -> None:
    response = cast.client("party_admin").get("/orgs/")
    assert response.status_code == 200
    groups = response.context["groups"]
    assert [group["top"]["node"].org_code for group in groups] == ["G"]
    assert [row["node"].org_code for row in groups[0]["children"]] == ["A", "B"]


def test_the_secretary_tree_starts_at_the_branch(cast: Cast) -> None:
    groups = cast.client("secretary").get("/orgs/").context["groups"]
    assert [group["top"]["node"].org_code for group in groups] == ["A1"]
    assert [row["node"].org_code for row in groups[0]["children"]] == ["A1G"]


def test_a_tree_search_finds_by_name_or_code_within_reach(cast: Cast) -> None:
    matches = cast.client("party_admin").get("/orgs/", {"q": "a1"}).context["matches"]
    assert {row["node"].org_code for row in matches} == {"A1", "A1G"}
    assert cast.client("party_admin").get("/orgs/", {"q": "外单位"}).context["matches"] == []


def test_the_children_fragment_lists_one_level(cast: Cast) -> None:
    response = cast.client("party_admin").get(f"/orgs/{cast.orgs['A'].code}/children/")
    assert [row["node"].org_code for row in response.context["rows"]] == ["A1", "A2"]


def test_the_detail_page_shows_counts_over_the_subtree_and_the_path_above(cast: Cast) -> None:
    response = cast.client("party_admin").get(f"/orgs/{cast.orgs['A1'].code}/")
    counts = response.context["own"]["health"].counts
    assert (counts.full, counts.probationary, counts.everyone) == (3, 1, 4)  # 李娜 sits in A1G
    assert [node.org_code for node in response.context["ancestors"]] == ["G", "A"]
    assert response.context["can_manage"] is True


def test_the_breadcrumb_stops_at_the_top_of_the_reach(cast: Cast) -> None:
    response = cast.client("secretary").get(f"/orgs/{cast.orgs['A1G'].code}/")
    assert [node.org_code for node in response.context["ancestors"]] == ["A1"]
    assert response.context["can_manage"] is False


def test_the_unit_tree_uses_the_mapped_units_for_party_staff(cast: Cast) -> None:
    groups = cast.client("party_admin").get("/units/").context["groups"]
    assert sorted(group["top"]["node"].org_code for group in groups) == ["UA1", "UA2", "UB1"]
    detail = cast.client("party_admin").get(f"/units/{cast.units['UA1'].code}/")
    assert [org.org_code for org in detail.context["party_orgs"]] == ["A1"]


# --- creating ---------------------------------------------------------------------------------


@pytest.mark.req("C-1")
def test_party_staff_add_a_group_under_a_branch(cast: Cast) -> None:
    a1 = cast.orgs["A1"]
    response = new_party_org(cast.client("party_admin"), a1, org_code=" new1 ")
    assert response.status_code == 302
    group = PartyOrg.objects.get(org_code="NEW1")
    assert response["Location"] == f"/orgs/{group.code}/"
    assert group.path.startswith(a1.path) and group.depth == a1.depth + 1
    assert group.term_years is None  # a Party group has no elected term
    event = AuditEvent.objects.get(object_id=str(group.code))
    assert (event.action, event.after["org_code"]) == (AuditEvent.Action.CREATE, "NEW1")


def test_a_new_branch_gets_the_default_three_year_term(cast: Cast) -> None:
    response = new_party_org(cast.client("party_admin"), cast.orgs["A"], kind=K.BRANCH)
    assert response.status_code == 302
    assert PartyOrg.objects.get(org_code="NEW1").term_years == 3


@pytest.mark.parametrize(
    ("parent", "kind"),
    [
        ("A", K.GROUP),
        ("A1", K.BRANCH),
        ("A1", K.COMMITTEE),
        ("A1G", K.GROUP),
        ("A1", K.GENERAL_BRANCH),
    ],
    ids=[
        "group under committee",
        "branch under branch",
        "committee under branch",
        "group under group",
        "general branch under branch",
    ],
)
def test_a_kind_that_may_not_sit_under_the_parent_is_refused(
    cast: Cast, parent: str, kind: str
) -> None:
    before = tree_state(PartyOrg)
    response = new_party_org(cast.client("party_admin"), cast.orgs[parent], kind=kind)
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    assert tree_state(PartyOrg) == before
    assert not AuditEvent.objects.exists()


@pytest.mark.parametrize("code", ["A1", "a1", " A1 "])
def test_a_duplicate_organisation_code_is_refused(cast: Cast, code: str) -> None:
    before = tree_state(PartyOrg)
    response = new_party_org(cast.client("party_admin"), cast.orgs["A1"], org_code=code)
    assert form_errors(response, "org_code")
    assert tree_state(PartyOrg) == before


@pytest.mark.parametrize(("field", "value"), [("org_code", "A 1/2"), ("term_years", "7")])
def test_malformed_organisation_input_is_refused_next_to_its_field(
    cast: Cast, field: str, value: str
) -> None:
    before = tree_state(PartyOrg)
    response = new_party_org(
        cast.client("party_admin"), cast.orgs["A"], kind=K.BRANCH, **{field: value}
    )
    assert form_errors(response, field)
    assert tree_state(PartyOrg) == before


def test_a_term_cannot_start_before_the_organisation_was_established(cast: Cast) -> None:
    response = new_party_org(
        cast.client("party_admin"),
        cast.orgs["A"],
        kind=K.BRANCH,
        established_on="2020-01-01",
        term_started_on="2019-01-01",
    )
    assert form_errors(response, "term_started_on")


def test_nothing_is_added_under_a_closed_organisation(cast: Cast) -> None:
    empty = make_org(cast.orgs["A"], "待撤销支部", "GONE", K.BRANCH)
    services.node_close(node=empty, by=cast.users["party_admin"])
    with pytest.raises(services.TreeRuleError):
        services.node_create(
            model=PartyOrg,
            parent=PartyOrg.objects.get(pk=empty.pk),
            data={"name": "x", "org_code": "X", "kind": K.GROUP},
            by=None,
        )


def test_top_level_organisations_are_not_created_from_the_pages(cast: Cast) -> None:
    response = cast.client("party_admin").post(
        "/orgs/new/", {"name": "x", "org_code": "X", "kind": K.COMMITTEE}
    )
    assert response.status_code == 403


# --- renaming and editing ---------------------------------------------------------------------


def edit_data(org: PartyOrg, **changes: Any) -> dict[str, Any]:
    data = {
        "name": org.name,
        "org_code": org.org_code,
        "kind": org.kind,
        "established_on": org.established_on.isoformat() if org.established_on else "",
        "term_started_on": org.term_started_on.isoformat() if org.term_started_on else "",
        "term_years": org.term_years or "",
        "secretary": org.secretary_id or "",
        "units": [unit.pk for unit in org.units.all()],
    }
    data.update(changes)
    return data


@pytest.mark.req("C-1")
def test_a_rename_is_saved_and_audited_with_before_and_after(cast: Cast) -> None:
    a2 = cast.orgs["A2"]
    response = cast.client("party_admin").post(
        f"/orgs/{a2.code}/edit/", edit_data(a2, name="甲二联合支部")
    )
    assert response.status_code == 302
    a2.refresh_from_db()
    assert a2.name == "甲二联合支部"
    event = AuditEvent.objects.get(object_id=str(a2.code))
    assert event.action == AuditEvent.Action.UPDATE
    assert (event.before, event.after) == ({"name": "甲二支部"}, {"name": "甲二联合支部"})


def test_a_kind_change_that_would_strand_the_children_is_refused(cast: Cast) -> None:
    a1 = cast.orgs["A1"]
    before = tree_state(PartyOrg)
    response = cast.client("party_admin").post(
        f"/orgs/{a1.code}/edit/", edit_data(a1, kind=K.COMMITTEE)
    )
    assert form_errors(response, "kind")
    assert tree_state(PartyOrg) == before


def test_the_secretary_choice_is_limited_to_members_of_the_organisation(cast: Cast) -> None:
    a2 = cast.orgs["A2"]
    response = cast.client("party_admin").post(
        f"/orgs/{a2.code}/edit/", edit_data(a2, secretary=cast.people["黄涛"].pk)
    )
    assert form_errors(response, "secretary")
    response = cast.client("party_admin").post(
        f"/orgs/{a2.code}/edit/", edit_data(a2, secretary=cast.people["陈静"].pk)
    )
    assert response.status_code == 302
    a2.refresh_from_db()
    assert a2.secretary == cast.people["陈静"]


# --- moving a subtree -------------------------------------------------------------------------


@pytest.mark.req("C-1")
def test_moving_a_branch_moves_its_whole_subtree_and_is_audited(cast: Cast) -> None:
    a1, a1g, b = cast.orgs["A1"], cast.orgs["A1G"], cast.orgs["B"]
    response = cast.client("party_admin").post(
        f"/orgs/{a1.code}/move/", {"new_parent": move_value(b)}
    )
    assert response.status_code == 302
    a1.refresh_from_db()
    a1g.refresh_from_db()
    b.refresh_from_db()
    assert a1.path.startswith(b.path) and a1.depth == b.depth + 1
    assert a1g.path.startswith(a1.path) and a1g.depth == a1.depth + 1
    assert [child.org_code for child in PartyOrg.objects.get_children(cast.orgs["A"])] == ["A2"]
    event = AuditEvent.objects.get(object_id=str(a1.code))
    assert (event.action, event.before, event.after) == (
        AuditEvent.Action.MOVE,
        {"parent": "A"},
        {"parent": "B"},
    )


def test_after_a_move_the_secretary_still_reaches_the_branch_people(cast: Cast) -> None:
    services.node_move(
        node=cast.orgs["A1"], new_parent=cast.orgs["B"], by=cast.users["party_admin"]
    )
    response = cast.client("secretary").get("/people/")
    # The branch and the department it is built on (刘洋, a non-member of UA1) move with it.
    assert {p.name for p in response.context["page"]} == {"张伟强", "李娜", "王磊", "赵敏", "刘洋"}


def test_a_move_under_its_own_descendant_is_refused_next_to_new_parent(cast: Cast) -> None:
    a = cast.orgs["A"]
    before = tree_state(PartyOrg)
    for target in ("A1", "A1G", "A"):
        response = cast.client("party_admin").post(
            f"/orgs/{a.code}/move/", {"new_parent": move_value(cast.orgs[target])}
        )
        assert response.status_code == 200
        assert form_errors(response, "new_parent"), target
    assert tree_state(PartyOrg) == before
    assert not AuditEvent.objects.exists()


@pytest.mark.parametrize("target", ["A1", "A1G", "A"])
def test_the_service_also_refuses_a_move_into_the_own_subtree(cast: Cast, target: str) -> None:
    before = tree_state(PartyOrg)
    with pytest.raises(services.TreeRuleError) as caught:
        services.node_move(
            node=cast.orgs["A"], new_parent=cast.orgs[target], by=cast.users["party_admin"]
        )
    assert caught.value.field == "parent"
    assert tree_state(PartyOrg) == before


def test_a_move_that_breaks_the_kind_rules_is_refused_next_to_new_parent(cast: Cast) -> None:
    before = tree_state(PartyOrg)
    response = cast.client("party_admin").post(
        f"/orgs/{cast.orgs['A2'].code}/move/", {"new_parent": move_value(cast.orgs["A1"])}
    )
    assert form_errors(response, "new_parent")
    assert tree_state(PartyOrg) == before


def test_the_move_targets_are_only_open_organisations_the_user_manages(cast: Cast) -> None:
    response = cast.client("party_admin").get(f"/orgs/{cast.orgs['A1'].code}/move/")
    targets = {node.org_code for node in response.context["form"].fields["new_parent"].queryset}
    assert targets == {"G", "A", "A2", "B", "B1"}
    response = cast.client("party_admin").post(
        f"/orgs/{cast.orgs['A1'].code}/move/", {"new_parent": move_value(cast.orgs["O"])}
    )
    assert form_errors(response, "new_parent")


# --- closing ----------------------------------------------------------------------------------


def close(client: Client, tree: str, node: Any) -> Any:
    return client.post(f"/{tree}/{node.code}/close/")


def error_messages(response: Any) -> list[str]:
    return [m.message for m in get_messages(response.wsgi_request) if m.level_tag == "error"]


@pytest.mark.parametrize(
    "org", ["A1", "A2", "A"], ids=["children and people", "people", "children"]
)
def test_an_organisation_with_children_or_people_is_not_closed(cast: Cast, org: str) -> None:
    node = cast.orgs[org]
    response = close(cast.client("party_admin"), "orgs", node)
    assert response.status_code == 302
    assert error_messages(response)
    node.refresh_from_db()
    assert node.closed_on is None
    assert not AuditEvent.objects.exists()


@pytest.mark.req("C-1")
def test_an_empty_leaf_is_closed_and_audited(cast: Cast) -> None:
    leaf = make_org(cast.orgs["A1"], "甲一第二党小组", "A1G2", K.GROUP)
    response = close(cast.client("party_admin"), "orgs", leaf)
    assert response.status_code == 302
    assert error_messages(response) == []
    leaf.refresh_from_db()
    assert leaf.closed_on == timezone.localdate()
    event = AuditEvent.objects.get(object_id=str(leaf.code))
    assert event.action == AuditEvent.Action.CLOSE
    assert error_messages(close(cast.client("party_admin"), "orgs", leaf))  # already closed


def test_a_closed_organisation_is_no_longer_offered_for_people(cast: Cast) -> None:
    leaf = make_org(cast.orgs["A1"], "甲一第二党小组", "A1G2", K.GROUP)
    services.node_close(node=leaf, by=cast.users["party_admin"])
    response = cast.client("party_admin").get(f"/people/{cast.people['王磊'].code}/edit/")
    choices = {org.org_code for org in response.context["form"].fields["party_org"].queryset}
    assert "A1G2" not in choices and {"A1", "A1G"} <= choices


def test_a_parent_whose_only_children_are_closed_can_close(cast: Cast) -> None:
    branch = make_org(cast.orgs["A"], "甲三支部", "A3", K.BRANCH)
    group = make_org(branch, "甲三党小组", "A3G", K.GROUP)
    services.node_close(node=group, by=None)
    services.node_close(node=PartyOrg.objects.get(pk=branch.pk), by=None)
    assert PartyOrg.objects.get(pk=branch.pk).closed_on is not None


# --- the business-unit tree -------------------------------------------------------------------


def test_party_staff_add_a_team_under_a_mapped_department(cast: Cast) -> None:
    ua1 = cast.units["UA1"]
    response = cast.client("party_admin").post(
        f"/units/new/?parent={ua1.code}", {"name": "一班", "org_code": "UA1-T1", "kind": UK.TEAM}
    )
    assert response.status_code == 302
    team = Unit.objects.get(org_code="UA1-T1")
    assert team.path.startswith(ua1.path) and team.depth == ua1.depth + 1
    assert AuditEvent.objects.get(object_id=str(team.code)).action == AuditEvent.Action.CREATE


def test_a_company_under_a_department_is_refused(cast: Cast) -> None:
    before = tree_state(Unit)
    response = cast.client("party_admin").post(
        f"/units/new/?parent={cast.units['UA1'].code}",
        {"name": "子公司", "org_code": "SUB", "kind": UK.COMPANY},
    )
    assert response.context["form"].non_field_errors()
    assert tree_state(Unit) == before


def test_a_duplicate_unit_code_is_refused(cast: Cast) -> None:
    response = cast.client("party_admin").post(
        f"/units/new/?parent={cast.units['UA1'].code}",
        {"name": "重复", "org_code": "ub1", "kind": UK.TEAM},
    )
    assert form_errors(response, "org_code")


@pytest.mark.req("C-1")
def test_a_department_moves_with_its_teams(cast: Cast) -> None:
    ua1, ua2 = cast.units["UA1"], cast.units["UA2"]
    team = make_unit(ua2, "二班", "UA2-T", UK.TEAM)
    response = cast.client("party_admin").post(
        f"/units/{ua2.code}/move/", {"new_parent": move_value(ua1)}
    )
    assert response.status_code == 302
    ua2.refresh_from_db()
    team.refresh_from_db()
    assert ua2.path.startswith(ua1.path) and team.path.startswith(ua2.path)
    assert team.depth == ua1.depth + 2
    event = AuditEvent.objects.get(object_id=str(ua2.code))
    assert (event.action, event.after) == (AuditEvent.Action.MOVE, {"parent": "UA1"})


def test_a_unit_cannot_move_under_its_own_team(cast: Cast) -> None:
    ua2 = cast.units["UA2"]
    team = make_unit(ua2, "二班", "UA2-T", UK.TEAM)
    before = tree_state(Unit)
    response = cast.client("party_admin").post(
        f"/units/{ua2.code}/move/", {"new_parent": move_value(team)}
    )
    assert form_errors(response, "new_parent")
    assert tree_state(Unit) == before


def test_a_unit_with_people_stays_open_and_an_empty_team_closes(cast: Cast) -> None:
    client = cast.client("party_admin")
    ua1 = cast.units["UA1"]
    close(client, "units", ua1)
    ua1.refresh_from_db()
    assert ua1.closed_on is None
    team = make_unit(ua1, "空班组", "UA1-EMPTY", UK.TEAM)
    close(client, "units", team)
    team.refresh_from_db()
    assert team.closed_on == timezone.localdate()


# --- who may write ----------------------------------------------------------------------------


def write_attempts(cast: Cast, client: Client) -> dict[str, int]:
    a1, ua1 = cast.orgs["A1"], cast.units["UA1"]
    return {
        "create page": client.get(f"/orgs/new/?parent={a1.code}").status_code,
        "create": new_party_org(client, a1).status_code,
        "edit page": client.get(f"/orgs/{a1.code}/edit/").status_code,
        "edit": client.post(f"/orgs/{a1.code}/edit/", edit_data(a1, name="改")).status_code,
        "move": client.post(
            f"/orgs/{a1.code}/move/", {"new_parent": move_value(cast.orgs["B"])}
        ).status_code,
        "close": close(client, "orgs", cast.orgs["A1G"]).status_code,
        "unit create": client.post(
            f"/units/new/?parent={ua1.code}", {"name": "x", "org_code": "X", "kind": UK.TEAM}
        ).status_code,
        "unit edit": client.post(
            f"/units/{ua1.code}/edit/", {"name": "改", "org_code": "UA1", "kind": UK.DEPARTMENT}
        ).status_code,
        "unit close": close(client, "units", ua1).status_code,
    }


@pytest.mark.req("B-1")
@pytest.mark.parametrize(
    ("persona", "expected"),
    [
        ("leader", 403),
        ("secretary", 403),
        ("member", 403),
        ("business_head", 403),
        ("outsider", 404),
    ],
)
def test_tree_writes_by_someone_who_may_not_write_change_nothing(
    cast: Cast, persona: str, expected: int
) -> None:
    party, units = tree_state(PartyOrg), tree_state(Unit)
    answers = write_attempts(cast, cast.client(persona))
    if persona in ("secretary", "member"):
        # They see A1 but not B, and UA1 through the mapping: still a plain refusal.
        assert set(answers.values()) == {403}
    elif persona == "business_head":
        # Sees UA1 (own unit) but no Party organisation at all.
        assert {k: v for k, v in answers.items() if k.startswith("unit")} == {
            "unit create": 403,
            "unit edit": 403,
            "unit close": 403,
        }
        assert {v for k, v in answers.items() if not k.startswith("unit")} == {404}
    else:
        assert set(answers.values()) == {expected}, answers
    assert tree_state(PartyOrg) == party
    assert tree_state(Unit) == units
    assert not AuditEvent.objects.exists()
