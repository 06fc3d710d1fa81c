"""The chain lives in ChainLink, the personal data in AuditPersonal: the events' old columns go."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("audit", "0006_convert_trail")]
    operations = [
        migrations.RemoveField(model_name="auditevent", name="actor_label"),
        migrations.RemoveField(model_name="auditevent", name="ip"),
        migrations.RemoveField(model_name="auditevent", name="prev_hash"),
        migrations.RemoveField(model_name="auditevent", name="hash"),
    ]
