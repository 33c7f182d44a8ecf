"""Identity facts (SECURITY.md L-1, L-2, §3.3, §5): ID numbers, mobile numbers, pinyin keys."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from hypothesis import example, given
from hypothesis import strategies as st

from ronghe.people.identity import (
    ID_PROVINCES,
    id_check_char,
    id_gender,
    normalize_id_number,
    normalize_phone,
    pinyin_keys,
    validate_id_number,
    validate_phone,
)

TODAY = date(2026, 3, 1)
FULL_WIDTH = str.maketrans("0123456789Xx", "０１２３４５６７８９Ｘｘ")


def with_check(body: str) -> str:
    return body + id_check_char(body)


@st.composite
def valid_ids(draw: st.DrawFn) -> str:
    province = draw(st.sampled_from(sorted(ID_PROVINCES)))
    rest_of_region = draw(st.integers(0, 9999))
    born = draw(st.dates(min_value=date(1900, 1, 1), max_value=TODAY))
    sequence = draw(st.integers(0, 999))
    return with_check(f"{province:02d}{rest_of_region:04d}{born:%Y%m%d}{sequence:03d}")


def rejection_code(raw: str) -> str:
    with pytest.raises(ValidationError) as caught:
        validate_id_number(raw, today=TODAY)
    return caught.value.code


# --- ID numbers: properties --------------------------------------------------------------------


@pytest.mark.req("L-1")
@given(valid_ids())
def test_every_generated_valid_id_is_accepted_unchanged(number: str) -> None:
    assert validate_id_number(number, today=TODAY) == number


@pytest.mark.req("L-1")
@given(valid_ids(), st.integers(0, 16), st.integers(1, 9))
def test_changing_any_one_of_the_first_17_digits_is_rejected(
    number: str, position: int, shift: int
) -> None:
    changed_digit = str((int(number[position]) + shift) % 10)
    changed = number[:position] + changed_digit + number[position + 1 :]
    assert rejection_code(changed) in {"id_region", "id_birth_date", "id_check_digit"}


@pytest.mark.req("L-1")
@given(valid_ids(), st.integers(0, 15))
def test_swapping_two_adjacent_unequal_digits_is_rejected(number: str, position: int) -> None:
    first, second = number[position], number[position + 1]
    if first == second:
        return  # an equal pair swaps into the same number
    swapped = number[:position] + second + first + number[position + 2 :]
    assert rejection_code(swapped) in {"id_region", "id_birth_date", "id_check_digit"}


@pytest.mark.req("L-1")
@given(st.text())
@example("ΐ")  # upper-casing after NFKC decomposes it into a base letter and two marks
@example("e\u200b\u0301")  # the invisible character sat between a letter and its accent
def test_normalising_an_id_twice_changes_nothing(raw: str) -> None:
    once = normalize_id_number(raw)
    assert normalize_id_number(once) == once


@pytest.mark.req("L-1")
@given(valid_ids())
def test_full_width_and_lower_case_x_forms_are_accepted_and_come_back_upper_case(
    number: str,
) -> None:
    lower = number.lower()
    assert validate_id_number(lower, today=TODAY) == number
    assert validate_id_number(lower.translate(FULL_WIDTH), today=TODAY) == number
    assert validate_id_number(f" {number[:6]} {number[6:14]} {number[14:]} ", today=TODAY) == number


# --- ID numbers: golden vectors and each kind of rejection ------------------------------------


@pytest.mark.req("L-1")
@pytest.mark.parametrize("number", ["34052419800101001X", "11010519491231002X"])
def test_the_standards_golden_vectors_are_accepted(number: str) -> None:
    assert validate_id_number(number, today=TODAY) == number
    assert validate_id_number(number.lower(), today=TODAY) == number


@pytest.mark.req("L-1")
def test_the_17th_digit_tells_the_gender() -> None:
    assert id_gender("34052419800101001X") == "male"
    assert id_gender("11010519491231002X") == "female"


@pytest.mark.req("L-1")
@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("34052419800101002X", "id_check_digit"),  # one digit changed
        ("340524800101001", "id_shape"),  # first-generation 15-digit number
        ("3405241980010100", "id_shape"),
        ("34052419800101001X1", "id_shape"),
        ("3405241980010100AX", "id_shape"),
        ("X4052419800101001X", "id_shape"),
        ("", "id_shape"),
        (with_check("99052419800101001"), "id_region"),
        (with_check("00052419800101001"), "id_region"),
        (with_check("34052419800230001"), "id_birth_date"),  # 30 February
        (with_check("34052419801301001"), "id_birth_date"),  # month 13
        (with_check("34052418991231001"), "id_birth_date"),  # before 1900
        (with_check(f"340524{TODAY + timedelta(days=1):%Y%m%d}001"), "id_birth_date"),  # tomorrow
    ],
)
def test_a_bad_id_is_rejected_with_the_reason(raw: str, code: str) -> None:
    assert rejection_code(raw) == code


@pytest.mark.req("L-1")
def test_an_id_born_today_is_accepted() -> None:
    number = with_check(f"340524{TODAY:%Y%m%d}001")
    assert validate_id_number(number, today=TODAY) == number


# --- mobile numbers: the table of SECURITY.md §5.2 --------------------------------------------


@pytest.mark.req("L-2")
@pytest.mark.parametrize(
    "raw",
    [
        "13800138000",
        "138 0013 8000",
        "138-0013-8000",
        "１３８００１３８０００",
        "+86 13800138000",
        "0086-13800138000",
        "8613800138000",
        "13800138000.0",
        "(138)00138000",
    ],
)
def test_a_mobile_number_in_any_common_spelling_is_accepted_as_11_digits(raw: str) -> None:
    assert validate_phone(raw) == "13800138000"


@pytest.mark.req("L-2")
@pytest.mark.parametrize(
    "raw",
    [
        "1.38001E+10",  # scientific notation from a spreadsheet
        "12800138000",  # no 12x segment
        "1380013800",  # 10 digits
        "138001380001",  # 12 digits
        "1064812345678",  # 13-digit M2M number
        "010-12345678",  # a landline
        "+86 1380013800",
        "",
    ],
)
def test_a_number_that_is_not_a_mainland_mobile_is_rejected(raw: str) -> None:
    with pytest.raises(ValidationError) as caught:
        validate_phone(raw)
    assert caught.value.code == "phone"


@pytest.mark.req("L-2")
@given(st.sampled_from("3456789"), st.integers(0, 10**9 - 1))
def test_every_well_formed_mobile_survives_the_international_prefix(second: str, rest: int) -> None:
    number = f"1{second}{rest:09d}"
    for spelling in (number, f"+86{number}", f"0086 {number}", f"86-{number}", f"{number}.0"):
        assert validate_phone(spelling) == number
    assert normalize_phone(number) == number


# --- pinyin search keys -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "keys"),
    [
        ("张伟强", ("zwq", "zhangweiqiang")),
        ("李娜", ("ln", "lina")),
        ("阿依古丽·买买提", ("ayglmmt", "ayigulimaimaiti")),  # the middle dot is not a syllable
    ],
)
def test_pinyin_keys_give_initials_and_full_pinyin_in_lower_case(
    name: str, keys: tuple[str, str]
) -> None:
    assert pinyin_keys(name) == keys
