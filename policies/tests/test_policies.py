from datetime import timedelta

import pytest
from django.utils import timezone

from audit.models import AuditEvent
from core.errors import Forbidden, InvalidInput
from policies import services
from policies.gates import decision_for, may_register_channel
from policies.handles import normalise_handle, normalise_url
from policies.models import Platform
from policies.tests.factories import PlatformDecisionFactory, platform

pytestmark = pytest.mark.django_db


def test_the_catalogue_is_seeded():
    slugs = set(Platform.objects.values_list("slug", flat=True))
    expected = {"x", "linkedin", "facebook", "instagram", "youtube", "tiktok", "mastodon", "blog", "forum", "skype"}
    assert expected | {"im", "other"} <= slugs
    assert all(p.dormancy_days == 90 for p in Platform.objects.all())


@pytest.mark.parametrize(
    ("slug", "raw", "normal"),
    [
        ("x", " @Acme_News ", "acme_news"),
        ("instagram", "@acme.store", "acme.store"),
        ("mastodon", "@Acme@Mastodon.Social", "acme@mastodon.social"),
        ("linkedin", "Acme-Corp", "acme-corp"),
        ("skype", "live:acme.support", "live:acme.support"),
    ],
)
def test_handles_are_normalised(slug, raw, normal):
    assert normalise_handle(platform(slug), raw) == normal


@pytest.mark.parametrize(("slug", "raw"), [("x", "this_handle_is_too_long"), ("mastodon", "acme"), ("x", "")])
def test_handles_that_do_not_fit_are_refused(slug, raw):
    with pytest.raises(InvalidInput) as exc:
        normalise_handle(platform(slug), raw)
    assert "handle" in exc.value.fields


@pytest.mark.parametrize(
    "url", ["javascript:alert(1)", "data:text/html,x", "ftp://x.com/a", "https://x.com.evil.org/a", "x.com/acme"]
)
def test_urls_must_be_web_addresses_on_the_platform(url):
    with pytest.raises(InvalidInput):
        normalise_url(platform("x"), url)


def test_url_host_is_lowercased_and_subdomains_accepted():
    assert normalise_url(platform("x"), "HTTPS://Mobile.X.com/Acme") == "https://mobile.x.com/Acme"


def test_the_latest_decision_naming_the_department_wins(department, it_security):
    from accounts.tests.factories import DepartmentFactory

    other_department = DepartmentFactory(name="Training", slug="training")
    x = platform("x")
    PlatformDecisionFactory(platform=x, decided_by=it_security, outcome="allowed")
    named = PlatformDecisionFactory(platform=x, decided_by=it_security, departments=[department])
    assert decision_for(platform=x, department=department) == named
    assert may_register_channel(department=other_department, platform=x).allowed
    gate = may_register_channel(department=department, platform=x)
    assert not gate.allowed and "outside the EU" in gate.message


def test_a_future_decision_is_not_yet_in_force(department, it_security):
    x = platform("x")
    PlatformDecisionFactory(platform=x, decided_by=it_security, effective_from=timezone.localdate() + timedelta(days=3))
    assert may_register_channel(department=department, platform=x).allowed


def test_conditional_allows_and_carries_its_conditions(department, it_security):
    services.platform_decision_record(
        actor=it_security,
        platform=platform("tiktok"),
        outcome="conditional",
        conditions="Company phones only",
        rationale="Device risk",
        departments=[department],
    )
    gate = may_register_channel(department=department, platform=platform("tiktok"))
    assert gate.allowed and gate.conditions == "Company phones only"
    assert AuditEvent.objects.filter(action="platform.decided").exists()


def test_only_it_decides_and_a_rationale_is_required(employee, it_security):
    with pytest.raises(Forbidden):
        services.platform_decision_record(actor=employee, platform=platform("x"), outcome="blocked", rationale="x")
    with pytest.raises(InvalidInput) as exc:
        services.platform_decision_record(actor=it_security, platform=platform("x"), outcome="blocked", rationale=" ")
    assert "rationale" in exc.value.fields


def test_it_edits_the_catalogue_and_a_bad_pattern_is_refused(it_security):
    x = platform("x")
    x.dormancy_days = 60
    services.platform_save(actor=it_security, platform=x, changed=["dormancy_days"])
    x.handle_pattern = "([a-z"
    with pytest.raises(InvalidInput):
        services.platform_save(actor=it_security, platform=x)


def test_an_inactive_platform_is_closed_to_new_channels(department):
    Platform.objects.filter(slug="forum").update(is_active=False)
    assert not may_register_channel(department=department, platform=platform("forum")).allowed
