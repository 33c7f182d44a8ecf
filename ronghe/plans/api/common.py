"""What the plan, point, task and report endpoints share: the refusal as an API error, the
pages' forms fed from schemas, references to other objects, and the countdown clock."""

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from typing import Any, TypeVar
from uuid import UUID

from django import forms
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Schema
from ninja.errors import HttpError

from ronghe.api.errors import FieldError, form_errors
from ronghe.core.access import Cap, get_for_user, reach_of
from ronghe.orgs.models import PartyOrg
from ronghe.plans import services
from ronghe.plans.forms import PointOrgForm
from ronghe.plans.models import Task

AnyForm = TypeVar("AnyForm", bound=forms.BaseForm)

# --- errors ---------------------------------------------------------------------------------------


class Refusal(HttpError):
    """A write `plans.services` refused: 422 `refused`, naming the field it concerns."""

    code = "refused"

    def __init__(self, refused: services.Refused, location: str, rename: dict[str, str]) -> None:
        super().__init__(422, refused.message)
        self.details: list[dict[str, Any]] | None = None
        if refused.field:
            name = rename.get(refused.field, refused.field)
            self.details = [
                {
                    "field": name,
                    "location": [location, name],
                    "code": "refused",
                    "message": refused.message,
                }
            ]


@contextmanager
def refusals(location: str = "body", rename: dict[str, str] | None = None) -> Iterator[None]:
    """Answer a refusal of the services inside the block as the API's 422."""
    try:
        yield
    except services.Refused as refused:
        raise Refusal(refused, location, rename or {}) from refused


def validated(form: forms.BaseForm, rename: dict[str, str] | None = None) -> dict[str, Any]:
    """The form's cleaned data, or a 422 naming each bad field by the API's name for it."""
    if not form.is_valid():
        errors = form_errors(form)
        raise FieldError({(rename or {}).get(name, name): e for name, e in errors.items()})
    return dict(form.cleaned_data)


# --- schemas into the pages' forms ----------------------------------------------------------------


def _form_value(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, list):
        return [_form_value(v) for v in value]
    if isinstance(value, date | UUID):
        return str(value)
    return value


def form_data(values: dict[str, Any]) -> dict[str, Any]:
    """Schema values as a browser would have posted them to the page's form."""
    return {name: _form_value(value) for name, value in values.items()}


def categories_by_code(form: AnyForm) -> AnyForm:
    """The API names categories by their public code, as every other object."""
    for name in ("party_category", "business_category"):
        field: Any = form.fields.get(name)
        if field is not None:
            field.to_field_name = "code"
    return form


def code_of(obj: Any) -> str:
    """The public code of an optional related object, as a form field takes it."""
    return str(obj.code) if obj is not None else ""


# --- organisations ---------------------------------------------------------------------------------


def writable_orgs(user: Any) -> QuerySet[PartyOrg]:
    """Open organisations where the user drafts plans and creates tasks."""
    return (
        PartyOrg.objects.filter(reach_of(user).q(Cap.WRITE_PLANS, party="")).open().order_by("path")
    )


def writable_org(user: Any, code: UUID) -> PartyOrg:
    """One of `writable_orgs`, or a 422 on `org`."""
    cleaned = validated(PointOrgForm({"org": str(code)}, orgs=writable_orgs(user)))
    org: PartyOrg = cleaned["org"]
    return org


def subtree(user: Any, code: UUID) -> str:
    """The tree path of a filter's organisation (404 outside the caller's reach)."""
    return get_for_user(PartyOrg, user, code).path


# --- shapes ----------------------------------------------------------------------------------------


class OrgRef(Schema):
    code: UUID
    org_code: str
    name: str


class PersonRef(Schema):
    code: UUID
    name: str


class CategoryRef(Schema):
    code: UUID
    name: str


class PointRef(Schema):
    code: UUID
    title: str


class ReasonIn(Schema):
    reason: str = Field(..., max_length=300)


# --- the countdown --------------------------------------------------------------------------------


class Clock:
    """Today and the task policies, read once per request for every task it answers."""

    def __init__(self) -> None:
        self.today = timezone.localdate()
        self._policies: services.Policies | None = None

    def policy(self, task: Task) -> Any:
        if self._policies is None:
            self._policies = services.Policies()
        return self._policies.for_org(task.org)


def clock(request: HttpRequest) -> Clock:
    found = getattr(request, "_ronghe_plans_clock", None)
    if found is None:
        found = Clock()
        setattr(request, "_ronghe_plans_clock", found)  # noqa: B010 - a per-request cache
    return found
