import pytest

from audit.models import AuditEvent
from channels_registry import services
from channels_registry.choices import ChannelState
from channels_registry.models import AccessGrant, Channel, ChannelMembership
from core.errors import Forbidden, InvalidInput
from notifications.models import Notification
from policies.tests.factories import PlatformDecisionFactory, platform

pytestmark = pytest.mark.django_db


def test_register_normalises_the_handle_names_custodians_and_asks_the_manager(
    employee, colleague, manager, registration, django_capture_on_commit_callbacks
):
    # when
    with django_capture_on_commit_callbacks(execute=True):
        channel = services.channel_register(actor=employee, **registration)

    # then
    assert (channel.handle, channel.state) == ("acme_news", ChannelState.PROPOSED)
    members = {m.user: m.role for m in ChannelMembership.objects.filter(channel=channel)}
    assert members == {employee: "owner", colleague: "admin"}
    assert AccessGrant.objects.filter(channel=channel).count() == 2
    assert AuditEvent.objects.filter(action="channel.registered", target_id=str(channel.pk)).exists()
    assert Notification.objects.filter(recipient=manager, event="channel.registered").exists()


def test_blocked_platform_is_refused_naming_who_decided_and_why(employee, department, registration, it_security):
    # given IT blocked X for Marketing
    PlatformDecisionFactory(platform=platform("x"), decided_by=it_security, departments=[department])

    # when / then
    with pytest.raises(InvalidInput) as exc:
        services.channel_register(actor=employee, **registration)
    message = exc.value.fields["platform"][0]
    assert "blocked for Marketing" in message and str(it_security) in message and "outside the EU" in message
    assert not Channel.objects.exists()


def test_a_decision_for_everyone_is_overridden_by_one_naming_the_department(
    employee, department, registration, it_security
):
    PlatformDecisionFactory(platform=platform("x"), decided_by=it_security)  # blocked for all
    PlatformDecisionFactory(platform=platform("x"), decided_by=it_security, outcome="allowed", departments=[department])
    assert services.channel_register(actor=employee, **registration).pk


def test_duplicate_handle_is_refused_with_a_link_to_the_existing_channel(employee, registration):
    first = services.channel_register(actor=employee, **registration)
    with pytest.raises(InvalidInput) as exc:
        services.channel_register(actor=employee, **{**registration, "handle": "acme_NEWS"})
    assert f"/registry/channels/{first.pk}/" in exc.value.fields["handle"][0]
    assert Channel.objects.count() == 1


@pytest.mark.parametrize(
    ("field", "value", "expected"),
    [
        ("handle", "acme news!", "not a valid X (Twitter) handle"),
        ("purpose", "x" * 100_000, "under 5,000 characters"),
        ("url", "javascript:alert(1)", "https://"),
        ("url", "https://evil.example.org/acme", "x.com"),
        ("recovery_contact", "someone@gmail.com", "corporate address"),
        ("credentials_location", "Hunter2!Secret", "never the password"),
        ("credentials_location", "vault://marketing/Pa55w0rd-X", "looks like a password"),
        ("mfa_enabled", False, "two-factor"),
    ],
)
def test_bad_input_is_refused_with_a_field_message_and_nothing_saved(employee, registration, field, value, expected):
    with pytest.raises(InvalidInput) as exc:
        services.channel_register(actor=employee, **{**registration, field: value})
    assert expected in " ".join(exc.value.fields[field])
    assert not Channel.objects.exists() and not ChannelMembership.objects.exists()


def test_one_custodian_is_not_enough(employee, registration):
    with pytest.raises(InvalidInput) as exc:
        services.channel_register(actor=employee, **{**registration, "custodians": [employee]})
    assert "at least two" in exc.value.fields["custodians"][0]


def test_people_outside_the_department_and_auditors_may_not_register(outsider, auditor, registration):
    for person in (outsider, auditor):
        with pytest.raises(Forbidden):
            services.channel_register(actor=person, **registration)


@pytest.mark.parametrize(
    "reference",
    [
        "vault://marketing/SocialMedia2024",
        "op://Brand/YouTubeChannel01",
        "keepass:Marketing/x-account",
        "vault://it/Brand_Team.2",
    ],
)
def test_vault_item_names_made_of_words_and_a_number_are_accepted(employee, registration, reference):
    channel = services.channel_register(actor=employee, **{**registration, "credentials_location": reference})
    assert Channel.objects.get(pk=channel.pk).credentials_location == reference


@pytest.mark.parametrize(
    "reference", ["vault://marketing/P4ssword", "vault://marketing/S3cret-Team", "op://Brand/kT7mWq2Z"]
)
def test_vault_references_that_hide_a_password_are_refused(employee, registration, reference):
    with pytest.raises(InvalidInput) as exc:
        services.channel_register(actor=employee, **{**registration, "credentials_location": reference})
    assert "looks like a password" in exc.value.fields["credentials_location"][0]
