"""The content-check endpoint the composer and integrations call, and the rules API."""

from __future__ import annotations

import pytest

from policies.choices import RuleKind, RuleSeverity
from policies.models import ContentRule
from policies.tests.factories import ContentRuleFactory
from policies.tests.regexspy import Searches

pytestmark = pytest.mark.django_db


def test_content_check_answers_findings_for_a_department_and_platform(api_client, employee, department):
    ContentRuleFactory(terms="scam", message="Never say scam.")
    api_client.force_authenticate(employee)
    response = api_client.post(
        "/api/v1/content-check/", {"text": "no ｓｃａｍ here", "department": "marketing", "platform": "x"}
    )
    assert response.status_code == 200
    assert response.json() == {
        "blocked": True,
        "findings": [
            {
                "rule_id": ContentRule.objects.get().pk,
                "kind": "lexicon",
                "severity": "block",
                "message": "Never say scam.",
                "excerpt": "scam",  # quoted from the NFKC form of the text
                "route": {},
                "rule": ContentRule.objects.get().name,
                "spans": [[3, 7]],  # where, in that form: "no scam here"
                "advice": "Remove or reword what is marked: the post cannot be sent for review while this applies.",
            }
        ],
    }


def test_content_check_works_with_a_read_only_token(token_client, employee):
    ContentRuleFactory(terms="scam", severity=RuleSeverity.WARN)
    response = token_client(employee, scope="read").post("/api/v1/content-check/", {"text": "scam"}, format="json")
    assert response.status_code == 200
    assert response.json()["blocked"] is False
    assert [f["severity"] for f in response.json()["findings"]] == ["warn"]


def test_content_check_refuses_too_long_text_and_unknown_scope(api_client, employee):
    api_client.force_authenticate(employee)
    assert api_client.post("/api/v1/content-check/", {"text": "a" * 20001}).status_code == 400
    response = api_client.post("/api/v1/content-check/", {"text": "hi", "department": "nope"})
    assert response.status_code == 400
    assert "department" in response.json()["fields"]


def test_content_check_needs_sign_in(api_client):
    assert api_client.post("/api/v1/content-check/", {"text": "hi"}).status_code == 401


def test_an_invalid_pattern_is_a_field_error(api_client, it_security):
    api_client.force_authenticate(it_security)
    response = api_client.post(
        "/api/v1/content-rules/",
        {"name": "Phone numbers", "kind": "pattern", "severity": "warn", "message": "m", "pattern": "(unclosed"},
    )
    assert response.status_code == 400
    assert "pattern" in response.json()["fields"]
    assert not ContentRule.objects.exists()


def test_a_route_rule_needs_someone_to_route_to(api_client, it_security):
    api_client.force_authenticate(it_security)
    response = api_client.post(
        "/api/v1/content-rules/",
        {"name": "Legal", "kind": "lexicon", "severity": "route", "message": "m", "terms": "lawsuit"},
    )
    assert response.status_code == 400
    assert "route_group" in response.json()["fields"]


def test_it_security_creates_a_rule_and_it_is_audited(api_client, it_security, department):
    from audit.models import AuditEvent

    api_client.force_authenticate(it_security)
    response = api_client.post(
        "/api/v1/content-rules/",
        {
            "name": "Legal",
            "kind": "lexicon",
            "severity": "route",
            "message": "Legal reads it.",
            "terms": "lawsuit",
            "route_group": "legal",
            "departments": ["marketing"],
        },
    )
    assert response.status_code == 201, response.json()
    rule = ContentRule.objects.get()
    assert response.json()["departments"] == ["marketing"]
    assert rule.created_by == it_security and rule.kind == RuleKind.LEXICON
    assert AuditEvent.objects.filter(action="content_rule.created").count() == 1
    response = api_client.patch(f"/api/v1/content-rules/{rule.pk}/", {"is_active": False})
    assert response.status_code == 200
    assert ContentRule.objects.get().is_active is False


