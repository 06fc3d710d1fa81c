from django.db import migrations

from core.beat import ensure_periodic_task, remove_periodic_task

TASKS = [
    {"name": "Apply retention periods", "task": "records.apply_retention", "crontab": {"minute": "40", "hour": "3"}},
]


def forwards(apps, schema_editor):
    from accounts.roles import ensure_groups

    for spec in TASKS:
        ensure_periodic_task(apps, **spec)
    # the compliance group (accounts.choices.Group.COMPLIANCE), on databases made before it existed
    ensure_groups(apps.get_model("auth", "Group"), apps.get_model("auth", "Permission"))


def backwards(apps, schema_editor):
    for spec in TASKS:
        remove_periodic_task(apps, name=spec["name"])


class Migration(migrations.Migration):
    dependencies = [
        ("records", "0001_initial"),
        ("accounts", "0002_role_groups"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]
    operations = [migrations.RunPython(forwards, backwards)]
