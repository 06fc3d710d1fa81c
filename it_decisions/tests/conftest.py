from it_decisions.tests.permissions import objects  # noqa: F401 - the permission table's objects
