"""Load the shipped rule set (apps/fraud/default_rules.py) as version 1 of each rule, active."""

from django.db import migrations


def load(apps, schema_editor):
    from apps.fraud.default_rules import ensure_default_rules

    ensure_default_rules(apps.get_model("fraud", "Rule"))


def unload(apps, schema_editor):
    from apps.fraud.default_rules import DEFAULT_RULES

    apps.get_model("fraud", "Rule").objects.filter(
        code__in=[r["code"] for r in DEFAULT_RULES], version=1, author__isnull=True
    ).delete()


class Migration(migrations.Migration):
    dependencies = [("fraud", "0001_initial")]

    operations = [migrations.RunPython(load, unload)]
