"""What the tests share, and where a new test goes.

Each app's tests live in ``<app>/tests/`` (the project's own in ``socialgov/tests/``):

- ``permissions.py``: the app's permission table. ``ROUTES``, a list of ``Route`` rows (URL name, method, URL,
  the status every role gets, built with ``page``, ``api``, ``only`` or ``audit_readers`` from
  ``socialgov.testing.permissions``, and a payload for a write), and the fixture ``objects`` that builds what the
  rows' URLs point at. A new page or endpoint gets its rows here: every URL the project serves must be in a table
  (``socialgov/tests/test_permissions.py``), and every API operation.
- ``test_permissions.py``: runs the table, ``globals().update(table_tests(ROUTES))``: each row as each role, the
  hostile-text walk of each write row (``socialgov.testing.hostile``: the text fields of the forms the view
  builds, or of the operation's OpenAPI body) and the POST probe of each page with only a GET row.
- ``factories.py``: builders of test data (factory_boy factories and plain functions that make rows); other apps'
  tests import them from there.
- ``conftest.py``: fixtures only, among them the table's ``objects`` (imported from ``permissions.py``). A person
  for each signed-in role of the table (``employee``, ``reviewer``, ``manager``, ``communications``,
  ``it_security``, ``auditor``, ``superuser``, ``outsider``) and ``department`` are the root ``conftest.py``'s.
- ``test_<what it does>.py``: everything else, as given / when / then, asserting what a person or a client sees.

Found by ``socialgov.testing.permissions.all_tables`` (every installed app of ours with a ``tests/permissions.py``),
each table's page rows are also opened in Chromium at phone width (``socialgov/tests/test_phone_layout.py``,
``socialgov.testing.phone``) and checked by axe-core (``socialgov/tests/test_accessibility.py``): a new app's table
is in both without more code. Each test there is named by its app (``-k approvals``).

Running one app's tests (``SECRET_KEY`` set, as in the Makefile)::

    .venv/bin/pytest approvals/tests                                  # SQLite, the default (no DATABASE_URL)
    .venv/bin/pytest approvals/tests/test_permissions.py -k reviewer  # one table, one role
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/socialgov .venv/bin/pytest approvals/tests --create-db
    .venv/bin/pytest socialgov/tests/test_phone_layout.py socialgov/tests/test_accessibility.py -k approvals

On PostgreSQL, ``--create-db`` rebuilds the test database (after a migration). Tests that need PostgreSQL (marked
``postgres``) skip on SQLite, ``integration`` ones need ``REDIS_URL`` too, and ``browser`` ones Chromium.
"""
