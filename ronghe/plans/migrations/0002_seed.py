"""The platform's default category lists and task policy, loaded with the migrations.

Party categories follow the 党的建设 areas named in the Party Constitution's general programme
(政治、思想、组织、作风、纪律建设 and 制度建设) plus 党风廉政建设; business categories are the
common headings of SOE work plans. A committee adds its own for its subtree."""

from django.db import migrations

PARTY = ["政治建设", "思想建设", "组织建设", "作风建设", "纪律建设", "制度建设", "党风廉政建设"]
BUSINESS = ["生产经营", "安全生产", "改革发展", "科技创新", "客户服务", "降本增效", "人才队伍"]


def seed(apps, schema_editor):
    Category = apps.get_model("plans", "Category")
    TaskPolicy = apps.get_model("plans", "TaskPolicy")
    for dimension, names in (("party", PARTY), ("business", BUSINESS)):
        for position, name in enumerate(names):
            Category.objects.get_or_create(
                dimension=dimension, name=name, org=None, defaults={"position": position}
            )
    if not TaskPolicy.objects.filter(org__isnull=True).exists():
        TaskPolicy.objects.create(org=None)


class Migration(migrations.Migration):
    dependencies = [("plans", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
