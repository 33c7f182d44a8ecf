"""Messy and clean rosters, as Party-affairs staff really upload them (SECURITY.md §4).

The fixtures kept in ronghe/people/tests/rosters/ are built here for the test cast's world
(ronghe/testing.py: import into 甲公司党委 `A`, branches A1/A2, units UA1/UA2):
`python -m ronghe.demo.rosters` rewrites them — only to change a fixture; the committed files
are what the tests read, and ronghe/people/tests/test_import_fixtures.py states for each file
exactly which rows must be refused and why. `ronghe demo` writes the messy roster again for the
demo organisation, so that a newcomer can try the import on it.
"""

from __future__ import annotations

import random
import zipfile
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import openpyxl
from openpyxl.utils.datetime import CALENDAR_MAC_1904

from ronghe.demo import names

FIXTURES = Path(__file__).resolve().parent.parent / "people" / "tests" / "rosters"
HEADER = [
    "姓名",
    "性别",
    "身份证号",
    "出生日期",
    "手机号",
    "学历",
    "政治面貌",
    "党组织",
    "入党日期",
    "转正日期",
    "业务单位",
    "岗位",
]


@dataclass(frozen=True)
class World:
    """Where the messy roster files its people: the test cast by default, the demo's own
    organisations when `ronghe demo` writes a copy for newcomers to try."""

    committee: str = "甲公司党委"  # the name of the committee imported into
    branch: str = "A1"  # a branch under it (code)
    branch_path: str = "集团党委/甲公司党委/甲一支部"  # the same branch by its full path
    other_branch: str = "A2"  # another branch under it (code)
    outside_branch: str = "B1"  # a branch outside it (code)
    unit: str = "UA1"  # the unit `branch` is built on (code)
    other_unit: str = "UA2"  # the unit `other_branch` is built on (code)


CAST_WORLD = World()


def ids(seed: int) -> random.Random:
    return random.Random(seed)


def id_number(rng: random.Random, born: date, gender: str = "male") -> str:
    return names.id_number(rng, born, gender)


