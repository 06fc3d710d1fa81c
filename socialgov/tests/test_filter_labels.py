"""Filters left empty read "Any", never "Unknown" or "---------"; the values they send are unchanged."""

import pytest
from django.utils import translation

from approvals.filters import PostFilter
from channels_registry.filters import ChannelFilter
from records.filters import LegalHoldFilter

pytestmark = pytest.mark.django_db


def test_boolean_and_choice_filters_offer_any(client, employee):
    # given the registry's filters (status choices, platform and department by model, dormant yes/no)
    client.force_login(employee)

    # when the page renders
    body = client.get("/registry/").content.decode()

    # then every empty choice reads "Any"
    assert "Unknown" not in body and "---------" not in body
    assert '<option value="unknown" selected>Any</option>' in body
    assert '<option value="" selected>Any</option>' in body


@pytest.mark.parametrize(
    ("filterset", "name"), [(ChannelFilter, "dormant"), (LegalHoldFilter, "active"), (PostFilter, "state")]
)
def test_every_app_uses_the_any_labels(filterset, name):
    field = filterset().form.fields[name]
    labels = [str(label) for _, label in field.widget.choices]
    assert labels[0] == "Any" and "Unknown" not in labels and "---------" not in labels


def test_a_boolean_filter_reads_the_same_values_as_before():
    form = ChannelFilter({"dormant": "true", "orphaned": "false", "security_gaps": "unknown"}).form
    assert form.is_valid()
    assert (form.cleaned_data["dormant"], form.cleaned_data["orphaned"], form.cleaned_data["security_gaps"]) == (
        True,
        False,
        None,
    )


@pytest.mark.parametrize(("language", "any_label"), [("de", "Beliebig"), ("fr", "Tous")])
def test_the_any_label_is_in_the_readers_language(language, any_label):
    # given a filter's choice left empty, built before anyone's language is known
    field = PostFilter().form.fields["state"]

    # when it is shown to a German or a French reader
    with translation.override(language):
        labels = [str(label) for _, label in field.widget.choices]

    # then "Any" is in their language
    assert labels[0] == any_label


def test_the_search_box_matches_any_of_its_fields_in_any_case():
    from channels_registry.models import Channel
    from channels_registry.tests.factories import ChannelFactory
    from policies.filters import PolicyFilter

    # given channels found by their handle or by their name
    by_handle = ChannelFactory(handle="spring_news", display_name="Acme one")
    by_name = ChannelFactory(handle="acme_two", display_name="Spring launches")
    ChannelFactory(handle="acme_three", display_name="Autumn")

    # when the registry's search box is given "SPRING"
    found = ChannelFilter({"q": "SPRING"}, queryset=Channel.objects.all()).qs

    # then both match, the third does not; and each list names its own box
    assert set(found) == {by_handle, by_name}
    assert str(ChannelFilter().form.fields["q"].label) == "Search"
    assert str(PolicyFilter().form.fields["q"].label) == "Title"
