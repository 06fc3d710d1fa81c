"""The API post list keeps its page per person until the next audited write (socialgov.api.kept)."""

from __future__ import annotations

import pytest
from allauth.account.models import EmailAddress
from django.urls import reverse

from approvals import selectors, services
from approvals.tests.factories import channel_for, draft, submitted
from audit.selectors import trail
from socialgov.cachekit import query_key
from socialgov.tests.test_hostile_input import HOSTILE

pytestmark = pytest.mark.django_db

# the token with its person, groups and two-factor enrolment: the page itself is kept
POSTS_AGAIN = 1


def _ids(response) -> list[int]:
    return [row["id"] for row in response.json()["results"]]


@pytest.fixture
def many(employee, channel):
    """Posts with hostile text in their bodies and tags, over four pages of two."""
    texts = [v for k, v in HOSTILE.items() if k not in ("megabyte", "nul")] + ["été \u2028 \u2029 \\ \" '"]
    posts = [submitted(employee, channel, body=text, tags=[text[:40]]) for text in texts]
    posts += [draft(employee, channel, body=f"Draft {i} <b>") for i in range(4)]
    return posts


def test_a_kept_page_is_byte_for_byte_the_page_computed(token_client, employee, many, django_assert_num_queries):
    # given a client reading the list two posts a page, down to a cursor deep in it
    api = token_client(employee)
    first = api.get("/api/v1/posts/", {"page_size": 2})
    deep_url = api.get(first.json()["next"]).json()["next"]
    deep = api.get(deep_url)
    assert first.status_code == deep.status_code == 200
    assert deep.json()["previous"] and deep.json()["next"]

    # when the same pages are asked again (no write since)
    with django_assert_num_queries(POSTS_AGAIN):
        first_again = api.get("/api/v1/posts/", {"page_size": 2})
    with django_assert_num_queries(POSTS_AGAIN):
        deep_again = api.get(deep_url)

    # then they are the same bytes
    assert first_again.content == first.content
    assert deep_again.content == deep.content


def test_a_kept_page_links_to_the_host_and_scheme_asked(settings, token_client, employee, many):
    # given a page kept for one host
    settings.ALLOWED_HOSTS = ["one.example", "two.example"]
    api = token_client(employee)
    kept = api.get("/api/v1/posts/", {"page_size": 2}, HTTP_HOST="one.example").json()

    # when another host (and scheme) asks the same page
    other = api.get("/api/v1/posts/", {"page_size": 2}, HTTP_HOST="two.example", secure=True).json()

    # then its links name that host, with the same cursor, as DRF builds them for it
    assert kept["next"].startswith("http://one.example/api/v1/posts/?cursor=")
    assert other["next"] == kept["next"].replace("http://one.example", "https://two.example")
    assert other["results"] == kept["results"]


def test_the_kept_page_equals_the_page_read_afresh(token_client, employee, many):
    # given the pages kept
    api = token_client(employee)
    kept = [api.get("/api/v1/posts/", {"page_size": 2}).content]
    url = api.get("/api/v1/posts/", {"page_size": 2}).json()["next"]
    while url:
        kept.append(api.get(url).content)
        url = api.get(url).json()["next"]

    # when nothing is kept any more
    from django.core.cache import cache

    cache.clear()
    fresh = [api.get("/api/v1/posts/", {"page_size": 2}).content]
    url = api.get("/api/v1/posts/", {"page_size": 2}).json()["next"]
    while url:
        fresh.append(api.get(url).content)
        url = api.get(url).json()["next"]

    # then every page reads the same, hostile text included
    assert fresh == kept
    assert len(kept) == 4
    assert all(text.encode() in b"".join(kept) for text in ("<script>alert(1)</script>", "\u202egnp", "été"))


def test_a_post_written_through_the_services_shows_on_the_next_call(token_client, employee, channel):
    # given a page kept
    api = token_client(employee)
    post = draft(employee, channel, body="First words")
    assert [r["body"] for r in api.get("/api/v1/posts/").json()["results"]] == ["First words"]

    # when the post is revised, another created, the first submitted and withdrawn (each through its service)
    services.post_update(actor=employee, post=post, body="Second words", tags=["launch"])
    after_update = api.get("/api/v1/posts/").json()["results"]
    other = draft(employee, channel, body="Another")
    after_create = _ids(api.get("/api/v1/posts/"))
    services.post_submit(actor=employee, post=post)
    after_submit = {r["id"]: r for r in api.get("/api/v1/posts/").json()["results"]}
    services.post_withdraw(actor=employee, post=post, reason="Not now")
    after_withdrawal = {r["id"]: r for r in api.get("/api/v1/posts/").json()["results"]}

    # then each call shows the write before it
    assert after_update[0]["body"] == "Second words" and after_update[0]["revision"] == 2
    assert after_update[0]["tags"] == ["launch"]
    assert after_create == [other.pk, post.pk]
    assert after_submit[post.pk]["state"] == "in_review" and after_submit[post.pk]["submitted_at"]
    assert after_withdrawal[post.pk]["state"] == "withdrawn"


