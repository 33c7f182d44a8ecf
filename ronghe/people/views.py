"""The roster: list with search, filters and sorting; detail; create and edit; unmasking."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from ronghe.accounts import services as account_services
from ronghe.core.access import Cap, get_for_user, reach_of, require_cap
from ronghe.core.pagination import CappedPaginator
from ronghe.people import listing, services
from ronghe.people.forms import PersonForm
from ronghe.people.models import Person, PoliticalStatus

PAGE_SIZE = 50


def get_person_for_user(user: Any, code: Any, *, write: bool = False) -> Person:
    return get_for_user(Person, user, code, write=write)


def may_give_login(user: Any, person: Person) -> bool:
    """Creating a login is granting access: it needs role-granting reach over this person."""
    return reach_of(user).reaches(
        Cap.ASSIGN_ROLES,
        party_path=person.party_org.path if person.party_org else None,
        unit_path=person.unit.path if person.unit else None,
    )


@never_cache
def person_list(request: HttpRequest) -> HttpResponse:
    require_cap(request.user, Cap.READ_PEOPLE)
    params = request.GET
    filters = listing.read_filters(request.user, params)
    people = listing.roster_for(request.user, filters)
    page = CappedPaginator(people, PAGE_SIZE).get_page(params.get("page"))
    context = {
        "page": page,
        "q": filters.q,
        "org": filters.org,
        "unit": filters.unit,
        "status": filters.status,
        "sort": filters.sort,
        "sorts": listing.SORT_LABELS,
        "statuses": PoliticalStatus.choices,
        "can_create": reach_of(request.user).has(Cap.WRITE_PEOPLE),
        "query_without_page": _without(params, "page"),
        "export_query": urlencode(filters.query()),
    }
    template = "people/list.html#results" if request.htmx else "people/list.html"  # type: ignore[attr-defined]
    return render(request, template, context)


def _without(params: Any, key: str) -> str:
    copy = params.copy()
    copy.pop(key, None)
    return copy.urlencode()


@never_cache
def person_detail(request: HttpRequest, code: Any) -> HttpResponse:
    person = get_person_for_user(request.user, code)
    return render(request, "people/detail.html", _detail_context(request, person))


def _detail_context(request: HttpRequest, person: Person) -> dict[str, Any]:
    user = request.user
    writable = Person.objects.writable_by(user).filter(pk=person.pk).exists()
    return {
        "person": person,
        "can_edit": writable,
        "can_unmask": Person.objects.unmaskable_by(user).filter(pk=person.pk).exists(),
        "can_create_login": writable and may_give_login(user, person),
        "login": getattr(person, "user", None) if _has_login(person) else None,
    }


def _has_login(person: Person) -> bool:
    try:
        person.user  # noqa: B018 - the reverse one-to-one raises when there is none
    except Person.user.RelatedObjectDoesNotExist:  # type: ignore[attr-defined]
        return False
    return True


@never_cache
def my_record(request: HttpRequest) -> HttpResponse:
    person_id = getattr(request.user, "person_id", None)
    if person_id is None:
        raise Http404
    person = Person.objects.visible_to(request.user).for_list().get(pk=person_id)
    return render(request, "people/detail.html", _detail_context(request, person))


@never_cache
def person_create_view(request: HttpRequest) -> HttpResponse:
    require_cap(request.user, Cap.WRITE_PEOPLE)
    form = PersonForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            person = services.person_create(data=form.cleaned_data, by=request.user)
        except services.DuplicateIdNumber:
            form.add_error("id_number", _("A person with this ID number already exists."))
        else:
            messages.success(
                request, _("%(name)s was added to the roster.") % {"name": person.name}
            )
            return redirect("people:detail", code=person.code)
    return render(request, "people/form.html", {"form": form, "person": None})


@never_cache
def person_edit(request: HttpRequest, code: Any) -> HttpResponse:
    person = get_person_for_user(request.user, code, write=True)
    form = PersonForm(request.POST or None, instance=person, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            services.person_update(person=person, data=form.cleaned_data, by=request.user)
        except services.DuplicateIdNumber:
            form.add_error("id_number", _("A person with this ID number already exists."))
        else:
            messages.success(request, _("The changes were saved."))
            return redirect("people:detail", code=person.code)
    return render(request, "people/form.html", {"form": form, "person": person})


@require_POST
@never_cache
def person_reveal(request: HttpRequest, code: Any) -> HttpResponse:
    person = get_person_for_user(request.user, code)
    if not Person.objects.unmaskable_by(request.user).filter(pk=person.pk).exists():
        raise PermissionDenied
    values = services.person_unmask(person=person, by=request.user)
    return render(request, "people/detail.html#revealed", {"person": person, "values": values})


@require_POST
@never_cache
def person_login_create(request: HttpRequest, code: Any) -> HttpResponse:
    person = get_person_for_user(request.user, code, write=True)
    if not may_give_login(request.user, person):
        raise PermissionDenied
    username = request.POST.get("username", "")
    try:
        account, password = account_services.account_create(
            username=username,
            display_name=person.name,
            by=request.user,  # type: ignore[arg-type]  # signed in (LoginRequiredMiddleware)
            person=person,
        )
    except account_services.AccountError as exc:
        context = _detail_context(request, person)
        context["login_error"] = str(exc)
        context["login_username"] = username
        return render(request, "people/detail.html", context, status=400)
    return render(
        request, "accounts/one_time_password.html", {"account": account, "password": password}
    )
