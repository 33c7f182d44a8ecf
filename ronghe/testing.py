"""Test support shared by every app: factories, the cast of personas, signing a client in.

The cast (STYLE.md 12) lives in one small world:

    Party tree                          business tree
    G  集团党委 (committee)             U  集团公司 (company)
    ├── A  甲公司党委 (committee)        ├── UA1 甲一部  ↔ A1
    │   ├── A1 甲一支部 (branch)         ├── UA2 甲二部  ↔ A2
    │   │   └── A1G 甲一第一党小组        └── UB1 乙一部  ↔ B1
    │   └── A2 甲二支部 (branch)
    └── B  乙公司党委 (committee)        UO 外单位 (another company)
        └── B1 乙一支部 (branch)
    O  外单位党委 (another organisation) └── O1 外单位支部

leader (G + U), party_admin (G, may unmask), secretary (A1), member (A1), sibling (member of
A2), business_head (UA1), the three administrators, and outsider (party_admin of O, who must
get 404 on every URL of our organisation).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import factory
from django.contrib.auth.hashers import Argon2PasswordHasher
from django.test import Client
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from ronghe.accounts.models import RoleAssignment, User
from ronghe.accounts.services import SESSION_LOGIN_AT, SESSION_OTP_VERIFIED, SESSION_SEEN_AT
from ronghe.core import crypto
from ronghe.core.access import Role
from ronghe.demo import names
from ronghe.orgs.models import PartyOrg, Unit
from ronghe.people.identity import pinyin_keys
from ronghe.people.models import Gender, Person, PoliticalStatus

TEST_PASSWORD = "Ronghe-Test-2026!"  # noqa: S105 - the password of test users only


class FastArgon2PasswordHasher(Argon2PasswordHasher):
    """Still Argon2 (hashes start with `argon2$`), with costs low enough for a fast suite."""

    time_cost = 1
    memory_cost = 64
    parallelism = 1


_rng = random.Random(11643)


def valid_id_number(born: date | None = None, gender: str = Gender.MALE) -> str:
    born = born or date(1985, 6, 15)
    return names.id_number(_rng, born, gender)


def _unused_id_number(born: date, gender: str) -> str:
    """A valid ID number nobody in the database has: people born on the same day share all
    but three random digits, so a long test run would otherwise meet a duplicate now and then."""
    while True:
        id_number = valid_id_number(born, gender)
        index = crypto.blind_index("id_number", id_number)
        if not Person.objects.filter(id_number_index=index).exists():
            return id_number


class PersonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Person
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: names.person_name(random.Random(n), "male"))
    gender = Gender.MALE
    # Varied birth dates keep generated ID numbers unique across many people; all before
    # mid-1992, so that everyone was 18 by the factory's joining date (2010-07-01) — a longer
    # span made the Nth person of a long test run too young, and a form test failed by order.
    birth_date = factory.Sequence(lambda n: date(1970, 1, 1) + timedelta(days=(n * 37) % 8000))
    political_status = PoliticalStatus.FULL_MEMBER
    post = "工程师"

    @factory.lazy_attribute
    def joined_on(self) -> date | None:
        if self.political_status in (PoliticalStatus.FULL_MEMBER, PoliticalStatus.PROBATIONARY):
            return date(2010, 7, 1)
        return None

    @factory.lazy_attribute
    def full_member_on(self) -> date | None:
        return date(2011, 7, 1) if self.political_status == PoliticalStatus.FULL_MEMBER else None

    @classmethod
    def _create(cls, model_class: type[Person], *args: Any, **kwargs: Any) -> Person:
        id_number = kwargs.pop("id_number", None) or _unused_id_number(
            kwargs["birth_date"], kwargs["gender"]
        )
        phone = kwargs.pop("phone", "13800138000")
        person = model_class(*args, **kwargs)
        person.set_id_number(id_number)
        person.set_phone(phone)
        person.name_initials, person.name_pinyin = pinyin_keys(person.name)
        person.save()
        return person


def make_org(parent: PartyOrg | None, name: str, code: str, kind: str, **fields: Any) -> PartyOrg:
    fields.setdefault("term_years", PartyOrg.DEFAULT_TERM_YEARS[kind])
    if fields["term_years"]:
        fields.setdefault("term_started_on", timezone.localdate() - timedelta(days=200))
    node = PartyOrg(name=name, org_code=code, kind=kind, **fields)
    node = (
        PartyOrg.objects.add_child(parent, instance=node)
        if parent
        else PartyOrg.objects.add_root(instance=node)
    )
    return PartyOrg.objects.get(pk=node.pk)


def make_unit(parent: Unit | None, name: str, code: str, kind: str) -> Unit:
    node = Unit(name=name, org_code=code, kind=kind)
    node = (
        Unit.objects.add_child(parent, instance=node)
        if parent
        else Unit.objects.add_root(instance=node)
    )
    return Unit.objects.get(pk=node.pk)


def make_user(
    username: str,
    *,
    person: Person | None = None,
    roles: tuple[tuple[str, Any], ...] | list[tuple[str, Any]] = (),
    may_unmask: bool = False,
    totp: bool = False,
) -> User:
    user = User.objects.create_user(username, TEST_PASSWORD, display_name=username, person=person)
    for role, place in roles:
        RoleAssignment.objects.create(
            user=user,
            role=role,
            may_unmask=may_unmask,
            party_org=place if isinstance(place, PartyOrg) else None,
            unit=place if isinstance(place, Unit) else None,
        )
    if totp:
        TOTPDevice.objects.create(user=user, name="test", confirmed=True)
    return user


def sign_in(client: Client, user: User, *, otp_verified: bool | None = None) -> Client:
    """A signed-in client as our login flow leaves it (login time, idle clock, 2FA flag)."""
    client.force_login(user)
    session = client.session
    now = int(timezone.now().timestamp())
    session[SESSION_LOGIN_AT] = now
    session[SESSION_SEEN_AT] = now
    session[SESSION_OTP_VERIFIED] = (
        user.requires_two_factor() if otp_verified is None else otp_verified
    )
    session.save()
    return client


@dataclass
class Cast:
    orgs: dict[str, PartyOrg]
    units: dict[str, Unit]
    people: dict[str, Person]
    users: dict[str, User]

    def client(self, persona: str) -> Client:
        return sign_in(Client(), self.users[persona])

    def refresh(self) -> None:
        for store in (self.orgs, self.units, self.people):
            for obj in store.values():
                obj.refresh_from_db()


def build_cast() -> Cast:
    K = PartyOrg.Kind
    g = make_org(None, "集团党委", "G", K.COMMITTEE)
    a = make_org(g, "甲公司党委", "A", K.COMMITTEE)
    a1 = make_org(a, "甲一支部", "A1", K.BRANCH)
    a1g = make_org(a1, "甲一第一党小组", "A1G", K.GROUP)
    a2 = make_org(a, "甲二支部", "A2", K.BRANCH)
    b = make_org(g, "乙公司党委", "B", K.COMMITTEE)
    b1 = make_org(b, "乙一支部", "B1", K.BRANCH)
    o = make_org(None, "外单位党委", "O", K.COMMITTEE)
    o1 = make_org(o, "外单位支部", "O1", K.BRANCH)
    orgs = {
        org.org_code: PartyOrg.objects.get(pk=org.pk) for org in (g, a, a1, a1g, a2, b, b1, o, o1)
    }

    U = Unit.Kind
    u = make_unit(None, "集团公司", "U", U.COMPANY)
    ua1 = make_unit(u, "甲一部", "UA1", U.DEPARTMENT)
    ua2 = make_unit(u, "甲二部", "UA2", U.DEPARTMENT)
    ub1 = make_unit(u, "乙一部", "UB1", U.DEPARTMENT)
    uo = make_unit(None, "外单位", "UO", U.COMPANY)
    units = {unit.org_code: Unit.objects.get(pk=unit.pk) for unit in (u, ua1, ua2, ub1, uo)}
    orgs["A1"].units.set([units["UA1"]])
    orgs["A2"].units.set([units["UA2"]])
    orgs["B1"].units.set([units["UB1"]])

    def person(key: str, org: str | None, unit: str, **kw: Any) -> Person:
        kw.setdefault("birth_date", date(1985, 6, 15))  # tests rely on the cast's fixed dates
        return PersonFactory.create(
            name=key, party_org=orgs[org] if org else None, unit=units[unit], **kw
        )

    people = {
        "张伟强": person("张伟强", "A1", "UA1"),  # the secretary of A1
        "李娜": person("李娜", "A1G", "UA1", gender=Gender.FEMALE, birth_date=date(1990, 3, 8)),
        "王磊": person("王磊", "A1", "UA1"),
        "赵敏": person(
            "赵敏", "A1", "UA1", gender=Gender.FEMALE, political_status=PoliticalStatus.PROBATIONARY
        ),
        "刘洋": person(
            "刘洋", None, "UA1", political_status=PoliticalStatus.NON_MEMBER
        ),  # business head
        "陈静": person("陈静", "A2", "UA2", gender=Gender.FEMALE),
        "杨帆": person("杨帆", "A2", "UA2"),
        "黄涛": person("黄涛", "B1", "UB1"),
        "周杰": person("周杰", "G", "UB1"),  # the Party-affairs staff member (group level)
        "吴刚": person("吴刚", "O1", "UO"),  # outsider's organisation
    }
    orgs["A1"].secretary = people["张伟强"]
    orgs["A1"].save(update_fields=["secretary"])

    users = {
        "leader": make_user("leader", roles=[(Role.LEADER, orgs["G"]), (Role.LEADER, units["U"])]),
        "party_admin": make_user(
            "party_admin",
            person=people["周杰"],
            roles=[(Role.PARTY_ADMIN, orgs["G"])],
            may_unmask=True,
        ),
        "secretary": make_user(
            "secretary", person=people["张伟强"], roles=[(Role.SECRETARY, orgs["A1"])]
        ),
        "member": make_user("member", person=people["王磊"], roles=[(Role.MEMBER, orgs["A1"])]),
        "sibling": make_user("sibling", person=people["陈静"], roles=[(Role.MEMBER, orgs["A2"])]),
        "business_head": make_user(
            "business_head", person=people["刘洋"], roles=[(Role.BUSINESS_HEAD, units["UA1"])]
        ),
        "sysadmin": make_user("sysadmin", roles=[(Role.SYSADMIN, None)], totp=True),
        "secadmin": make_user("secadmin", roles=[(Role.SECADMIN, None)], totp=True),
        "auditor": make_user("auditor", roles=[(Role.AUDITOR, None)], totp=True),
        "outsider": make_user(
            "outsider",
            person=people["吴刚"],
            roles=[(Role.PARTY_ADMIN, orgs["O"])],
            may_unmask=True,
        ),
    }
    return Cast(orgs=orgs, units=units, people=people, users=users)
