import pytest

from channels_registry.models import Channel, ChannelActivity, ReportedAccount
from channels_registry.tests.factories import channel_with_custodians
from policies.tests.factories import PlatformDecisionFactory, platform

pytestmark = pytest.mark.django_db


@pytest.fixture
def form_data(colleague):
    return {
        "platform": platform("x").pk,
        "handle": "@Acme_News",
        "url": "https://x.com/acme_news",
        "display_name": "Acme News",
        "department": 0,  # set in tests
        "purpose": "Product news.",
        "audience": "Customers",
        "custodians": "employee@example.com, colleague@example.com",
        "recovery_contact": "social@example.com",
        "mfa_enabled": "on",
        "credentials_location": "vault://marketing/x",
        "tools_connected": "",
    }


@pytest.fixture
def api_data(colleague):
    return {
        "platform": "x",
        "handle": "@Acme_News",
        "url": "https://x.com/acme_news",
        "display_name": "Acme News",
        "department": "marketing",
        "purpose": "Product news.",
        "audience": "Customers",
        "custodians": ["employee@example.com", "colleague@example.com"],
        "recovery_contact": "social@example.com",
        "mfa_enabled": True,
        "credentials_location": "vault://marketing/x",
    }


def _existing(employee, colleague):
    return channel_with_custodians(employee, colleague, handle="acme_news", display_name="Acme News")


BAD = [
    ("blocked platform", "platform", None, "blocked for Marketing"),
    ("duplicate handle", "handle", "@ACME_news", "/registry/channels/"),
    ("handle that does not fit", "handle", "acme news!", "not a valid X (Twitter) handle"),
    ("purpose of 100,000 characters", "purpose", "x" * 100_000, "under 5,000 characters"),
    ("javascript: URL", "url", "javascript:alert(document.cookie)", "https://"),
]


def _arrange(case, employee, colleague, it_security, department):
    if case == "blocked platform":
        PlatformDecisionFactory(platform=platform("x"), decided_by=it_security, departments=[department])
    if case == "duplicate handle":
        _existing(employee, colleague)
    return Channel.objects.count()


@pytest.mark.parametrize(("case", "field", "value", "message"), BAD, ids=[b[0] for b in BAD])
def test_register_page_shows_a_form_error_and_saves_nothing(
    client, employee, colleague, it_security, department, form_data, case, field, value, message
):
    # given
    before = _arrange(case, employee, colleague, it_security, department)
    client.force_login(employee)
    data = {**form_data, "department": department.pk}
    if value is not None:
        data[field] = value

    # when
    response = client.post("/registry/register/", data)

    # then
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert message in " ".join(errors.get(field, [])), errors
    assert Channel.objects.count() == before
    if case == "duplicate handle":
        existing = Channel.objects.get()
        assert f'<a href="/registry/channels/{existing.pk}/">' in response.content.decode()


@pytest.mark.parametrize(("case", "field", "value", "message"), BAD, ids=[b[0] for b in BAD])
def test_register_api_answers_400_with_field_messages_and_saves_nothing(
    client, employee, colleague, it_security, department, api_data, case, field, value, message
):
    before = _arrange(case, employee, colleague, it_security, department)
    client.force_login(employee)
    data = {**api_data, **({field: value} if value is not None else {})}

    response = client.post("/api/v1/channels/", data, content_type="application/json")

    assert response.status_code == 400
    body = response.json()
    assert message in " ".join(body["fields"][field]), body
    assert Channel.objects.count() == before
    assert body["code"] == ("duplicate" if case == "duplicate handle" else "invalid")


def test_register_page_registers_and_redirects_to_the_channel(client, employee, department, form_data):
    client.force_login(employee)
    response = client.post("/registry/register/", {**form_data, "department": department.pk})
    channel = Channel.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/registry/channels/{channel.pk}/"
    page = client.get(response["Location"]).content.decode()
    assert "channel.registered" in page  # the history panel


def test_integration_reports_activity_with_a_token(token_client, employee, colleague):
    channel = channel_with_custodians(employee, colleague)
    client = token_client(employee, "write")
    response = client.post(f"/api/v1/channels/{channel.pk}/activity/", {"kind": "post", "note": "Weekly post"})
    assert response.status_code == 201, response.content
    assert ChannelActivity.objects.get().source == "api"
    read_only = token_client(employee, "read")
    assert read_only.post(f"/api/v1/channels/{channel.pk}/activity/", {"kind": "post"}).status_code == 403


def test_a_state_conflict_is_409_on_the_api(client, it_security, employee, colleague):
    channel = channel_with_custodians(employee, colleague, state="retired")
    client.force_login(it_security)
    response = client.post(f"/api/v1/channels/{channel.pk}/suspend/", {"reason": "x"}, content_type="application/json")
    assert response.status_code == 409


def test_pages_escape_user_text(client, employee, colleague):
    channel = channel_with_custodians(employee, colleague, display_name="<script>alert(1)</script>")
    client.force_login(employee)
    for url in ("/registry/", f"/registry/channels/{channel.pk}/"):
        body = client.get(url).content.decode()
        assert "<script>alert(1)</script>" not in body and "&lt;script&gt;" in body


def test_security_details_are_hidden_from_other_departments(client, employee, colleague, other_department):
    from accounts.tests.factories import UserFactory, add_member

    a, b = (add_member(UserFactory(), other_department, "member") for _ in range(2))
    theirs = channel_with_custodians(a, b, department=other_department, credentials_location="vault://training/x")
    client.force_login(employee)
    page = client.get(f"/registry/channels/{theirs.pk}/").content.decode()
    assert "vault://training/x" not in page and "/security/" not in page
    assert client.get(f"/api/v1/channels/{theirs.pk}/").json().get("credentials_location") is None


