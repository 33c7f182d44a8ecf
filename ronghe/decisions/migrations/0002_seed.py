"""The platform's default matter catalogue: the four 三重一大 categories, each needing the Party
committee's prior study (国企条例 第十五条; 中办发〔2010〕17号), and the matters touching
employees' vital interests that go to the workers' congress. The fund threshold is the example
in DOMAIN-RULES R6.6; each enterprise sets its own catalogue, which then applies below it."""

from datetime import date
from decimal import Decimal

from django.db import migrations

SOURCE = "中办发〔2010〕17号 三重一大决策制度意见；国有企业基层组织工作条例（试行）第十五条"
DEFAULTS = [
    ("decision", "重大决策（发展战略、中长期规划、重大改革方案）", None, "board"),
    ("appointment", "重要人事任免", None, "party_committee"),
    ("project", "重大项目安排", None, "board"),
    ("funds", "大额度资金运作", Decimal("200000000"), "board"),
    ("decision", "涉及职工切身利益的重大事项（薪酬分配等）", None, "workers_congress"),
]


def seed(apps, schema_editor):
    MajorMatter = apps.get_model("decisions", "MajorMatter")
    for category, name, threshold, body in DEFAULTS:
        MajorMatter.objects.get_or_create(
            org=None,
            category=category,
            name=name,
            defaults={
                "requires_prior_study": True,
                "threshold": threshold,
                "body": body,
                "execution_days": 30,
                "source": SOURCE + ("（额度为示例，请按本企业规定设置）" if threshold else ""),
                "effective_from": date(2010, 1, 1),
            },
        )


class Migration(migrations.Migration):
    dependencies = [("decisions", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
