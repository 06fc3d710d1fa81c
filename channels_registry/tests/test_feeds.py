"""Feed connectors against a local HTTP server serving real-format feeds (channels_registry/tests/feeds/)."""

from __future__ import annotations

import threading
import time
from datetime import timedelta
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import time_machine
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from accounts.tests.factories import UserFactory
from approvals import services as approvals
from approvals.models import DriftFinding, FeedEntryMatch
from approvals.tests.factories import approve_all, join, submitted
from audit.models import AuditEvent
from channels_registry import feeds, services
from channels_registry.choices import ChannelRole, ChannelState
from channels_registry.models import ChannelActivity, ChannelFeed
from channels_registry.tests.factories import ChannelFactory
from core.errors import InvalidInput
from notifications.models import Notification
from policies.tests.factories import platform
from socialgov import tasks

pytestmark = pytest.mark.django_db

DATA = Path(__file__).parent / "feeds"
MB = 1024 * 1024


def data(name: str, **dates) -> bytes:
    text = (DATA / name).read_text()
    for key, value in dates.items():
        text = text.replace(f"__{key.upper()}__", format_datetime(value))
    return text.encode()


class FeedServer:
    """Routes: path -> (status, headers, body); a body may be a callable writing to the handler itself."""

    def __init__(self):
        self.routes: dict[str, tuple[int, dict[str, str], object]] = {}
        self.requests: list[dict[str, str]] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                server.requests.append({"path": self.path, **{k.lower(): v for k, v in self.headers.items()}})
                status, headers, body = server.routes.get(self.path, (404, {}, b"not here"))
                etag = headers.get("ETag")
                if etag and self.headers.get("If-None-Match") == etag:
                    self.send_response(304)
                    self.send_header("ETag", etag)
                    self.end_headers()
                    return
                if callable(body):
                    body(self)
                    return
                self.send_response(status)
                for key, value in headers.items():
                    self.send_header(key, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.base = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def serve(self, path, body, status=200, **headers):
        headers = {"Content-Type": "application/rss+xml; charset=utf-8", **headers}
        self.routes[path] = (status, {k.replace("_", "-"): v for k, v in headers.items()}, body)
        return self.base + path


@pytest.fixture
def server():
    with override_settings(OUTBOUND_ALLOWED_NETWORKS=["127.0.0.1/32"], FEED_TIMEOUT_SECONDS=2, FEED_MAX_BYTES=2 * MB):
        feed_server = FeedServer()
        yield feed_server
        feed_server.httpd.shutdown()
        feed_server.httpd.server_close()


@pytest.fixture
def owner():
    return UserFactory(email="owner@example.com")


@pytest.fixture
def blog(department, owner):
    channel = ChannelFactory(department=department, platform=platform("blog"), display_name="Acme blog")
    join(channel, owner, role=ChannelRole.OWNER)
    return channel


def feed_for(channel, url, kind="rss", requires_approval=True):
    return ChannelFeed.objects.create(channel=channel, kind=kind, url=url, requires_approval=requires_approval)


def read(feed):
    status = services.feed_read(feed=feed)
    feed.refresh_from_db()
    assert feed.status == status
    return feed


# --- Each kind of feed -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "name", "ids", "text"),
    [
        ("rss", "blog-rss2.xml", ["https://blog.acme.example/?p=1188", "https://blog.acme.example/?p=1201"], "Details"),
        ("rss", "forum-atom.xml", ["tag:forum.acme.example,2026:topic/912"], "read-only on Saturday"),
        ("youtube", "youtube.xml", ["yt:video:dQw4w9WgXcQ"], "set it up in five minutes"),
        (
            "mastodon",
            "mastodon.rss",
            ["https://mastodon.example/@acme/112233445566778800", "https://mastodon.example/@acme/112233445566778899"],
            "Huge discount",
        ),
        (
            "bluesky",
            "bluesky.rss",
            ["at://did:plc:abcdefghijklmnopqrstuvwx/app.bsky.feed.post/3kq7xyzabc22a"],
            "ships today",
        ),
    ],
    ids=["rss2", "atom", "youtube", "mastodon", "bluesky"],
)
def test_each_kind_of_feed_becomes_activity_once(server, blog, kind, name, ids, text):
    # given a channel naming its feed
    now = timezone.now()
    url = server.serve("/feed", data(name, pubdate_1=now - timedelta(days=1), pubdate_2=now - timedelta(days=2)))
    feed = feed_for(blog, url, kind)

    # when the feed is read, twice
    assert read(feed).status == "ok"
    read(feed)

    # then each entry is one activity of the channel, with its link and plain text
    rows = ChannelActivity.objects.filter(channel=blog, source="feed").order_by("external_id")
    assert [a.external_id for a in rows] == ids
    assert any(text in a.content for a in rows)
    assert all("<" not in a.content for a in rows)
    assert feed.entries_recorded == len(ids)
    blog.refresh_from_db()
    assert blog.last_activity_at == max(a.occurred_at for a in rows)


