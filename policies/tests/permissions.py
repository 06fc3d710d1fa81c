"""The policies rows of the permission table, and the objects their URLs point at."""

from __future__ import annotations

import pytest

from socialgov.testing import permissions
from socialgov.testing.permissions import Route, page

RULE_READERS = {"it_security", "auditor", "superuser", "communications"}
RULE_WRITERS = {"it_security", "superuser", "communications"}
COVERAGE_READERS = {"it_security", "auditor", "superuser", "communications"}


def only(roles: set[str], ok: int = 200, anon: int = 401, denied: int = 403) -> dict[str, int]:
    """The shared ``only``, for the API by default (anonymous: 401)."""
    return permissions.only(roles, ok=ok, anon=anon, denied=denied)


ROUTES: list[Route] = [
    # pages
    Route("policies:policy_list", "get", lambda o: "/policies/", page()),
    Route("policies:my_requirements", "get", lambda o: "/policies/mine/", page()),
    Route("policies:rule_list", "get", lambda o: "/policies/rules/", only(RULE_READERS, anon=302)),
    Route("policies:content_check", "get", lambda o: "/policies/rules/check/", page()),
    Route("policies:content_check", "post", lambda o: "/policies/rules/check/", page(), data={"text": "hello"}),
    Route("policies:course_list", "get", lambda o: "/policies/training/", page()),
    Route("policies:course_detail", "get", lambda o: f"/policies/training/{o['course'].slug}/", page()),
    Route(
        "policies:course_detail",
        "post",
        lambda o: f"/policies/training/{o['course'].slug}/",
        page(ok=302),
        data={"attested": "on"},
    ),
    Route("policies:policy_detail", "get", lambda o: f"/policies/{o['policy'].slug}/", page()),
    Route("policies:policy_acknowledge", "post", lambda o: f"/policies/{o['policy'].slug}/acknowledge/", page(ok=302)),
    Route(
        "policies:policy_coverage",
        "get",
        lambda o: f"/policies/{o['policy'].slug}/coverage/",
        only(COVERAGE_READERS | {"manager"}, anon=302),
    ),
    # writing policies, courses and rules (communications and IT security; the admin is for superusers)
    Route("policies:policy_new", "get", lambda o: "/policies/new/", only(RULE_WRITERS, anon=302)),
    Route(
        "policies:policy_new",
        "post",
        lambda o: "/policies/new/",
        only(RULE_WRITERS, ok=302, anon=302),
        data={"title": "Travel", "slug": "travel"},
    ),
    Route("policies:policy_edit", "get", lambda o: f"/policies/{o['policy'].slug}/edit/", only(RULE_WRITERS, anon=302)),
    Route(
        "policies:policy_edit",
        "post",
        lambda o: f"/policies/{o['policy'].slug}/edit/",
        only(RULE_WRITERS, ok=302, anon=302),
        data={"title": "Social media", "slug": "social-media", "summary": "How we speak", "required_to_author": "on"},
    ),
    Route(
        "policies:policy_version_new",
        "get",
        lambda o: f"/policies/{o['policy'].slug}/versions/new/",
        only(RULE_WRITERS, anon=302),
    ),
    Route(
        "policies:policy_version_new",
        "post",
        lambda o: f"/policies/{o['policy'].slug}/versions/new/",
        only(RULE_WRITERS, ok=302, anon=302),
        data={"body": "Version 3.", "change_note": "Shorter", "audience_everyone": "on"},
    ),
    Route(
        "policies:policy_version_publish",
        "post",
        lambda o: f"/policies/{o['policy'].slug}/versions/2/publish/",
        only(RULE_WRITERS, ok=302, anon=302),
    ),
    Route("policies:course_new", "get", lambda o: "/policies/training/new/", only(RULE_WRITERS, anon=302)),
    Route(
        "policies:course_new",
        "post",
        lambda o: "/policies/training/new/",
        only(RULE_WRITERS, ok=302, anon=302),
        data={"title": "Crisis comms", "slug": "crisis", "validity_days": 365, "description": "When it burns."},
    ),
    Route(
        "policies:course_edit",
        "get",
        lambda o: f"/policies/training/{o['course'].slug}/edit/",
        only(RULE_WRITERS, anon=302),
    ),
    Route(
        "policies:course_edit",
        "post",
        lambda o: f"/policies/training/{o['course'].slug}/edit/",
        only(RULE_WRITERS, ok=302, anon=302),
        data={"title": "Social 101", "slug": "social-101", "validity_days": 180, "trainers": ""},
    ),
    Route("policies:rule_new", "get", lambda o: "/policies/rules/new/", only(RULE_WRITERS, anon=302)),
    Route(
        "policies:rule_new",
        "post",
        lambda o: "/policies/rules/new/",
        only(RULE_WRITERS, ok=302, anon=302),
        data={"name": "n", "kind": "lexicon", "severity": "warn", "message": "m", "terms": "x", "is_active": "on"},
    ),
    Route("policies:rule_edit", "get", lambda o: f"/policies/rules/{o['rule'].pk}/edit/", only(RULE_WRITERS, anon=302)),
    Route(
        "policies:rule_edit",
        "post",
        lambda o: f"/policies/rules/{o['rule'].pk}/edit/",
        only(RULE_WRITERS, ok=302, anon=302),
        data={"name": "n", "kind": "lexicon", "severity": "block", "message": "m", "terms": "x\ny", "is_active": "on"},
    ),
    # API
    Route("gate", "get", lambda o: "/api/v1/gates/?action=review", page(anon=401), api=True),
    Route("policy-list", "get", lambda o: "/api/v1/policies/", page(anon=401), api=True),
    Route("policy-detail", "get", lambda o: f"/api/v1/policies/{o['policy'].slug}/", page(anon=401), api=True),
    Route(
        "policy-acknowledge",
        "post",
        lambda o: f"/api/v1/policies/{o['policy'].slug}/acknowledge/",
        page(ok=201, anon=401),
        api=True,
    ),
    Route(
        "policy-coverage",
        "get",
        lambda o: f"/api/v1/policies/{o['policy'].slug}/coverage/",
        only(COVERAGE_READERS),
        api=True,
    ),
    Route(
        "policy-list",
        "post",
        lambda o: "/api/v1/policies/",
        only(RULE_WRITERS, ok=201),
        data={"title": "Travel", "slug": "travel"},
        api=True,
    ),
    Route(
        "policy-detail",
        "patch",
        lambda o: f"/api/v1/policies/{o['policy'].slug}/",
        only(RULE_WRITERS),
        data={"summary": "How we speak for the company", "required_to_review": True},
        api=True,
    ),
    Route(
        "policy-draft",
        "post",
        lambda o: f"/api/v1/policies/{o['policy'].slug}/draft/",
        only(RULE_WRITERS, ok=201),
        data={"body": "Version 3."},
        api=True,
    ),
    Route(
        "policy-publish",
        "post",
        lambda o: f"/api/v1/policies/{o['policy'].slug}/publish/",
        only(RULE_WRITERS),
        data={"number": 2},
        api=True,
    ),
    Route(
        "trainingcourse-list",
        "post",
        lambda o: "/api/v1/training-courses/",
        only(RULE_WRITERS, ok=201),
        data={"title": "Crisis comms", "slug": "crisis"},
        api=True,
    ),
    Route(
        "trainingcourse-detail",
        "patch",
        lambda o: f"/api/v1/training-courses/{o['course'].slug}/",
        only(RULE_WRITERS),
        data={"validity_days": 180},
        api=True,
    ),
    Route("acknowledgement-list", "get", lambda o: "/api/v1/acknowledgements/", page(anon=401), api=True),
    Route("trainingcourse-list", "get", lambda o: "/api/v1/training-courses/", page(anon=401), api=True),
    Route(
        "trainingcourse-detail",
        "get",
        lambda o: f"/api/v1/training-courses/{o['course'].slug}/",
        page(anon=401),
        api=True,
    ),
    Route(
        "trainingcourse-complete",
        "post",
        lambda o: f"/api/v1/training-courses/{o['course'].slug}/complete/",
        page(ok=201, anon=401),
        data={"attested": True},
        api=True,
    ),
    Route("trainingcompletion-list", "get", lambda o: "/api/v1/training-completions/", page(anon=401), api=True),
    Route("content-check", "post", lambda o: "/api/v1/content-check/", page(anon=401), data={"text": "hi"}, api=True),
    Route("contentrule-list", "get", lambda o: "/api/v1/content-rules/", only(RULE_READERS), api=True),
    Route(
        "contentrule-list",
        "post",
        lambda o: "/api/v1/content-rules/",
        only(RULE_WRITERS, ok=201),
        data={"name": "n", "kind": "lexicon", "severity": "warn", "message": "m", "terms": "x"},
        api=True,
    ),
    Route(
        "contentrule-detail", "get", lambda o: f"/api/v1/content-rules/{o['rule'].pk}/", only(RULE_READERS), api=True
    ),
    Route(
        "contentrule-detail",
        "patch",
        lambda o: f"/api/v1/content-rules/{o['rule'].pk}/",
        only(RULE_WRITERS),
        data={"message": "changed"},
        api=True,
    ),
]


@pytest.fixture
def objects(employee):
    from policies.models import PolicyVersion
    from policies.tests.factories import ContentRuleFactory, TrainingCourseFactory, published_policy

    policy = published_policy(slug="social-media", required_to_author=True)
    PolicyVersion.objects.create(policy=policy, number=2, body="Draft two.")
    return {
        "rule": ContentRuleFactory(),
        "policy": policy,
        "course": TrainingCourseFactory(slug="social-101", required_to_author=True),
    }
