"""Accessibility: axe-core, in real Chromium, over every page row of the permission tables.

Each table's page rows (GET, not the API; ``socialgov.testing.permissions.all_tables`` finds the tables) are opened
as a role the row answers 200, with the objects that table's own ``objects`` fixture builds, at a desktop and a
phone viewport. axe-core (testtools/, from npm by its lock file) is injected into the page and run; a violation of
impact serious or critical fails the test, named by page, viewport, rule and the offending nodes, and so does a
finding axe leaves for review at those impacts (a duplicate id, a reference to an id that is not there), colour
contrast it cannot measure aside. A response that is not HTML (a CSV, a key, a probe's JSON) has nothing for axe to
check and is passed over.

One browser for the module; each role signs in by a session cookie (``force_login``), one table per test.
"""

from __future__ import annotations

import contextlib
import json
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from socialgov.testing.hostile import ROLE_ORDER
from socialgov.testing.permissions import Route, all_tables, page, table_fixtures
from socialgov.tests.test_browser import browser  # noqa: F401 - the shared Chromium fixture

globals().update(table_fixtures())  # each table's objects, as "<app>_objects"

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AXE = Path(__file__).resolve().parents[2] / "testtools" / "node_modules" / "axe-core" / "axe.min.js"
VIEWPORTS = {"1280x900": {"width": 1280, "height": 900}, "390x844": {"width": 390, "height": 844}}
BLOCKING = ("serious", "critical")
LEFT_FOR_REVIEW = {"color-contrast"}

# Not in the tables (allauth's, tested by allauth), but ours to keep accessible: the sign-in and account pages.
# (Not its sessions page: allauth's own template, whose table axe asks a person to review when it has no row.)
SIGN_IN = [
    Route("account_login", "get", lambda o: "/accounts/login/", page(ok=302, anon=200)),
    Route("account_reset_password", "get", lambda o: "/accounts/password/reset/", page(ok=302, anon=200)),
    Route("mfa_index", "get", lambda o: "/accounts/2fa/", page()),
    Route("account_change_password", "get", lambda o: "/accounts/password/change/", page()),
    Route("account_email", "get", lambda o: "/accounts/email/", page()),
]
# (id, the table's rows, the fixture that builds what its URLs point at): every app's table, and the sign-in pages
TABLES: list[tuple[str, list[Route], str]] = [
    *((table.app, table.routes, table.fixture) for table in all_tables()),
    ("sign-in", SIGN_IN, "db"),
]


def viewing_role(route: Route) -> str | None:
    """The first role (in the hostile walk's order, then anonymous) the row answers 200."""
    return next((role for role in [*ROLE_ORDER, "anonymous"] if route.expect[role] == 200), None)


def page_rows(routes: list[Route]) -> list[Route]:
    return [r for r in routes if r.method == "get" and not r.api and viewing_role(r)]


def signed_in(browser, base: str, role: str, request: pytest.FixtureRequest):  # noqa: F811
    """A browser context with ``role``'s session cookie (CSP bypassed only so that axe can be injected)."""
    context = browser.new_context(bypass_csp=True)
    if role != "anonymous":
        client = Client()
        client.force_login(request.getfixturevalue(role))
        cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
        context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": base}])
    tab = context.new_page()
    tab.set_default_timeout(15_000)
    return context, tab


def blocking(tab) -> list[dict[str, Any]]:
    """axe's serious and critical findings on the page as it is now (axe injected if it is not there yet).

    Its violations, and what it leaves for review: a duplicate id and a reference to a missing id are only ever
    reported that way. Colour contrast that axe cannot measure (text over an image, under an overlapping element,
    a single character) stays a question for a person.
    """
    if not tab.evaluate("typeof axe !== 'undefined'"):
        tab.add_script_tag(path=str(AXE))
    results = tab.evaluate("axe.run(document, {resultTypes: ['violations', 'incomplete']})")
    found = [v for v in results["violations"] if v["impact"] in BLOCKING]
    found += [
        {**v, "review": True}
        for v in results["incomplete"]
        if v["impact"] in BLOCKING and v["id"] not in LEFT_FOR_REVIEW
    ]
    return found


