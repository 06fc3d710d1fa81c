"""Every page and endpoint of the registry and the platform catalogue, for every role.

Signed-in roles get what the table says; anonymous people are sent to sign in
(pages: 302) or refused (API: 401). A route of these apps missing from the table
fails ``test_every_route_is_in_the_table``.
"""

from __future__ import annotations

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from channels_registry.choices import CHECKLIST
from channels_registry.tests.world import build_world
from socialgov.testing.hostile import assert_takes_no_form_post, read_only_pages, walk, walkable
from socialgov.testing.permissions import SIGNED_IN, Route, cases, check

pytestmark = pytest.mark.django_db


def expect(default: int, **overrides: int) -> dict[str, int]:
    """Every signed-in role gets ``default`` except ``overrides`` (anonymous: 302 page, 401 API)."""
    return {**dict.fromkeys(SIGNED_IN, default), **overrides}


IT = {"it_security": 0, "superuser": 0}


def it(status: int, **more: int) -> dict[str, int]:
    return {**{k: status for k in IT}, **more}


def page(name, method, url, expected, data=None, id=""):
    return Route(name, method, url, expected, data or {}, api=False, id=id)


def api(name, method, url, expected, data=None, id=""):
    return Route(name, method, url, expected, data or {}, api=True, id=id)


REASON = {"reason": "Because the table says so"}
R = "/registry"
V = "/api/v1"
PASSED = {"checklist": {item: {"passed": True, "note": ""} for item in CHECKLIST}}

