from accounts.tests.permissions import objects  # noqa: F401 - the permission table's objects, for every test here