def test_a_page_kept_for_one_person_never_answers_another(token_client, employee, colleague, communications, channel):
    # given a draft only its author (and the channel's members) may see, and a submitted post
    mine = draft(employee, channel, body="My draft")
    shared = submitted(employee, channel, body="Submitted")
    people = (employee, colleague, communications)
    clients = {person: token_client(person) for person in people}  # (a token's creation is an audited write)
    seen = {person: _ids(clients[person].get("/api/v1/posts/")) for person in people}

    # when each asks again, the same query (kept for each)
    again = {person: _ids(clients[person].get("/api/v1/posts/")) for person in people}

    # then each sees only their own scope, both times
    for person in people:
        expected = list(selectors.posts_visible_to(person).order_by("-id").values_list("id", flat=True))
        assert seen[person] == again[person] == expected
    assert seen[employee] == [shared.pk, mine.pk]
    assert seen[communications] == [shared.pk]
    assert seen[colleague] == []


def test_the_key_holds_the_whole_query_in_any_order(rf):
    from rest_framework.request import Request

    def key(query):
        return query_key(Request(rf.get("/api/v1/posts/" + query)).query_params)

    assert key("?state=draft&page_size=2") == key("?page_size=2&state=draft")
    assert key("?state=draft&page_size=2") != key("?state=draft&page_size=3")
    assert key("?tag=a&tag=b") != key("?tag=a")
    assert key("") != key("?cursor=cD0x")


def test_a_persons_new_email_is_audited_and_shows_as_the_author(client, token_client, employee, channel):
    # given a page kept that names the employee as an author
    api = token_client(employee)
    draft(employee, channel, body="Mine")
    assert api.get("/api/v1/posts/").json()["results"][0]["author"] == employee.email
    EmailAddress.objects.create(user=employee, email="new.address@example.com", verified=True, primary=False)

    # when the employee makes another address their primary one (allauth's e-mail page)
    client.force_login(employee)
    response = client.post(reverse("account_email"), {"action_primary": "", "email": "new.address@example.com"})

    # then it is audited, and the list names them by it
    assert response.status_code == 302
    event = trail().get(action="user.email_changed")
    assert event.details == {"from": "employee@example.com", "to": "new.address@example.com"}
    assert event.data == {}  # both addresses are the person's: in the event's personal row, erasable
    assert api.get("/api/v1/posts/").json()["results"][0]["author"] == "new.address@example.com"


def test_a_channel_member_sees_the_channels_drafts_once_joined(
    token_client, employee, colleague, it_security, department
):
    # given the colleague's kept (empty) list
    channel = channel_for(employee, department=department)
    post = draft(employee, channel, body="Team draft")
    api = token_client(colleague)
    assert _ids(api.get("/api/v1/posts/")) == []

    # when they are granted a role on the channel (through the registry's audited service)
    from channels_registry import services as registry

    registry.grant_create(actor=it_security, channel=channel, user=colleague, role="contributor", reason="Joins")

    # then the draft shows
    assert _ids(api.get("/api/v1/posts/")) == [post.pk]


@pytest.mark.parametrize(
    "accept",
    ["application/json; indent=4", "text/html", "application/json", "*/*"],
    ids=["indent", "browsable", "json", "any"],
)
def test_a_kept_page_renders_the_same_for_every_renderer(token_client, employee, many, accept):
    # given a page kept
    api = token_client(employee)
    api.get("/api/v1/posts/", {"page_size": 3})

    # when it is asked for, kept and afresh, in another form
    kept = api.get("/api/v1/posts/", {"page_size": 3}, HTTP_ACCEPT=accept)
    from django.core.cache import cache

    cache.clear()
    fresh = api.get("/api/v1/posts/", {"page_size": 3}, HTTP_ACCEPT=accept)

    # then both read the same (the browsable API's page apart from its CSRF token)
    assert kept.status_code == fresh.status_code == 200
    if accept == "text/html":
        assert kept["Content-Type"].startswith("text/html")
        assert kept.content.count(b"Draft 3 &lt;b&gt;") == fresh.content.count(b"Draft 3 &lt;b&gt;") > 0
        assert b"Draft 3 <b>" not in kept.content
    else:
        assert kept.content == fresh.content
        assert (b"\n    " in kept.content) == (accept == "application/json; indent=4")


def test_the_renderer_puts_kept_results_in_place_as_rendering_the_whole_would():
    from socialgov.api.renderers import JSONRenderer, Spliced

    renderer = JSONRenderer()
    rows = [{"id": 1, "body": '<b>\u2028\u2029 été " \\', "tags": ["a"], "findings": [{"n": 1.5e-05}]}, {"id": 2}]
    for head in ({"next": "http://x/?cursor=a", "previous": None}, {}):
        whole = renderer.render({**head, "results": rows})
        assert renderer.render(Spliced(head, renderer.results_json(rows))) == whole
        assert renderer.render(Spliced(head, renderer.results_json(rows)), "application/json; indent=2") == (
            renderer.render({**head, "results": rows}, "application/json; indent=2")
        )
