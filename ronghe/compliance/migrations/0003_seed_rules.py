"""The published rule set (DOMAIN-RULES.md topics 1, 2 and 5), loaded with the migrations.

Each row cites its document and article and carries the confidence tag of DOMAIN-RULES:
V read in the regulation text, S common practice. Party-affairs staff adjust parameters per
subtree with RuleSetting rows; these rows are the central defaults."""

from datetime import date

from django.db import migrations

BRANCH = "branch"
COMMITTEE = "committee"
GENERAL_BRANCH = "general_branch"
GROUP = "group"

BRANCH_RULES_2018 = ("中国共产党支部工作条例（试行）", date(2018, 10, 28))
EDUCATION_2019 = ("中国共产党党员教育管理工作条例", date(2019, 5, 6))

RULES = [
    {
        "key": "branch-committee-monthly",
        "name": "支部委员会会议每月至少1次",
        "kind": "meeting_frequency",
        "meeting_kind": "committee_meeting",
        "org_kinds": [BRANCH],
        "period": "month",
        "params": {"min_full_members": 7},
        "source": BRANCH_RULES_2018,
        "source_article": "第十二条",
        "confidence": "V",
        "note": "R1.2. Only branches with 7 or more full members elect a committee (R5.5).",
    },
    {
        "key": "general-meeting-quarterly",
        "name": "支部党员大会每季度至少1次",
        "kind": "meeting_frequency",
        "meeting_kind": "general_meeting",
        "org_kinds": [BRANCH],
        "period": "quarter",
        "source": BRANCH_RULES_2018,
        "source_article": "第十一条",
        "confidence": "V",
        "note": "R1.1.",
    },
    {
        "key": "group-meeting-monthly",
        "name": "党小组会每月至少1次",
        "kind": "meeting_frequency",
        "meeting_kind": "group_meeting",
        "org_kinds": [GROUP],
        "period": "month",
        "source": BRANCH_RULES_2018,
        "source_article": "第十三条",
        "confidence": "V",
        "note": "R1.3.",
    },
    {
        "key": "party-lecture-quarterly",
        "name": "党课每季度至少1次",
        "kind": "meeting_frequency",
        "meeting_kind": "party_lecture",
        "org_kinds": [BRANCH],
        "period": "quarter",
        "source": BRANCH_RULES_2018,
        "source_article": "第十六条（“按期”；季度为普遍做法）",
        "confidence": "S",
        "note": "R1.4/R1.5: the regulation says 按期; quarterly is near-universal local practice.",
    },
    {
        "key": "secretary-lecture-yearly",
        "name": "党委书记每年至少讲1次党课",
        "kind": "meeting_frequency",
        "meeting_kind": "party_lecture",
        "org_kinds": [COMMITTEE],
        "period": "year",
        "grace_days": 60,
        "params": {"detail": "by_secretary"},
        "source": BRANCH_RULES_2018,
        "source_article": "第十六条",
        "confidence": "S",
        "note": "R1.4: substance verified, article number from secondary sources.",
    },
    {
        "key": "theme-day-monthly",
        "name": "主题党日每月1次",
        "kind": "meeting_frequency",
        "meeting_kind": "theme_day",
        "org_kinds": [BRANCH],
        "period": "month",
        "source": EDUCATION_2019,
        "source_article": "第十六条",
        "confidence": "V",
        "note": "R2.1.",
    },
    {
        "key": "org-life-meeting-yearly",
        "name": "组织生活会每年至少1次",
        "kind": "meeting_frequency",
        "meeting_kind": "org_life_meeting",
        "org_kinds": [BRANCH],
        "period": "year",
        "grace_days": 60,
        "source": BRANCH_RULES_2018,
        "source_article": "第十七条",
        "confidence": "S",
        "note": "R2.2: normally in the fourth quarter; text verified, article number secondary.",
    },
    {
        "key": "member-review-yearly",
        "name": "民主评议党员每年1次",
        "kind": "meeting_frequency",
        "meeting_kind": "org_life_meeting",
        "org_kinds": [BRANCH],
        "period": "year",
        "grace_days": 60,
        "params": {"detail": "member_review"},
        "source": EDUCATION_2019,
        "source_article": "第十八条",
        "confidence": "V",
        "note": "R2.3: usually held with the 组织生活会; counted from a meeting whose record says so.",
    },
    {
        "key": "democratic-life-yearly",
        "name": "民主生活会每年1次",
        "kind": "meeting_frequency",
        "meeting_kind": "democratic_life_meeting",
        "org_kinds": [COMMITTEE],
        "period": "year",
        "grace_days": 60,
        "source": ("县以上党和国家机关党员领导干部民主生活会若干规定", date(2016, 12, 1)),
        "source_article": "第二条",
        "confidence": "V",
        "note": "R2.6: also for the leadership teams of state-owned enterprises.",
    },
    {
        "key": "term-renewal",
        "name": "基层组织按期换届",
        "kind": "term_expiry",
        "meeting_kind": "",
        "org_kinds": [COMMITTEE, GENERAL_BRANCH, BRANCH],
        "period": "",
        "due_soon_days": 183,
        "params": {"warn_months": [6, 3]},
        "source": ("关于党的基层组织任期的意见", date(2018, 7, 1)),
        "source_article": "",
        "confidence": "V",
        "note": "R5.7/R5.8: 党委 5 years, 总支 and 支部 3; postponement up to a year with approval.",
    },
]


def seed(apps, schema_editor):
    Rule = apps.get_model("compliance", "Rule")
    for row in RULES:
        row = dict(row)
        document, effective_from = row.pop("source")
        Rule.objects.update_or_create(
            key=row.pop("key"),
            defaults={**row, "source_document": document, "effective_from": effective_from},
        )


def unseed(apps, schema_editor):
    apps.get_model("compliance", "Rule").objects.filter(key__in=[r["key"] for r in RULES]).delete()


class Migration(migrations.Migration):
    dependencies = [("compliance", "0002_initial")]

    operations = [migrations.RunPython(seed, unseed)]
