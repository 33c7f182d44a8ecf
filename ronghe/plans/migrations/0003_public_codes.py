"""Milestones, categories and task policies get public codes (they are now reached from URLs).

Three steps so existing rows each get their own code: add the column without the unique
constraint, fill it, then make it unique."""

import uuid

from django.db import migrations, models

MODELS = ("category", "milestone", "taskpolicy")


def fill_codes(apps, schema_editor):
    for name in MODELS:
        model = apps.get_model("plans", name)
        for row in model.objects.only("pk"):
            row.code = uuid.uuid4()
            row.save(update_fields=["code"])


class Migration(migrations.Migration):
    dependencies = [("plans", "0002_seed")]

    operations = [
        *(
            migrations.AddField(
                model_name=name,
                name="code",
                field=models.UUIDField(default=uuid.uuid4, editable=False, null=True),
            )
            for name in MODELS
        ),
        migrations.RunPython(fill_codes, migrations.RunPython.noop),
        *(
            migrations.AlterField(
                model_name=name,
                name="code",
                field=models.UUIDField(default=uuid.uuid4, editable=False, unique=True),
            )
            for name in MODELS
        ),
    ]
