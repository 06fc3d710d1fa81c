"""The chain moves out of the events: personal rows, chain links, the sequencer's queue, checkpoints.

Schema only; 0006 moves the trail written so far into the new form, 0007 drops the old columns."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0004_anomaly_index_refusals"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RenameField(model_name="auditevent", old_name="target_label", new_name="target_text"),
        migrations.CreateModel(
            name="AuditPersonal",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("ref", models.CharField(max_length=16)),
                ("salt", models.CharField(max_length=32)),
                ("commitment", models.CharField(max_length=64)),
                ("label", models.CharField(blank=True, max_length=254)),
                ("ip", models.GenericIPAddressField(blank=True, null=True)),
                ("data", models.JSONField(blank=True, default=dict)),
                ("erased_at", models.DateTimeField(blank=True, null=True)),
                (
                    "event",
                    models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="personal",
                        to="audit.auditevent",
                    ),
                ),
                (
                    "person",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "constraints": [models.UniqueConstraint(fields=("event", "ref"), name="audit_personal_event_ref")],
            },
        ),
        migrations.CreateModel(
            name="ChainLink",
            fields=[
                ("position", models.BigIntegerField(primary_key=True, serialize=False)),
                ("leaf", models.CharField(max_length=64)),
                ("prev_hash", models.CharField(max_length=64)),
                ("hash", models.CharField(max_length=64)),
                ("sequenced_at", models.DateTimeField()),
                (
                    "event",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.PROTECT, related_name="link", to="audit.auditevent"
                    ),
                ),
            ],
        ),
        migrations.CreateModel(
            name="PendingEvent",
            fields=[
                (
                    "event",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        primary_key=True,
                        related_name="+",
                        serialize=False,
                        to="audit.auditevent",
                    ),
                ),
            ],
        ),
        migrations.CreateModel(
            name="AuditCheckpoint",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("created_at", models.DateTimeField()),
                ("position", models.BigIntegerField()),
                ("head_hash", models.CharField(max_length=64)),
                ("count", models.BigIntegerField()),
                ("previous", models.CharField(blank=True, max_length=64)),
                ("document", models.TextField()),
                ("signature", models.TextField()),
                ("key_id", models.CharField(max_length=64)),
                ("digest", models.CharField(max_length=64, unique=True)),
                ("file_name", models.CharField(max_length=200)),
            ],
            options={"ordering": ["-id"]},
        ),
    ]
