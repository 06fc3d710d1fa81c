"""Pickers by name: no filter asks for a number, an id or an ``app.model``; the search endpoints answer within the
asker's scope at a fixed cost; a name typed without the script is resolved, or kept with a form error."""

from __future__ import annotations

import importlib
import re

import django_filters
import pytest
from django import forms

from accounts.tests.factories import DepartmentFactory, UserFactory, add_member
from approvals.tests.factories import channel_for, draft
from audit import services as audit
from channels_registry.tests.factories import ChannelFactory
from policies.models import Platform

FILTER_MODULES = [
    "accounts.filters",
    "approvals.filters",
    "audit.filters",
    "channels_registry.filters",
    "policies.filters",
    "records.filters",
]
# the filter forms that are not FilterSets (the calendar, reports, the IT decision register, records' export)
FILTER_FORMS = [
    ("reports.forms", "CalendarFilterForm"),
    ("reports.forms", "ReportFilterForm"),
    ("it_decisions.forms", "DecisionFilterForm"),
    ("records.forms", "ArchiveForm"),
    ("records.forms", "HoldForm"),
    ("records.forms", "SubjectForm"),
    ("scim.forms", "RequestFilterForm"),
]
NUMBERISH = re.compile(r"\(number\)|\bnumber\b| id\b|\bapp\.model\b|\b[a-z_]+\.[a-z_]+\b", re.IGNORECASE)


def filtersets() -> list[type[django_filters.FilterSet]]:
    found = []
    for name in FILTER_MODULES:
        module = importlib.import_module(name)
        found += [
            v
            for v in vars(module).values()
            if isinstance(v, type) and issubclass(v, django_filters.FilterSet) and v.__module__ == name
        ]
    return found


def filter_forms() -> list[forms.BaseForm]:
    built = [fs(None, queryset=fs._meta.model.objects.none()).form for fs in filtersets()]
    for module, name in FILTER_FORMS:
        built.append(getattr(importlib.import_module(module), name)())
    return built


def shown_words(form: forms.BaseForm) -> list[str]:
    """Every label a person reads on the form: the fields' and their choices'."""
    words = []
    for field in form.fields.values():
        words.append(str(field.label or ""))
        if isinstance(field, forms.ChoiceField) and not isinstance(field, forms.ModelChoiceField):
            words += [str(label) for _, label in field.choices]
    return words


@pytest.mark.django_db
def test_no_filter_label_asks_for_a_number_an_id_or_an_app_model():
    assert len(filtersets()) >= 20
    bad = [
        (type(form).__name__, word)
        for form in filter_forms()
        for word in shown_words(form)
        if NUMBERISH.search(word) and word != "Any"
    ]
    assert bad == []


@pytest.mark.django_db
def test_the_trail_s_target_types_read_as_names():
    from audit.filters import target_types

    labels = dict(target_types())
    assert labels["approvals.post"] == "Post"
    assert labels["channels_registry.channel"] == "Channel"
    assert labels["approvals.lockdown"] == "Lockdown"
    assert labels["accounts.user"] == "Person"


# --- The search endpoints ---------------------------------------------------------------------------------------


def results(response):
    assert response.status_code == 200, response.content[:300]
    return [r["label"] for r in response.json()["results"]]


def test_channels_are_found_by_part_of_their_name_or_handle(client, employee, department):
    linkedin = Platform.objects.get_or_create(slug="linkedin", defaults={"name": "LinkedIn"})[0]
    ChannelFactory(display_name="Marketing", platform=linkedin, department=department, handle="mkt")
    ChannelFactory(display_name="Careers <b>now</b>", department=department, handle="jobs_marketing")
    ChannelFactory(display_name="Support", department=department, handle="help")
    client.force_login(employee)
    found = results(client.get("/search/channel/", {"q": "MARKET"}))
    assert found == ["Careers <b>now</b> on X (Twitter)", "Marketing on LinkedIn"]  # JSON text; the script escapes
    assert results(client.get("/search/channel/", {"q": ""})) == []
    assert results(client.get("/search/channel/", {"q": "nothing like it"})) == []


