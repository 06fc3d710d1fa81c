from socialgov.tests.permissions import objects  # noqa: F401 - the permission table's objects, for every test here
