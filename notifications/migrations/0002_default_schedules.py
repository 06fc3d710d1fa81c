from django.db import migrations

from core.beat import ensure_periodic_task, remove_periodic_task

TASKS = [
    {"name": "Outbox sweep", "task": "notifications.sweep_outbox", "every_minutes": 2},
    {"name": "Daily e-mail digests", "task": "notifications.send_digests", "crontab": {"minute": "0", "hour": "7"}},
]


def forwards(apps, schema_editor):
    for spec in TASKS:
        ensure_periodic_task(apps, **spec)


def backwards(apps, schema_editor):
    for spec in TASKS:
        remove_periodic_task(apps, name=spec["name"])


class Migration(migrations.Migration):
    dependencies = [
        ("notifications", "0001_initial"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]
    operations = [migrations.RunPython(forwards, backwards)]
