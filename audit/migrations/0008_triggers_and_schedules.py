"""On PostgreSQL the database refuses what would quietly rewrite the trail; beat runs the sequencer and
writes checkpoints.

- events, chain links and checkpoints: no UPDATE, DELETE or TRUNCATE;
- personal rows: no DELETE or TRUNCATE, and an UPDATE only as an erasure (salt blanked, erased_at set,
  the event, ref, person and commitment unchanged).
"""

from django.db import migrations

from core.beat import ensure_periodic_task, remove_periodic_task

CREATE = """
CREATE OR REPLACE FUNCTION audit_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'the audit trail is append-only (% of % refused)', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION audit_personal_erase_only() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND NEW.salt = '' AND NEW.erased_at IS NOT NULL
       AND NEW.event_id = OLD.event_id AND NEW.ref = OLD.ref AND NEW.commitment = OLD.commitment
       AND NEW.person_id IS NOT DISTINCT FROM OLD.person_id THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'audit personal data is only ever erased (% of % refused)', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;

DROP TRIGGER IF EXISTS audit_refuse_truncate ON audit_auditevent;
CREATE TRIGGER audit_refuse_truncate BEFORE TRUNCATE ON audit_auditevent
    FOR EACH STATEMENT EXECUTE FUNCTION audit_append_only();

DROP TRIGGER IF EXISTS audit_append_only ON audit_chainlink;
CREATE TRIGGER audit_append_only BEFORE UPDATE OR DELETE ON audit_chainlink
    FOR EACH ROW EXECUTE FUNCTION audit_append_only();
DROP TRIGGER IF EXISTS audit_refuse_truncate ON audit_chainlink;
CREATE TRIGGER audit_refuse_truncate BEFORE TRUNCATE ON audit_chainlink
    FOR EACH STATEMENT EXECUTE FUNCTION audit_append_only();

DROP TRIGGER IF EXISTS audit_append_only ON audit_auditcheckpoint;
CREATE TRIGGER audit_append_only BEFORE UPDATE OR DELETE ON audit_auditcheckpoint
    FOR EACH ROW EXECUTE FUNCTION audit_append_only();
DROP TRIGGER IF EXISTS audit_refuse_truncate ON audit_auditcheckpoint;
CREATE TRIGGER audit_refuse_truncate BEFORE TRUNCATE ON audit_auditcheckpoint
    FOR EACH STATEMENT EXECUTE FUNCTION audit_append_only();

DROP TRIGGER IF EXISTS audit_erase_only ON audit_auditpersonal;
CREATE TRIGGER audit_erase_only BEFORE UPDATE OR DELETE ON audit_auditpersonal
    FOR EACH ROW EXECUTE FUNCTION audit_personal_erase_only();
DROP TRIGGER IF EXISTS audit_refuse_truncate ON audit_auditpersonal;
CREATE TRIGGER audit_refuse_truncate BEFORE TRUNCATE ON audit_auditpersonal
    FOR EACH STATEMENT EXECUTE FUNCTION audit_append_only();
"""
DROP = """
DROP TRIGGER IF EXISTS audit_refuse_truncate ON audit_auditevent;
DROP TRIGGER IF EXISTS audit_append_only ON audit_chainlink;
DROP TRIGGER IF EXISTS audit_refuse_truncate ON audit_chainlink;
DROP TRIGGER IF EXISTS audit_append_only ON audit_auditcheckpoint;
DROP TRIGGER IF EXISTS audit_refuse_truncate ON audit_auditcheckpoint;
DROP TRIGGER IF EXISTS audit_erase_only ON audit_auditpersonal;
DROP TRIGGER IF EXISTS audit_refuse_truncate ON audit_auditpersonal;
DROP FUNCTION IF EXISTS audit_personal_erase_only();
DROP FUNCTION IF EXISTS audit_append_only();
"""
TASKS = [
    # A safety net: commits kick the sequencer at once; this chains whatever a lost kick left behind.
    {"name": "Audit trail sequencer", "task": "audit.sequence", "every_minutes": 1, "queue": "audit"},
    {"name": "Audit trail checkpoint", "task": "audit.checkpoint", "crontab": {"minute": "0"}},
]


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE, params=None)
    for spec in TASKS:
        ensure_periodic_task(apps, **spec)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP, params=None)
    for spec in TASKS:
        remove_periodic_task(apps, name=spec["name"])


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0007_drop_chain_columns"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]
    operations = [migrations.RunPython(forwards, backwards)]
