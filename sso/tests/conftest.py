from socialgov.tests.test_browser import browser, page  # noqa: F401  (the shared Chromium fixtures)
from sso.tests.permissions import objects  # noqa: F401 - the permission table's objects, for every test here
