"""Month pages (the meeting calendar, the task timeline): which month a `?month=YYYY-MM`
asks for, its weeks from Monday, and the weekday names."""

from __future__ import annotations

import calendar
from datetime import date, timedelta

from django.utils import timezone
from django.utils.translation import gettext_lazy

WEEKDAYS = [
    gettext_lazy("Mon"),
    gettext_lazy("Tue"),
    gettext_lazy("Wed"),
    gettext_lazy("Thu"),
    gettext_lazy("Fri"),
    gettext_lazy("Sat"),
    gettext_lazy("Sun"),
]


def month_from(text: str) -> date:
    """The first day of a `YYYY-MM` month; this month when the text is not one."""
    try:
        year, month = (int(part) for part in text.split("-"))
        return date(year, month, 1)
    except (ValueError, TypeError):
        today = timezone.localdate()
        return date(today.year, today.month, 1)


def last_day(first: date) -> date:
    return date(first.year, first.month, calendar.monthrange(first.year, first.month)[1])


def weeks(first: date) -> list[list[date]]:
    """The month's weeks, Monday first, padded with the neighbouring months' days."""
    return calendar.Calendar(firstweekday=0).monthdatescalendar(first.year, first.month)


def neighbours(first: date) -> tuple[str, str]:
    """The previous and the next month as `YYYY-MM`."""
    return (
        (first - timedelta(days=1)).strftime("%Y-%m"),
        (last_day(first) + timedelta(days=1)).strftime("%Y-%m"),
    )
