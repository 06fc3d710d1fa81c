"""Every page of a permission table opened at phone width in real Chromium: nothing may scroll sideways.

``socialgov/tests/test_phone_layout.py`` passes each table (``socialgov.testing.permissions.all_tables``) and
its objects to ``assert_pages_fit_a_phone``. A page row is a GET row of a page (not the API) that some role gets
200 on; it is opened as two roles that get 200 (see ``page_rows``), each signed in by copying a
session cookie into its browser context, and the page fails when ``document.documentElement.scrollWidth``
is wider than the viewport. A failure names the page and the element that sticks out the most.
Rows that answer something other than HTML (exports, feeds, keys) are not pages and are passed by.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.conf import settings

from socialgov.testing.hostile import ROLE_ORDER
from socialgov.testing.permissions import Route

PHONE = {"width": 390, "height": 844}

# The widest element: the one reaching furthest right (the outermost of equals) that no scrolling box of its
# own clips, with a CSS-like path.
WIDEST = """() => {
  const vw = window.innerWidth;
  const clipped = (el) => {  // by a scrolling ancestor (one that is positioned, for an absolute element)
    const absolute = ["absolute", "fixed"].includes(getComputedStyle(el).position);
    for (let up = el.parentElement; up && up !== document.body; up = up.parentElement) {
      const style = getComputedStyle(up);
      if (style.overflowX !== "visible" && (!absolute || style.position !== "static")) return true;
    }
    return false;
  };
  let best = null, right = vw;
  for (const el of document.body.querySelectorAll("*")) {
    const r = el.getBoundingClientRect();
    if (r.width && r.right > right + 0.5 && !clipped(el)) { best = el; right = r.right; }
  }
  if (!best) return null;
  const name = (el) => el.tagName.toLowerCase() + (el.id ? "#" + el.id : "")
    + [...el.classList].map((c) => "." + c).join("");
  const path = [];
  for (let el = best; el && el !== document.body && path.length < 4; el = el.parentElement) path.unshift(name(el));
  const width = Math.round(best.getBoundingClientRect().width);
  return `${path.join(" > ")} (${width} px wide, right edge at ${Math.round(right)} px)`;
}"""


# The second look at a page: the role most likely to see its widest version (a queue with posts in it,
# IT's extra columns). The first look is the hostile walk's role, usually the employee (an author).
WIDEST_VIEW = ["reviewer", "it_security", "manager", "communications", "superuser", "auditor"]


def page_rows(routes: list[Route]) -> list[tuple[Route, str]]:
    """(row, role) for every page GET row: as the first role of ROLE_ORDER and of WIDEST_VIEW that gets 200."""
    rows, seen = [], set()
    for route in routes:
        if route.api or route.method != "get" or route.id in seen:
            continue
        seen.add(route.id)
        roles = [next((r for r in order if route.expect[r] == 200), None) for order in (ROLE_ORDER, WIDEST_VIEW)]
        rows.extend((route, role) for role in dict.fromkeys(roles) if role)
    return rows


def assert_pages_fit_a_phone(routes: list[Route], objects: Any, *, request: pytest.FixtureRequest) -> list[str]:
    """Open every page row at 390×844 and assert none scrolls sideways; returns the URLs opened."""
    browser = request.getfixturevalue("browser")
    base = request.getfixturevalue("live_server").url
    rows = page_rows(routes)
    assert rows, "no page row in this table"
    contexts: dict[str, Any] = {}
    opened, failures = [], []
    try:
        for route, role in rows:
            if role not in contexts:
                contexts[role] = signed_in_context(browser, base, request, role)
            tab = contexts[role].pages[0]
            url = route.url(objects)
            try:
                response = tab.goto(base + url, wait_until="load")
            except Exception as error:  # an attachment (CSV, ICS) starts a download instead of a page
                if "Download is starting" in str(error):
                    continue
                raise
            assert response is not None and response.status == 200, f"{role} GET {url}: {response and response.status}"
            if not response.headers.get("content-type", "").startswith("text/html"):
                continue
            opened.append(url)
            width, room = tab.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
            if width > room:
                failures.append(f"{route.name} {url} as {role}: {width} px wide; widest: {tab.evaluate(WIDEST)}")
    finally:
        for context in contexts.values():
            context.close()
    assert not failures, f"{len(failures)} of {len(opened)} pages scroll sideways at 390 px:\n" + "\n".join(failures)
    return opened


def signed_in_context(browser, base: str, request: pytest.FixtureRequest, role: str, viewport=PHONE):
    """A browser context (with one tab) signed in as ``role`` (a fixture name): force_login's session cookie."""
    from django.test import Client

    client = Client()
    client.force_login(request.getfixturevalue(role))
    context = browser.new_context(viewport=viewport)
    context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": base,
            }
        ]
    )
    context.new_page().set_default_timeout(30_000)
    return context
