"""Demo policy, course and content rules, through the services. Run after seed_demo. Idempotent."""

from datetime import timedelta

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from accounts.models import Department, User
from policies import services
from policies.models import ContentRule, Policy, TrainingCourse

POLICY = """# Social media policy

Everyone may speak for the company on the channels they contribute to, once they have read this policy
and completed **Social Media 101**.

1. Never share passwords: credentials live in the vault named in the registry.
2. Nothing marked *internal only*, and no project code names.
3. Sponsored posts say so with `#ad`.
4. Anything about lawsuits goes to Legal first.
"""

RULES = [
    {
        "name": "Investment promises",
        "kind": "lexicon",
        "severity": "block",
        "terms": "guaranteed returns\nrisk-free",
        "message": "We never promise returns: remove the promise.",
    },
    {
        "name": "Competitors",
        "kind": "lexicon",
        "severity": "warn",
        "terms": "rival\ncompetitor",
        "message": "Mentions a competitor: the reviewer will check the tone.",
    },
    {
        "name": "Confidential markers",
        "kind": "confidential",
        "severity": "block",
        "terms": "internal only\nconfidential\nproject bluebird",
        "message": "Confidential material: not for social media.",
    },
    {
        "name": "Sponsored posts say so",
        "kind": "disclosure",
        "severity": "block",
        "terms": "#ad\n#sponsored",
        "message": "Sponsored posts carry #ad or #sponsored.",
    },
    {
        "name": "No link shorteners",
        "kind": "link_domain",
        "severity": "block",
        "link_mode": "block",
        "terms": "bit.ly\ntinyurl.com",
        "message": "Link to the full address: shorteners hide where a link goes.",
    },
    {"name": "Platform length", "kind": "length", "severity": "block", "message": "Too long for this platform."},
]


class Command(BaseCommand):
    help = "Publish a demo social media policy, the Social Media 101 course and a few content rules."

    @transaction.atomic
    def handle(self, *args, **options):
        actor = User.objects.filter(groups__name="communications", is_active=True).order_by("pk").first()
        if actor is None:
            raise CommandError("Run seed_demo first: a communications person publishes the policy.")
        if not Policy.objects.filter(slug="social-media").exists():
            policy = services.policy_create(
                actor=actor,
                title="Social media policy",
                slug="social-media",
                summary="Who may speak for the company, and how.",
                required_to_author=True,
            )
            version = services.policy_version_draft(
                actor=actor,
                policy=policy,
                body=POLICY,
                change_note="First version.",
                acknowledge_by=timezone.localdate() + timedelta(days=14),
            )
            services.policy_version_publish(actor=actor, version=version)
        if not TrainingCourse.objects.filter(slug="social-media-101").exists():
            services.course_save(
                actor=actor,
                course=TrainingCourse(
                    title="Social Media 101: where to start",
                    slug="social-media-101",
                    description="What to post, where, and what never to post. About an hour.",
                    required_to_author=True,
                    required_to_hold_credentials=True,
                ),
            )
        legal = Department.objects.filter(slug="legal").first()
        rules = list(RULES)
        rules.append(
            {
                "name": "Lawsuits go to Legal",
                "kind": "pattern",
                "severity": "route",
                "pattern": r"\b(lawsuits?|litigation|settlements?)\b",
                "message": "Legal reads anything about lawsuits.",
                "route_label": "Legal review",
                **({"route_department": legal, "route_role": "reviewer"} if legal else {"route_group": "legal"}),
            }
        )
        made = 0
        for spec in rules:
            if ContentRule.objects.filter(name=spec["name"]).exists():
                continue
            services.content_rule_save(actor=actor, rule=ContentRule(**spec))
            made += 1
        self.stdout.write(f"Policy, course and {made} new content rule(s) in place.")
