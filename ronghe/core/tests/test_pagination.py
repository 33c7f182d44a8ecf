import functools
from unittest import mock

from ronghe.core.pagination import CappedPaginator
from ronghe.people.models import Person
from ronghe.testing import Cast


def test_below_the_cap_the_count_is_exact(cast: Cast) -> None:
    paginator = CappedPaginator(Person.objects.order_by("pk"), 2, cap=100)
    assert paginator.count == Person.objects.count()
    assert not paginator.capped


def test_past_the_cap_the_count_stops_and_says_so(cast: Cast) -> None:
    total = Person.objects.count()
    paginator = CappedPaginator(Person.objects.order_by("pk"), 2, cap=total - 3)
    assert paginator.count == total - 3
    assert paginator.capped
    assert paginator.num_pages == (total - 3 + 1) // 2


def test_exactly_at_the_cap_is_not_capped(cast: Cast) -> None:
    total = Person.objects.count()
    paginator = CappedPaginator(Person.objects.order_by("pk"), 2, cap=total)
    assert paginator.count == total
    assert not paginator.capped


def test_the_roster_uses_the_capped_count(cast: Cast) -> None:
    capped_at_3 = functools.partial(CappedPaginator, cap=3)
    with mock.patch("ronghe.people.views.CappedPaginator", capped_at_3):
        response = cast.client("party_admin").get("/people/")
    paginator = response.context["page"].paginator
    assert (paginator.count, paginator.capped) == (3, True)
