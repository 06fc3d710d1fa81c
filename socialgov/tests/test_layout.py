"""The layout (templates/base.html): its links come reversed once a process (socialgov.context_processors),
byte-equal to the ``{% url %}`` tags they replace."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.test import override_settings
from django.urls import reverse, set_script_prefix

from socialgov import cachekit
from socialgov.context_processors import NAV_LINKS, layout_links

pytestmark = pytest.mark.django_db

TEMPLATES = Path(settings.BASE_DIR, "templates")
BASE = (TEMPLATES / "base.html").read_text()
PARTS = {f"layout/{p.name}": p.read_text() for p in (TEMPLATES / "layout").glob("*.html")}
# the layout as one text: base.html with each part where its {% per_view %} is
LAYOUT = re.sub(r'\{% per_view "(\w+)" %\}', lambda m: PARTS[f"layout/{m.group(1)}.html"], BASE)
CSRF = re.compile(rb'name="csrfmiddlewaretoken" value="[^"]+"')


def url_tags(source: str) -> str:
    """base.html as it was: a ``{% url %}`` tag where each link is."""
    return re.sub(r"\{\{ nav_links\.(\w+) \}\}", lambda m: "{% url '" + NAV_LINKS[m.group(1)] + "' %}", source)


def with_url_tags():
    template = settings.TEMPLATES[0]
    return override_settings(
        TEMPLATES=[
            {
                **template,
                "APP_DIRS": False,
                "OPTIONS": {
                    **template["OPTIONS"],
                    "loaders": [
                        (
                            "django.template.loaders.locmem.Loader",
                            {"base.html": url_tags(BASE), **{name: url_tags(part) for name, part in PARTS.items()}},
                        ),
                        "django.template.loaders.filesystem.Loader",
                        "django.template.loaders.app_directories.Loader",
                    ],
                },
            }
        ]
    )


def page(client, path, **extra):
    cachekit.bump()  # a page kept whole (socialgov.pagekit.kept_page) is rendered again, with the layout asked for
    response = client.get(path, **extra)
    assert response.status_code == 200, (path, response.status_code)
    return CSRF.sub(b"csrf", response.content)


# The layout's {% url %} tags, in order, before they became nav_links.
URL_TAGS = [
    "dashboard",
    "dashboard",
    "channels_registry:channel_list",
    "channels_registry:my_channels",
    "policies:platform_list",
    "approvals:my_posts",
    "approvals:queue",
    "approvals:scheduled",
    "policies:policy_list",
    "policies:course_list",
    "channels_registry:it_desk",
    "it_decisions",
    "approvals:drift_list",
    "reports:index",
    "audit:list",
    "records:index",
    "admin:index",
    "api-docs",
    "notifications:list",
    "accounts:profile",
    "account_logout",
    "approvals:lockdowns",
]


def test_every_link_of_the_layout_is_one_nav_link_and_reverses_the_same():
    used = re.findall(r"\{\{ nav_links\.(\w+) \}\}", LAYOUT)
    assert [NAV_LINKS[key] for key in used] == URL_TAGS
    assert set(used) == set(NAV_LINKS)
    assert "{% url" not in LAYOUT
    assert layout_links() == {key: reverse(name) for key, name in NAV_LINKS.items()}


def test_links_follow_the_script_prefix():
    try:
        set_script_prefix("/socialgov/")
        assert layout_links()["queue"] == "/socialgov/posts/queue/" == reverse("approvals:queue")
    finally:
        set_script_prefix("/")
    assert layout_links()["queue"] == "/posts/queue/"


@pytest.mark.parametrize("role", ["employee", "auditor", "it_security", "superuser", "communications"])
@pytest.mark.parametrize("path", ["/", "/registry/", "/posts/queue/", "/posts/", "/policies/", "/notifications/"])
def test_pages_are_byte_equal_to_the_url_tags(client, request, role, path):
    # given a person signed in, with a lockdown in force (the banner's link)
    from approvals.services import lockdown_start

    person = request.getfixturevalue(role)
    lockdown_start(actor=request.getfixturevalue("communications"), reason="Crisis <b>now</b>")
    client.force_login(person)

    # when the page is served with the layout's links, and with the layout as it was
    served = page(client, path)
    with with_url_tags():
        before = page(client, path)

    # then
    assert served == before


@pytest.fixture
def script_prefix():
    """Served under /socialgov/ (the test client sets no script prefix itself)."""
    set_script_prefix("/socialgov/")
    yield
    set_script_prefix("/")


@pytest.mark.parametrize("path", ["/accounts/login/", "/accounts/password/reset/"])
def test_signed_out_pages_are_byte_equal_to_the_url_tags(client, path):
    served = page(client, path)
    with with_url_tags():
        assert page(client, path) == served


def test_under_a_script_prefix_pages_are_byte_equal_to_the_url_tags(client, employee, script_prefix):
    client.force_login(employee)
    served = page(client, "/registry/")
    assert b'<a href="/socialgov/registry/" aria-current="page">Registry</a>' in served
    with with_url_tags():
        assert page(client, "/registry/") == served


def test_the_bell_and_the_banner_are_read_from_the_cache_in_one_round_trip(client, employee, communications):
    from unittest import mock

    from django.core.cache import caches

    from approvals.selectors import BANNER_KEY
    from approvals.services import lockdown_start
    from notifications.selectors import unread_key

    lockdown_start(actor=communications, reason="Statement pending")
    client.force_login(employee)
    client.get("/posts/")  # keeps both
    cache = caches["default"]
    with (
        mock.patch.object(cache, "get", wraps=cache.get) as get,
        mock.patch.object(cache, "get_many", wraps=cache.get_many) as get_many,
    ):
        page = client.get("/posts/").content.decode()
    layout = [c for c in get_many.call_args_list if BANNER_KEY in c.args[0]]
    # one round trip: the bell and the banner ride along with the first value the page reads from the cache (the
    # person's memberships, which the second-factor rule asks of someone not enrolled: do their roles need one?)
    assert len(layout) == 1
    assert layout[0].args[0][-2:] == [unread_key(employee.pk), BANNER_KEY]
    # (the local-memory cache of the tests answers get_many with a get per key: one each, none besides)
    assert sorted(c.args[0] for c in get.call_args_list if c.args[0] in (BANNER_KEY, unread_key(employee.pk))) == [
        BANNER_KEY,
        unread_key(employee.pk),
    ]
    assert "Lockdown: publishing is paused for everything." in page


def test_on_a_page_with_kept_values_the_bell_and_banner_come_with_the_first_one(
    client, employee, communications, django_capture_on_commit_callbacks
):
    from unittest import mock

    from django.core.cache import caches

    from approvals.selectors import BANNER_KEY
    from approvals.services import lockdown_start
    from notifications.selectors import unread_key
    from notifications.services import notify
    from socialgov import cachekit

    # given: a lockdown in force, a registry page seen once (its page kept for the person)
    with django_capture_on_commit_callbacks(execute=True):
        lockdown_start(actor=communications, reason="Statement pending")
    client.force_login(employee)
    client.get("/registry/")
    with django_capture_on_commit_callbacks(execute=True):  # the notification services forget the bell on commit
        notify(event="test", recipients=[employee], title="Something happened")

    # when
    cache = caches["default"]
    with mock.patch.object(cache, "get_many", wraps=cache.get_many) as get_many:
        page = client.get("/registry/").content.decode()

    # then: one round trip read the page's kept value, the generation and the layout's two keys; the layout asked
    # for nothing more, and shows what the cache held (or counted again: the bell was forgotten)
    layout = [c.args[0] for c in get_many.call_args_list if BANNER_KEY in c.args[0]]
    assert len(layout) == 1
    assert layout[0][0] == cachekit.GENERATION_KEY and layout[0][-2:] == [unread_key(employee.pk), BANNER_KEY]
    assert "Lockdown: publishing is paused for everything." in page
    assert 'data-testid="unread-count">1<' in page
