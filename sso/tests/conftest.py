from socialgov.tests.test_browser import browser, page  # noqa: F401  (the shared Chromium fixtures)
