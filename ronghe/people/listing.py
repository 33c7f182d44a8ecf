"""What the roster list shows for a set of filters: one function for the page, its export and
the API, so an export holds exactly the rows the page lists."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import F
from django.utils.translation import gettext_lazy

from ronghe.orgs.models import PartyOrg, Unit
from ronghe.people.models import Person, PersonQuerySet, PoliticalStatus

SORTS = {
    "name": ("name_pinyin", "id"),
    "-name": ("-name_pinyin", "-id"),
    "org": ("party_org__path", "name_pinyin", "id"),
    "status": ("political_status", "name_pinyin", "id"),
    # People without a joining date (non-members) sort last either way, on every database.
    "joined": (F("joined_on").asc(nulls_last=True), "id"),
    "-joined": (F("joined_on").desc(nulls_last=True), "-id"),
}
SORT_LABELS = {
    "name": gettext_lazy("Name A–Z"),
    "-name": gettext_lazy("Name Z–A"),
    "org": gettext_lazy("Organisation"),
    "status": gettext_lazy("Political status"),
    "joined": gettext_lazy("Joined earliest"),
    "-joined": gettext_lazy("Joined latest"),
}
FILTER_KEYS = ("q", "org", "unit", "status", "sort")


@dataclass
class RosterFilters:
    q: str = ""
    org: PartyOrg | None = None
    unit: Unit | None = None
    status: str = ""
    sort: str = "name"

    def query(self) -> dict[str, str]:
        """The filters as query parameters (to store with an export request)."""
        values = {
            "q": self.q,
            "org": str(self.org.code) if self.org else "",
            "unit": str(self.unit.code) if self.unit else "",
            "status": self.status,
            "sort": self.sort if self.sort != "name" else "",
        }
        return {key: value for key, value in values.items() if value}


def _visible_node(model: Any, user: Any, code: str) -> Any:
    """A filter's organisation, only if the user can see it (else the filter is ignored)."""
    if not code:
        return None
    try:
        return model.objects.visible_to(user).filter(code=code).first()
    except (ValidationError, ValueError):  # a malformed UUID in the query string
        return None


def read_filters(user: Any, params: Any) -> RosterFilters:
    status = params.get("status", "")
    sort = params.get("sort", "name")
    return RosterFilters(
        q=params.get("q", "")[:50],
        org=_visible_node(PartyOrg, user, params.get("org", "")),
        unit=_visible_node(Unit, user, params.get("unit", "")),
        status=status if status in PoliticalStatus.values else "",
        sort=sort if sort in SORTS else "name",
    )


def roster_for(user: Any, filters: RosterFilters) -> PersonQuerySet:
    people = Person.objects.visible_to(user).for_list().search(filters.q)
    if filters.org is not None:
        people = people.filter(party_org__path__startswith=filters.org.path)
    if filters.unit is not None:
        people = people.filter(unit__path__startswith=filters.unit.path)
    if filters.status:
        people = people.filter(political_status=filters.status)
    return people.order_by(*SORTS[filters.sort])