def test_a_conditional_get_answers_304_and_records_nothing_new(server, blog):
    url = server.serve("/feed", data("youtube.xml"), ETag='"v1"', Last_Modified="Mon, 04 May 2026 09:00:00 GMT")
    feed = read(feed_for(blog, url, "youtube"))
    assert feed.etag == '"v1"' and feed.last_modified == "Mon, 04 May 2026 09:00:00 GMT"
    feed = read(feed)
    assert feed.status == "not_modified"
    assert server.requests[-1]["if-none-match"] == '"v1"'
    assert server.requests[-1]["if-modified-since"] == "Mon, 04 May 2026 09:00:00 GMT"
    assert ChannelActivity.objects.filter(channel=blog).count() == 1


def test_a_feed_that_changes_its_entry_ids_records_each_entry_once(server, blog):
    first = data("blog-rss2.xml", pubdate_1=timezone.now(), pubdate_2=timezone.now())
    url = server.serve("/feed", first)
    feed = read(feed_for(blog, url))
    # the blog engine moved: same posts, new guids
    server.serve("/feed", first.replace(b"?p=1201", b"?p=9001").replace(b"?p=1188", b"?p=9002"))
    read(feed)
    assert ChannelActivity.objects.filter(channel=blog, source="feed").count() == 2


# --- What goes wrong: a clear status, and the task goes on -------------------------------------------------------


def test_malformed_xml_is_a_clear_status(server, blog):
    feed = read(feed_for(blog, server.serve("/feed", data("malformed.xml"))))
    assert feed.status == "malformed"
    assert "not well-formed" in feed.message


def test_something_that_is_not_a_feed_is_malformed(server, blog):
    feed = read(feed_for(blog, server.serve("/feed", b"<html><body>Hello</body></html>", Content_Type="text/html")))
    assert feed.status == "malformed"
    assert ChannelActivity.objects.filter(channel=blog).count() == 0