def test_report_an_account_from_the_page(client, employee):
    client.force_login(employee)
    response = client.post(
        "/registry/reported/", {"platform": platform("x").pk, "url": "javascript:alert(1)", "note": ""}
    )
    assert response.status_code == 200 and "https://" in str(response.context["form"].errors)
    assert not ReportedAccount.objects.exists()


def test_registry_filters_dormant_orphaned_and_gaps(client, employee, colleague):
    from django.utils import timezone

    channel_with_custodians(employee, colleague, display_name="Healthy")
    channel_with_custodians(employee, colleague, display_name="Sleepy", state="dormant")
    channel_with_custodians(employee, display_name="Lonely", orphaned_at=timezone.now())
    unsure = channel_with_custodians(employee, colleague, display_name="Unsure")
    unsure.memberships.filter(user=colleague).update(mfa_confirmed=False)
    client.force_login(employee)

    def names(query):
        return [c["display_name"] for c in client.get(f"/registry/?{query}").context["page"].object_list]

    assert names("dormant=true") == ["Sleepy"]
    assert names("orphaned=true") == ["Lonely"]
    assert names("security_gaps=true") == ["Unsure", "Lonely"]
    assert client.get("/registry/").context["counts"]["total"] == 4
    api = client.get("/api/v1/channels/?security_gaps=true").json()["results"]
    assert [c["display_name"] for c in api] == ["Unsure", "Lonely"]


def test_security_review_page_activates_the_channel(client, it_security, employee, colleague):
    from channels_registry.choices import CHECKLIST

    channel = channel_with_custodians(employee, colleague, state="in_security_review")
    client.force_login(it_security)
    data = {**{f"{k}_passed": "1" for k in CHECKLIST}, **{f"{k}_note": "" for k in CHECKLIST}}
    response = client.post(f"/registry/channels/{channel.pk}/security-review/", data)
    assert response.status_code == 302
    channel.refresh_from_db()
    assert channel.state == "active"


def test_approve_button_moves_the_channel_to_security_review(client, manager, employee, colleague, department):
    channel = channel_with_custodians(employee, colleague, state="proposed", department=department)
    client.force_login(manager)
    client.post(f"/registry/channels/{channel.pk}/approve/")
    channel.refresh_from_db()
    assert channel.state == "in_security_review"


def test_a_reason_or_note_the_form_refuses_is_said_and_nothing_is_done(client, it_security, employee, colleague):
    # given an active channel, and IT security on its page
    channel = channel_with_custodians(employee, colleague, state="active")
    client.force_login(it_security)

    # when the reason to suspend it carries a NUL (it cannot be stored)
    response = client.post(f"/registry/channels/{channel.pk}/suspend/", {"reason": "before\x00after"}, follow=True)

    # then the form's message shows and the channel is as it was (not suspended without its reason)
    assert "Null characters are not allowed." in response.content.decode()
    channel.refresh_from_db()
    assert channel.state == "active"


def test_channel_page_shows_decision_custodians_and_activity_by_month(
    client, employee, colleague, department, it_security
):
    from channels_registry import services

    PlatformDecisionFactory(
        platform=platform("x"), decided_by=it_security, outcome="conditional", conditions="No DMs", rationale="Risk"
    )
    channel = channel_with_custodians(employee, colleague, department=department)
    services.activity_record(actor=employee, channel=channel, kind="post")
    client.force_login(employee)
    response = client.get(f"/registry/channels/{channel.pk}/")
    body = response.content.decode()
    assert "Allowed with conditions" in body and "No DMs" in body
    assert "colleague@example.com" in body
    assert response.context["by_month"][0]["n"] == 1


def test_registering_needs_the_policy_required_to_register(client, employee, department, form_data, api_data):
    """The person's gates (policies, training) are checked too: the page lists them, the API answers 403."""
    from policies.tests.factories import published_policy

    # given a policy everyone must acknowledge before registering a channel
    published_policy(slug="channel-rules", required_to_register=True)
    client.force_login(employee)

    # when the employee registers from the page
    response = client.post("/registry/register/", {**form_data, "department": department.pk})

    # then the reason is listed with a link to fix it, the form keeps the input, and nothing is saved
    page = response.content.decode()
    assert response.status_code == 200
    assert "You cannot register a channel yet" in page and "Channel Rules" in page
    assert f'value="{form_data["display_name"]}"' in page
    assert not Channel.objects.exists()

    # and the API answers 403 with the reasons
    api = client.post("/api/v1/channels/", api_data, content_type="application/json")
    assert api.status_code == 403
    body = api.json()
    assert body["code"] == "gate" and any("Channel Rules" in r["message"] for r in body["reasons"])
    assert not Channel.objects.exists()


def test_the_registry_counts_are_kept_a_minute_per_filter(client, employee, colleague, django_assert_num_queries):
    from django.core.cache import cache

    # given two channels, and the registry seen once
    channel_with_custodians(employee, colleague, display_name="One")
    channel_with_custodians(employee, colleague, display_name="Two", state="dormant")
    client.force_login(employee)
    assert client.get("/registry/").context["counts"]["total"] == 2

    # when a third channel is registered and the page is seen again within the minute
    channel_with_custodians(employee, colleague, display_name="Three")
    response = client.get("/registry/")

    # then the badges keep the cached figures, the rows are live, and a filter has figures of its own
    assert response.context["counts"]["total"] == 2
    assert len(response.context["page"].object_list) == 3
    assert client.get("/registry/?dormant=true").context["counts"]["total"] == 1
    cache.clear()
    assert client.get("/registry/").context["counts"]["total"] == 3
