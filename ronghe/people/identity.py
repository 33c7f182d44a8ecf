"""Identity facts: 公民身份号码 (GB 11643-1999), mainland mobile numbers, pinyin search keys.

Pure functions, no database: the validators raise `ValidationError` with a Chinese message
(through gettext) and a code, so forms, the API and the importer report the same words.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from pypinyin import lazy_pinyin

ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK_CHARS = "10X98765432"  # indexed by (Σ aᵢ·Wᵢ) mod 11
# Mainland province codes, Taiwan (71), and the HK / Macau / Taiwan residence permits (81–83).
ID_PROVINCES = frozenset(
    (
        11,
        12,
        13,
        14,
        15,
        21,
        22,
        23,
        31,
        32,
        33,
        34,
        35,
        36,
        37,
        41,
        42,
        43,
        44,
        45,
        46,
        50,
        51,
        52,
        53,
        54,
        61,
        62,
        63,
        64,
        65,
        71,
        81,
        82,
        83,
    )
)
_INVISIBLE = re.compile(r"[\s\u200b-\u200f\u2060\ufeff\u00ad]")
_ID_SHAPE = re.compile(r"^\d{17}[\dX]$")
_MOBILE = re.compile(r"^1[3-9]\d{9}$")


def id_check_char(body: str) -> str:
    """The MOD 11-2 check character for the first 17 digits."""
    total = sum(int(digit) * weight for digit, weight in zip(body, ID_WEIGHTS, strict=True))
    return ID_CHECK_CHARS[total % 11]


def normalize_id_number(raw: str) -> str:
    """NFKC (full-width → ASCII), drop spaces and invisible characters, upper-case `x`.

    Idempotent (SECURITY.md §3.3): dropping an invisible character or upper-casing can leave
    a decomposed sequence (`ΐ`.upper() is three code points), so NFKC runs once more last.
    """
    text = _INVISIBLE.sub("", unicodedata.normalize("NFKC", str(raw))).upper()
    return unicodedata.normalize("NFKC", text)


def id_birth_date(number: str) -> date | None:
    try:
        return date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        return None


def id_gender(number: str) -> str:
    """The 17th character is odd for men and even for women."""
    return "male" if int(number[16]) % 2 else "female"


def validate_id_number(raw: str, *, today: date | None = None) -> str:
    """Return the normalised 18-character number, or raise ValidationError saying why."""
    number = normalize_id_number(raw)
    if len(number) != 18 or not _ID_SHAPE.match(number):
        raise ValidationError(
            _("An ID number has 18 characters: 17 digits and a final digit or X."),
            code="id_shape",
        )
    if int(number[:2]) not in ID_PROVINCES:
        raise ValidationError(
            _("The first two digits are not a valid region code."), code="id_region"
        )
    born = id_birth_date(number)
    if born is None or not date(1900, 1, 1) <= born <= (today or timezone.localdate()):
        raise ValidationError(_("Digits 7–14 are not a real birth date."), code="id_birth_date")
    if id_check_char(number[:17]) != number[17]:
        raise ValidationError(
            _("The check digit is wrong: please check the number for a typing mistake."),
            code="id_check_digit",
        )
    return number


def normalize_phone(raw: str) -> str:
    """Keep the 11 digits: drop spaces, hyphens, brackets and a +86 / 0086 / 86 prefix."""
    text = unicodedata.normalize("NFKC", str(raw))
    text = _INVISIBLE.sub("", text)
    text = re.sub(r"[-()（）]", "", text)
    if re.fullmatch(r"\d{11}\.0", text):  # a number cell exported by Excel
        text = text[:-2]
    for prefix in ("+86", "0086", "86"):
        if text.startswith(prefix) and len(text) - len(prefix) == 11 and text[len(prefix)] == "1":
            text = text[len(prefix) :]
            break
    return text


def validate_phone(raw: str) -> str:
    phone = normalize_phone(raw)
    if not _MOBILE.match(phone):
        raise ValidationError(
            _("Enter an 11-digit mainland mobile number starting with 13–19."), code="phone"
        )
    return phone


def pinyin_keys(name: str) -> tuple[str, str]:
    """(initials, full pinyin) in lower case: 张伟强 → ("zwq", "zhangweiqiang")."""
    # One conversion: a syllable's first letter is its initial (zh → z), as Style.FIRST_LETTER
    # gives, at half the cost on a 100,000-row import.
    syllables = lazy_pinyin(name, errors="ignore")
    initials = "".join(syllable[0] for syllable in syllables if syllable)
    return initials.lower()[:50], "".join(syllables).lower()[:200]


_SEARCH_ID_TAIL = re.compile(r"^\d{3}[\dX]$")
_SEARCH_PINYIN = re.compile(r"^[a-z]+$")


def classify_search(text: str) -> tuple[str, str]:
    """What a roster search box entry means: the last 4 of an ID, pinyin, or part of a name."""
    value = unicodedata.normalize("NFKC", text or "").strip()
    if not value:
        return "empty", ""
    if _SEARCH_ID_TAIL.match(value.upper()):
        return "id_tail", value.upper()
    if _SEARCH_PINYIN.match(value.lower()):
        return "pinyin", value.lower()
    return "name", value
