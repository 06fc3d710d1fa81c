"""Network previews: a post as each network's feed shows it, on the composer, the post page and the queue."""

from __future__ import annotations

import pytest
from django.urls import reverse

from approvals.previews import preview
from approvals.tests.factories import PNG, channel_for, submitted
from policies.models import Platform
from policies.tests.factories import PlatformFactory


def _platform(slug, kind="social", char_limit=None):
    return Platform(slug=slug, name=slug, kind=kind, char_limit=char_limit)


def _text(pieces):
    return "".join(p.text for p in pieces)


def test_linkedin_folds_after_210_characters_behind_see_more():
    body = "a" * 200 + " " + "b" * 50
    p = preview(platform=_platform("linkedin", char_limit=3000), body=body)
    assert (len(_text(p.shown)), _text(p.folded)) == (210, "b" * 41)
    assert p.network.more == "…see more" and p.over_by == 0


def test_x_counts_every_link_as_23_and_marks_what_goes_over_280():
    link = "https://example.com/" + "x" * 80  # 100 characters, 23 as X counts it
    body = "c" * 250 + " " + link + " " + "d" * 10
    p = preview(platform=_platform("x", char_limit=280), body=body)
    assert p.length == 250 + 1 + 23 + 1 + 10 and p.over_by == 5
    over = [piece for piece in p.shown if piece.over]
    assert _text(over) == "d" * 5  # the link itself is not cut
    assert p.card == "example.com"


def test_hashtags_mentions_and_links_are_told_apart_and_an_email_is_not_a_mention():
    p = preview(
        platform=_platform("mastodon", char_limit=500),
        body="Hi @ana@social.example and @bo! #Launch day, www.acme.example, mail me@acme.example #1",
    )
    kinds = [(piece.kind, piece.text) for piece in p.shown if piece.kind != "text"]
    assert kinds == [
        ("mention", "@ana@social.example"),
        ("mention", "@bo"),
        ("hashtag", "#Launch"),
        ("link", "www.acme.example,"),
        ("hashtag", "#1"),
    ]
    assert p.card == "acme.example,"


def test_instagram_shows_no_link_card_and_crops_portrait_and_unknown_networks_fall_back_by_kind():
    insta = preview(platform=_platform("instagram"), body="See https://acme.example", images=["/a.png"])
    assert (insta.card, insta.image, insta.network.crop) == ("", "/a.png", "4x5")
    assert preview(platform=_platform("vimeo", kind="video"), body="x").network.style == "video"
    assert preview(platform=_platform("intranet", kind="other"), body="x").network.label == "Post"
    # the link of the links field makes the card when the text has none
    assert preview(platform=_platform("linkedin"), body="New", links=["https://blog.acme.example/a"]).card == (
        "blog.acme.example"
    )


# --- The pages ----------------------------------------------------------------------------------


@pytest.fixture
def linkedin_post(db, employee, department):
    network = PlatformFactory(slug="linkedin-test", name="LinkedIn test", char_limit=3000)
    channel = channel_for(employee, department=department, platform=network, display_name="Acme on LinkedIn")
    return submitted(employee, channel, body="Launch <b>day</b> #Spring with @acme", attachments=[_png()])


def _png():
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile("photo.png", PNG)


@pytest.mark.django_db
def test_the_post_page_and_the_queue_row_show_the_same_preview_escaped(client, reviewer, linkedin_post):
    client.force_login(reviewer)
    page = client.get(reverse("approvals:post_detail", args=[linkedin_post.pk])).content.decode()
    fragment = client.get(reverse("approvals:post_preview", args=[linkedin_post.pk])).content.decode()
    for html in (page, fragment):
        assert "As it will look on Post · Acme on LinkedIn · 36 / 3000 characters" in html
        assert 'Launch &lt;b&gt;day&lt;/b&gt; <span class="preview-hashtag">#Spring</span>' in html
        assert '<span class="preview-mention">@acme</span>' in html
        image = reverse("approvals:attachment", args=[linkedin_post.attachments.get().pk])
        assert f'<img src="{image}"' in html
    queue = client.get(reverse("approvals:queue")).content.decode()
    assert f'data-preview-url="{reverse("approvals:post_preview", args=[linkedin_post.pk])}"' in queue


@pytest.mark.django_db
def test_the_preview_of_a_post_costs_three_queries_and_is_404_outside_scope(
    client, reviewer, outsider, linkedin_post, django_assert_num_queries
):
    client.force_login(reviewer)
    url = reverse("approvals:post_preview", args=[linkedin_post.pk])
    client.get(url)
    # the session's person, the post with its channel and platform, its attachments
    with django_assert_num_queries(3):
        assert client.get(url).status_code == 200
    client.force_login(outsider)
    assert client.get(url).status_code == 404


@pytest.mark.django_db
def test_the_composer_previews_the_text_being_typed_under_a_channel_it_writes_for(
    client, employee, outsider, linkedin_post
):
    client.force_login(employee)
    channel = linkedin_post.channel
    response = client.post(
        reverse("approvals:draft_preview"), {"channel": channel.pk, "body": "Hello <i>#World</i>", "links": ""}
    )
    assert response.status_code == 200
    assert 'Hello &lt;i&gt;<span class="preview-hashtag">#World</span>&lt;/i&gt;' in response.content.decode()
    assert client.post(reverse("approvals:draft_preview"), {"channel": "x", "body": "a"}).status_code == 404
    client.force_login(outsider)
    assert client.post(reverse("approvals:draft_preview"), {"channel": channel.pk, "body": "a"}).status_code == 404
