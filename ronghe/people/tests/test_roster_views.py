"""The roster pages: who sees whom, search and filters, and what bad input leaves behind."""

from __future__ import annotations

import json
import re
from datetime import date
from typing import Any

import pytest
from django.test import Client

from ronghe.core.models import AuditEvent
from ronghe.people.forms import PersonForm
from ronghe.people.identity import id_check_char
from ronghe.people.models import Gender, Person, PoliticalStatus
from ronghe.testing import Cast, PersonFactory, valid_id_number

FULL_ID = re.compile(r"\d{17}[\dX]")

A1_PEOPLE = {"张伟强", "李娜", "王磊", "赵敏"}
G_PARTY_PEOPLE = A1_PEOPLE | {"陈静", "杨帆", "黄涛", "周杰"}
SECRETARY_SEES = A1_PEOPLE | {"刘洋"}
# 刘洋 is a non-member in UA1, the department branch A1 is built on: A1's reach covers the
# people of its mapped units, so the secretary and the staff above see him too.
ROSTER_OF = {
    "secretary": A1_PEOPLE | {"刘洋"},
    "leader": G_PARTY_PEOPLE | {"刘洋"},
    "party_admin": G_PARTY_PEOPLE | {"刘洋"},
    "business_head": A1_PEOPLE | {"刘洋"},  # everyone working in UA1
    "outsider": {"吴刚"},
}


def listed(response: Any) -> list[str]:
    assert response.status_code == 200
    return [person.name for person in response.context["page"]]


def roster(client: Client, **params: Any) -> list[str]:
    """The names on the results fragment, as the search box fetches it (htmx)."""
    return listed(client.get("/people/", params, headers={"HX-Request": "true"}))


# --- who sees whom ----------------------------------------------------------------------------


@pytest.mark.req("B-1")
@pytest.mark.parametrize("persona", sorted(ROSTER_OF))
def test_the_roster_lists_exactly_the_people_in_the_personas_reach(
    cast: Cast, persona: str
) -> None:
    response = cast.client(persona).get("/people/")
    codes = {person.code for person in response.context["page"]}
    assert codes == {cast.people[name].code for name in ROSTER_OF[persona]}


@pytest.mark.req("B-1")
def test_the_secretary_sees_the_party_group_under_the_branch(cast: Cast) -> None:
    assert "李娜" in roster(cast.client("secretary"))  # in A1G, one level below A1


@pytest.mark.req("B-1")
@pytest.mark.parametrize("persona", ["member", "sibling"])
def test_a_member_cannot_open_the_roster_but_can_open_their_own_record(
    cast: Cast, persona: str
) -> None:
    client = cast.client(persona)
    own = cast.users[persona].person
    assert client.get("/people/").status_code == 403
    me = client.get("/people/me/")
    assert me.status_code == 200
    assert me.context["person"].code == own.code
    assert me.context["can_edit"] is False
    assert me.context["can_unmask"] is False
    assert client.get(f"/people/{own.code}/").status_code == 200
    assert client.get(f"/people/{own.code}/edit/").status_code == 403


def test_an_account_without_a_person_has_no_own_record(cast: Cast) -> None:
    assert cast.client("leader").get("/people/me/").status_code == 404


@pytest.mark.req("B-1")
def test_a_read_only_role_cannot_add_or_edit_people(cast: Cast) -> None:
    client = cast.client("leader")
    wang = cast.people["王磊"]
    assert client.get("/people/new/").status_code == 403
    assert client.get(f"/people/{wang.code}/edit/").status_code == 403
    assert client.post(f"/people/{wang.code}/edit/", {"name": "改名"}).status_code == 403
    wang.refresh_from_db()
    assert wang.name == "王磊"


# --- search, filters, sorting -----------------------------------------------------------------


def test_search_by_part_of_a_name(cast: Cast) -> None:
    assert roster(cast.client("party_admin"), q="伟") == ["张伟强"]
    assert set(roster(cast.client("party_admin"), q="静")) == {"陈静"}


@pytest.mark.parametrize("query", ["zwq", "ZWQ", "zw", "zhangwei", "zhangweiqiang", "ｚｗｑ"])
def test_search_by_pinyin_initials_or_a_full_pinyin_prefix(cast: Cast, query: str) -> None:
    assert roster(cast.client("secretary"), q=query) == ["张伟强"]


