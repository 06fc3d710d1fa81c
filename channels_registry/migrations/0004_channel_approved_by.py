import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def approvers_from_the_trail(apps, schema_editor):
    """Registrations approved before the field existed: their approver is the actor of ``channel.approved``."""
    AuditEvent = apps.get_model("audit", "AuditEvent")
    Channel = apps.get_model("channels_registry", "Channel")
    approvals = AuditEvent.objects.filter(
        action="channel.approved", target_type="channels_registry.channel", actor__isnull=False
    ).order_by("id")
    for target_id, actor_id in approvals.values_list("target_id", "actor_id").iterator():
        if target_id.isdigit():
            Channel.objects.filter(pk=int(target_id)).update(approved_by_id=actor_id)


class Migration(migrations.Migration):
    dependencies = [
        ("channels_registry", "0003_default_schedules"),
        ("audit", "0003_anomaly_index"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="channel",
            name="approved_by",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.RunPython(approvers_from_the_trail, migrations.RunPython.noop),
    ]
