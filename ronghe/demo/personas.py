"""The demo's logins: one per persona, with passwords generated at random for each database."""

from __future__ import annotations

import base64
from dataclasses import dataclass

from django_otp.plugins.otp_totp.models import TOTPDevice

from ronghe.accounts import services
from ronghe.accounts.models import RoleAssignment, User
from ronghe.core.access import Role
from ronghe.demo.builder import Built
from ronghe.people.models import Person, PoliticalStatus


@dataclass(frozen=True)
class Login:
    username: str
    password: str
    description: str
    totp_secret: str = ""


def _login(username: str, display: str, person: Person | None) -> tuple[User, str]:
    user, password = services.account_create(
        username=username, display_name=display, by=None, person=person
    )
    user.must_change_password = False  # demo logins go straight in; real accounts never do
    user.save(update_fields=["must_change_password"])
    return user, password


def _authenticator(user: User) -> str:
    """A confirmed TOTP device; returns its secret for the newcomer's authenticator app."""
    device = TOTPDevice.objects.create(user=user, name="demo", confirmed=True)
    return base64.b32encode(device.bin_key).decode()


def _full_member_of(built: Built, branch_code: str, exclude: set[int]) -> Person:
    branch = built.branches[branch_code]
    for person in built.people:
        if (
            person.pk not in exclude
            and person.political_status == PoliticalStatus.FULL_MEMBER
            and person.party_org is not None
            and person.party_org.path.startswith(branch.path)
        ):
            return person
    raise LookupError(branch_code)


def create_personas(built: Built) -> list[Login]:
    logins: list[Login] = []
    used: set[int] = set()

    def grant(user: User, role: str, **place: object) -> None:
        RoleAssignment.objects.create(user=user, role=role, **place)

    leader_person = built.party_root.secretary or _full_member_of(built, "ZR-JG1", used)
    used.add(leader_person.pk)
    user, pw = _login("leader", leader_person.name, leader_person)
    grant(user, Role.LEADER, party_org=built.party_root)
    grant(user, Role.LEADER, unit=built.unit_root)
    logins.append(Login("leader", pw, "党委书记 · 全集团党组织与业务单位（只读）"))

    staff = _full_member_of(built, "ZR-JG1", used)
    used.add(staff.pk)
    user, pw = _login("party_admin", staff.name, staff)
    grant(user, Role.PARTY_ADMIN, party_org=built.party_root, may_unmask=True)
    # Seeing full ID numbers makes two-factor authentication mandatory, as for administrators.
    logins.append(
        Login(
            "party_admin",
            pw,
            "党建工作部 · 全集团组织与名册（可维护，可查看完整证件号，需双因素认证）",
            _authenticator(user),
        )
    )

    branch = built.branches["FD-YX"]
    secretary = branch.secretary or _full_member_of(built, "FD-YX", used)
    used.add(secretary.pk)
    user, pw = _login("secretary", secretary.name, secretary)
    grant(user, Role.SECRETARY, party_org=branch)
    logins.append(Login("secretary", pw, f"支部书记 · {branch.name}"))

    head = next(
        p for p in built.people if p.pk not in used and p.unit_id == built.units["FD-YX"].pk
    )
    used.add(head.pk)
    user, pw = _login("business_head", head.name, head)
    grant(user, Role.BUSINESS_HEAD, unit=built.units["FD-YX"])
    logins.append(Login("business_head", pw, "业务负责人 · 中融发电有限公司运行部"))

    member = _full_member_of(built, "FD-YX", used)
    used.add(member.pk)
    user, pw = _login("member", member.name, member)
    grant(user, Role.MEMBER, party_org=branch)
    logins.append(Login("member", pw, f"党员 · {branch.name}"))

    for username, role, description in (
        ("sysadmin", Role.SYSADMIN, "系统管理员 · 账号（需双因素认证）"),
        ("secadmin", Role.SECADMIN, "安全管理员 · 角色授权（需双因素认证）"),
        ("auditor", Role.AUDITOR, "审计管理员 · 审计日志（需双因素认证）"),
    ):
        user, pw = _login(username, description.split(" ·")[0], None)
        grant(user, role)
        logins.append(Login(username, pw, description, _authenticator(user)))
    return logins
