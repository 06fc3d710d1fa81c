from datetime import timedelta

import factory
from django.utils import timezone

from accounts.tests.factories import UserFactory
from policies.choices import CompletionMethod, DecisionOutcome, RuleKind, RuleSeverity, VersionState
from policies.models import (
    ContentRule,
    Platform,
    PlatformDecision,
    Policy,
    PolicyVersion,
    TrainingCompletion,
    TrainingCourse,
)


def platform(slug: str = "x") -> Platform:
    """A platform from the seeded catalogue (re-seeded if a transactional test flushed it)."""
    found = Platform.objects.filter(slug=slug).first()
    if found is not None:
        return found
    from policies.seed import PLATFORMS

    for s, name, kind, pattern, hint, strip, hosts, limit, mfa in PLATFORMS:
        if s == slug:
            return Platform.objects.create(
                slug=s,
                name=name,
                kind=kind,
                handle_pattern=pattern,
                handle_hint=hint,
                strip_prefix=strip,
                url_hosts=hosts,
                char_limit=limit,
                supports_mfa=mfa,
            )
    raise Platform.DoesNotExist(slug)


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


def published_policy(*, slug: str = "social-media", actor=None, **flags) -> Policy:
    """A policy with a published version 1 for everyone (written directly: a fixture, not a workflow)."""
    policy = Policy.objects.create(title=slug.replace("-", " ").title(), slug=slug, **flags)
    version = PolicyVersion.objects.create(
        policy=policy,
        number=1,
        body="Be kind. **Never** share passwords.",
        body_html="<p>Be kind. <strong>Never</strong> share passwords.</p>",
        state=VersionState.PUBLISHED,
        published_at=timezone.now(),
    )
    policy.current_version = version
    policy.save(update_fields=["current_version"])
    return policy


class TrainingCourseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TrainingCourse
        django_get_or_create = ["slug"]
        skip_postgeneration_save = True

    title = "Social Media 101: where to start"
    slug = factory.Sequence(lambda n: f"course-{n}")
    validity_days = 365

    @factory.post_generation
    def departments(obj, create, extracted, **kwargs):
        if extracted:
            obj.departments.set(extracted)

    @factory.post_generation
    def trainers(obj, create, extracted, **kwargs):
        if extracted:
            obj.trainers.set(extracted)


def completed(user, course: TrainingCourse, *, on=None) -> TrainingCompletion:
    on = on or timezone.localdate()
    return TrainingCompletion.objects.create(
        course=course,
        user=user,
        completed_on=on,
        expires_on=on + timedelta(days=course.validity_days),
        method=CompletionMethod.ATTESTED,
        recorded_by=user,
    )
