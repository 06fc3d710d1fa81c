from django.db import migrations

from core.beat import ensure_periodic_task, remove_periodic_task

TASKS = [
    {"name": "Dormancy audit", "task": "channels_registry.audit_dormancy", "crontab": {"minute": "30", "hour": "5"}},
    {
        "name": "Access recertification",
        "task": "channels_registry.recertify_access",
        "crontab": {"minute": "45", "hour": "5"},
    },
]


def forwards(apps, schema_editor):
    for spec in TASKS:
        ensure_periodic_task(apps, **spec)


def backwards(apps, schema_editor):
    for spec in TASKS:
        remove_periodic_task(apps, name=spec["name"])


class Migration(migrations.Migration):
    dependencies = [
        ("channels_registry", "0002_initial"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]
    operations = [migrations.RunPython(forwards, backwards)]
