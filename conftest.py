"""Shared fixtures: one user per role, API clients, and the test-wide settings."""

from __future__ import annotations

import os
import tempfile

import pytest
from django.core.cache import cache
from django.test import override_settings
from kombu import pools as kombu_pools

from socialgov.celery import app as celery_app

TEST_STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
TEST_CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "objects": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "objects"},
}
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def use_broker(url: str) -> None:
    """Point Celery's publishers at ``url`` (dropping pooled connections to the old one)."""
    celery_app.conf.broker_url = url
    if celery_app._pool is not None:
        celery_app._pool.force_close_all()
        celery_app._pool = None
    celery_app.amqp._producer_pool = None
    # kombu keeps its own producer pools per connection; a closed one would be handed out again.
    kombu_pools.reset()


@pytest.fixture(autouse=True, scope="session")
def _test_settings():
    # Unit tests publish to an in-process broker; integration tests point at Redis themselves.
    use_broker("memory://")
    from audit.signing import generate_pem

    with (
        tempfile.TemporaryDirectory(prefix="audit-checkpoints-") as checkpoints,
        override_settings(
            STORAGES=TEST_STORAGES,
            CACHES=TEST_CACHES,
            PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
            # a signing key of the run's own, and checkpoints written where nothing else is
            AUDIT_SIGNING_KEY=generate_pem(),
            AUDIT_SIGNING_KEY_FILE="",
            AUDIT_CHECKPOINT_DIR=checkpoints,
        ),
    ):
        yield


# The audit trail refuses TRUNCATE on PostgreSQL (audit migration 0008), which is how Django's flush empties
# the tables after each transactional test: in the tests' flush alone, those triggers are off for its transaction.
AUDIT_TRUNCATE_GUARDED = ("audit_auditevent", "audit_auditpersonal", "audit_chainlink", "audit_auditcheckpoint")


@pytest.fixture(autouse=True, scope="session")
def _flush_past_the_audit_triggers():
    from django.db.backends.postgresql.operations import DatabaseOperations

    original = DatabaseOperations.execute_sql_flush

    def execute_sql_flush(self, sql_list):
        off = [f"ALTER TABLE {t} DISABLE TRIGGER audit_refuse_truncate" for t in AUDIT_TRUNCATE_GUARDED]
        on = [f"ALTER TABLE {t} ENABLE TRIGGER audit_refuse_truncate" for t in AUDIT_TRUNCATE_GUARDED]
        return original(self, [*off, *sql_list, *on])

    DatabaseOperations.execute_sql_flush = execute_sql_flush
    yield
    DatabaseOperations.execute_sql_flush = original


@pytest.fixture(autouse=True)
def _clear_cache():
    from django.core.cache import caches

    cache.clear()
    caches["objects"].clear()
    yield
    cache.clear()
    caches["objects"].clear()


# --- People ------------------------------------------------------------------------


@pytest.fixture
def groups(db):
    from django.contrib.auth.models import Group, Permission

    from accounts.roles import ensure_groups

    ensure_groups(Group, Permission)
    return {g.name: g for g in Group.objects.all()}


@pytest.fixture
def department(db):
    from accounts.tests.factories import DepartmentFactory

    return DepartmentFactory(name="Marketing", slug="marketing")


@pytest.fixture
def employee(department):
    from accounts.tests.factories import UserFactory, add_member

    return add_member(UserFactory(email="employee@example.com"), department, "member")


@pytest.fixture
def reviewer(department):
    from accounts.tests.factories import UserFactory, add_member, enrol_totp

    return enrol_totp(add_member(UserFactory(email="reviewer@example.com"), department, "reviewer"))


@pytest.fixture
def manager(department):
    from accounts.tests.factories import UserFactory, add_member, enrol_totp

    return enrol_totp(add_member(UserFactory(email="manager@example.com"), department, "manager"))


@pytest.fixture
def communications(groups):
    from accounts.tests.factories import UserFactory, enrol_totp

    return enrol_totp(UserFactory(email="comms@example.com", groups=["communications"]))


@pytest.fixture
def it_security(groups):
    from accounts.tests.factories import UserFactory, enrol_totp

    return enrol_totp(UserFactory(email="itsec@example.com", groups=["it_security"]))


@pytest.fixture
def auditor(groups):
    from accounts.tests.factories import UserFactory, enrol_totp

    return enrol_totp(UserFactory(email="auditor@example.com", groups=["auditor"]))


@pytest.fixture
def superuser(groups):
    from accounts.tests.factories import UserFactory, enrol_totp

    return enrol_totp(UserFactory(email="root@example.com", is_staff=True, is_superuser=True))


@pytest.fixture
def outsider(db):
    """Signed in, but in no department and no group."""
    from accounts.tests.factories import UserFactory

    return UserFactory(email="outsider@example.com")


@pytest.fixture
def api_client():
    from rest_framework.test import APIClient

    return APIClient()


@pytest.fixture
def token_client(db):
    """Make an API client that authenticates with a fresh personal token."""
    from rest_framework.test import APIClient

    from accounts.services import token_create

    def make(user, scope="write"):
        _, key = token_create(actor=user, name="test", scope=scope)
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
        return client

    return make
