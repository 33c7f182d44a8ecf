"""The organisation endpoints: the gate, the search used by the roster's pickers, bad input."""

from ronghe.testing import Cast


def codes(response) -> set[str]:  # type: ignore[no-untyped-def]
    assert response.status_code == 200
    return {item["org_code"] for item in response.json()["results"]}


def test_the_list_holds_only_organisations_in_reach(cast: Cast) -> None:
    assert codes(cast.client("secretary").get("/api/v1/orgs")) == {"A1", "A1G"}
    assert codes(cast.client("outsider").get("/api/v1/orgs")) == {"O", "O1"}


def test_the_search_matches_name_or_code(cast: Cast) -> None:
    client = cast.client("party_admin")
    assert codes(client.get("/api/v1/orgs", {"q": "甲一"})) == {"A1", "A1G"}
    assert codes(client.get("/api/v1/orgs", {"q": "b1"})) == {"B1"}
    assert codes(client.get("/api/v1/units", {"q": "乙"})) == {"UB1"}


def test_the_search_never_reaches_past_the_gate(cast: Cast) -> None:
    assert codes(cast.client("secretary").get("/api/v1/orgs", {"q": "乙"})) == set()
    assert codes(cast.client("party_admin").get("/api/v1/orgs", {"q": "外单位"})) == set()


def test_a_too_long_search_is_refused(cast: Cast) -> None:
    response = cast.client("party_admin").get("/api/v1/orgs", {"q": "x" * 51})
    assert response.status_code == 422


def test_an_outsider_gets_404_on_our_organisation(cast: Cast) -> None:
    response = cast.client("outsider").get(f"/api/v1/orgs/{cast.orgs['A1'].code}")
    assert response.status_code == 404


def test_administrators_without_tree_roles_are_refused(cast: Cast) -> None:
    assert cast.client("sysadmin").get("/api/v1/orgs").status_code == 403


def test_anonymous_calls_get_401(db: None) -> None:
    from django.test import Client

    assert Client().get("/api/v1/orgs").status_code == 401
