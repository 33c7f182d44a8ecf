"""ID and phone numbers: encrypted at rest, masked on screen, unmasked only with leave (D-1, D-2)."""

from __future__ import annotations

import re
from datetime import date

import pytest
from django.db import connection

from ronghe.core import crypto
from ronghe.core.models import AuditEvent
from ronghe.people import services
from ronghe.people.models import Gender, Person, PoliticalStatus
from ronghe.testing import Cast, PersonFactory

FULL_ID = re.compile(r"\d{17}[\dX]")
NUMBER = "11010519491231002X"
PHONE = "13912345678"


@pytest.fixture
def elder(cast: Cast) -> Person:
    """A woman in A1 whose numbers the tests know."""
    return PersonFactory(
        name="高秀兰",
        gender=Gender.FEMALE,
        birth_date=date(1949, 12, 31),
        id_number=NUMBER,
        phone=PHONE,
        party_org=cast.orgs["A1"],
        unit=cast.units["UA1"],
    )


def raw_row(person: Person) -> dict[str, str]:
    table = Person._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {table} WHERE id = %s", [person.pk])  # noqa: S608
        columns = [column[0] for column in cursor.description]
        return {name: str(value) for name, value in zip(columns, cursor.fetchone(), strict=True)}


@pytest.mark.req("D-1")
def test_the_stored_row_holds_no_full_id_and_no_full_phone(elder: Person) -> None:
    row = raw_row(elder)
    # The blind index is a hex HMAC: a run of 18 hex digits that happen to be decimal turns up
    # in about one row in a hundred, so it is checked for what it is rather than by the regex.
    index = row.pop("id_number_index")
    assert re.fullmatch(r"[0-9a-f]{64}", index)
    assert index == crypto.blind_index("id_number", NUMBER)
    text = " ".join(row.values())
    assert not FULL_ID.search(text)
    assert NUMBER[:17] not in text
    assert PHONE not in text
    assert row["id_number_masked"] == "110105********002X"
    assert row["phone_masked"] == "139****5678"
    assert elder.id_number() == NUMBER and elder.phone() == PHONE


@pytest.mark.req("D-1")
def test_an_id_is_found_through_its_blind_index(elder: Person) -> None:
    index = crypto.blind_index("id_number", NUMBER)
    assert Person.objects.get(id_number_index=index) == elder


@pytest.mark.req("D-1")
def test_the_blind_index_separates_purposes() -> None:
    assert crypto.blind_index("id_number", NUMBER) != crypto.blind_index("phone", NUMBER)


@pytest.mark.req("D-1")
def test_the_same_id_twice_through_the_service_is_a_duplicate(cast: Cast, elder: Person) -> None:
    data = {
        "name": "重复",
        "gender": Gender.FEMALE,
        "birth_date": date(1949, 12, 31),
        "political_status": PoliticalStatus.NON_MEMBER,
        "id_number": NUMBER,
        "phone": "",
    }
    count, events = Person.objects.count(), AuditEvent.objects.count()
    with pytest.raises(services.DuplicateIdNumber):
        services.person_create(data=data, by=cast.users["secretary"])
    assert Person.objects.count() == count
    assert AuditEvent.objects.count() == events


@pytest.mark.req("D-1")
def test_an_edit_to_someone_elses_id_through_the_service_is_a_duplicate(
    cast: Cast, elder: Person
) -> None:
    wang = cast.people["王磊"]
    before = wang.id_number()
    with pytest.raises(services.DuplicateIdNumber):
        services.person_update(person=wang, data={"id_number": NUMBER}, by=cast.users["secretary"])
    wang.refresh_from_db()
    assert wang.id_number() == before


