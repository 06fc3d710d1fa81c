from django.db import migrations

from core.beat import ensure_periodic_task, remove_periodic_task

TASKS = [{"name": "Forget old SCIM requests", "task": "scim.prune_log", "crontab": {"minute": "15", "hour": "4"}}]


def forwards(apps, schema_editor):
    for spec in TASKS:
        ensure_periodic_task(apps, **spec)


def backwards(apps, schema_editor):
    for spec in TASKS:
        remove_periodic_task(apps, name=spec["name"])


class Migration(migrations.Migration):
    dependencies = [
        ("scim", "0001_initial"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]
    operations = [migrations.RunPython(forwards, backwards)]