def test_employees_may_not_read_the_rules(api_client, employee):
    ContentRuleFactory(kind=RuleKind.CONFIDENTIAL, terms="project falcon")
    api_client.force_authenticate(employee)
    assert api_client.get("/api/v1/content-rules/").status_code == 403


def test_rule_list_query_count_is_constant(api_client, auditor, department, django_assert_num_queries):
    api_client.force_authenticate(auditor)
    api_client.get("/api/v1/content-rules/")  # the user's groups are read once per user object
    for _ in range(3):
        ContentRuleFactory(departments=[department])
    with django_assert_num_queries(3) as three:
        api_client.get("/api/v1/content-rules/")
    for _ in range(27):
        ContentRuleFactory(departments=[department])
    with django_assert_num_queries(len(three)):
        response = api_client.get("/api/v1/content-rules/")
    assert len(response.json()["results"]) == 30


def test_the_check_page_shows_findings_escaped(client, employee):
    ContentRuleFactory(terms="scam", message="Never <b>scam</b>.")
    client.force_login(employee)
    response = client.post("/policies/rules/check/", {"text": "a ｓｃａｍ <script>", "department": "", "platform": ""})
    assert response.status_code == 200
    assert [f.severity for f in response.context["findings"]] == ["block"]
    assert b"Never &lt;b&gt;scam&lt;/b&gt;." in response.content
    assert b"This text cannot be submitted" in response.content
    assert b"<script>" not in response.content.split(b"<main")[1]


@pytest.mark.parametrize("pattern", [r"(a|aa)+$", r"^(\d|\d\d)+$", r"( |  )+$"])
def test_a_catastrophic_pattern_is_refused_when_saved(api_client, it_security, pattern, monkeypatch):
    import regex

    from policies.models import PROBE_TIMEOUT

    searches = Searches()
    compile_pattern = regex.compile
    monkeypatch.setattr(regex, "compile", lambda *args, **kwargs: searches.wrap(compile_pattern(*args, **kwargs)))
    api_client.force_authenticate(it_security)
    response = api_client.post(
        "/api/v1/content-rules/",
        {"name": "Bad", "kind": "pattern", "severity": "warn", "message": "m", "pattern": pattern},
    )
    assert response.status_code == 400
    assert "backtracks catastrophically" in response.json()["fields"]["pattern"][0]
    assert not ContentRule.objects.exists()
    # every probe ran under PROBE_TIMEOUT, and the first that ran out ended the probing
    probes = searches.of(pattern)
    assert probes and {p.timeout for p in probes} == {PROBE_TIMEOUT}
    assert [p.timed_out for p in probes] == [False] * (len(probes) - 1) + [True]


def test_the_live_check_is_throttled_per_person(api_client, employee):
    from socialgov.api.checks import ContentCheckThrottle

    api_client.force_authenticate(employee)
    ContentCheckThrottle.rate = "2/min"
    try:
        codes = [api_client.post("/api/v1/content-check/", {"text": "hi"}).status_code for _ in range(3)]
    finally:
        ContentCheckThrottle.rate = "120/min"
    assert codes == [200, 200, 429]


def test_a_rule_saved_through_the_service_applies_to_the_next_check(token_client, employee, it_security):
    # given: a check that read the rules
    from policies import services

    client = token_client(employee, scope="read")
    body = {"text": "a scam and a fraud"}
    assert [f["message"] for f in client.post("/api/v1/content-check/", body, format="json").json()["findings"]] == []

    # when: IT security adds a rule through the service (audited)
    services.content_rule_save(
        actor=it_security,
        rule=ContentRule(
            name="No fraud", kind=RuleKind.LEXICON, severity=RuleSeverity.WARN, terms="fraud", message="Fraud?"
        ),
    )

    # then: the very next check applies it
    response = client.post("/api/v1/content-check/", body, format="json")
    assert [f["message"] for f in response.json()["findings"]] == ["Fraud?"]