@pytest.mark.req("D-2")
@pytest.mark.parametrize("persona", ["secretary", "party_admin", "leader", "business_head"])
def test_the_list_and_the_detail_page_show_only_masks(
    cast: Cast, elder: Person, persona: str
) -> None:
    client = cast.client(persona)
    pages = [
        client.get("/people/"),
        client.get(f"/people/{elder.code}/"),
        client.get("/people/", {"q": "002x"}),
        client.get("/api/v1/people"),
        client.get(f"/api/v1/people/{elder.code}"),
    ]
    for response in pages:
        assert response.status_code == 200
        html = response.content.decode()
        assert not FULL_ID.search(html)
        assert PHONE not in html
    assert "110105********002X" in pages[1].content.decode()


@pytest.mark.req("D-2")
def test_the_edit_form_never_sends_the_stored_numbers_back(cast: Cast, elder: Person) -> None:
    html = cast.client("secretary").get(f"/people/{elder.code}/edit/").content.decode()
    assert not FULL_ID.search(html)
    assert PHONE not in html


@pytest.mark.req("D-2")
def test_revealing_without_the_unmask_permission_is_refused(cast: Cast, elder: Person) -> None:
    response = cast.client("secretary").post(f"/people/{elder.code}/reveal/")
    assert response.status_code == 403
    assert NUMBER not in response.content.decode()
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.UNMASK).exists()


@pytest.mark.req("D-2")
def test_the_detail_page_offers_the_reveal_button_only_to_those_who_may_use_it(
    cast: Cast, elder: Person
) -> None:
    assert cast.client("secretary").get(f"/people/{elder.code}/").context["can_unmask"] is False
    assert cast.client("party_admin").get(f"/people/{elder.code}/").context["can_unmask"] is True


@pytest.mark.req("D-2")
@pytest.mark.req("C-1")
def test_revealing_with_the_permission_shows_the_numbers_and_is_audited(
    cast: Cast, elder: Person
) -> None:
    response = cast.client("party_admin").post(f"/people/{elder.code}/reveal/")
    assert response.status_code == 200
    html = response.content.decode()
    assert NUMBER in html and PHONE in html
    event = AuditEvent.objects.get(action=AuditEvent.Action.UNMASK)
    assert event.actor == cast.users["party_admin"]
    assert event.object_id == str(elder.code)
    assert event.before is None and event.after is None  # the values themselves are not logged


@pytest.mark.req("D-2")
def test_revealing_needs_a_post(cast: Cast, elder: Person) -> None:
    assert cast.client("party_admin").get(f"/people/{elder.code}/reveal/").status_code == 405
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.UNMASK).exists()


@pytest.mark.req("D-2")
def test_the_unmask_permission_does_not_reach_beyond_its_subtree(cast: Cast) -> None:
    """The outsider may unmask in O, and gets 404 (not 403) for one of ours."""
    client = cast.client("outsider")
    assert client.post(f"/people/{cast.people['黄涛'].code}/reveal/").status_code == 404
    assert client.post(f"/people/{cast.people['吴刚'].code}/reveal/").status_code == 200


@pytest.mark.req("I-3")
@pytest.mark.parametrize("page", ["list", "detail", "edit", "reveal", "me"])
def test_pages_with_personal_data_are_never_cached(cast: Cast, elder: Person, page: str) -> None:
    client = cast.client("party_admin")
    response = {
        "list": lambda: client.get("/people/"),
        "detail": lambda: client.get(f"/people/{elder.code}/"),
        "edit": lambda: client.get(f"/people/{elder.code}/edit/"),
        "reveal": lambda: client.post(f"/people/{elder.code}/reveal/"),
        "me": lambda: client.get("/people/me/"),
    }[page]()
    assert response.status_code == 200
    cache = response["Cache-Control"]
    assert "no-store" in cache and "no-cache" in cache and "private" in cache


@pytest.mark.req("I-3")
def test_a_refused_new_person_form_echoing_the_typed_id_is_never_cached(cast: Cast) -> None:
    response = cast.client("party_admin").post("/people/new/", {"name": "x", "id_number": NUMBER})
    assert response.status_code == 200  # refused: the form comes back with the typed number
    assert "no-store" in response["Cache-Control"]
