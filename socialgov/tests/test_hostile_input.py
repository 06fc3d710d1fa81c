"""Hostile text through the forms and endpoints that take text: a clear 400 / form error, or the
value stored and shown escaped; never a 500. PostgreSQL refuses NUL in text, so NUL is refused first."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.urls import reverse

from approvals.models import Comment, Post
from approvals.tests.factories import channel_for, draft
from policies.tests.factories import platform

pytestmark = pytest.mark.django_db

SCRIPT = "<script>alert(1)</script><img src=x onerror=alert(2)>"
FORMULA = "=cmd|' /C calc'!A0"
RTL = "safe \u202egnp.exe"
MEGABYTE = "a" * 1_000_000
NUL = "before\x00after"
HOSTILE = {"script": SCRIPT, "formula": FORMULA, "rtl": RTL, "megabyte": MEGABYTE, "nul": NUL}


@pytest.fixture
def channel(employee, department):
    return channel_for(employee, department=department)


@pytest.mark.parametrize("kind", HOSTILE)
def test_the_composer_stores_escapes_or_refuses(client, employee, channel, kind):
    # given
    client.force_login(employee)
    text = HOSTILE[kind]

    # when
    response = client.post(reverse("approvals:post_create"), {"channel": channel.pk, "body": text})

    # then
    assert response.status_code in (200, 302)
    if kind == "nul":
        assert response.status_code == 200 and "Null characters are not allowed" in response.content.decode()
        assert not Post.objects.exists()
    elif response.status_code == 302:
        post = Post.objects.get()
        page = client.get(reverse("approvals:post_detail", args=[post.pk])).content.decode()
        assert SCRIPT not in page
        if kind == "script":
            assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


@pytest.mark.parametrize("kind", HOSTILE)
def test_a_comment_stores_escapes_or_refuses(client, employee, channel, kind):
    # given
    post = draft(employee, channel)
    client.force_login(employee)

    # when
    response = client.post(reverse("approvals:comment_add", args=[post.pk]), {"body": HOSTILE[kind]})

    # then
    assert response.status_code in (200, 302, 400)
    if kind == "nul":
        assert not Comment.objects.exists()
    page = client.get(reverse("approvals:post_detail", args=[post.pk])).content.decode()
    assert SCRIPT not in page


@pytest.mark.parametrize("kind", HOSTILE)
@pytest.mark.parametrize("field", ["handle", "url", "display_name", "purpose", "audience", "credentials_location"])
def test_channel_registration_refuses_or_keeps_hostile_text(client, employee, department, kind, field):
    # given
    client.force_login(employee)
    data = {
        "platform": platform("x").pk,
        "handle": "@acme_news",
        "url": "https://x.com/acme_news",
        "display_name": "Acme news",
        "department": department.pk,
        "purpose": "News from Acme.",
        "audience": "Customers",
        "credentials_location": "vault://marketing/x-acme-news",
        "custodians": "employee@example.com, colleague@example.com",
        "recovery_contact": "social@example.com",
        field: HOSTILE[kind],
    }

    # when
    response = client.post(reverse("channels_registry:channel_register"), data)

    # then: refused with the form, or registered and shown escaped
    assert response.status_code in (200, 302)
    if kind == "nul":
        assert response.status_code == 200  # the form shows the error
    if response.status_code == 302:
        shown = client.get(response["Location"]).content.decode()
        assert SCRIPT not in shown


@pytest.mark.parametrize("kind", HOSTILE)
def test_the_api_creates_or_refuses_hostile_posts(token_client, employee, channel, kind):
    # given
    client = token_client(employee)

    # when
    created = client.post("/api/v1/posts/", {"channel": channel.pk, "body": HOSTILE[kind]}, format="json")
    checked = client.post("/api/v1/content-check/", {"channel": channel.pk, "body": HOSTILE[kind]}, format="json")
    tagged = client.post(
        "/api/v1/posts/", {"channel": channel.pk, "body": "ok", "tags": [HOSTILE[kind][:40]]}, format="json"
    )

    # then
    for response in (created, checked, tagged):
        assert response.status_code in (200, 201, 400), response.content[:300]
    if kind == "nul":
        assert created.status_code == 400 and created.json()["code"] == "invalid"
        assert tagged.status_code == 400
    if created.status_code == 201:
        assert created.json()["body"] == HOSTILE[kind]  # stored as given; escaping is the page's job


def test_a_body_over_the_upload_limit_is_a_clear_400(client, token_client, employee, channel):
    # given
    huge = "a" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1)
    client.force_login(employee)

    # when
    page = client.post(reverse("approvals:post_create"), {"channel": channel.pk, "body": huge})
    api = token_client(employee).post("/api/v1/posts/", {"channel": channel.pk, "body": huge}, format="json")

    # then
    assert page.status_code == 400
    assert api.status_code == 400
    assert not Post.objects.exists()


def test_nul_in_a_query_string_or_json_key_is_not_a_500(token_client, client, employee, channel):
    # given
    api = token_client(employee)
    client.force_login(employee)

    # when
    responses = [
        api.get("/api/v1/posts/", {"state": "dra\x00ft"}),
        api.get("/api/v1/channels/", {"search": "a\x00b"}),
        api.post(
            "/api/v1/posts/", {"channel": channel.pk, "body": "x", "links": ["https://a.example/\x00"]}, format="json"
        ),
        api.post("/api/v1/posts/", data='{"channel": 1, "body": "\\u0000"}', content_type="application/json"),
        client.get(reverse("channels_registry:channel_list"), {"q": "a\x00b"}),
        client.get(reverse("approvals:my_posts"), {"q": "\x00"}),
    ]

    # then
    assert [r.status_code for r in responses if r.status_code >= 500] == []


@pytest.mark.parametrize("kind", HOSTILE)
def test_a_decision_comment_stores_escapes_or_refuses(client, employee, channel, reviewer, kind):
    # given
    from approvals.models import Decision
    from approvals.tests.factories import open_stage, submitted

    post = submitted(employee, channel)
    stage = open_stage(post)
    client.force_login(reviewer)

    # when
    response = client.post(
        reverse("approvals:stage_decide", args=[stage.pk]), {"outcome": "request_changes", "comment": HOSTILE[kind]}
    )

    # then
    assert response.status_code == 302
    if kind == "nul":
        assert not Decision.objects.exists()


@pytest.mark.parametrize("target", ["/\\\\evil.example/", "//evil.example/", "https://evil.example/"])
def test_the_decision_form_does_not_redirect_off_site(client, employee, channel, reviewer, target):
    # given
    from approvals.tests.factories import open_stage, submitted

    stage = open_stage(submitted(employee, channel))
    client.force_login(reviewer)

    # when
    response = client.post(
        reverse("approvals:stage_decide", args=[stage.pk]), {"outcome": "approve", "comment": "", "next": target}
    )

    # then
    assert response.status_code == 302 and "evil.example" not in response["Location"]


@pytest.mark.parametrize("value", ["-1.429100221219711e+295", "99999999999999999999999"])
def test_a_filter_number_out_of_range_is_a_400(token_client, superuser, value):
    # found by the schemathesis run: /api/v1/access-grants/?channel=-1.4e+295 was a 500 (OverflowError)
    response = token_client(superuser).get("/api/v1/access-grants/", {"channel": value})

    assert response.status_code in (200, 400)
    if response.status_code == 400:
        assert response.json()["code"] in ("out_of_range", "invalid")


def test_every_api_operation_that_takes_text_is_walked_with_hostile_text():
    """The walk (socialgov.testing.hostile) covers every write row of the permission tables; here,
    every operation of the OpenAPI schema whose body takes text must be one of those rows."""
    from socialgov.testing.hostile import acting_role, operation_for, text_operations, url_shape
    from socialgov.testing.permissions import WRITE_METHODS, all_routes

    walked = set()
    for route in all_routes():
        if route.api and route.method in WRITE_METHODS and acting_role(route):
            walked.add((route.method, operation_for(route.method, url_shape(route))))
    missing = set(text_operations()) - walked
    assert missing == set(), f"add a permission-table row (with a role that gets through) for {sorted(missing)}"
