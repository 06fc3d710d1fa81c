import factory
from django.utils import timezone

from accounts.tests.factories import UserFactory
from policies.choices import DecisionOutcome, RuleKind, RuleSeverity
from policies.models import ContentRule, Platform, PlatformDecision


def platform(slug: str = "x") -> Platform:
    """A platform from the seeded catalogue."""
    return Platform.objects.get(slug=slug)


class PlatformFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Platform
        django_get_or_create = ["slug"]

    slug = factory.Sequence(lambda n: f"net-{n}")
    name = factory.Sequence(lambda n: f"Network {n}")
    handle_pattern = r"^[a-z0-9_]{1,30}$"
    strip_prefix = "@"


class PlatformDecisionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PlatformDecision
        skip_postgeneration_save = True

    platform = factory.LazyFunction(platform)
    outcome = DecisionOutcome.BLOCKED
    rationale = "Data is stored outside the EU."
    decided_by = factory.SubFactory(UserFactory)
    effective_from = factory.LazyFunction(timezone.localdate)

    @factory.post_generation
    def departments(obj, create, extracted, **kwargs):
        if extracted:
            obj.departments.set(extracted)


class ContentRuleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ContentRule
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Rule {n}")
    kind = RuleKind.LEXICON
    severity = RuleSeverity.BLOCK
    message = "Do not use this word."
    terms = "scam"

    @factory.post_generation
    def departments(obj, create, extracted, **kwargs):
        if extracted:
            obj.departments.set(extracted)

    @factory.post_generation
    def platforms(obj, create, extracted, **kwargs):
        if extracted:
            obj.platforms.set(extracted)
