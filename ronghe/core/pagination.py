"""Pagination for lists that can hold hundreds of thousands of rows."""

from __future__ import annotations

from functools import cached_property
from typing import Any

from django.core.paginator import Paginator

COUNT_CAP = 2_000


class CappedPaginator(Paginator):
    """Counts at most `cap` rows (`SELECT COUNT(*) FROM (… LIMIT cap + 1)`).

    Counting every row a provincial administrator may see costs more than fetching the page
    itself (docs/PERFORMANCE.md); past the cap the page shows "more than 2,000" and asks for a
    narrower search. Below the cap the count is exact.
    """

    def __init__(
        self, object_list: Any, per_page: int, cap: int | None = None, **kwargs: Any
    ) -> None:
        super().__init__(object_list, per_page, **kwargs)
        self.cap = COUNT_CAP if cap is None else cap

    @cached_property
    def count(self) -> int:
        # Without the list's ORDER BY: counting needs no sort, only the first cap + 1 rows.
        rows: Any = self.object_list  # a QuerySet
        counted = rows.order_by()[: self.cap + 1].count()
        return min(counted, self.cap)

    @cached_property
    def capped(self) -> bool:
        """Whether there are more rows than were counted."""
        if self.count < self.cap:
            return False
        rows: Any = self.object_list
        return bool(rows.order_by()[self.cap : self.cap + 1].exists())
