"""A provider's second factor, kept on the session at sign-in, satisfies socialgov's rule for pages and the API."""

from __future__ import annotations

import pytest

from accounts.permissions import IDP_MFA_SESSION_KEY
from accounts.tests.factories import UserFactory, add_member

pytestmark = pytest.mark.django_db


@pytest.fixture
def sso_reviewer(department):
    return add_member(UserFactory(email="sso-reviewer@example.com"), department, "reviewer")  # no TOTP, no passkey


def _signed_in(client, user, *, idp_mfa: bool | None):
    client.force_login(user)
    if idp_mfa is not None:
        session = client.session
        session[IDP_MFA_SESSION_KEY] = idp_mfa
        session.save()
    return client


@pytest.mark.parametrize(("idp_mfa", "page", "api"), [(True, 200, 200), (False, 302, 403), (None, 302, 403)])
def test_a_reviewer_is_let_in_only_when_the_provider_asserted_a_second_factor(client, sso_reviewer, idp_mfa, page, api):
    _signed_in(client, sso_reviewer, idp_mfa=idp_mfa)

    assert client.get("/").status_code == page
    assert client.get("/api/v1/me/").status_code == api
