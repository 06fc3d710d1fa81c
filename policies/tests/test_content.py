"""The content rule engine: what ``check_text`` finds, and that it never hangs or raises."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accounts.tests.factories import DepartmentFactory
from policies.choices import LinkMode, RuleKind, RuleSeverity
from policies.content import CHECK_BUDGET, PATTERN_TIMEOUT, Finding, Severity, check_text, evaluate
from policies.models import ContentRule
from policies.tests.factories import ContentRuleFactory, platform
from policies.tests.regexspy import FakeClock, Search, Searches
from policies.textnorm import fold

pytestmark = pytest.mark.django_db


def kinds(findings: list[Finding]) -> list[tuple[str, str]]:
    return [(f.kind, f.severity) for f in findings]


# --- Severities: block, warn, route ----------------------------------------------------


def test_a_blocking_rule_stops_submit(department):
    # given
    ContentRuleFactory(terms="guaranteed returns", severity=RuleSeverity.BLOCK, message="No investment promises.")
    # when
    findings = check_text(text="Buy now: Guaranteed   Returns for all!", department=department)
    # then
    assert [(f.severity, f.message, f.excerpt) for f in findings] == [
        (Severity.BLOCK, "No investment promises.", "Guaranteed   Returns")
    ]


def test_a_warning_rule_shows_to_the_reviewer(department):
    ContentRuleFactory(terms="competitor\nrival", severity=RuleSeverity.WARN, message="Mentions a competitor.")
    findings = check_text(text="Better than our rival.", department=department)
    assert kinds(findings) == [(RuleKind.LEXICON, Severity.WARN)]
    assert findings[0].as_dict()["excerpt"] == "rival"


def test_a_routing_rule_adds_the_legal_stage(department):
    legal = DepartmentFactory(name="Legal", slug="legal")
    ContentRuleFactory(
        kind=RuleKind.PATTERN,
        terms="",
        pattern=r"\b(lawsuit|litigation|settlement)s?\b",
        severity=RuleSeverity.ROUTE,
        message="Legal reads anything about lawsuits.",
        route_label="Legal review",
        route_department=legal,
        route_role="reviewer",
    )
    findings = check_text(text="No comment on the Lawsuit.", department=department)
    assert len(findings) == 1
    assert findings[0].severity == Severity.ROUTE
    assert findings[0].route == {"label": "Legal review", "group": None, "department": "legal", "role": "reviewer"}
    assert findings[0].excerpt == "Lawsuit"


def test_whole_words_only(department):
    ContentRuleFactory(terms="ass")
    assert check_text(text="A classic assessment.", department=department) == []
    assert len(check_text(text="What an ass!", department=department)) == 1


# --- Look-alike spellings ----------------------------------------------------------------


@pytest.mark.parametrize(
    "spelling",
    [
        "ＳＣＡＭ",  # full-width letters
        "scám",  # precomposed accent
        "sca\u0301m",  # combining accent
        "s\u200bc\u200ba\u200bm",  # zero-width spaces
        "s\u00adcam",  # soft hyphen
        "ѕсаm",  # Cyrillic look-alikes
        "𝐬𝐜𝐚𝐦",  # mathematical bold
        "SCAM",
    ],
)
def test_look_alike_spellings_of_a_banned_word_are_caught(spelling, department):
    ContentRuleFactory(terms="scam")
    findings = check_text(text=f"This is no {spelling}, promise.", department=department)
    assert kinds(findings) == [(RuleKind.LEXICON, Severity.BLOCK)]
    assert fold(findings[0].excerpt) == "scam"


def test_look_alike_terms_in_the_rule_match_plain_text(department):
    ContentRuleFactory(terms="Ｐｒｏｊｅｃｔ Ｂｌｕｅｂｉｒｄ", kind=RuleKind.CONFIDENTIAL)
    assert kinds(check_text(text="project bluebird ships soon", department=department)) == [
        (RuleKind.CONFIDENTIAL, Severity.BLOCK)
    ]


# --- The other kinds -------------------------------------------------------------------


def test_confidential_marker(department):
    ContentRuleFactory(kind=RuleKind.CONFIDENTIAL, terms="internal only\nproject falcon", message="Confidential.")
    assert check_text(text="INTERNAL ONLY: roadmap", department=department)[0].excerpt == "INTERNAL ONLY"
    assert check_text(text="internally, only good news", department=department) == []


def test_required_disclosure_applies_to_sponsored_posts_only(department):
    ContentRuleFactory(kind=RuleKind.DISCLOSURE, terms="#ad\n#sponsored", message="Mark sponsored posts #ad.")
    assert check_text(text="Love this!", department=department, sponsored=False) == []
    assert kinds(check_text(text="Love this!", department=department, sponsored=True)) == [
        (RuleKind.DISCLOSURE, Severity.BLOCK)
    ]
    assert check_text(text="Love this! #ad", department=department, sponsored=True) == []
    assert check_text(text="Love this! ＃Sponsored", department=department, sponsored=True) == []
    assert check_text(text="Love this! #adventure", department=department, sponsored=True) != []


def test_link_domains_block_list_and_allow_list(department):
    ContentRuleFactory(kind=RuleKind.LINK_DOMAIN, link_mode=LinkMode.BLOCK, terms="bit.ly", message="No shorteners.")
    ContentRuleFactory(
        kind=RuleKind.LINK_DOMAIN,
        link_mode=LinkMode.ALLOW,
        terms="example.com\nexample.org",
        severity=RuleSeverity.WARN,
        message="Link to our own sites.",
    )
    assert check_text(text="See https://www.example.com/news", department=department) == []
    findings = check_text(text="See https://bit.ly/x", department=department)
    assert sorted(kinds(findings)) == [(RuleKind.LINK_DOMAIN, Severity.BLOCK), (RuleKind.LINK_DOMAIN, Severity.WARN)]
    assert findings[0].excerpt == "https://bit.ly/x"
    # links passed apart from the text count too
    assert len(check_text(text="See below", department=department, links=["https://evil.example.net/"])) == 1


def test_length_uses_the_rule_or_the_platform_limit(department):
    x = platform("x")
    x.char_limit = 10
    x.save()
    ContentRuleFactory(kind=RuleKind.LENGTH, terms="", max_length=None, message="Too long for the platform.")
    assert check_text(text="short", department=department, platform=x) == []
    findings = check_text(text="a" * 12, department=department, platform=x)
    assert findings[0].excerpt == "12 characters, 2 over 10"
    assert check_text(text="a" * 12, department=department) == []  # no platform, no limit


def test_scope_departments_and_platforms(department):
    sales = DepartmentFactory(name="Sales", slug="sales")
    ContentRuleFactory(terms="discount", departments=[sales])
    ContentRuleFactory(terms="giveaway", platforms=[platform("linkedin")])
    ContentRuleFactory(terms="inactive", is_active=False)
    assert check_text(text="discount giveaway inactive", department=department, platform=platform("x")) == []
    assert len(check_text(text="discount", department=sales)) == 1
    assert len(check_text(text="giveaway", department=department, platform=platform("linkedin"))) == 1


def test_check_text_costs_one_query(department, django_assert_num_queries):
    x = platform("x")
    for i in range(5):
        ContentRuleFactory(terms=f"word{i}", departments=[department], platforms=[x])
    with django_assert_num_queries(1):
        findings = check_text(text="word1 word3", department=department, platform=x)
    assert len(findings) == 2


# --- Catastrophic patterns -----------------------------------------------------------


CATASTROPHIC = r"(a|aa)+$"  # exponential backtracking on "aaaa…!"


@pytest.fixture
def searches(monkeypatch):
    """Every pattern rule's search recorded with its timeout, on a clock that moves only by timeouts spent."""
    from policies import content

    clock = FakeClock()
    watched = Searches(clock=clock)
    compile_pattern = content._pattern_regex
    monkeypatch.setattr(content, "_pattern_regex", lambda pattern: watched.wrap(compile_pattern(pattern)))
    monkeypatch.setattr(content, "time", clock)
    return watched