def test_search_by_the_last_four_characters_of_the_id(cast: Cast) -> None:
    number = "34052419800101001X"
    qian = PersonFactory(
        name="钱多多",
        id_number=number,
        birth_date=date(1980, 1, 1),
        party_org=cast.orgs["A1"],
        unit=cast.units["UA1"],
    )
    client = cast.client("secretary")
    found = client.get("/people/", {"q": "001x"}).context["page"]
    assert qian.code in {person.code for person in found}
    assert {person.id_last4 for person in found} == {"001X"}


def test_search_never_reaches_beyond_the_users_subtree(cast: Cast) -> None:
    assert roster(cast.client("secretary"), q="huangtao") == []
    assert roster(cast.client("secretary"), q="黄") == []
    assert roster(cast.client("outsider"), q="zwq") == []


def test_a_search_that_matches_nobody_shows_an_empty_page(cast: Cast) -> None:
    assert roster(cast.client("secretary"), q="不存在的人") == []


def test_the_organisation_filter_takes_the_whole_subtree(cast: Cast) -> None:
    client = cast.client("party_admin")
    assert roster(client, org=cast.orgs["A1G"].code) == ["李娜"]
    assert set(roster(client, org=cast.orgs["A1"].code)) == A1_PEOPLE
    assert set(roster(client, org=cast.orgs["A"].code)) == A1_PEOPLE | {"陈静", "杨帆"}


def test_the_unit_filter_takes_the_units_people_within_reach(cast: Cast) -> None:
    assert set(roster(cast.client("leader"), unit=cast.units["UA1"].code)) == A1_PEOPLE | {"刘洋"}
    assert set(roster(cast.client("leader"), unit=cast.units["UB1"].code)) == {"黄涛", "周杰"}


def test_the_status_filter(cast: Cast) -> None:
    client = cast.client("secretary")
    assert roster(client, status=PoliticalStatus.PROBATIONARY) == ["赵敏"]
    assert set(roster(client, status=PoliticalStatus.FULL_MEMBER)) == A1_PEOPLE - {"赵敏"}
    assert set(roster(client, status="no-such-status")) == SECRETARY_SEES


@pytest.mark.req("B-1")
def test_a_filter_on_an_organisation_out_of_reach_is_ignored_not_obeyed(cast: Cast) -> None:
    client = cast.client("secretary")
    assert set(roster(client, org=cast.orgs["B1"].code)) == SECRETARY_SEES
    assert set(roster(client, unit=cast.units["UB1"].code)) == SECRETARY_SEES
    assert set(roster(client, org="not-a-uuid")) == SECRETARY_SEES


def test_the_full_page_filtered_by_a_unit_opens(cast: Cast) -> None:
    response = cast.client("leader").get("/people/", {"unit": cast.units["UA1"].code})
    assert set(listed(response)) == A1_PEOPLE | {"刘洋"}


def test_the_full_page_filtered_by_an_organisation_opens(cast: Cast) -> None:
    response = cast.client("party_admin").get("/people/", {"org": cast.orgs["A1"].code})
    assert set(listed(response)) == A1_PEOPLE


def test_filters_combine(cast: Cast) -> None:
    client = cast.client("party_admin")
    names = roster(client, org=cast.orgs["A"].code, status=PoliticalStatus.FULL_MEMBER, q="chen")
    assert names == ["陈静"]


def test_sorting_by_name_status_and_joining_date(cast: Cast) -> None:
    client = cast.client("secretary")
    people = {p.name: p for p in Person.objects.filter(name__in=SECRETARY_SEES)}
    by_pinyin = sorted(SECRETARY_SEES, key=lambda name: people[name].name_pinyin)
    assert roster(client) == by_pinyin
    assert roster(client, sort="name") == by_pinyin
    assert roster(client, sort="-name") == by_pinyin[::-1]
    assert roster(client, sort="no-such-sort") == by_pinyin
    statuses = [people[name].political_status for name in roster(client, sort="status")]
    assert statuses == sorted(statuses)
    Person.objects.filter(name="李娜").update(
        joined_on=date(2015, 7, 1), full_member_on=date(2016, 7, 1)
    )
    assert roster(client, sort="joined")[-2:] == ["李娜", "刘洋"]  # no joining date: last
    assert roster(client, sort="-joined")[:1] == ["李娜"]
    assert roster(client, sort="-joined")[-1] == "刘洋"