def test_an_unknown_kind_is_404_and_a_post_is_405(client, employee):
    client.force_login(employee)
    assert client.get("/search/spaceship/", {"q": "a"}).status_code == 404
    assert client.post("/search/channel/", {"q": "a"}).status_code == 405


def test_posts_are_found_only_within_the_asker_s_scope(client, employee, outsider, auditor, department):
    channel = channel_for(employee, department=department)
    draft(employee, channel, body="Launch day for the orbital toaster")
    client.force_login(employee)
    assert len(results(client.get("/search/post/", {"q": "toaster"}))) == 1
    client.force_login(outsider)
    assert results(client.get("/search/post/", {"q": "toaster"})) == []
    client.force_login(auditor)
    assert len(results(client.get("/search/post/", {"q": "toaster"}))) == 1


def test_people_are_found_among_one_s_colleagues_unless_one_reads_the_record(client, employee, outsider, auditor):
    # the fixtures' names are made up by the factory: one like "Michael Adams" would match "ada" too
    for person, name in [(employee, "Erin Employee"), (outsider, "Otto Outsider"), (auditor, "Audrey Auditor")]:
        type(person).objects.filter(pk=person.pk).update(full_name=name)
        person.full_name = name
    legal = DepartmentFactory(name="Legal", slug="legal")
    add_member(
        UserFactory(email="ada@example.com", full_name="Ada Marketing"), employee.memberships.get().department, "member"
    )
    add_member(UserFactory(email="adam@example.com", full_name="Adam Legal"), legal, "member")
    client.force_login(employee)
    assert results(client.get("/search/person/", {"q": "ada"})) == ["Ada Marketing <ada@example.com>"]
    client.force_login(outsider)
    assert results(client.get("/search/person/", {"q": "ada"})) == []
    assert results(client.get("/search/person/", {"q": "outsider"})) == [f"{outsider.full_name} <outsider@example.com>"]
    client.force_login(auditor)
    assert len(results(client.get("/search/person/", {"q": "ada"}))) == 2


@pytest.mark.parametrize(("kind", "q"), [("channel", "acme"), ("post", "ships"), ("person", "example")])
@pytest.mark.parametrize("rows", [3, 30])
def test_a_search_costs_the_same_queries_however_many_rows(
    client, employee, department, kind, q, rows, django_assert_num_queries
):
    channel = channel_for(employee, department=department)
    for i in range(rows):
        ChannelFactory(department=department)
        draft(employee, channel, body=f"Our product ships today ({i}).")
        add_member(UserFactory(), department, "member")
    client.force_login(employee)
    # the session, the user (with their groups), the rows; a post's scope reads the channels one is a member of first
    expected = {"channel": 3, "post": 4, "person": 3}[kind]
    with django_assert_num_queries(expected):
        response = client.get(f"/search/{kind}/", {"q": q})
    # every row matches (the posts; the channels and people, the employee's own one too): ten at most
    assert len(results(response)) == min(rows + (kind != "post"), 10)


# --- A name typed without the script ----------------------------------------------------------------------------


def test_a_typed_channel_name_filters_my_posts(client, employee, department):
    mine = channel_for(employee, department=department, display_name="Marketing on the web")
    other = channel_for(employee, department=department, display_name="Careers")
    draft(employee, mine, body="On the web")
    draft(employee, other, body="On careers")
    client.force_login(employee)
    response = client.get("/posts/", {"channel": "marketing on"})
    page = response.content.decode()
    assert response.status_code == 200
    assert "On the web" in page and "On careers" not in page
    assert 'value="Marketing on the web on X (Twitter)"' in page  # the name, never the number
    assert "Filtered by" in page and "<strong>Marketing on the web on X (Twitter)</strong>" in page
    by_id = client.get("/posts/", {"channel": str(mine.pk)}).content.decode()
    assert 'value="Marketing on the web on X (Twitter)"' in by_id and f'value="{mine.pk}"' in by_id  # hidden id


