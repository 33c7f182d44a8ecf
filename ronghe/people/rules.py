"""The cross-field rules of a roster record, shared by the form, the API and the importer.

Pure functions over already-parsed values: each returns (field, message) pairs, so a form puts
the message next to its field and the importer next to its column (SECURITY.md H-1).
"""

from __future__ import annotations

import calendar
from datetime import date
from typing import Any

from django.utils.translation import gettext as _

from ronghe.people import identity
from ronghe.people.models import PARTY_MEMBER_STATUSES, DatePrecision, PoliticalStatus

MIN_JOINING_AGE = 18  # 党章 第一条

Problems = list[tuple[str, str]]


def years_after(born: date, years: int) -> date:
    try:
        return born.replace(year=born.year + years)
    except ValueError:  # born on 29 February
        return born.replace(year=born.year + years, day=28)


def latest_day(value: date, precision: str) -> date:
    """The last day a partial date (`2003.07`) can stand for."""
    if precision == DatePrecision.MONTH:
        return value.replace(day=calendar.monthrange(value.year, value.month)[1])
    return value


def check_against_id(data: dict[str, Any], number: str) -> Problems:
    """The ID number carries the birth date and the gender: the other fields must agree.

    Fills in an empty birth date from the number.
    """
    problems: Problems = []
    from_id = identity.id_birth_date(number)
    if data.get("birth_date") is None:
        data["birth_date"] = from_id
    elif data["birth_date"] != from_id:
        problems.append(
            (
                "birth_date",
                _("The ID number says %(id_date)s, not %(given)s.")
                % {"id_date": from_id, "given": data["birth_date"]},
            )
        )
    gender = data.get("gender")
    if gender and gender != identity.id_gender(number):
        problems.append(("gender", _("The ID number's 17th digit gives the other gender.")))
    return problems


def check_party_record(data: dict[str, Any], today: date) -> Problems:
    """Political status, Party organisation and the two dates must tell one story."""
    problems: Problems = []
    status = data.get("political_status")
    joined, full = data.get("joined_on"), data.get("full_member_on")
    joined_precision = data.get("joined_on_precision") or DatePrecision.DAY
    full_precision = data.get("full_member_on_precision") or DatePrecision.DAY
    born = data.get("birth_date")
    is_member = status in PARTY_MEMBER_STATUSES
    if is_member and not data.get("party_org"):
        problems.append(("party_org", _("A Party member belongs to a branch or a Party group.")))
    if is_member and not joined:
        problems.append(("joined_on", _("Enter the date of joining the Party.")))
    if not is_member and joined:
        problems.append(("joined_on", _("Only Party members have a joining date.")))
    if status == PoliticalStatus.FULL_MEMBER and not full:
        problems.append(("full_member_on", _("Enter the date of becoming a full member.")))
    if status != PoliticalStatus.FULL_MEMBER and full:
        problems.append(("full_member_on", _("Only full members have this date.")))
    if joined and joined > today:
        problems.append(("joined_on", _("The date cannot be in the future.")))
    if full and full > today:
        problems.append(("full_member_on", _("The date cannot be in the future.")))
    # A month-only date is checked at its most favourable day: `2003.07` is fine for someone
    # who turned 18 on 20 July 2003.
    if (
        joined
        and born
        and latest_day(joined, joined_precision) < years_after(born, MIN_JOINING_AGE)
    ):
        problems.append(("joined_on", _("A member must be at least 18 when joining.")))
    if joined and full and latest_day(full, full_precision) <= joined:
        problems.append(("full_member_on", _("Full membership comes after joining.")))
    return problems
