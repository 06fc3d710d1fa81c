from celery import shared_task

from it_decisions import services


# the name the periodic-task schedule (policies/migrations/0004_default_schedules.py) and the queue routes use
@shared_task(name="socialgov.remind_expiring_decisions")
def remind_expiring_decisions() -> int:
    return services.remind_expiring()