def _fifty_megabytes(handler):
    handler.send_response(200)
    handler.send_header("Content-Type", "application/rss+xml")
    handler.end_headers()  # no length: it is found out while reading
    item = b"<item><title>x</title><guid>g</guid><description>" + b"y" * 4000 + b"</description></item>\n"
    try:
        handler.wfile.write(b'<?xml version="1.0"?><rss version="2.0"><channel><title>big</title>')
        for _ in range(50 * MB // len(item)):
            handler.wfile.write(item)
    except (BrokenPipeError, ConnectionResetError):
        pass  # the reader stopped at its limit


def test_a_50_mb_feed_is_refused_at_the_size_limit(server, blog):
    feed = read(feed_for(blog, server.serve("/big", _fifty_megabytes)))
    assert feed.status == "too_large"
    assert "2,097,152 bytes" in feed.message
    # one that says its length up front is refused before its body is read
    declared = b"x" * (3 * MB)
    feed.url = server.serve("/declared", declared)
    feed.save()
    assert read(feed).status == "too_large"


def test_redirects_are_followed_through_the_guard(server, blog):
    server.serve("/feed", data("youtube.xml"))
    url = server.serve("/old", b"", status=301, Location="/feed")
    assert read(feed_for(blog, url, "youtube")).status == "ok"
    assert ChannelActivity.objects.filter(channel=blog).count() == 1


def test_a_redirect_to_an_internal_address_is_blocked(server, blog):
    url = server.serve("/sneaky", b"", status=302, Location="http://169.254.169.254/latest/meta-data/")
    feed = read(feed_for(blog, url))
    assert feed.status == "blocked"
    assert "169.254.169.254" in feed.message


def test_a_redirect_loop_stops(server, blog):
    url = server.serve("/loop", b"", status=302, Location="/loop")
    assert read(feed_for(blog, url)).status == "too_many_redirects"


def _slow(handler):
    time.sleep(1.5)
    handler.send_response(200)
    handler.end_headers()


def test_a_server_that_does_not_answer_in_time_is_a_timeout(server, blog):
    with override_settings(FEED_TIMEOUT_SECONDS=0.5):
        feed = read(feed_for(blog, server.serve("/slow", _slow)))
    assert feed.status == "timeout"


def test_http_errors_and_refused_connections_are_statuses(server, blog):
    feed = read(feed_for(blog, server.serve("/gone", b"gone", status=410)))
    assert feed.status == "http_error" and "410" in feed.message
    server.httpd.shutdown()
    server.httpd.server_close()
    assert read(feed).status == "unreachable"


def test_the_task_reads_every_due_feed_whatever_goes_wrong_and_audits_status_changes(server, blog, department):
    # given feeds that are fine, malformed, too large and on an internal address, and one whose connector breaks
    good = feed_for(blog, server.serve("/good", data("youtube.xml")), "youtube")
    others = [
        feed_for(ChannelFactory(department=department), server.serve("/bad", data("malformed.xml"))),
        feed_for(ChannelFactory(department=department), server.serve("/big", _fifty_megabytes)),
        feed_for(ChannelFactory(department=department), "http://10.0.0.7/feed.xml"),
    ]
    broken = feeds.Connector(kind="broken", label="Broken", interval_minutes=1, read=lambda *a, **k: 1 / 0)
    feeds.register(broken)
    try:
        crashing = feed_for(ChannelFactory(department=department), server.serve("/x", b""), "broken")

        # when the periodic task runs
        result = tasks.read_feeds()
    finally:
        del feeds.REGISTRY["broken"]

    # then each got its status and the task finished
    assert result["read"] == {"ok": 1, "malformed": 1, "too_large": 1, "blocked": 1, "failed": 1}
    statuses = {f.pk: f.status for f in ChannelFeed.objects.all()}
    assert statuses[good.pk] == "ok" and statuses[crashing.pk] == "failed"
    assert [statuses[f.pk] for f in others] == ["malformed", "too_large", "blocked"]
    assert AuditEvent.objects.filter(action="channel.feed_status").count() == 5
    # and a second run within the interval reads nothing again
    assert tasks.read_feeds()["read"] == {}


# --- The guard and setting a feed -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/feed",
        "http://localhost:8000/feed",
        "http://10.1.2.3/feed",
        "http://192.168.0.10/rss",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::1]/feed",
        "http://[fd00::1]/feed",
        "http://0.0.0.0/feed",
        "ftp://blog.acme.example/feed",
    ],
)
def test_a_feed_url_to_an_internal_address_is_refused_with_a_clear_message(blog, owner, url, settings):
    settings.OUTBOUND_ALLOWED_NETWORKS = []  # the tests' own settings allow loopback (socialgov.testing.settings)
    with pytest.raises(InvalidInput) as refused:
        services.channel_feed_set(actor=owner, channel=blog, url=url, kind="rss")
    assert refused.value.fields["url"]
    assert not ChannelFeed.objects.exists()


def test_the_channel_page_sets_the_feed_and_shows_its_status(client, server, blog, owner, employee):
    client.force_login(owner)
    page = reverse("channels_registry:channel_detail", args=[blog.pk])
    action = reverse("channels_registry:channel_feed", args=[blog.pk])

    # an internal address is refused with the reason, nothing saved
    response = client.post(action, {"url": "http://10.0.0.5/rss", "kind": "rss"}, follow=True)
    assert "sends nothing inside its own network" in response.content.decode()
    assert not ChannelFeed.objects.exists()

    # a public one is saved (audited), read by the task, and its status shown
    url = server.serve("/feed", data("malformed.xml"))
    client.post(action, {"url": url, "kind": "rss", "requires_approval": "on"})
    assert AuditEvent.objects.filter(action="channel.feed_set").count() == 1
    tasks.read_feeds()
    body = client.get(page).content.decode()
    assert "Not a well-formed feed" in body and "not well-formed XML" in body
    # someone who does not hold the channel sees the status but no form
    client.force_login(employee)
    body = client.get(page).content.decode()
    assert "Not a well-formed feed" in body and action not in body


