from django.db import migrations

from core.beat import ensure_periodic_task, remove_periodic_task

TASK = {
    "name": "Report rollups of closed weeks and months (hourly)",
    "task": "reports.refresh_rollups",
    "crontab": {"minute": "17"},
}


def forwards(apps, schema_editor):
    ensure_periodic_task(apps, **TASK)


def backwards(apps, schema_editor):
    remove_periodic_task(apps, name=TASK["name"])


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0002_report_rollups_closed_periods"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]
    operations = [migrations.RunPython(forwards, backwards)]
