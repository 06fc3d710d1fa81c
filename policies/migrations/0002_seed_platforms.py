from django.db import migrations

from policies.seed import PLATFORMS


def forwards(apps, schema_editor):
    Platform = apps.get_model("policies", "Platform")
    for slug, name, kind, pattern, hint, strip, hosts, limit, mfa in PLATFORMS:
        Platform.objects.get_or_create(
            slug=slug,
            defaults={
                "name": name,
                "kind": kind,
                "handle_pattern": pattern,
                "handle_hint": hint,
                "strip_prefix": strip,
                "url_hosts": hosts,
                "char_limit": limit,
                "supports_mfa": mfa,
                "dormancy_days": 90,
            },
        )


class Migration(migrations.Migration):
    dependencies = [("policies", "0001_initial")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