def messy(world: World = CAST_WORLD) -> openpyxl.Workbook:
    """Every problem of the import table in one sheet, with the rows the tests expect to fail."""
    rng = ids(1)
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "党员名册"
    # Row 1: a merged title. Rows 2–3: a two-level header, 姓名 and 公民身份号码 merged down.
    sheet.append([f"{world.committee}党员信息采集表"])
    sheet.merge_cells("A1:K1")
    sheet.append(
        [
            "名字",
            "性别",
            "公民身份号码",
            "联系电话",
            "政治面貌",
            "所在党支部",
            "入党情况",
            None,
            "部门",
            "职务",
            "序号",
        ]
    )
    sheet.append([None, None, None, None, None, None, "入党时间", "转正时间", None, None, None])
    for column in "ABCDEFIJK":
        sheet.merge_cells(f"{column}2:{column}3")
    sheet.merge_cells("G2:H2")
    one = id_number(rng, date(1980, 1, 2))
    rows = [
        # 4: fine — full-width digits, a lower-case x may appear, ideographic spaces in the name
        [
            "\u3000孙\u3000建国 ",
            "男",
            one.translate(str.maketrans("0123456789", "０１２３４５６７８９")),
            "+86 138-0013-8000",
            "中共党员",
            world.branch,
            "2003.07",
            "2004.07",
            world.unit,
            "技术员",
            1,
        ],
        # 5: fine — zero-width characters in the ID, a 1900-system serial date in a General cell
        [
            "周\u00b7买买提",
            "男",
            "\u200b" + id_number(rng, date(1979, 5, 6)) + "\ufeff",
            13900139000,
            "正式党员",
            world.branch_path,
            37500,
            datetime(2003, 9, 1),
            world.unit,
            "班长",
            2,
        ],
        # 6: the ID typed into a Number cell: its last digits are gone
        ["钱多多", "女", 110101198001020011, None, "群众", None, None, None, world.unit, None, 3],
        # 7: a wrong check digit
        [
            "郑一鸣",
            "男",
            one[:17] + ("0" if one[17] != "0" else "1"),
            None,
            "群众",
            None,
            None,
            None,
            world.unit,
            None,
            4,
        ],
        # 8 and 9: the same person twice
        [
            "冯小刚",
            "男",
            (dup := id_number(rng, date(1975, 3, 3))),
            None,
            "群众",
            None,
            None,
            None,
            world.unit,
            None,
            5,
        ],
        ["冯小刚", "男", dup, None, "群众", None, None, None, world.unit, None, 6],
        # 10: a blank row (skipped)
        [None] * 11,
        # 11: a month that does not exist
        [
            "陈十三",
            "男",
            id_number(rng, date(1970, 1, 1)),
            None,
            "中共党员",
            world.branch,
            "2023.13.01",
            "2024.01.01",
            world.unit,
            None,
            7,
        ],
        # 12: 2003.1 in a Number cell: January or October?
        [
            "褚一",
            "男",
            id_number(rng, date(1970, 2, 1)),
            None,
            "中共党员",
            world.branch,
            2003.1,
            "2004.11",
            world.unit,
            None,
            8,
        ],
        # 13: serial 60, Lotus's 29 February 1900
        [
            "卫二",
            "男",
            id_number(rng, date(1970, 3, 1)),
            None,
            "预备党员",
            world.branch,
            60,
            None,
            world.unit,
            None,
            9,
        ],
        # 14: a status the platform does not know
        [
            "蒋三",
            "男",
            id_number(rng, date(1990, 4, 1)),
            None,
            "共青团员",
            None,
            None,
            None,
            world.unit,
            None,
            10,
        ],
        # 15: the gender contradicts the ID's 17th digit
        [
            "沈四",
            "女",
            id_number(rng, date(1988, 5, 1), "male"),
            None,
            "群众",
            None,
            None,
            None,
            world.unit,
            None,
            11,
        ],
        # 16: joined the Party at 16
        [
            "韩五",
            "男",
            id_number(rng, date(1990, 6, 1)),
            None,
            "预备党员",
            world.branch,
            "2006-07-01",
            None,
            world.unit,
            None,
            12,
        ],
        # 17: a committee is not where members are kept; 18: a branch outside 甲公司党委
        [
            "杨六",
            "男",
            id_number(rng, date(1985, 7, 1)),
            None,
            "预备党员",
            world.committee,
            "2020-07-01",
            None,
            world.unit,
            None,
            13,
        ],
        [
            "朱七",
            "男",
            id_number(rng, date(1985, 8, 1)),
            None,
            "预备党员",
            world.outside_branch,
            "2020-07-01",
            None,
            world.unit,
            None,
            14,
        ],
        # 19: fine, but hidden by a filter; 20: an unknown education? no — an unknown phone
        [
            "秦八",
            "男",
            id_number(rng, date(1985, 9, 1)),
            None,
            "群众",
            None,
            None,
            None,
            world.other_unit,
            None,
            15,
        ],
        [
            "尤九",
            "男",
            id_number(rng, date(1985, 10, 1)),
            "12345",
            "群众",
            None,
            None,
            None,
            world.other_unit,
            None,
            16,
        ],
        # 21–22: the 党支部 merged down a block (filled down: fine); the 职务 merged too (refused)
        [
            "许十",
            "男",
            id_number(rng, date(1986, 1, 1)),
            None,
            "中共党员",
            world.other_branch,
            "2010-01-01",
            "2011-01-01",
            world.other_unit,
            "干事",
            17,
        ],
        [
            "何十一",
            "男",
            id_number(rng, date(1986, 2, 1)),
            None,
            "中共党员",
            None,
            "2010-02-01",
            "2011-02-01",
            world.other_unit,
            None,
            18,
        ],
        # 23: a formula whose value was never calculated
        [
            "吕十二",
            "男",
            id_number(rng, date(1986, 3, 1)),
            None,
            "群众",
            None,
            None,
            None,
            '=J4&""',
            None,
            19,
        ],
    ]
    for row in rows:
        sheet.append(row)
    sheet.merge_cells("F21:F22")
    sheet.merge_cells("J21:J22")
    sheet.row_dimensions[19].hidden = True
    sheet.append([])
    sheet.append(["填表人：王磊　　审核人：张伟强"])
    for row in range(4, sheet.max_row + 1):
        sheet.cell(row, 3).number_format = "@"
    return workbook


# The rows of messy.xlsx that must be refused, with the error codes each must carry.
MESSY_ERRORS = {
    6: {"id_number_as_number"},
    7: {"id_check_digit"},
    8: {"duplicate_in_file"},
    9: {"duplicate_in_file"},
    11: {"date_impossible"},
    12: {"date_ambiguous"},
    13: {"date_serial"},
    14: {"choice"},
    15: {"rule"},
    16: {"rule"},
    17: {"org_not_allowed"},
    18: {"org_not_allowed"},
    20: {"phone"},
    22: {"merged"},
    23: {"formula"},
}


def clean(count: int = 2000, seed: int = 2000) -> openpyxl.Workbook:
    """A well-formed roster of `count` people into 甲一支部 / 甲二支部 (all rows import)."""
    rng = ids(seed)
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(HEADER)
    statuses = ["正式党员"] * 6 + [
        "预备党员",
        "群众",
        "群众",
        "入党积极分子",
        "发展对象",
        "入党申请人",
    ]
    for number in range(count):
        gender = rng.choice(["male", "female"])
        born = date(rng.randint(1960, 2000), rng.randint(1, 12), rng.randint(1, 28))
        status = rng.choice(statuses)
        member = status in ("正式党员", "预备党员")
        joined = (
            date(born.year + rng.randint(19, 24), rng.randint(1, 12), rng.randint(1, 28))
            if member
            else None
        )
        if joined and joined > date(2024, 12, 31):
            joined = date(2024, 6, 1)
        full = (
            date(joined.year + 1, joined.month, joined.day)
            if joined and status == "正式党员"
            else None
        )
        if status == "预备党员":
            joined = date(2025, rng.randint(1, 12), rng.randint(1, 28))
        branch = rng.choice(["A1", "A2"])
        sheet.append(
            [
                names.person_name(rng, gender),
                "男" if gender == "male" else "女",
                id_number(rng, born, gender),
                born.isoformat(),
                f"13{rng.randint(100000000, 999999999)}",
                rng.choice(["本科", "研究生", "大专", "高中"]),
                status,
                branch if member or rng.random() < 0.5 else None,
                joined.isoformat() if joined else None,
                full.isoformat() if full else None,
                "UA1" if branch == "A1" else "UA2",
                rng.choice(["工程师", "会计", "技术员", "经理", ""]),
            ]
        )
        if number % 97 == 0:
            sheet.append([None] * 12)  # the odd blank line
    return workbook


