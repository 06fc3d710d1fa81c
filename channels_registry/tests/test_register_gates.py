"""The registration page checks the gates before the form: what is missing is listed up front, each fix keeps
what was typed (in the session) and leads back; platforms IT blocked are offered disabled, with who and why."""

from datetime import timedelta
from urllib.parse import quote

import pytest
from django.utils import timezone

from channels_registry.models import Channel
from channels_registry.views import DRAFT_KEY
from policies.tests.factories import (
    PlatformDecisionFactory,
    PlatformFactory,
    TrainingCourseFactory,
    platform,
    published_policy,
)

pytestmark = pytest.mark.django_db

URL = "/registry/register/"
BACK = quote("/registry/register/?resume=1", safe="")


@pytest.fixture
def course(department):
    return TrainingCourseFactory(
        title="Holding credentials", slug="holding-credentials", required_to_hold_credentials=True
    )


@pytest.fixture
def typed(colleague, department):
    return {
        "platform": platform("x").pk,
        "handle": "@Acme_News",
        "url": "https://x.com/acme_news",
        "display_name": "Acme <News>",
        "department": department.pk,
        "purpose": "Product news.",
        "audience": "Customers",
        "custodians": "employee@example.com, colleague@example.com",
        "recovery_contact": "social@example.com",
        "mfa_enabled": "on",
        "credentials_location": "vault://marketing/x",
        "tools_connected": "Buffer",
    }


def test_the_page_lists_what_is_missing_before_the_form_each_fix_leading_back(client, employee, course):
    # given a policy required to register, and a course required to hold credentials, neither done
    published_policy(slug="channel-rules", required_to_register=True)
    client.force_login(employee)

    # when the employee opens the page
    page = client.get(URL).content.decode()

    # then both are listed above the form, each with a fix that comes back to the form as it was
    assert page.index("Before you can register a channel:") < page.index('<form method="post" id="register-form"')
    assert "Read and acknowledge “Channel Rules” (version 1)." in page
    assert "Complete the training “Holding credentials”." in page
    assert f'value="/policies/channel-rules/?next={BACK}"' in page
    assert f'value="/policies/training/holding-credentials/?next={BACK}"' in page


def test_nothing_missing_lists_nothing(client, employee, course):
    from policies.tests.factories import completed

    completed(employee, course)
    client.force_login(employee)
    page = client.get(URL).content.decode()
    assert "Before you can register" not in page and "Save and go fix" not in page


def test_what_was_typed_is_kept_through_the_fix_and_registered_on_return(client, employee, course, typed):
    client.force_login(employee)
    fix = f"/policies/training/holding-credentials/?next={BACK}"

    # when the employee types the form and follows "Save and go fix"
    response = client.post(URL, {**typed, "fix": fix})

    # then they are on the course, which leads back to the registration
    assert response.status_code == 302 and response.url == fix
    assert client.session[DRAFT_KEY]["display_name"] == "Acme <News>"
    course_page = client.get(fix).content.decode()
    assert 'href="/registry/register/?resume=1"' in course_page and "Back to your registration" in course_page

    # when they complete it, the course page still leads back
    done = client.post(fix, {"attested": "on"})
    assert done.status_code == 302 and done.url == fix
    assert "Back to your registration" in client.get(done.url).content.decode()

    # then the form comes back as typed, and nothing is missing any more
    page = client.get("/registry/register/?resume=1").content.decode()
    assert 'value="Acme &lt;News&gt;"' in page and ">\nProduct news.</textarea>" in page
    assert (
        'value="vault://marketing/x"' in page
        and '<input type="checkbox" name="mfa_enabled" value="on" id="id_mfa_enabled" checked>' in page
    )
    assert f'<option value="{typed["platform"]}" selected>' in page
    assert "Before you can register" not in page

    # and registering drops the draft
    assert client.post(URL, typed).status_code == 302
    assert Channel.objects.get().display_name == "Acme <News>"
    assert DRAFT_KEY not in client.session
    assert 'value="Acme' not in client.get("/registry/register/?resume=1").content.decode()