# --- Dormancy from the feed, and what went out without approval ---------------------------------------------------


def test_a_blog_quiet_for_100_days_goes_dormant_and_a_new_entry_wakes_it(server, blog, owner):
    # given a blog whose feed's latest entry is 100 days old (the blog platform's threshold is 90 days)
    now = timezone.now()
    old = data("blog-rss2.xml", pubdate_1=now - timedelta(days=100), pubdate_2=now - timedelta(days=120))
    url = server.serve("/feed", old)
    services.channel_feed_set(actor=owner, channel=blog, url=url, kind="rss")
    blog.activated_at = now - timedelta(days=400)
    blog.save(update_fields=["activated_at"])
    tasks.read_feeds()

    # when the dormancy audit runs, the blog is dormant: no one logged anything, the feed said it all
    services.dormancy_audit()
    blog.refresh_from_db()
    assert blog.state == ChannelState.DORMANT

    # when a new entry appears and the feed is read again
    new = data("blog-rss2.xml", pubdate_1=now, pubdate_2=now - timedelta(days=120))
    server.serve("/feed", new.replace(b"?p=1201", b"?p=1300").replace(b"/2026/05/04/launch/", b"/new/"))
    with time_machine.travel(now + timedelta(hours=2)):
        tasks.read_feeds()

    # then it is active again
    blog.refresh_from_db()
    assert blog.state == ChannelState.ACTIVE
    assert AuditEvent.objects.filter(action="channel.woke").count() == 1


def test_an_entry_matching_no_approved_post_is_published_without_approval(
    server, blog, owner, employee, reviewer, communications, django_capture_on_commit_callbacks
):
    # given a blog that requires approval, with one approved post ("Our new product ships today ...")
    join(blog, employee, role=ChannelRole.CONTRIBUTOR)
    approve_all(
        submitted(employee, blog, body="Our new product ships today. Details: https://acme.example/launch"),
        reviewer,
        communications,
    )
    services.channel_feed_set(actor=owner, channel=blog, url=server.serve("/m", data("mastodon.rss")), kind="mastodon")
    ChannelFeed.objects.update(created_at=timezone.now() - timedelta(days=365))  # named before the entries

    # when the feed is read: the approved text, and a post no one approved
    with django_capture_on_commit_callbacks(execute=True):
        tasks.read_feeds()

    # then the approved one matches its post; the other is a finding told to the owners and communications
    outcomes = dict(FeedEntryMatch.objects.values_list("activity__external_id", "outcome"))
    assert outcomes == {
        "https://mastodon.example/@acme/112233445566778899": "matched",
        "https://mastodon.example/@acme/112233445566778800": "unmatched",
    }
    finding = DriftFinding.objects.get()
    assert finding.kind == "unapproved_entry" and finding.post is None and finding.channel == blog
    assert finding.activity.url == "https://mastodon.example/@acme/112233445566778800"
    told = set(Notification.objects.filter(event="post.drift").values_list("recipient__email", flat=True))
    assert told == {owner.email, communications.email}
    # and checking again changes nothing
    assert approvals.feed_entries_check() == {"matched": 0, "unmatched": 0, "not_held": 0}


def test_entries_before_the_feed_was_named_or_on_channels_without_approval_are_not_held(server, blog, owner):
    now = timezone.now()
    url = server.serve("/feed", data("blog-rss2.xml", pubdate_1=now - timedelta(days=3), pubdate_2=now))
    feed = services.channel_feed_set(actor=owner, channel=blog, url=url, kind="rss", requires_approval=False)
    tasks.read_feeds()
    assert set(FeedEntryMatch.objects.values_list("outcome", flat=True)) == {"not_held"}
    assert not DriftFinding.objects.exists()
    assert feed.pk
