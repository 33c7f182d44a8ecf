"""Writes to the roster. Each is one transaction with its audit row (SECURITY.md C-5)."""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction

from ronghe.core import audit
from ronghe.people.identity import pinyin_keys
from ronghe.people.models import Person


class DuplicateIdNumber(Exception):
    """Another person already has this ID number (the blind index is unique)."""


PLAIN_FIELDS = (
    "name",
    "gender",
    "birth_date",
    "education",
    "unit",
    "post",
    "political_status",
    "party_org",
    "joined_on",
    "joined_on_precision",
    "full_member_on",
    "full_member_on_precision",
)


def person_snapshot(person: Person) -> dict[str, Any]:
    """The audit view of a person: plain fields, and masks instead of sensitive values."""
    return {
        "name": person.name,
        "gender": person.gender,
        "birth_date": person.birth_date.isoformat() if person.birth_date else None,
        "id_number": person.id_number_masked,
        "phone": person.phone_masked,
        "education": person.education,
        "unit": person.unit.org_code if person.unit else None,
        "post": person.post,
        "political_status": person.political_status,
        "party_org": person.party_org.org_code if person.party_org else None,
        "joined_on": person.joined_display() or None,
        "full_member_on": person.full_member_display() or None,
    }


UPDATE_FIELDS = [
    *PLAIN_FIELDS,
    "name_initials",
    "name_pinyin",
    "id_number_encrypted",
    "id_number_index",
    "id_number_masked",
    "id_last4",
    "phone_encrypted",
    "phone_masked",
    "updated_at",
]


def apply_values(person: Person, data: dict[str, Any]) -> None:
    """Copy validated values onto a person, encrypting and indexing the sensitive ones."""
    for field in PLAIN_FIELDS:
        if field in data:
            setattr(person, field, data[field])
    if data.get("id_number"):
        person.set_id_number(data["id_number"])
    if "phone" in data and data["phone"] is not None:
        person.set_phone(data["phone"])
    person.name_initials, person.name_pinyin = pinyin_keys(person.name)


def _save(person: Person, **kwargs: Any) -> None:
    try:
        with transaction.atomic():
            person.save(**kwargs)
    except IntegrityError as exc:
        if "id_number_index" in str(exc):
            raise DuplicateIdNumber from exc
        raise


@transaction.atomic
def person_create(*, data: dict[str, Any], by: Any) -> Person:
    """Add someone to the roster. `data` is validated input (see PersonForm)."""
    person = Person()
    apply_values(person, data)
    _save(person)
    audit.record(audit.Action.CREATE, actor=by, obj=person, after=person_snapshot(person))
    return person


@transaction.atomic
def person_update(*, person: Person, data: dict[str, Any], by: Any) -> Person:
    """Change someone's record; an empty ID or phone in `data` keeps the stored one."""
    # The old values come from the database: a ModelForm has already copied its input onto
    # `person` during is_valid(), so the instance's own attributes are the new ones.
    before = person_snapshot(Person.objects.for_list().get(pk=person.pk))
    apply_values(person, data)
    _save(person, update_fields=UPDATE_FIELDS)
    old, new = audit.changes(before, person_snapshot(person))
    if new:
        audit.record(audit.Action.UPDATE, actor=by, obj=person, before=old, after=new)
    return person


@transaction.atomic
def person_unmask(*, person: Person, by: Any) -> dict[str, str]:
    """The full ID and phone numbers, for a user the gate allowed; always audited."""
    audit.record(
        audit.Action.UNMASK,
        actor=by,
        obj=person,
        message="id_number,phone",
    )
    return {"id_number": person.id_number(), "phone": person.phone()}
