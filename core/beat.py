"""Default periodic schedules, written by each app's data migration into
django-celery-beat's tables, where IT can change them in the admin.

A leaf module: it uses only the historical models handed to it.
"""

from __future__ import annotations


def ensure_periodic_task(
    apps,
    *,
    name: str,
    task: str,
    every_minutes: int | None = None,
    crontab: dict[str, str] | None = None,
    queue: str = "periodic",
) -> None:
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    if PeriodicTask.objects.filter(name=name).exists():
        return  # already there, perhaps edited by IT: leave it alone
    schedule: dict = {}
    if every_minutes is not None:
        IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
        schedule["interval"], _ = IntervalSchedule.objects.get_or_create(every=every_minutes, period="minutes")
    else:
        CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
        fields = {"minute": "0", "hour": "*", "day_of_week": "*", "day_of_month": "*", "month_of_year": "*"}
        fields.update(crontab or {})
        schedule["crontab"] = CrontabSchedule.objects.filter(**fields).first() or CrontabSchedule.objects.create(
            **fields
        )
    PeriodicTask.objects.create(name=name, task=task, queue=queue, **schedule)


def remove_periodic_task(apps, *, name: str) -> None:
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=name).delete()
