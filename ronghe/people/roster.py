"""The roster's spreadsheet columns, shared by import and export, and the cell parsers.

One table says, for each column, its header as exported, the other headers real rosters use
(matched after normalising, SECURITY.md §4), and whether a merged block may fill it down. The
export writes exactly these headers and formats, so exported files import unchanged.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from openpyxl.utils.datetime import WINDOWS_EPOCH, from_excel

from ronghe.core.spreadsheets import unescape_cell
from ronghe.people.models import DatePrecision, Education, Gender, PoliticalStatus


@dataclass(frozen=True)
class Column:
    key: str
    header: str  # the exported header; always accepted
    synonyms: tuple[str, ...] = ()
    groupable: bool = False  # a merged block down this column means "the same for each row"
    required: bool = False


COLUMNS: tuple[Column, ...] = (
    Column("name", "姓名", ("名字", "党员姓名", "人员姓名", "职工姓名"), required=True),
    Column("gender", "性别"),
    Column(
        "id_number",
        "身份证号",
        ("身份证号码", "公民身份号码", "身份证", "证件号码", "居民身份证号码", "身份证件号码"),
        required=True,
    ),
    Column("birth_date", "出生日期", ("出生年月日", "生日", "出生时间")),
    Column("phone", "手机号", ("手机", "手机号码", "移动电话", "联系电话", "联系方式", "电话")),
    Column("education", "学历", ("文化程度", "最高学历", "全日制学历")),
    Column("political_status", "政治面貌", ("人员类别", "党员类别", "政治身份")),
    Column(
        "party_org",
        "党组织",
        ("所在党组织", "所在党支部", "党支部", "支部", "所在支部", "党组织名称", "党组织代码"),
        groupable=True,
    ),
    Column("joined_on", "入党日期", ("入党时间", "加入党组织日期")),
    Column("full_member_on", "转正日期", ("转正时间", "成为正式党员日期")),
    Column(
        "unit",
        "业务单位",
        ("部门", "单位", "所在单位", "所在部门", "工作单位", "单位部门", "单位代码"),
        groupable=True,
    ),
    Column("post", "岗位", ("职务", "职位", "岗位职务", "现任职务")),
)
COLUMN_BY_KEY = {column.key: column for column in COLUMNS}
TEXT_COLUMNS = ("id_number", "phone", "joined_on", "full_member_on")  # exported as Text


def header_key(text: Any) -> str:
    """Reduce a header cell to its words: `*身份证号码（必填）` → `身份证号码`."""
    value = unicodedata.normalize("NFKC", str(text or ""))
    value = re.sub(r"\(.*?\)|\[.*?\]", "", value)  # NFKC turned （） into ()
    return re.sub(r"[\s*:：]", "", value)


HEADER_LOOKUP: dict[str, str] = {
    header_key(name): column.key for column in COLUMNS for name in (column.header, *column.synonyms)
}


# --- cleaning ----------------------------------------------------------------------------

_INVISIBLE = re.compile(r"[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u2028-\u202f\u2060\ufeff\u00ad]")
_MIDDLE_DOTS = str.maketrans({"•": "·", "・": "·", "‧": "·", "∙": "·", "⋅": "·", "･": "·"})


def clean_text(value: Any) -> str:
    """Free text (names, posts): drop invisible characters, collapse spaces, nothing more —
    NFKC would alter some characters of a name."""
    if value is None:
        return ""
    text = (
        _INVISIBLE.sub(" ", str(unescape_cell(value))).replace("\u3000", " ").replace("\u00a0", " ")
    )
    return " ".join(text.split())


def clean_name(value: Any) -> str:
    return clean_text(value).translate(_MIDDLE_DOTS)


def clean_code(value: Any) -> str:
    """Identifiers and enumerations: NFKC (full-width → ASCII), no spaces at all."""
    text = unicodedata.normalize("NFKC", clean_text(value))
    return "".join(text.split())


# --- enumerations ------------------------------------------------------------------------

GENDERS = {
    "男": Gender.MALE,
    "男性": Gender.MALE,
    "m": Gender.MALE,
    "male": Gender.MALE,
    "女": Gender.FEMALE,
    "女性": Gender.FEMALE,
    "f": Gender.FEMALE,
    "female": Gender.FEMALE,
}
STATUSES = {
    "群众": PoliticalStatus.NON_MEMBER,
    "入党申请人": PoliticalStatus.APPLICANT,
    "申请入党": PoliticalStatus.APPLICANT,
    "积极分子": PoliticalStatus.ACTIVIST,
    "入党积极分子": PoliticalStatus.ACTIVIST,
    "发展对象": PoliticalStatus.CANDIDATE,
    "预备党员": PoliticalStatus.PROBATIONARY,
    "中共预备党员": PoliticalStatus.PROBATIONARY,
    "正式党员": PoliticalStatus.FULL_MEMBER,
    "中共党员": PoliticalStatus.FULL_MEMBER,
    "党员": PoliticalStatus.FULL_MEMBER,
    "中国共产党党员": PoliticalStatus.FULL_MEMBER,
    "中共正式党员": PoliticalStatus.FULL_MEMBER,
}
EDUCATIONS = {
    "研究生": Education.POSTGRADUATE,
    "研究生及以上": Education.POSTGRADUATE,
    "博士": Education.POSTGRADUATE,
    "博士研究生": Education.POSTGRADUATE,
    "硕士": Education.POSTGRADUATE,
    "硕士研究生": Education.POSTGRADUATE,
    "本科": Education.BACHELOR,
    "大学本科": Education.BACHELOR,
    "大学": Education.BACHELOR,
    "大专": Education.COLLEGE,
    "专科": Education.COLLEGE,
    "大学专科": Education.COLLEGE,
    "中专": Education.VOCATIONAL,
    "中职": Education.VOCATIONAL,
    "技校": Education.VOCATIONAL,
    "职高": Education.VOCATIONAL,
    "高中": Education.HIGH_SCHOOL,
    "初中": Education.JUNIOR,
    "初中及以下": Education.JUNIOR,
    "小学": Education.JUNIOR,
}
# What the export writes for each value (the first synonym of each, in the UI's words).
STATUS_LABELS = {
    PoliticalStatus.NON_MEMBER: "群众",
    PoliticalStatus.APPLICANT: "入党申请人",
    PoliticalStatus.ACTIVIST: "入党积极分子",
    PoliticalStatus.CANDIDATE: "发展对象",
    PoliticalStatus.PROBATIONARY: "预备党员",
    PoliticalStatus.FULL_MEMBER: "正式党员",
}
GENDER_LABELS = {Gender.MALE: "男", Gender.FEMALE: "女"}
EDUCATION_LABELS = {
    Education.POSTGRADUATE: "研究生",
    Education.BACHELOR: "本科",
    Education.COLLEGE: "大专",
    Education.VOCATIONAL: "中专",
    Education.HIGH_SCHOOL: "高中",
    Education.JUNIOR: "初中及以下",
}


def parse_choice(value: Any, table: Mapping[str, str], labels: Mapping[Any, str]) -> str:
    key = clean_code(value).lower()
    if key in table:
        return table[key]
    raise ValidationError(
        _("“%(value)s” is not one of: %(allowed)s.")
        % {"value": clean_text(value), "allowed": "、".join(labels.values())},
        code="choice",
    )


# --- dates -------------------------------------------------------------------------------

_FULL_DATE = re.compile(
    r"^(\d{4}) ?[-/.年] ?(\d{1,2}) ?[-/.月] ?(\d{1,2}) ?日?(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$"
)
_COMPACT_DATE = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_MONTH = re.compile(r"^(\d{4}) ?[-/.年] ?(\d{1,2}) ?月?$")
_SERIAL = re.compile(r"^\d{5}(?:\.0+)?$")
FIRST_REAL_SERIAL = 61  # serial 60 is Lotus's 29 February 1900, which never existed


def parse_date(
    value: Any, *, epoch: datetime = WINDOWS_EPOCH, allow_month: bool = False
) -> tuple[date, str]:
    """A cell as (date, precision). Never rolls an impossible date over into a real one."""
    if isinstance(value, datetime):
        return value.date(), DatePrecision.DAY
    if isinstance(value, date):
        return value, DatePrecision.DAY
    if isinstance(value, bool):
        raise _unrecognised_date(value)
    if isinstance(value, int | float):
        if not math.isfinite(value):
            raise _unrecognised_date(value)
        return _parse_number_date(value, epoch, allow_month)
    # NFKC (full-width digits), no invisible characters, single spaces: the space between a
    # date and its time must stay, or `2000-1-1 00:00` would read as day 100.
    text = " ".join(unicodedata.normalize("NFKC", clean_text(value)).split())
    if _SERIAL.match(text):
        return _from_serial(float(text), epoch), DatePrecision.DAY
    for pattern in (_FULL_DATE, _COMPACT_DATE):
        if match := pattern.match(text):
            return _calendar_date(int(match[1]), int(match[2]), int(match[3]), text)
    if match := _MONTH.match(text):
        return _month_date(int(match[1]), int(match[2]), text, allow_month)
    raise _unrecognised_date(value)


def _parse_number_date(value: float, epoch: datetime, allow_month: bool) -> tuple[date, str]:
    if isinstance(value, float) and not value.is_integer() and 1900 <= value < 2200:
        # `2003.07` typed into a General cell arrives as the number 2003.07; 2003.1 could
        # have been typed as 2003.1 (January) or 2003.10 (October), Excel keeps no difference.
        year_text, month_text = repr(value).split(".")
        if month_text == "1":
            raise ValidationError(
                _(
                    "%(value)s may mean January or October: format the column as Text and type 2003.01 or 2003.10."
                )
                % {"value": value},
                code="date_ambiguous",
            )
        if len(month_text) > 2:
            raise _unrecognised_date(value)
        return _month_date(int(year_text), int(month_text), repr(value), allow_month)
    number = int(value)
    if 19000101 <= number <= 22001231 and number == value:  # YYYYMMDD typed as a number
        text = str(number)
        return _calendar_date(int(text[:4]), int(text[4:6]), int(text[6:]), text)
    return _from_serial(value, epoch), DatePrecision.DAY


def _from_serial(serial: float, epoch: datetime) -> date:
    if epoch == WINDOWS_EPOCH and serial < FIRST_REAL_SERIAL:
        raise ValidationError(
            _("%(value)s is not a usable Excel date number.") % {"value": serial},
            code="date_serial",
        )
    try:
        converted = from_excel(serial, epoch)
    except (OverflowError, ValueError) as exc:
        raise _unrecognised_date(serial) from exc
    if not isinstance(converted, datetime) or converted.year > 2200:
        raise _unrecognised_date(serial)
    return converted.date()


def _calendar_date(year: int, month: int, day: int, text: str) -> tuple[date, str]:
    try:
        return date(year, month, day), DatePrecision.DAY
    except ValueError as exc:
        raise ValidationError(
            _("%(value)s is not a real date.") % {"value": text}, code="date_impossible"
        ) from exc


def _month_date(year: int, month: int, text: str, allow_month: bool) -> tuple[date, str]:
    if not allow_month:
        raise ValidationError(
            _("Enter the full date (year, month and day), not just %(value)s.") % {"value": text},
            code="date_partial",
        )
    if not 1 <= month <= 12:
        raise ValidationError(
            _("%(value)s is not a real date.") % {"value": text}, code="date_impossible"
        )
    return date(year, month, 1), DatePrecision.MONTH


def _unrecognised_date(value: Any) -> ValidationError:
    return ValidationError(
        _("“%(value)s” is not a date: write it like 2003-07-01.") % {"value": clean_text(value)},
        code="date_format",
    )
