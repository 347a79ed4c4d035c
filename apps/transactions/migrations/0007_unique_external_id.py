from django.db import migrations, models
from django.db.models import Count, Min


def mark_earlier_duplicates(apps, schema_editor):
    """Before the database refuses a second transaction with one id: the copies an integration's retry
    stored before (the first of each id stays as it is) keep their rows, their id marked as a repeat."""
    Transaction = apps.get_model("transactions", "Transaction")
    repeated = (Transaction.objects.exclude(external_id="").values("external_id")
                .annotate(n=Count("id"), first=Min("id")).filter(n__gt=1))  # fmt: skip
    for row in repeated.iterator():
        copies = Transaction.objects.filter(external_id=row["external_id"]).exclude(pk=row["first"])
        for copy in copies.only("pk", "external_id"):
            copy.external_id = f"{row['external_id'][:80]}#repeat-{copy.pk}"
            copy.save(update_fields=["external_id"])


class Migration(migrations.Migration):
    dependencies = [
        ("transactions", "0006_file_heartbeat"),
    ]

    operations = [
        migrations.RunPython(mark_earlier_duplicates, migrations.RunPython.noop),
        migrations.AddField(
            model_name="transaction",
            name="external_id_key",
            field=models.GeneratedField(
                db_persist=True,
                expression=models.Case(
                    models.When(external_id="", then=models.Value(None)), default=models.F("external_id")
                ),
                max_length=100,
                output_field=models.CharField(max_length=100, null=True),
                unique=True,
            ),
        ),
    ]