ROUTES = [
    # --- pages -------------------------------------------------------------------------
    page("channels_registry:channel_list", "get", lambda w: f"{R}/", expect(200)),
    page("channels_registry:my_channels", "get", lambda w: f"{R}/mine/", expect(200)),
    page(
        "channels_registry:channel_register",
        "get",
        lambda w: f"{R}/register/",
        expect(200, communications=403, auditor=403, outsider=403),
    ),
    page(
        "channels_registry:channel_register",
        "post",
        lambda w: f"{R}/register/",
        expect(302, communications=403, auditor=403, outsider=403),
        data=lambda w: {
            "platform": w.ours.platform_id,
            "handle": "@acme_table",
            "url": "https://x.com/acme_table",
            "display_name": "Acme table",
            "department": w.ours.department_id,
            "purpose": "News from Acme.",
            "audience": "Customers",
            "credentials_location": "vault://marketing/x-acme-table",
            "custodians": "employee@example.com, colleague@example.com",
            "recovery_contact": "social@example.com",
            "mfa_enabled": "on",
        },
    ),
    page("channels_registry:channel_detail", "get", lambda w: f"{R}/channels/{w.theirs.pk}/", expect(200)),
    page(
        "channels_registry:channel_security",
        "get",
        lambda w: f"{R}/channels/{w.theirs.pk}/security/",
        expect(404, it_security=200, auditor=200, superuser=200),
        id="security of another department's channel",
    ),
    page(
        "channels_registry:channel_security",
        "get",
        lambda w: f"{R}/channels/{w.ours.pk}/security/",
        expect(404, employee=200, manager=200, it_security=200, auditor=200, superuser=200),
        id="security of our channel",
    ),
    page(
        "channels_registry:channel_approve",
        "post",
        lambda w: f"{R}/channels/{w.proposed.pk}/approve/",
        expect(403, manager=302, superuser=302),
    ),
    page(
        "channels_registry:channel_reject",
        "post",
        lambda w: f"{R}/channels/{w.proposed.pk}/reject/",
        expect(403, manager=302, **it(302)),
        data=lambda w: REASON,
    ),
    page(
        "channels_registry:channel_security_review",
        "get",
        lambda w: f"{R}/channels/{w.in_review.pk}/security-review/",
        expect(403, **it(200)),
    ),
    page(
        "channels_registry:channel_security_review",
        "post",
        lambda w: f"{R}/channels/{w.in_review.pk}/security-review/",
        expect(403, **it(302)),
        data=lambda w: {**{f"{k}_passed": "1" for k in CHECKLIST}, **{f"{k}_note": "" for k in CHECKLIST}},
    ),
    page(
        "channels_registry:channel_suspend",
        "post",
        lambda w: f"{R}/channels/{w.ours.pk}/suspend/",
        expect(403, **it(302)),
        data=lambda w: REASON,
    ),
    page(
        "channels_registry:channel_reinstate",
        "post",
        lambda w: f"{R}/channels/{w.suspended.pk}/reinstate/",
        expect(403, **it(302)),
    ),
    page(
        "channels_registry:channel_retire",
        "post",
        lambda w: f"{R}/channels/{w.ours.pk}/retire/",
        expect(403, **it(302)),
        data=lambda w: REASON,
    ),
    page(
        "channels_registry:channel_log_activity",
        "post",
        lambda w: f"{R}/channels/{w.ours.pk}/activity/",
        expect(403, employee=302, manager=302, **it(302)),
        data=lambda w: {"kind": "post", "note": "Launch post"},
    ),
    page(
        "channels_registry:channel_feed",
        "post",
        lambda w: f"{R}/channels/{w.ours.pk}/feed/",
        expect(403, employee=302, **it(302)),
        data=lambda w: {"url": "", "kind": "rss"},
    ),
    page(
        "channels_registry:channel_grant",
        "post",
        lambda w: f"{R}/channels/{w.ours.pk}/grants/",
        expect(403, employee=302, **it(302)),
        data=lambda w: {"email": "reviewer@example.com", "role": "contributor", "reason": "Drafts"},
    ),
    page(
        "channels_registry:channel_confirm_mfa",
        "post",
        lambda w: f"{R}/channels/{w.ours.pk}/confirm-mfa/",
        expect(403, employee=302),
    ),
    page(
        "channels_registry:grant_revoke",
        "post",
        lambda w: f"{R}/grants/{w.grant_ours.pk}/revoke/",
        expect(403, employee=302, **it(302)),
        data=lambda w: REASON,
    ),
    page("channels_registry:it_desk", "get", lambda w: f"{R}/it/", expect(403, auditor=200, **it(200))),
    page("channels_registry:access_request_list", "get", lambda w: f"{R}/access-requests/", expect(200)),
    page(
        "channels_registry:access_request_list",
        "post",
        lambda w: f"{R}/access-requests/",
        expect(302, auditor=403),
        data=lambda w: {"kind": "channel_role", "channel": w.theirs.pk, "role": "contributor", "reason": "Help"},
    ),
    page(
        "channels_registry:access_request_decide",
        "post",
        lambda w: f"{R}/access-requests/{w.request_ours.pk}/decide/",
        expect(404, employee=302, reviewer=403, auditor=403, **it(302)),
        data=lambda w: {"decision": "grant", "reason": "Welcome"},
    ),
    page("channels_registry:recertification_list", "get", lambda w: f"{R}/recertifications/", expect(200)),
    page(
        "channels_registry:recertification_decide",
        "post",
        lambda w: f"{R}/recertifications/{w.recert_ours.pk}/decide/",
        expect(404, employee=302, auditor=403, **it(302)),
        data=lambda w: {"decision": "confirm"},
    ),
    page(
        "channels_registry:rotation_task_list", "get", lambda w: f"{R}/rotations/", expect(403, auditor=200, **it(200))
    ),
    page(
        "channels_registry:rotation_task_close",
        "post",
        lambda w: f"{R}/rotations/{w.rotation.pk}/close/",
        expect(404, auditor=403, **it(302)),
        data=lambda w: {"note": "Rotated"},
    ),
    page("channels_registry:reported_account_list", "get", lambda w: f"{R}/reported/", expect(200)),
    page(
        "channels_registry:reported_account_list",
        "post",
        lambda w: f"{R}/reported/",
        expect(302, auditor=403),
        data=lambda w: {"platform": w.ours.platform_id, "url": "https://x.com/fake_acme", "note": "Logo"},
    ),
    page(
        "channels_registry:reported_account_triage",
        "post",
        lambda w: f"{R}/reported/{w.report.pk}/triage/",
        expect(404, employee=403, auditor=403, **it(302)),
        data=lambda w: {"outcome": "dismissed"},
    ),
    page("policies:platform_list", "get", lambda w: "/policies/platforms/", expect(200)),
    page(
        "policies:platform_decision_new", "get", lambda w: "/policies/platforms/decisions/new/", expect(403, **it(200))
    ),
    page(
        "policies:platform_decision_new",
        "post",
        lambda w: "/policies/platforms/decisions/new/",
        expect(403, **it(302)),
        data=lambda w: {"platform": "tiktok", "departments": ["marketing"], "outcome": "blocked", "rationale": "Risk"},
    ),
    page(
        "policies:platform_decision_change",
        "get",
        lambda w: f"/policies/platforms/decisions/{w.decision.pk}/change/",
        expect(403, **it(200)),
    ),
    page(
        "policies:platform_decision_change",
        "post",
        lambda w: f"/policies/platforms/decisions/{w.decision.pk}/change/",
        expect(403, **it(302)),
        data=lambda w: {"outcome": "blocked", "rationale": "Changed our mind"},
    ),
    page(
        "policies:platform_decision_change",
        "get",
        lambda w: "/policies/platforms/decisions/987654/change/",
        expect(404),
        id="change a decision that does not exist",
    ),
    page(
        "policies:platform_decision_end",
        "get",
        lambda w: f"/policies/platforms/decisions/{w.decision.pk}/end/",
        expect(403, **it(200)),
    ),
    page(
        "policies:platform_decision_end",
        "post",
        lambda w: f"/policies/platforms/decisions/{w.decision.pk}/end/",
        expect(403, **it(302)),
        data=lambda w: {"reason": "Pilot over"},
    ),
    page(
        "policies:platform_decision_end",
        "post",
        lambda w: "/policies/platforms/decisions/987654/end/",
        expect(404),
        data=lambda w: {"reason": "Pilot over"},
        id="end a decision that does not exist",
    ),
    # --- API -----------------------------------------------------------------------------
    api("channel-list", "get", lambda w: f"{V}/channels/", expect(200)),
    api(
        "channel-list",
        "post",
        lambda w: f"{V}/channels/",
        expect(201, communications=403, auditor=403, outsider=403),
        data=lambda w: {
            "platform": "linkedin",
            "handle": "acme-corp",
            "url": "https://www.linkedin.com/company/acme-corp",
            "display_name": "Acme on LinkedIn",
            "department": "marketing",
            "purpose": "Hiring and company news",
            "audience": "Candidates",
            "custodians": ["employee@example.com", "colleague@example.com"],
            "recovery_contact": "social@example.com",
            "mfa_enabled": True,
            "credentials_location": "vault://marketing/linkedin",
        },
    ),
    api("channel-detail", "get", lambda w: f"{V}/channels/{w.theirs.pk}/", expect(200)),
    api(
        "channel-security",
        "get",
        lambda w: f"{V}/channels/{w.theirs.pk}/security/",
        expect(404, it_security=200, auditor=200, superuser=200),
        id="api security of another department's channel",
    ),
    api(
        "channel-security",
        "get",
        lambda w: f"{V}/channels/{w.ours.pk}/security/",
        expect(404, employee=200, manager=200, it_security=200, auditor=200, superuser=200),
        id="api security of our channel",
    ),
    api(
        "channel-approve",
        "post",
        lambda w: f"{V}/channels/{w.proposed.pk}/approve/",
        expect(403, manager=200, superuser=200),
    ),
    api(
        "channel-reject",
        "post",
        lambda w: f"{V}/channels/{w.proposed.pk}/reject/",
        expect(403, manager=200, **it(200)),
        data=lambda w: REASON,
    ),
    api(
        "channel-security-review",
        "post",
        lambda w: f"{V}/channels/{w.in_review.pk}/security-review/",
        expect(403, **it(200)),
        data=lambda w: PASSED,
    ),
    api(
        "channel-suspend",
        "post",
        lambda w: f"{V}/channels/{w.ours.pk}/suspend/",
        expect(403, **it(200)),
        data=lambda w: REASON,
    ),
    api(
        "channel-reinstate",
        "post",
        lambda w: f"{V}/channels/{w.suspended.pk}/reinstate/",
        expect(403, **it(200)),
    ),
    api(
        "channel-retire",
        "post",
        lambda w: f"{V}/channels/{w.ours.pk}/retire/",
        expect(403, **it(200)),
        data=lambda w: REASON,
    ),
    api(
        "channel-activity",
        "post",
        lambda w: f"{V}/channels/{w.ours.pk}/activity/",
        expect(403, employee=201, manager=201, **it(201)),
        data=lambda w: {"kind": "interaction"},
    ),
    api(
        "channel-grants",
        "post",
        lambda w: f"{V}/channels/{w.ours.pk}/grants/",
        expect(403, employee=201, **it(201)),
        data=lambda w: {"user": "reviewer@example.com", "role": "publisher", "reason": "Launch"},
    ),
    api(
        "channel-confirm-mfa",
        "post",
        lambda w: f"{V}/channels/{w.ours.pk}/confirm-mfa/",
        expect(403, employee=200),
    ),
    api("channelactivity-list", "get", lambda w: f"{V}/channel-activities/", expect(200)),
    api("dormancyfinding-list", "get", lambda w: f"{V}/dormancy-findings/", expect(200)),
    api("accessgrant-list", "get", lambda w: f"{V}/access-grants/", expect(200)),
    api(
        "accessgrant-detail",
        "get",
        lambda w: f"{V}/access-grants/{w.grant_theirs.pk}/",
        expect(404, auditor=200, **it(200)),
        id="api grant on another department's channel",
    ),
    api(
        "accessgrant-revoke",
        "post",
        lambda w: f"{V}/access-grants/{w.grant_ours.pk}/revoke/",
        expect(404, employee=200, manager=403, auditor=403, **it(200)),
        data=lambda w: REASON,
    ),
    api("accessrequest-list", "get", lambda w: f"{V}/access-requests/", expect(200)),
    api(
        "accessrequest-list",
        "post",
        lambda w: f"{V}/access-requests/",
        expect(201, auditor=403),
        data=lambda w: {"kind": "channel_role", "channel": w.theirs.pk, "role": "contributor", "reason": "Help"},
    ),
    api(
        "accessrequest-detail",
        "get",
        lambda w: f"{V}/access-requests/{w.request_ours.pk}/",
        expect(404, employee=200, reviewer=200, auditor=200, **it(200)),
    ),
    api(
        "accessrequest-decide",
        "post",
        lambda w: f"{V}/access-requests/{w.request_ours.pk}/decide/",
        expect(404, employee=200, reviewer=403, auditor=403, **it(200)),
        data=lambda w: {"grant": True, "reason": "Welcome"},
    ),
    api("recertification-list", "get", lambda w: f"{V}/recertifications/", expect(200)),
    api(
        "recertification-detail",
        "get",
        lambda w: f"{V}/recertifications/{w.recert_ours.pk}/",
        expect(404, employee=200, auditor=200, **it(200)),
    ),
    api(
        "recertification-decide",
        "post",
        lambda w: f"{V}/recertifications/{w.recert_ours.pk}/decide/",
        expect(404, employee=200, auditor=403, **it(200)),
        data=lambda w: {"confirm": True},
    ),
    api("rotationtask-list", "get", lambda w: f"{V}/rotation-tasks/", expect(403, auditor=200, **it(200))),
    api(
        "rotationtask-detail",
        "get",
        lambda w: f"{V}/rotation-tasks/{w.rotation.pk}/",
        expect(403, auditor=200, **it(200)),
    ),
    api(
        "rotationtask-close",
        "post",
        lambda w: f"{V}/rotation-tasks/{w.rotation.pk}/close/",
        expect(403, **it(200)),
        data=lambda w: {"note": "Rotated"},
    ),
    api("reportedaccount-list", "get", lambda w: f"{V}/reported-accounts/", expect(200)),
    api(
        "reportedaccount-list",
        "post",
        lambda w: f"{V}/reported-accounts/",
        expect(201, auditor=403),
        data=lambda w: {"platform": "x", "url": "https://x.com/acme_fake", "note": "Logo"},
    ),
    api(
        "reportedaccount-detail",
        "get",
        lambda w: f"{V}/reported-accounts/{w.report.pk}/",
        expect(404, employee=200, auditor=200, **it(200)),
    ),
    api(
        "reportedaccount-triage",
        "post",
        lambda w: f"{V}/reported-accounts/{w.report.pk}/triage/",
        expect(404, employee=403, auditor=403, **it(200)),
        data=lambda w: {"outcome": "takedown", "note": "Asked the platform"},
    ),
    api(
        "offboarding-list",
        "post",
        lambda w: f"{V}/offboarding/",
        expect(403, **it(200)),
        data=lambda w: {"user": "leaver@example.com", "reason": "Left"},
    ),
    api("platform-list", "get", lambda w: f"{V}/platforms/", expect(200)),
    api("platform-detail", "get", lambda w: f"{V}/platforms/{w.ours.platform_id}/", expect(200)),
    api(
        "platform-detail",
        "patch",
        lambda w: f"{V}/platforms/{w.ours.platform_id}/",
        expect(403, **it(200)),
        data=lambda w: {"dormancy_days": 60},
    ),
    api("platformdecision-list", "get", lambda w: f"{V}/platform-decisions/", expect(200)),
    api(
        "platformdecision-list",
        "post",
        lambda w: f"{V}/platform-decisions/",
        expect(403, **it(201)),
        data=lambda w: {"platform": "tiktok", "outcome": "blocked", "rationale": "Data residency"},
    ),
    api(
        "platformdecision-detail",
        "get",
        lambda w: f"{V}/platform-decisions/{w.decision.pk}/",
        expect(200),
    ),
    api(
        "platformdecision-change",
        "post",
        lambda w: f"{V}/platform-decisions/{w.decision.pk}/change/",
        expect(403, **it(200)),
        data=lambda w: {"outcome": "blocked", "rationale": "Changed", "departments": ["marketing"]},
    ),
    api(
        "platformdecision-end",
        "post",
        lambda w: f"{V}/platform-decisions/{w.decision.pk}/end/",
        expect(403, **it(200)),
        data=lambda w: {"reason": "Pilot over"},
    ),
    api(
        "platformdecision-end",
        "post",
        lambda w: f"{V}/platform-decisions/987654/end/",
        expect(403, **it(404)),
        data=lambda w: {"reason": "Pilot over"},
        id="api end a decision that does not exist",
    ),
]


