"""Cell parsing for the importer: dates, enumerations, the importer's robustness (§3.3)."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl.utils.datetime import CALENDAR_MAC_1904, WINDOWS_EPOCH

from ronghe.core.spreadsheets import Sheet
from ronghe.people import roster
from ronghe.people.importing import RosterImport
from ronghe.people.models import DatePrecision

real_dates = st.dates(min_value=date(1900, 3, 1), max_value=date(2100, 12, 31))


def excel_serial(day: date, epoch: datetime = WINDOWS_EPOCH) -> int:
    return (day - epoch.date()).days


@given(real_dates)
def test_a_serial_number_parses_back_to_its_date(day: date) -> None:
    assert roster.parse_date(excel_serial(day)) == (day, DatePrecision.DAY)
    if excel_serial(day) >= 10_000:  # five digits typed as text; four would read as a year
        assert roster.parse_date(str(excel_serial(day))) == (day, DatePrecision.DAY)
    mac = excel_serial(day, CALENDAR_MAC_1904)
    if mac > 0:
        assert roster.parse_date(mac, epoch=CALENDAR_MAC_1904)[0] == day


@given(real_dates)
def test_every_accepted_format_gives_the_same_date(day: date) -> None:
    y, m, d = day.year, day.month, day.day
    for text in (
        f"{y}-{m:02d}-{d:02d}",
        f"{y}/{m}/{d}",
        f"{y}.{m}.{d}",
        f"{y}年{m}月{d}日",
        f"{y}{m:02d}{d:02d}",
        f"{y}-{m:02d}-{d:02d} 00:00:00",
        f"{y}－{m:02d}－{d:02d}".replace("－", "-"),
    ):
        assert roster.parse_date(text) == (day, DatePrecision.DAY), text


@pytest.mark.parametrize("text", ["2023.13.01", "2023-02-29", "2024-04-31", "19990230"])
def test_impossible_dates_are_refused_never_rolled_over(text: str) -> None:
    with pytest.raises(ValidationError) as refused:
        roster.parse_date(text)
    assert refused.value.code == "date_impossible"


def test_month_only_dates_keep_their_precision_where_allowed() -> None:
    assert roster.parse_date("2003.07", allow_month=True) == (date(2003, 7, 1), DatePrecision.MONTH)
    assert roster.parse_date("2003年7月", allow_month=True) == (
        date(2003, 7, 1),
        DatePrecision.MONTH,
    )
    assert roster.parse_date(2003.07, allow_month=True) == (date(2003, 7, 1), DatePrecision.MONTH)
    assert roster.parse_date(2003.11, allow_month=True) == (date(2003, 11, 1), DatePrecision.MONTH)
    with pytest.raises(ValidationError) as partial:
        roster.parse_date("2003.07")
    assert partial.value.code == "date_partial"
    with pytest.raises(ValidationError) as ambiguous:
        roster.parse_date(2003.1, allow_month=True)
    assert ambiguous.value.code == "date_ambiguous"


def test_serials_up_to_lotus_29_february_are_refused() -> None:
    for serial in (1, 59, 60):
        with pytest.raises(ValidationError):
            roster.parse_date(serial)
    assert roster.parse_date(61) == (date(1900, 3, 1), DatePrecision.DAY)
    assert roster.parse_date(45292) == (date(2024, 1, 1), DatePrecision.DAY)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("中共党员", "full_member"),
        ("中共预备党员", "probationary"),
        ("入党积极分子", "activist"),
        (" 群众 ", "non_member"),
    ],
)
def test_statuses_in_chinese(value: str, expected: str) -> None:
    assert roster.parse_choice(value, roster.STATUSES, roster.STATUS_LABELS) == expected


def test_an_unknown_status_lists_the_allowed_ones() -> None:
    with pytest.raises(ValidationError) as refused:
        roster.parse_choice("共青团员", roster.STATUSES, roster.STATUS_LABELS)
    assert "正式党员" in refused.value.messages[0]


def test_header_names_vary_and_still_match() -> None:
    for header, key in (
        ("*姓名", "name"),
        ("公民身份号码（必填）", "id_number"),
        ("身份证号码", "id_number"),
        ("名字", "name"),
        (" 所在党支部 ", "party_org"),
        ("入党\n时间", "joined_on"),
    ):
        assert roster.HEADER_LOOKUP[roster.header_key(header)] == key


cells = st.one_of(
    st.none(),
    st.text(max_size=40),
    st.integers(min_value=-(10**20), max_value=10**20),
    st.floats(allow_nan=True, allow_infinity=True),
    st.datetimes(min_value=datetime(1900, 1, 1), max_value=datetime(2100, 1, 1)),
    st.booleans(),
    st.sampled_from(["=SUM(A1:A3)", "\x00\x07", "x" * 500, "２０２３年１月１日", "１１０１０１"]),
)
rows = st.lists(st.tuples(*[cells] * 12), max_size=8)


@pytest.mark.django_db
@settings(max_examples=60, deadline=None)
@given(rows)
def test_any_sheet_gives_a_report_and_never_raises(cast_rows) -> None:
    """Arbitrary cell values under the real header: a report, never an exception, and no
    writes unless the report is clean."""
    from ronghe.orgs.models import PartyOrg
    from ronghe.testing import make_org

    org = PartyOrg.objects.filter(org_code="FUZZ").first() or make_org(
        None, "模糊测试党委", "FUZZ", PartyOrg.Kind.COMMITTEE
    )
    header = [column.header for column in roster.COLUMNS]
    data = [(1, tuple(header))] + [(number + 2, row) for number, row in enumerate(cast_rows)]
    importer = RosterImport(org=org)
    report = importer.validate(Sheet(kind="xlsx", rows=iter(data)))
    assert report.total <= len(cast_rows)
    if not report.ok:
        assert not importer.commit().committed