@pytest.mark.parametrize(
    ("typed", "error"),
    [("Nowhere", "No channel you may see is called “Nowhere”."), ("acme", "Several channels match “acme”")],
)
def test_a_name_that_is_not_one_channel_is_a_form_error_keeping_it(client, employee, department, typed, error):
    ChannelFactory(department=department, display_name="Acme one")
    ChannelFactory(department=department, display_name="Acme two")
    client.force_login(employee)
    response = client.get("/posts/", {"channel": typed})
    page = response.content.decode()
    assert response.status_code == 200 and error in page
    assert f'value="{typed}"' in page


def test_the_trail_takes_a_target_by_name_within_its_type(client, auditor, employee, department):
    channel = channel_for(employee, department=department, display_name="Marketing")
    post = draft(employee, channel, body="The orbital toaster ships")
    other = draft(employee, channel, body="Something else")
    audit.record(actor=employee, action="test.one", target=post)
    audit.record(actor=employee, action="test.two", target=other)
    client.force_login(auditor)
    response = client.get("/audit/", {"target_type": "approvals.post", "target_id": "toaster"})
    events = response.context["events"]
    assert {e.target_id for e in events} == {str(post.pk)}
    page = response.content.decode()
    assert "Target type: <strong>Post</strong>" in page and "Target: <strong>The orbital toaster ships" in page
    assert results(client.get("/search/post/", {"q": "toaster"})) == ["The orbital toaster ships (Marketing)"]
    # a name with no type to look in: a form error, the trail unfiltered
    response = client.get("/audit/", {"target_id": "toaster"})
    assert "Choose the target&#x27;s type first" in response.content.decode()


def test_the_trail_s_channel_filter_shows_the_channel_s_name(client, auditor, employee, department):
    channel = channel_for(employee, department=department, display_name="Marketing")
    client.force_login(auditor)
    page = client.get("/audit/", {"channel": str(channel.pk)}).content.decode()
    assert "Channel (its posts, lockdowns and activity included): <strong>Marketing on X (Twitter)</strong>" in page
    assert 'value="Marketing on X (Twitter)"' in page
    page = client.get("/audit/", {"channel": "marketing"}).content.decode()
    assert "<strong>Marketing on X (Twitter)</strong>" in page


def test_a_huge_number_is_a_name_not_an_overflow(client, employee):
    client.force_login(employee)
    response = client.get("/posts/", {"channel": "9" * 30})
    assert response.status_code == 200 and "No channel you may see is called" in response.content.decode()


def test_a_name_holding_markup_is_shown_escaped_in_the_picker(client, employee, department):
    channel = channel_for(employee, department=department, display_name='<img src=x onerror="alert(1)">')
    client.force_login(employee)
    page = client.get("/posts/", {"channel": str(channel.pk)}).content.decode()
    assert "<img src=x" not in page
    assert 'value="&lt;img src=x onerror=&quot;alert(1)&quot;&gt; on X (Twitter)"' in page


def test_the_api_takes_a_channel_by_name_and_says_why_not(client, employee, department):
    channel = channel_for(employee, department=department, display_name="Marketing")
    draft(employee, channel, body="Named")
    client.force_login(employee)
    found = client.get("/api/v1/posts/", {"channel": "marketing"})
    assert found.status_code == 200 and [p["body"] for p in found.json()["results"]] == ["Named"]
    refused = client.get("/api/v1/posts/", {"channel": "nowhere"})
    assert refused.status_code == 400
    assert refused.json()["fields"]["channel"] == ["No channel you may see is called “nowhere”."]


def test_a_nul_character_is_refused_never_sent_to_the_database(client, employee):
    client.force_login(employee)
    assert results(client.get("/search/channel/", {"q": "a\x00b"})) == []
    response = client.get("/posts/", {"channel": "a\x00b"})
    assert response.status_code == 200 and "Null characters are not allowed." in response.content.decode()


def test_the_trail_names_each_row_s_target_type(client, auditor, employee, department):
    channel = channel_for(employee, department=department, display_name="Marketing")
    audit.record(actor=employee, action="test.one", target=channel)
    client.force_login(auditor)
    page = client.get("/audit/", {"action": "test."}).content.decode()
    assert f"(Channel {channel.pk})" in page and "channels_registry.channel" not in page.split("<table", 1)[1]
