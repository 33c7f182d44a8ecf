"""Builds an organisation: both trees, the mapping, the roster — for the demo and benchmarks.

Trees are inserted in bulk with their materialised paths computed here (treebeard's
`add_child` costs several queries per node, too slow for 5,000 nodes). The shape is that of a
group SOE: a group Party committee over second-level company committees, one branch per
department ("支部建在部门上"), Party groups in the larger branches, a 党总支 in one company.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from ronghe.demo import names
from ronghe.orgs.models import PartyOrg, Unit
from ronghe.people.identity import pinyin_keys
from ronghe.people.models import Education, Gender, Person, PoliticalStatus


@dataclass
class Node:
    """A node to insert: its fields and children; `obj` is filled in after the insert."""

    fields: dict[str, Any]
    children: list[Node] = field(default_factory=list)
    obj: Any = None
    size: int = 0  # for a branch: how many people to put on its roster

    def walk(self) -> Iterator[Node]:
        yield self
        for child in self.children:
            yield from child.walk()


def bulk_tree(model: type[PartyOrg] | type[Unit], roots: list[Node]) -> None:
    """Insert whole trees in one bulk statement per 1,000 rows, computing the paths."""
    pending: list[Any] = []
    first = model.objects.get_root_nodes().count() + 1

    def place(node: Node, parent_path: str | None, depth: int, index: int) -> None:
        path = model._get_path(parent_path, depth, index)
        node.obj = model(path=path, depth=depth, numchild=len(node.children), **node.fields)
        pending.append(node.obj)
        for number, child in enumerate(node.children, start=1):
            place(child, path, depth + 1, number)

    for number, root in enumerate(roots, start=first):
        place(root, None, 1, number)
    model.objects.bulk_create(pending, batch_size=1000)


@dataclass
class Department:
    name: str
    code: str
    teams: list[str] = field(default_factory=list)


@dataclass
class Company:
    name: str
    code: str
    departments: list[Department]
    general_branch: tuple[str, int] | None = None  # (name, how many branches it groups)


DEMO_GROUP = ("中融能源集团有限公司", "ZR")
DEMO_HQ = [
    Department("党建工作部", "DJ"),
    Department("综合办公室", "BGS"),
    Department("人力资源部", "RL"),
    Department("财务资产部", "CW"),
    Department("安全环保部", "AH"),
]
DEMO_COMPANIES = [
    Company(
        "中融发电有限公司",
        "FD",
        [
            Department("运行部", "YX", ["运行一值", "运行二值", "运行三值"]),
            Department("检修部", "JX", ["电气班", "热控班", "锅炉班"]),
            Department("燃料部", "RL"),
            Department("设备管理部", "SB"),
            Department("安全监察部", "AJ"),
            Department("财务部", "CW"),
            Department("综合办公室", "BGS"),
            Department("市场营销部", "YX2"),
            Department("技术中心", "JS"),
        ],
        general_branch=("生产党总支", 3),
    ),
    Company(
        "中融工程建设有限公司",
        "GC",
        [
            Department("第一项目部", "XM1", ["土建班", "安装班"]),
            Department("第二项目部", "XM2"),
            Department("第三项目部", "XM3"),
            Department("工程技术部", "JS"),
            Department("质量安全部", "ZA"),
            Department("经营计划部", "JY"),
            Department("物资部", "WZ"),
            Department("财务部", "CW"),
            Department("综合办公室", "BGS"),
            Department("海外项目部", "HW"),
        ],
    ),
    Company(
        "中融新能源科技有限公司",
        "XNY",
        [
            Department("风电运维部", "FD", ["北区运维班", "南区运维班"]),
            Department("光伏运维部", "GF"),
            Department("储能事业部", "CN"),
            Department("研发中心", "YF"),
            Department("市场开发部", "SC"),
            Department("财务部", "CW"),
            Department("综合办公室", "BGS"),
            Department("新设项目部", "XS"),
        ],
    ),
]
SMALL_BRANCH = "XNY-XS"  # a newly set-up branch with too few full members, to show the R5.1 warning


def bench_companies(count: int, departments: int) -> list[Company]:
    """Generic companies for benchmarks: `count` companies × `departments` departments."""
    dept_names = [d.name for c in DEMO_COMPANIES for d in c.departments]
    return [
        Company(
            f"第{i + 1}分公司",
            f"C{i + 1:03d}",
            [
                Department(
                    f"{dept_names[j % len(dept_names)]}{j // len(dept_names) + 1}", f"D{j + 1:03d}"
                )
                for j in range(departments)
            ],
        )
        for i in range(count)
    ]


@dataclass
class Built:
    party_root: PartyOrg
    unit_root: Unit
    branches: dict[str, PartyOrg]  # by org_code
    units: dict[str, Unit]
    people: list[Person]


class OrganisationBuilder:
    """Builds one organisation; `people_per_branch` is a (low, high) range."""

    def __init__(
        self,
        *,
        seed: int = 2026,
        people_per_branch: tuple[int, int] = (35, 65),
        today: date | None = None,
    ) -> None:
        self.rng = random.Random(seed)
        self.people_per_branch = people_per_branch
        self.today = today or timezone.localdate()
        self._used_ids: set[str] = set()

    def _term_start(self, years: int) -> date:
        # Spread terms so that some have ended, some end soon, most run on.
        return self.today - timedelta(days=self.rng.randrange(60, int(years * 365 * 1.06)))

    @transaction.atomic
    def build(
        self, group: tuple[str, str], hq: list[Department], companies: list[Company]
    ) -> Built:
        group_name, group_code = group
        unit_root = Node({"name": group_name, "org_code": group_code, "kind": Unit.Kind.COMPANY})
        party_root = Node(
            self._party_fields(
                f"中共{group_name}委员会", f"{group_code}-DW", PartyOrg.Kind.COMMITTEE
            )
        )
        mapping: list[tuple[Node, list[Node]]] = [
            (party_root, [unit_root])
        ]  # (Party org, its units)

        hq_units = [
            Node(
                {"name": d.name, "org_code": f"{group_code}-{d.code}", "kind": Unit.Kind.DEPARTMENT}
            )
            for d in hq
        ]
        unit_root.children.extend(hq_units)
        half = (len(hq_units) + 1) // 2
        for number, chunk in enumerate((hq_units[:half], hq_units[half:]), start=1):
            if chunk:
                branch = self._branch(
                    f"集团机关第{'一二'[number - 1]}党支部", f"{group_code}-JG{number}"
                )
                party_root.children.append(branch)
                mapping.append((branch, chunk))

        for company in companies:
            company_unit = Node(
                {"name": company.name, "org_code": f"{company.code}", "kind": Unit.Kind.COMPANY}
            )
            unit_root.children.append(company_unit)
            committee = Node(
                self._party_fields(
                    f"中共{company.name}委员会", f"{company.code}-DW", PartyOrg.Kind.COMMITTEE
                )
            )
            party_root.children.append(committee)
            mapping.append((committee, [company_unit]))
            grouped = company.general_branch[1] if company.general_branch else 0
            general = None
            if company.general_branch:
                general = Node(
                    self._party_fields(
                        company.general_branch[0],
                        f"{company.code}-ZZ",
                        PartyOrg.Kind.GENERAL_BRANCH,
                    )
                )
                committee.children.append(general)
            for index, dept in enumerate(company.departments):
                dept_unit = Node(
                    {
                        "name": dept.name,
                        "org_code": f"{company.code}-{dept.code}",
                        "kind": Unit.Kind.DEPARTMENT,
                    }
                )
                dept_unit.children = [
                    Node(
                        {
                            "name": team,
                            "org_code": f"{company.code}-{dept.code}-{t + 1}",
                            "kind": Unit.Kind.TEAM,
                        }
                    )
                    for t, team in enumerate(dept.teams)
                ]
                company_unit.children.append(dept_unit)
                short = company.name.removesuffix("有限公司")
                branch = self._branch(f"{short}{dept.name}党支部", f"{company.code}-{dept.code}")
                (general if general is not None and index < grouped else committee).children.append(
                    branch
                )
                mapping.append((branch, [dept_unit]))

        bulk_tree(Unit, [unit_root])
        bulk_tree(PartyOrg, [party_root])
        through = PartyOrg.units.through
        through.objects.bulk_create(
            [
                through(partyorg_id=b.obj.pk, unit_id=u.obj.pk)
                for b, units in mapping
                for u in units
            ],
            batch_size=2000,
        )
        people = self._people(mapping)
        self._secretaries(party_root, people)
        return Built(
            party_root=party_root.obj,
            unit_root=unit_root.obj,
            branches={
                b.obj.org_code: b.obj for b, _ in mapping if b.obj.kind == PartyOrg.Kind.BRANCH
            },
            units={n.obj.org_code: n.obj for n in unit_root.walk()},
            people=people,
        )

    def _party_fields(self, name: str, code: str, kind: str) -> dict[str, Any]:
        years = PartyOrg.DEFAULT_TERM_YEARS[kind]
        fields: dict[str, Any] = {"name": name, "org_code": code, "kind": kind, "term_years": years}
        if years:
            start = self._term_start(years)
            fields.update(
                term_started_on=start,
                established_on=start - timedelta(days=365 * self.rng.randrange(3, 20)),
            )
        return fields

    def _branch(self, name: str, code: str) -> Node:
        branch = Node(self._party_fields(name, code, PartyOrg.Kind.BRANCH))
        low, high = self.people_per_branch
        branch.size = size = 6 if code == SMALL_BRANCH else self.rng.randint(low, high)
        if size > 30:
            branch.children = [
                Node(
                    {
                        "name": f"{name}第{'一二三'[g]}党小组",
                        "org_code": f"{code}-G{g + 1}",
                        "kind": PartyOrg.Kind.GROUP,
                    }
                )
                for g in range(2 if size < 60 else 3)
            ]
        return branch

    def _status(self) -> str:
        roll = self.rng.random()
        for status, share in (
            (PoliticalStatus.FULL_MEMBER, 0.50),
            (PoliticalStatus.PROBATIONARY, 0.05),
            (PoliticalStatus.CANDIDATE, 0.04),
            (PoliticalStatus.ACTIVIST, 0.06),
            (PoliticalStatus.APPLICANT, 0.07),
        ):
            if roll < share:
                return status
            roll -= share
        return PoliticalStatus.NON_MEMBER

    def _people(self, mapping: list[tuple[Node, list[Node]]]) -> list[Person]:
        people: list[Person] = []
        for branch, unit_nodes in mapping:
            size = branch.size
            places = [n.obj for u in unit_nodes for n in u.walk()]
            groups = [g.obj for g in branch.children]
            for number in range(size):
                status = (
                    PoliticalStatus.FULL_MEMBER if (size <= 6 and number < 2) else self._status()
                )
                if size <= 6 and number >= 2 and status == PoliticalStatus.FULL_MEMBER:
                    status = PoliticalStatus.ACTIVIST
                people.append(self._person(status, branch.obj, groups, self.rng.choice(places)))
        Person.objects.bulk_create(people, batch_size=2000)
        return people

    def _person(self, status: str, branch: PartyOrg, groups: list[PartyOrg], unit: Unit) -> Person:
        rng = self.rng
        gender = Gender.MALE if rng.random() < 0.62 else Gender.FEMALE
        born = names.birth_date(rng, self.today)
        number = names.id_number(rng, born, gender)
        while number in self._used_ids:
            number = names.id_number(rng, born, gender)
        self._used_ids.add(number)
        person = Person(
            name=names.person_name(rng, gender),
            gender=gender,
            birth_date=born,
            education=rng.choice(
                [
                    Education.POSTGRADUATE,
                    Education.BACHELOR,
                    Education.BACHELOR,
                    Education.COLLEGE,
                    Education.VOCATIONAL,
                    Education.HIGH_SCHOOL,
                ]
            ),
            unit=unit,
            post=rng.choice(names.POSTS),
            political_status=status,
        )
        person.set_id_number(number)
        person.set_phone(names.mobile(rng))
        person.name_initials, person.name_pinyin = pinyin_keys(person.name)
        if status == PoliticalStatus.NON_MEMBER:
            return person
        person.party_org = (
            rng.choice(groups)
            if groups and status in (PoliticalStatus.FULL_MEMBER, PoliticalStatus.PROBATIONARY)
            else branch
        )
        if status in (PoliticalStatus.FULL_MEMBER, PoliticalStatus.PROBATIONARY):
            eighteen = (
                born.replace(year=born.year + 18)
                if not (born.month == 2 and born.day == 29)
                else born.replace(year=born.year + 18, day=28)
            )
            earliest = max(eighteen, self.today - timedelta(days=365 * 35))
            latest = self.today - timedelta(
                days=400 if status == PoliticalStatus.FULL_MEMBER else 30
            )
            span = max((latest - earliest).days, 1)
            person.joined_on = earliest + timedelta(days=rng.randrange(span))
            if status == PoliticalStatus.PROBATIONARY:
                person.joined_on = self.today - timedelta(days=rng.randrange(30, 330))
            else:
                person.full_member_on = person.joined_on + timedelta(days=365)
        return person

    def _secretaries(self, party_root: Node, people: list[Person]) -> None:
        """Each committee, general branch and branch gets a full member of its subtree."""
        full_by_path: dict[str, list[Person]] = {}
        for person in people:
            if (
                person.political_status == PoliticalStatus.FULL_MEMBER
                and person.party_org is not None
            ):
                full_by_path.setdefault(person.party_org.path, []).append(person)
        changed = []
        for node in party_root.walk():
            org = node.obj
            if org.kind == PartyOrg.Kind.GROUP:
                continue
            candidates = [
                p for path, ps in full_by_path.items() if path.startswith(org.path) for p in ps
            ]
            if candidates:
                org.secretary = self.rng.choice(candidates)
                changed.append(org)
        PartyOrg.objects.bulk_update(changed, ["secretary"], batch_size=1000)