def test_a_catastrophic_pattern_answers_within_the_bound(department, searches):
    # given a rule that backtracks exponentially (about 1.2 s at 30 characters, doubling with each more),
    # standing for one the save-time probes miss (the factory skips validation)
    ContentRuleFactory(kind=RuleKind.PATTERN, terms="", pattern=CATASTROPHIC, message="Too many a's.")
    ContentRuleFactory(terms="scam")
    # when
    findings = check_text(text="a" * 5000 + "! scam", department=department)
    # then: the pattern ran once, bounded by PATTERN_TIMEOUT (50 ms), and was cut off there
    assert PATTERN_TIMEOUT == 0.05
    assert searches.of(CATASTROPHIC) == [Search(CATASTROPHIC, PATTERN_TIMEOUT, timed_out=True)]
    by_kind = {f.kind: f for f in findings}
    assert by_kind[RuleKind.PATTERN].severity == Severity.WARN
    assert "could not be checked within 50 ms" in by_kind[RuleKind.PATTERN].message
    assert by_kind[RuleKind.LEXICON].severity == Severity.BLOCK  # the other rules still ran


def test_many_catastrophic_patterns_share_one_budget(department, searches):
    for _ in range(30):
        ContentRuleFactory(kind=RuleKind.PATTERN, terms="", pattern=CATASTROPHIC)
    findings = check_text(text="a" * 200 + "!", department=department)
    # CHECK_BUDGET (0.5 s) is spent by the first ten at PATTERN_TIMEOUT each; every later one gets 1 ms
    assert CHECK_BUDGET == 10 * PATTERN_TIMEOUT
    timeouts = [(round(s.timeout, 6), s.timed_out) for s in searches.of(CATASTROPHIC)]
    assert timeouts == [(PATTERN_TIMEOUT, True)] * 10 + [(0.001, True)] * 20
    assert len(findings) == 30
    assert all("could not be checked" in f.message for f in findings)


# --- Properties ----------------------------------------------------------------------