def test_an_htmx_search_returns_only_the_results_fragment(cast: Cast) -> None:
    response = cast.client("secretary").get(
        "/people/", {"q": "zwq"}, headers={"HX-Request": "true"}
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="roster-results"' in html
    assert "<html" not in html


# --- bad input on the edit form ---------------------------------------------------------------


def form_value(obj: Any, field: str) -> Any:
    """What a browser posts for a choice (the form decides: pk or public code)."""
    return PersonForm.base_fields[field].prepare_value(obj)


def edit_data(person: Person, **changes: Any) -> dict[str, Any]:
    data = {
        "name": person.name,
        "gender": person.gender,
        "birth_date": person.birth_date.isoformat(),
        "education": person.education,
        "unit": form_value(person.unit, "unit") if person.unit else "",
        "post": person.post,
        "political_status": person.political_status,
        "party_org": form_value(person.party_org, "party_org") if person.party_org else "",
        "joined_on": person.joined_on.isoformat() if person.joined_on else "",
        "full_member_on": person.full_member_on.isoformat() if person.full_member_on else "",
        "id_number": "",
        "phone": "",
    }
    data.update(changes)
    return data


def row(person: Person) -> dict[str, Any]:
    return Person.objects.filter(pk=person.pk).values().get()


def error_codes(response: Any, field: str) -> list[str | None]:
    return [error.code for error in response.context["form"].errors.as_data()[field]]


WANG_ID_BORN = date(1985, 6, 15)  # the factory's default birth date; 王磊 is a man


def wrong_check_digit(number: str) -> str:
    last = id_check_char(number[:17])
    return number[:17] + ("0" if last != "0" else "1")


BAD_EDITS: list[tuple[str, dict[str, Any], str, str | None]] = [
    # (what is wrong, fields changed, field carrying the error, its code where it has one)
    ("impossible birth date", {"birth_date": "2023-02-30"}, "birth_date", "invalid"),
    ("impossible joining date", {"joined_on": "2023-02-30"}, "joined_on", "invalid"),
    ("joined before 18", {"joined_on": "2002-01-01"}, "joined_on", None),
    ("full member before joining", {"full_member_on": "2010-01-01"}, "full_member_on", None),
    ("full member on the joining day", {"full_member_on": "2010-07-01"}, "full_member_on", None),
    ("full member without a joining date", {"joined_on": ""}, "joined_on", None),
    ("full member without a full-member date", {"full_member_on": ""}, "full_member_on", None),
    ("Party member without an organisation", {"party_org": ""}, "party_org", None),
    (
        "non-member with a joining date",
        {"political_status": PoliticalStatus.NON_MEMBER, "full_member_on": ""},
        "joined_on",
        None,
    ),
    (
        "probationary member with a full-member date",
        {"political_status": PoliticalStatus.PROBATIONARY},
        "full_member_on",
        None,
    ),
    (
        "joining date in the future",
        {"joined_on": "2999-01-01", "full_member_on": ""},
        "joined_on",
        None,
    ),
    ("12x is no mobile segment", {"phone": "12800138000"}, "phone", "phone"),
    ("a landline in the mobile field", {"phone": "010-12345678"}, "phone", "phone"),
    ("15-digit ID", {"id_number": "340524850615001"}, "id_number", "id_shape"),
    ("birth date contradicting the stored ID", {"birth_date": "1986-01-01"}, "birth_date", None),
    ("gender contradicting the stored ID", {"gender": Gender.FEMALE}, "gender", None),
]


@pytest.mark.req("H-1")
@pytest.mark.parametrize(
    ("case", "changes", "field", "code"), BAD_EDITS, ids=[c[0] for c in BAD_EDITS]
)
def test_a_bad_edit_changes_nothing_and_says_which_field(
    cast: Cast, case: str, changes: dict[str, Any], field: str, code: str | None
) -> None:
    wang = cast.people["王磊"]
    before, people, events = row(wang), Person.objects.count(), AuditEvent.objects.count()
    response = cast.client("secretary").post(
        f"/people/{wang.code}/edit/", edit_data(wang, **changes)
    )
    assert response.status_code == 200
    assert field in response.context["form"].errors, response.context["form"].errors
    if code is not None:
        assert code in error_codes(response, field)
    assert row(wang) == before
    assert Person.objects.count() == people
    assert AuditEvent.objects.count() == events


@pytest.mark.req("L-1")
def test_an_id_with_a_wrong_check_digit_is_refused(cast: Cast) -> None:
    wang = cast.people["王磊"]
    before = row(wang)
    bad = wrong_check_digit(valid_id_number(WANG_ID_BORN, Gender.MALE))
    response = cast.client("secretary").post(
        f"/people/{wang.code}/edit/", edit_data(wang, id_number=bad)
    )
    assert error_codes(response, "id_number") == ["id_check_digit"]
    assert row(wang) == before


@pytest.mark.req("D-1")
def test_another_persons_id_is_refused_as_a_duplicate(cast: Cast) -> None:
    wang, zhang = cast.people["王磊"], cast.people["张伟强"]
    before = row(wang)
    response = cast.client("secretary").post(
        f"/people/{wang.code}/edit/", edit_data(wang, id_number=zhang.id_number())
    )
    assert error_codes(response, "id_number") == ["duplicate"]
    assert row(wang) == before


def test_the_persons_own_id_entered_again_is_not_a_duplicate(cast: Cast) -> None:
    wang = cast.people["王磊"]
    response = cast.client("secretary").post(
        f"/people/{wang.code}/edit/", edit_data(wang, id_number=wang.id_number(), post="技师")
    )
    assert response.status_code == 302
    wang.refresh_from_db()
    assert wang.post == "技师"


@pytest.mark.req("L-1")
def test_an_id_whose_birth_date_differs_from_the_birth_date_field_is_refused(cast: Cast) -> None:
    wang = cast.people["王磊"]
    before = row(wang)
    other = valid_id_number(date(1985, 6, 16), Gender.MALE)
    response = cast.client("secretary").post(
        f"/people/{wang.code}/edit/", edit_data(wang, id_number=other)
    )
    assert "birth_date" in response.context["form"].errors
    assert row(wang) == before


@pytest.mark.req("L-1")
def test_an_id_whose_17th_digit_gives_the_other_gender_is_refused(cast: Cast) -> None:
    wang = cast.people["王磊"]
    before = row(wang)
    female_id = valid_id_number(WANG_ID_BORN, Gender.FEMALE)
    response = cast.client("secretary").post(
        f"/people/{wang.code}/edit/", edit_data(wang, id_number=female_id)
    )
    assert "gender" in response.context["form"].errors
    assert row(wang) == before


@pytest.mark.req("B-1")
def test_a_party_org_outside_the_users_reach_is_not_a_valid_choice(cast: Cast) -> None:
    wang = cast.people["王磊"]
    before = row(wang)
    b1 = form_value(cast.orgs["B1"], "party_org")
    response = cast.client("secretary").post(
        f"/people/{wang.code}/edit/", edit_data(wang, party_org=b1)
    )
    assert error_codes(response, "party_org") == ["invalid_choice"]
    assert row(wang) == before


@pytest.mark.req("B-1")
@pytest.mark.parametrize("org", ["A", "G"])
def test_a_committee_is_not_a_valid_organisation_for_a_member(cast: Cast, org: str) -> None:
    wang = cast.people["王磊"]
    value = form_value(cast.orgs[org], "party_org")
    response = cast.client("party_admin").post(
        f"/people/{wang.code}/edit/", edit_data(wang, party_org=value)
    )
    assert error_codes(response, "party_org") == ["invalid_choice"]


# --- the same edit done right -----------------------------------------------------------------


@pytest.mark.req("C-1")
@pytest.mark.req("D-2")
def test_a_correct_edit_saves_and_writes_one_update_row_with_masks_only(cast: Cast) -> None:
    wang = cast.people["王磊"]
    new_id = valid_id_number(WANG_ID_BORN, Gender.MALE)
    old_mask = wang.id_number_masked
    response = cast.client("secretary").post(
        f"/people/{wang.code}/edit/",
        edit_data(
            wang,
            id_number=new_id,
            phone="139-0000-1234",
            post="高级工程师",
            full_member_on="2011-08-01",
        ),
    )
    assert response.status_code == 302
    assert response["Location"] == f"/people/{wang.code}/"
    wang.refresh_from_db()
    assert (wang.id_number(), wang.phone(), wang.post) == (new_id, "13900001234", "高级工程师")
    assert wang.full_member_on == date(2011, 8, 1)
    events = AuditEvent.objects.filter(object_id=str(wang.code))
    assert [event.action for event in events] == [AuditEvent.Action.UPDATE]
    event = events.get()
    assert event.actor == cast.users["secretary"]
    assert event.before["id_number"] == old_mask
    assert (
        event.after["id_number"] == wang.id_number_masked == new_id[:6] + "********" + new_id[-4:]
    )
    assert event.after["phone"] == "139****1234"
    assert set(event.after) == {"id_number", "phone", "post", "full_member_on"}
    stored = json.dumps([event.before, event.after, event.message, event.object_repr])
    assert not FULL_ID.search(stored)
    assert "13900001234" not in stored


def test_an_edit_that_changes_nothing_writes_no_audit_row(cast: Cast) -> None:
    wang = cast.people["王磊"]
    response = cast.client("secretary").post(f"/people/{wang.code}/edit/", edit_data(wang))
    assert response.status_code == 302
    assert not AuditEvent.objects.filter(object_id=str(wang.code)).exists()


def test_leaving_the_id_and_phone_empty_keeps_the_stored_ones(cast: Cast) -> None:
    wang = cast.people["王磊"]
    number, phone = wang.id_number(), wang.phone()
    cast.client("secretary").post(f"/people/{wang.code}/edit/", edit_data(wang, post="班长"))
    wang.refresh_from_db()
    assert (wang.id_number(), wang.phone(), wang.post) == (number, phone, "班长")


def test_a_rename_updates_the_pinyin_search_keys(cast: Cast) -> None:
    wang = cast.people["王磊"]
    cast.client("secretary").post(f"/people/{wang.code}/edit/", edit_data(wang, name="王  小磊"))
    wang.refresh_from_db()
    assert (wang.name, wang.name_initials, wang.name_pinyin) == ("王 小磊", "wxl", "wangxiaolei")
    assert roster(cast.client("secretary"), q="wxl") == ["王 小磊"]


# --- adding people ----------------------------------------------------------------------------


def create_data(cast: Cast, **changes: Any) -> dict[str, Any]:
    data = {
        "name": "孙悦",
        "gender": Gender.FEMALE,
        "birth_date": "",
        "education": "bachelor",
        "unit": form_value(cast.units["UA1"], "unit"),
        "post": "会计",
        "political_status": PoliticalStatus.FULL_MEMBER,
        "party_org": form_value(cast.orgs["A1"], "party_org"),
        "joined_on": "2015-07-01",
        "full_member_on": "2016-07-01",
        "id_number": valid_id_number(date(1990, 5, 20), Gender.FEMALE),
        "phone": "13812345678",
    }
    data.update(changes)
    return data


@pytest.mark.req("C-1")
def test_a_new_person_takes_the_birth_date_from_the_id_and_is_audited(cast: Cast) -> None:
    response = cast.client("secretary").post("/people/new/", create_data(cast))
    assert response.status_code == 302
    sun = Person.objects.get(name="孙悦")
    assert sun.birth_date == date(1990, 5, 20)
    assert sun.name_initials == "sy"
    assert response["Location"] == f"/people/{sun.code}/"
    event = AuditEvent.objects.get(object_id=str(sun.code))
    assert event.action == AuditEvent.Action.CREATE
    assert event.after["id_number"] == sun.id_number_masked
    assert not FULL_ID.search(json.dumps(event.after))


@pytest.mark.req("L-1")
def test_a_full_width_lower_case_id_is_stored_in_upper_case(cast: Cast) -> None:
    number = "11010519491231002X"
    typed = number.lower().translate(str.maketrans("0123456789x", "０１２３４５６７８９ｘ"))
    data = create_data(
        cast,
        id_number=typed,
        political_status=PoliticalStatus.NON_MEMBER,
        party_org="",
        joined_on="",
        full_member_on="",
    )
    response = cast.client("secretary").post("/people/new/", data)
    assert response.status_code == 302
    assert Person.objects.get(name="孙悦").id_number() == number


@pytest.mark.req("D-1")
def test_adding_someone_already_on_the_roster_is_refused(cast: Cast) -> None:
    count = Person.objects.count()
    data = create_data(cast, id_number=cast.people["黄涛"].id_number(), gender=Gender.MALE)
    response = cast.client("secretary").post("/people/new/", data)
    assert response.status_code == 200
    assert "duplicate" in error_codes(response, "id_number")
    assert Person.objects.count() == count


def test_a_person_created_in_another_subtree_is_refused(cast: Cast) -> None:
    count = Person.objects.count()
    data = create_data(cast, party_org=form_value(cast.orgs["B1"], "party_org"))
    response = cast.client("secretary").post("/people/new/", data)
    assert error_codes(response, "party_org") == ["invalid_choice"]
    assert Person.objects.count() == count
