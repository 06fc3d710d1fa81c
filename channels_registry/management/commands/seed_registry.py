"""Demo channels for the registry, through the services. Run after seed_demo (which ``seed_demo`` may call later).

Idempotent: channels already registered are left alone. Separation of duties holds here as everywhere: the admin
registers, a department manager who is not a custodian approves, IT security reviews. Acme Training's custodian is
Training's only manager, so its approval goes up to IT security (the demo of an escalated decision).
"""

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from accounts.models import Department, User
from accounts.permissions import mfa_satisfied
from channels_registry import services
from channels_registry.choices import CHECKLIST
from channels_registry.models import Channel
from policies.models import Platform

# platform, handle, url, name, department, custodians, stop at
CHANNELS = [
    ("x", "@acme", "https://x.com/acme", "Acme on X", "marketing", ["employee", "reviewer"], "active"),
    (
        "linkedin",
        "acme-corp",
        "https://www.linkedin.com/company/acme-corp",
        "Acme on LinkedIn",
        "marketing",
        ["reviewer", "comms"],
        "in_security_review",
    ),
    (
        "youtube",
        "@acmetraining",
        "https://www.youtube.com/@acmetraining",
        "Acme Training",
        "training",
        ["trainer", "employee"],
        "proposed",
    ),
]


class Command(BaseCommand):
    help = "Register a few demo channels (needs seed_demo's people and departments)."

    @transaction.atomic
    def handle(self, *args, **options):
        people = {u.email.split("@")[0]: u for u in User.objects.filter(email__endswith="@example.com")}
        it, admin = people.get("itsec"), people.get("admin")
        if it is None or admin is None:
            raise CommandError("Run seed_demo first.")
        made = 0
        for slug, handle, url, name, dept, custodians, stop in CHANNELS:
            platform = Platform.objects.get(slug=slug)
            if Channel.objects.filter(platform=platform, handle=handle.lstrip("@").lower()).exists():
                continue
            department = Department.objects.get(slug=dept)
            owner = people[custodians[0]]
            channel = services.channel_register(
                actor=admin,
                platform=platform,
                handle=handle,
                url=url,
                display_name=name,
                department=department,
                purpose=f"{name}: news and answers.",
                audience="Customers and candidates",
                custodians=[owner, *(people[c] for c in custodians[1:])],
                recovery_contact=f"social-{dept}@example.com",
                mfa_enabled=True,
                credentials_location=f"vault://{dept}/{slug}",
            )
            made += 1
            if stop == "proposed":
                continue
            manager = department.memberships.filter(role="manager").exclude(user__in=channel.memberships.values("user"))
            manager = manager.first()
            services.channel_approve(actor=manager.user if manager else it, channel=channel)
            if stop == "active" and mfa_satisfied(it):
                services.security_review_decide(
                    actor=it, channel=channel, checklist={k: {"passed": True, "note": ""} for k in CHECKLIST}
                )
        self.stdout.write(f"{made} demo channel(s) registered.")
        if not mfa_satisfied(it):
            self.stdout.write("IT security has no two-factor sign-in yet: security reviews are left waiting.")