def test_a_fix_never_leads_off_the_site(client, employee, typed):
    client.force_login(employee)
    response = client.post(URL, {**typed, "fix": "https://evil.example.org/"})
    assert response.url == "/registry/register/?resume=1"
    assert client.get("/policies/training/x/?next=https://evil.example.org/").status_code in (200, 404)


def test_the_policy_page_leads_back_after_acknowledging(client, employee):
    published_policy(slug="channel-rules", required_to_register=True)
    client.force_login(employee)
    page = client.get(f"/policies/channel-rules/?next={BACK}").content.decode()
    assert 'name="next" value="/registry/register/?resume=1"' in page

    response = client.post("/policies/channel-rules/acknowledge/", {"next": "/registry/register/?resume=1"})

    assert response.url == f"/policies/channel-rules/?next={BACK}"
    assert "Back to your registration" in client.get(response.url).content.decode()
    assert "Back to" not in client.get("/policies/channel-rules/?next=//evil.example.org/").content.decode()


def test_a_blocked_platform_is_offered_disabled_with_who_and_why_an_allowed_one_enabled(
    client, employee, department, it_security
):
    # given IT blocked X for Marketing, and allowed Mastodon
    PlatformDecisionFactory(platform=platform("x"), decided_by=it_security, departments=[department])
    PlatformDecisionFactory(platform=platform("mastodon"), decided_by=it_security, outcome="allowed")
    client.force_login(employee)

    page = client.get(URL).content.decode()

    today = timezone.localdate()
    who = it_security.get_full_name()
    x = platform("x")
    why = f"blocked by IT: Data is stored outside the EU. ({who}, {today:%Y-%m-%d})"
    assert f'<option value="{x.pk}" disabled>{x.name}: {why}</option>' in page
    assert f'<option value="{platform("mastodon").pk}">{platform("mastodon").name}</option>' in page


def test_an_ended_or_expired_block_is_not_in_force(client, employee, department, it_security):
    yesterday = timezone.localdate() - timedelta(days=1)
    PlatformDecisionFactory(
        platform=platform("x"),
        decided_by=it_security,
        departments=[department],
        expires_on=yesterday,
        effective_from=yesterday - timedelta(days=5),
    )
    PlatformDecisionFactory(platform=platform("mastodon"), decided_by=it_security, ended_at=timezone.now())
    client.force_login(employee)
    assert " disabled>" not in client.get(URL).content.decode()


def test_a_block_for_everyone_yields_to_an_allowance_naming_the_department(client, employee, department, it_security):
    PlatformDecisionFactory(platform=platform("x"), decided_by=it_security)
    PlatformDecisionFactory(platform=platform("x"), decided_by=it_security, outcome="allowed", departments=[department])
    PlatformDecisionFactory(platform=platform("mastodon"), decided_by=it_security)
    client.force_login(employee)
    page = client.get(URL).content.decode()
    assert f'<option value="{platform("x").pk}">' in page
    assert f'<option value="{platform("mastodon").pk}" disabled>' in page


def test_a_blocked_platform_posted_anyway_is_still_refused(client, employee, department, it_security, typed):
    PlatformDecisionFactory(platform=platform("x"), decided_by=it_security, departments=[department])
    client.force_login(employee)
    page = client.post(URL, typed).content.decode()
    assert "blocked for Marketing" in page and not Channel.objects.exists()


@pytest.mark.parametrize("platforms", [3, 30])
def test_the_page_reads_the_same_queries_for_3_or_30_platforms(
    client, employee, department, it_security, course, platforms, django_assert_num_queries
):
    from policies.models import Platform

    Platform.objects.exclude(slug__in=["x", "mastodon"]).update(is_active=False)
    for n in range(platforms - Platform.objects.filter(is_active=True).count()):
        made = PlatformFactory(slug=f"net-{n}", name=f"Network {n}")
        PlatformDecisionFactory(platform=made, decided_by=it_security, departments=[department] if n % 2 else None)
    published_policy(slug="channel-rules", required_to_register=True)
    client.force_login(employee)
    client.get(URL)  # the session and the person's facts are read once

    with django_assert_num_queries(10):
        page = client.get(URL).content.decode()

    select = page[page.index('<select name="platform"') : page.index("</select>")]
    assert select.count("<option value=") - 1 == platforms  # and "---------"
