from django.db import migrations

from core.beat import ensure_periodic_task, remove_periodic_task

TASKS = [
    {"name": "Release due posts", "task": "approvals.release_due", "every_minutes": 1},
    {"name": "Review SLA reminders and escalation", "task": "approvals.remind_reviewers", "crontab": {"minute": "5"}},
]


def forwards(apps, schema_editor):
    for spec in TASKS:
        ensure_periodic_task(apps, **spec)
    ApprovalRoute = apps.get_model("approvals", "ApprovalRoute")
    RouteStage = apps.get_model("approvals", "RouteStage")
    if not ApprovalRoute.objects.filter(department__isnull=True, channel__isnull=True).exists():
        route = ApprovalRoute.objects.create(name="Company default")
        RouteStage.objects.create(route=route, position=1, name="Department review", role="reviewer", sla_hours=24)
        RouteStage.objects.create(
            route=route, position=2, name="Brand review", group="communications", sla_hours=24, public_only=True
        )


def backwards(apps, schema_editor):
    for spec in TASKS:
        remove_periodic_task(apps, name=spec["name"])
    apps.get_model("approvals", "ApprovalRoute").objects.filter(department__isnull=True, channel__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("approvals", "0001_initial"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]
    operations = [migrations.RunPython(forwards, backwards)]