def describe(where: str, finding: dict[str, Any]) -> str:
    targets = [" ".join(map(str, node["target"])) for node in finding["nodes"]]
    kind = f"{finding['impact']}, needs review" if finding.get("review") else finding["impact"]
    return f"{where}: {finding['id']} ({kind}: {finding['help']}) at {json.dumps(targets)}"


def open_page(tab, base: str, url: str, html: str) -> None:
    """Open ``url``; a fragment (HTML without ``<html>``, which a page of ours fetches into itself) is shown
    the way it is seen: inside our layout, under our stylesheet, in place of the dashboard's content."""
    if "<html" in html[:1000].lower():
        tab.goto(f"{base}{url}")
        return
    tab.goto(f"{base}/")
    tab.locator("main").evaluate("(main, html) => { main.innerHTML = html; }", html)


# What static/js/app.js makes of a resize: every table that scrolls in its own box is a tab stop.
SCROLLING_TABLES_FOCUSABLE = """() => [...document.querySelectorAll('.table')].every(t =>
    (t.scrollWidth <= t.clientWidth && t.scrollHeight <= t.clientHeight) || t.getAttribute('tabindex') === '0')"""


def settled(tab) -> None:
    """Wait (up to 5 s) until the page has answered its new size as a person would see it: the script marks the
    tables that now scroll after the resize, in the browser's next frames. If it never does, axe says so."""
    with contextlib.suppress(PlaywrightTimeout):
        tab.wait_for_function(SCROLLING_TABLES_FOCUSABLE, timeout=5000)


@pytest.mark.parametrize(("rows", "fixture"), [pytest.param(rows, fixture, id=name) for name, rows, fixture in TABLES])
def test_no_serious_or_critical_violation(browser, live_server, rows, fixture, request):  # noqa: F811
    assert AXE.exists(), f"{AXE} is missing: npm ci --prefix testtools (make test does it)"
    objects = request.getfixturevalue(fixture)
    signed: dict[str, Any] = {}
    found: list[str] = []
    seen: set[str] = set()
    try:
        for route in page_rows(rows):
            role, url = viewing_role(route), route.url(objects)
            if url in seen:
                continue
            seen.add(url)
            if role not in signed:
                signed[role] = signed_in(browser, live_server.url, role, request)
            tab = signed[role][1]
            # the status and the type first: a CSV or an attachment would start a download, not show a page
            answer = tab.request.get(f"{live_server.url}{url}", max_redirects=0)
            assert answer.status == 200, f"{role} GET {url}: {answer.status}"
            if not answer.headers.get("content-type", "").startswith("text/html"):
                continue
            tab.set_viewport_size(VIEWPORTS["1280x900"])
            open_page(tab, live_server.url, url, answer.text())
            for size, viewport in VIEWPORTS.items():
                tab.set_viewport_size(viewport)  # the stylesheet's media queries follow; axe runs again
                settled(tab)
                where = f"{route.id} GET {url} as {role} at {size}"
                found += [describe(where, finding) for finding in blocking(tab)]
    finally:
        for context, _ in signed.values():
            context.close()
    assert not found, "serious or critical accessibility violations:\n" + "\n".join(found)


def test_the_check_finds_what_it_must(browser):  # noqa: F811
    """The harness itself: axe, injected the same way, reports an unlabelled field and a nameless button (its
    violations), and two fields of one id (a finding it leaves for review)."""
    context = browser.new_context()
    try:
        tab = context.new_page()
        tab.set_content(
            '<html lang="en"><title>t</title><main><input type="text"><button></button>'
            '<label for="x">A</label><input id="x"><label for="x">B</label><input id="x"></main></html>'
        )
        found = {f["id"]: f for f in blocking(tab)}
    finally:
        context.close()
    assert set(found) == {"label", "button-name", "duplicate-id-aria"}
    assert 'button-name (critical: Buttons must have discernible text) at ["button"]' in describe(
        "here", found["button-name"]
    )
    assert "duplicate-id-aria (critical, needs review" in describe("here", found["duplicate-id-aria"])