@pytest.fixture
def world(employee, reviewer, manager, communications, it_security, auditor, superuser, outsider, department):
    from policies.tests.factories import PlatformDecisionFactory

    w = build_world(employee=employee, manager=manager, reviewer=reviewer, department=department)
    w.people = {
        "employee": employee,
        "reviewer": reviewer,
        "manager": manager,
        "communications": communications,
        "it_security": it_security,
        "auditor": auditor,
        "superuser": superuser,
        "outsider": outsider,
    }
    w.decision = PlatformDecisionFactory(decided_by=it_security, outcome="conditional", conditions="No DMs")
    return w


@pytest.mark.parametrize(("route", "role"), cases(ROUTES))
def test_permission_table(world, route, role, request):
    check(route, role, world, request=request)


@pytest.mark.parametrize("route", walkable(ROUTES))
def test_hostile_text_is_refused_or_kept_escaped(route, world, request):
    walk(route, world, request=request)


@pytest.mark.parametrize("route", read_only_pages(ROUTES))
def test_a_page_with_only_a_get_row_takes_no_form_post(route, world, request):
    assert_takes_no_form_post(route, world, request=request)


def _names(patterns, namespace=""):
    for p in patterns:
        if isinstance(p, URLResolver):
            ns = f"{namespace}{p.namespace}:" if p.namespace else namespace
            yield from _names(p.url_patterns, ns)
        elif isinstance(p, URLPattern) and p.name:
            callback = p.callback
            module = getattr(getattr(callback, "cls", None), "__module__", None) or callback.__module__
            if module.startswith(("channels_registry", "policies")):
                yield f"{namespace}{p.name}"


def test_every_route_is_in_the_table():
    from policies.tests.routes import POLICY_ROUTES  # policies, training and content rules keep their own table

    routes = set(_names(get_resolver().url_patterns))
    covered = {r.name for r in ROUTES} | {r.name for r in POLICY_ROUTES}
    assert routes, "no route of the registry was found"
    assert routes - covered == set()