def _rules() -> list[ContentRule]:
    return [
        ContentRule(pk=1, name="l", kind=RuleKind.LEXICON, severity="block", message="m", terms="scam\nfree money"),
        ContentRule(pk=2, name="p", kind=RuleKind.PATTERN, severity="warn", message="m", pattern=r"\d{4,}"),
        ContentRule(pk=3, name="c", kind=RuleKind.CONFIDENTIAL, severity="block", message="m", terms="internal only"),
        ContentRule(pk=4, name="d", kind=RuleKind.DISCLOSURE, severity="block", message="m", terms="#ad"),
        ContentRule(pk=5, name="k", kind=RuleKind.LINK_DOMAIN, severity="warn", message="m", terms="bit.ly"),
        ContentRule(pk=6, name="n", kind=RuleKind.LENGTH, severity="warn", message="m", max_length=40),
    ]


def _verdicts(findings: list[Finding]) -> list[tuple]:
    # The excerpt quotes the author's own spelling, so it may differ between equivalent inputs.
    return sorted((f.rule_id, f.kind, f.severity, f.message) for f in findings)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=st.text(), sponsored=st.booleans(), links=st.lists(st.text(max_size=30), max_size=3))
def test_the_engine_never_raises_on_arbitrary_text(text, sponsored, links):
    findings = evaluate(_rules(), text=text, sponsored=sponsored, links=links)
    assert all(isinstance(f, Finding) and f.severity in Severity.__dict__.values() for f in findings)


@settings(max_examples=300, deadline=None)
@given(text=st.text(alphabet=st.characters(codec="utf-8"), max_size=80), form=st.sampled_from(["NFC", "NFD", "NFKD"]))
def test_nfkc_equivalent_inputs_give_the_same_findings(text, form):
    other = unicodedata.normalize(form, text)
    assert unicodedata.normalize("NFKC", other) == unicodedata.normalize("NFKC", text)
    for sponsored in (False, True):
        assert _verdicts(evaluate(_rules(), text=text, sponsored=sponsored)) == _verdicts(
            evaluate(_rules(), text=other, sponsored=sponsored)
        )


@settings(max_examples=200, deadline=None)
@given(prefix=st.text(max_size=20), suffix=st.text(max_size=20))
def test_a_banned_word_between_spaces_is_always_found(prefix, suffix):
    findings = evaluate(_rules()[:1], text=f"{prefix} scam {suffix}")
    assert [f.rule_id for f in findings] == [1]


@settings(max_examples=200, deadline=None)
@given(text=st.text(max_size=60))
def test_fold_is_stable(text):
    assert fold(fold(text)) == fold(text)
    assert fold(unicodedata.normalize("NFKC", text)) == fold(text)


def test_the_rules_for_everyone_are_read_anew_by_each_check(department, django_assert_num_queries):
    # given: the shared query for a text with no department or platform, read once already
    from policies.content import _rules_query, rules_in_scope

    assert check_text(text="a scam") == []
    rule = ContentRuleFactory(terms="scam")

    # when / then: a new rule shows on the very next check, a deactivated one is gone from the next
    with django_assert_num_queries(1):
        assert [f.rule_id for f in check_text(text="a scam")] == [rule.pk]
    ContentRule.objects.filter(pk=rule.pk).update(is_active=False)
    assert check_text(text="a scam") == []

    # and it is the query built for each call, rule for rule
    ContentRuleFactory(terms="other", departments=[department])
    fresh = _rules_query(department=None, platform=None)
    assert str(rules_in_scope().query) == str(fresh.query)
    assert list(rules_in_scope()) == list(fresh)


def test_every_place_a_rule_matches_is_marked_with_the_rule_and_what_to_do(department):
    # given a lexicon rule and a pattern rule, each matching twice, one word behind an emoji
    ContentRuleFactory(name="Competitors", terms="rival", severity=RuleSeverity.WARN, message="A competitor.")
    ContentRuleFactory(
        name="Prices", kind=RuleKind.PATTERN, terms="", pattern=r"\$\d+", severity=RuleSeverity.BLOCK, message="No."
    )
    text = "🚀 Our rival charges $10, the other RIVAL $12."
    # when
    findings = {f.rule: f for f in check_text(text=text, department=department)}
    # then each finding says where, in code points of the text, every match is
    assert [text[a:b] for a, b in findings["Competitors"].spans] == ["rival", "RIVAL"]
    assert [text[a:b] for a, b in findings["Prices"].spans] == ["$10", "$12"]
    assert findings["Prices"].as_dict()["spans"] == [[20, 23], [41, 44]]
    # and what the author does about it
    assert findings["Prices"].advice.startswith("Remove or reword what is marked")
    assert findings["Competitors"].advice.startswith("Check what is marked")


def test_marked_places_are_bounded(department):
    ContentRuleFactory(terms="spam", severity=RuleSeverity.WARN)
    (finding,) = check_text(text="spam " * 100, department=department)
    assert len(finding.spans) == 20 and finding.spans[-1] == (95, 99)
