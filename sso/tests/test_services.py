"""The claim mapping, domains and providers: IT only, audited; what a first sign-in creates from the claims."""

from __future__ import annotations

import pytest
from allauth.socialaccount.models import SocialApp

from accounts.models import Membership
from accounts.tests.factories import DepartmentFactory, UserFactory
from audit.models import AuditEvent
from core.errors import Forbidden, InvalidInput
from sso import services
from sso.claims import second_factor_asserted
from sso.models import ClaimRule, SsoDomain

pytestmark = pytest.mark.django_db


@pytest.fixture
def app():
    return SocialApp.objects.create(provider="openid_connect", provider_id="corp", name="Corp", client_id="c")


def test_it_security_edits_the_mapping_on_the_record(it_security, app):
    sales = DepartmentFactory(name="Sales", slug="sales")

    rule = services.rule_add(
        actor=it_security, app=app, claim="groups", value="Sales-Leads", department=sales, role="manager"
    )
    services.domain_save(actor=it_security, app=app, domain="@Corp.Example", sso_required=True, create_accounts=True)

    assert SsoDomain.objects.get().domain == "corp.example"
    added = AuditEvent.objects.get(action="sso.mapping_added")
    assert added.actor == it_security
    assert added.data == {"claim": "groups", "value": "Sales-Leads", "department": "sales", "role": "manager"}
    services.rule_remove(actor=it_security, rule=rule)
    assert not ClaimRule.objects.exists()
    assert AuditEvent.objects.filter(action="sso.mapping_removed").count() == 1


def test_a_duplicate_line_or_a_bad_domain_is_refused_with_field_messages(it_security, app):
    sales = DepartmentFactory(name="Sales", slug="sales")
    services.rule_add(actor=it_security, app=app, claim="groups", value="x", department=sales, role="member")
    with pytest.raises(InvalidInput) as dup:
        services.rule_add(actor=it_security, app=app, claim="groups", value="x", department=sales, role="member")
    assert "value" in dup.value.fields
    with pytest.raises(InvalidInput) as bad:
        services.domain_save(actor=it_security, app=app, domain="nodot", sso_required=True, create_accounts=True)
    assert "domain" in bad.value.fields


def test_only_it_security_manages_single_sign_on(manager, app):
    with pytest.raises(Forbidden):
        services.domain_save(actor=manager, app=app, domain="corp.example", sso_required=True, create_accounts=True)
    assert not SsoDomain.objects.exists()


def test_the_highest_mapped_role_wins_and_unmatched_lines_give_nothing(app):
    sales, legal = DepartmentFactory(name="Sales", slug="sales"), DepartmentFactory(name="Legal", slug="legal")
    ClaimRule.objects.create(app=app, claim="groups", value="sales", department=sales, role="member")
    ClaimRule.objects.create(app=app, claim="groups", value="sales-leads", department=sales, role="manager")
    ClaimRule.objects.create(app=app, claim="department", value="legal", department=legal, role="reviewer")
    user = UserFactory(email="new@corp.example")

    services.sso_account_created(
        user=user, app=app, extra_data={"id_token": {"groups": ["Sales", "SALES-LEADS"]}, "userinfo": {}}
    )

    assert list(Membership.objects.filter(user=user).values_list("department__slug", "role")) == [("sales", "manager")]
    created = AuditEvent.objects.get(action="user.created_by_sso")
    assert created.data["departments"] == {"sales": "manager"} and created.actor is None


@pytest.mark.parametrize(
    ("provider", "settings", "extra", "expected"),
    [
        ("openid_connect", {}, {"id_token": {"amr": ["pwd", "mfa"]}}, True),
        ("openid_connect", {}, {"id_token": {"amr": ["pwd"]}}, False),
        ("openid_connect", {}, {"id_token": {"amr": "mfa"}}, False),  # not a list: not an assertion
        ("openid_connect", {}, {"userinfo": {"amr": ["mfa"]}}, False),  # only the ID token says how one signed in
        ("openid_connect", {"mfa_amr": ["hwk"]}, {"id_token": {"amr": ["otp"]}}, False),
        ("saml", {}, {"socialgov:authn_contexts": ["urn:x:mfa"]}, False),  # nothing configured: nothing asserted
        ("saml", {"mfa_authn_contexts": ["urn:x:mfa"]}, {"socialgov:authn_contexts": ["urn:x:mfa"]}, True),
        ("saml", {"mfa_authn_contexts": ["urn:x:mfa"]}, {"socialgov:authn_contexts": ["urn:x:pwd"]}, False),
    ],
)
def test_what_counts_as_the_providers_second_factor(provider, settings, extra, expected):
    assert second_factor_asserted(provider, settings, extra) is expected
