from django.db import migrations

from core.beat import ensure_periodic_task, remove_periodic_task

TASKS = [
    {
        "name": "Policy acknowledgement reminders (weekly)",
        "task": "policies.remind_acknowledgements",
        "crontab": {"minute": "0", "hour": "8", "day_of_week": "1"},
    },
    {
        "name": "IT decisions due for review (daily)",
        "task": "socialgov.remind_expiring_decisions",
        "crontab": {"minute": "30", "hour": "7"},
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
        ("policies", "0003_content_rules_policies_training"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]
    operations = [migrations.RunPython(forwards, backwards)]
