"""Celery beat's schedules and periodic tasks in the admin (django-celery-beat's own admins), every save and delete
through ``audit.changes``: before and after on the record. Its bulk enable / disable / run actions wrote rows with
no trail, so they are not offered: a task is switched on or off by editing it."""

from django.contrib import admin
from django_celery_beat import admin as beat
from django_celery_beat.models import (
    ClockedSchedule,
    CrontabSchedule,
    IntervalSchedule,
    PeriodicTask,
    SolarSchedule,
)

from audit.admin import AuditedAdmin

for model in (PeriodicTask, ClockedSchedule, CrontabSchedule, SolarSchedule, IntervalSchedule):
    admin.site.unregister(model)


@admin.register(PeriodicTask)
class PeriodicTaskAdmin(AuditedAdmin, beat.PeriodicTaskAdmin):
    actions = ()


@admin.register(ClockedSchedule)
class ClockedScheduleAdmin(AuditedAdmin, beat.ClockedScheduleAdmin):
    pass


@admin.register(CrontabSchedule)
class CrontabScheduleAdmin(AuditedAdmin, beat.CrontabScheduleAdmin):
    pass


@admin.register(SolarSchedule)
class SolarScheduleAdmin(AuditedAdmin, beat.SolarScheduleAdmin):
    pass


@admin.register(IntervalSchedule)
class IntervalScheduleAdmin(AuditedAdmin, beat.IntervalScheduleAdmin):
    pass