def gbk_csv() -> bytes:
    """Excel on Chinese Windows saves CSV as GBK."""
    rng = ids(3)
    lines = [",".join(HEADER)]
    for name, born in (("欧阳修", date(1981, 1, 1)), ("司马光", date(1982, 2, 2))):
        lines.append(
            ",".join(
                [
                    name,
                    "男",
                    id_number(rng, born),
                    "",
                    "",
                    "本科",
                    "群众",
                    "",
                    "",
                    "",
                    "UA1",
                    "会计",
                ]
            )
        )
    return ("\r\n".join(lines) + "\r\n").encode("gb18030")


def mac_1904() -> openpyxl.Workbook:
    """A workbook on the 1904 date system (old Mac Excel): dates must not shift by 4 years."""
    rng = ids(4)
    workbook = openpyxl.Workbook()
    workbook.epoch = CALENDAR_MAC_1904
    sheet = workbook.active
    sheet.append(HEADER)
    sheet.append(
        [
            "司徒雷",
            "男",
            id_number(rng, date(1980, 3, 4)),
            datetime(1980, 3, 4),
            None,
            None,
            "正式党员",
            "A1",
            datetime(2005, 6, 7),
            datetime(2006, 6, 7),
            "UA1",
            None,
        ]
    )
    return workbook


def entity_bomb() -> bytes:
    """A workbook whose sheet XML declares nested entities (billion laughs)."""
    source = FIXTURES / "clean_small.tmp.xlsx"
    book = clean(count=2, seed=5)
    book.save(source)
    target = FIXTURES / "entity_bomb.xlsx.tmp"
    with (
        zipfile.ZipFile(source) as original,
        zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as bomb,
    ):
        for item in original.infolist():
            data = original.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                entities = '<!ENTITY a "aaaaaaaaaa">' + "".join(
                    f'<!ENTITY {chr(98 + n)} "{("&" + chr(97 + n) + ";") * 10}">' for n in range(8)
                )
                doctype = f'<?xml version="1.0"?><!DOCTYPE worksheet [{entities}]>'.encode()
                data = doctype + data.replace(b"<t>", b"<t>&i;", 1)
            bomb.writestr(item, data)
    blob = target.read_bytes()
    source.unlink()
    target.unlink()
    return blob


def demo_world() -> World | None:
    """The demo organisation's counterpart of the cast's world: its first company committee
    with two of its branches (and the departments they are built on), and a branch elsewhere."""
    from ronghe.orgs.models import PartyOrg, PathNames

    names = PathNames(PartyOrg)
    for committee in PartyOrg.objects.filter(kind=PartyOrg.Kind.COMMITTEE, depth=2):
        branches = [
            branch
            for branch in PartyOrg.objects.filter(
                kind=PartyOrg.Kind.BRANCH, path__startswith=committee.path, closed_on__isnull=True
            ).prefetch_related("units")
            if branch.units.all()
        ][:2]
        outside = PartyOrg.objects.filter(kind=PartyOrg.Kind.BRANCH).exclude(
            path__startswith=committee.path
        )
        if len(branches) == 2 and outside.exists():
            first, second = branches
            return World(
                committee=committee.name,
                branch=first.org_code,
                branch_path=names.full(first.path),
                other_branch=second.org_code,
                outside_branch=outside.first().org_code,  # type: ignore[union-attr]
                unit=first.units.all()[0].org_code,
                other_unit=second.units.all()[0].org_code,
            )
    return None


def main(directory: Path = FIXTURES) -> None:
    messy().save(directory / "messy.xlsx")
    clean().save(directory / "clean_2000.xlsx")
    (directory / "gbk.csv").write_bytes(gbk_csv())
    mac_1904().save(directory / "mac_1904.xlsx")
    (directory / "entity_bomb.xlsx").write_bytes(entity_bomb())
    (directory / "not_a_workbook.xlsx").write_bytes(
        b"<!DOCTYPE html><html><body>hello</body></html>"
    )
    (directory / "old_format.xls").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504))


if __name__ == "__main__":
    import django

    django.setup()
    main()
