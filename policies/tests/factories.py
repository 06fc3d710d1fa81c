import factory
from django.utils import timezone

from accounts.tests.factories import UserFactory
from policies.choices import DecisionOutcome
from policies.models import Platform, PlatformDecision


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
