from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP
from django.conf import settings
from django.contrib.auth.models import Group, Permission
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils.text import slugify

from accounts import services
from accounts.choices import Group as G
from accounts.choices import Role
from accounts.models import Department, User
from accounts.permissions import requires_mfa
from accounts.roles import ensure_groups

DEPARTMENTS = ["Marketing", "IT", "Training", "Product", "Legal"]
# Demo only: a published TOTP secret for the people whose role requires two-factor sign-in
# (settings.MFA_REQUIRED_ROLES: by default everyone who decides or exports).
DEMO_TOTP_SECRET = "JBSWY3DPEHPK3PXPSOCIALGOVDEMO234"


def enrol_demo_totp(user) -> None:
    """Enrol ``user`` with the demo TOTP secret (demo people, and the bench's and load test's deciders)."""
    if not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists():
        TOTP.activate(user, DEMO_TOTP_SECRET)


# email, full name, (department, role) list, groups, staff/superuser
PEOPLE = [
    ("admin@example.com", "Ada Admin", [("IT", Role.MANAGER)], [], True),
    ("itsec@example.com", "Ivan Security", [("IT", Role.REVIEWER)], [G.IT_SECURITY], False),
    ("auditor@example.com", "Aud Itor", [("Legal", Role.MEMBER)], [G.AUDITOR], False),
    ("compliance@example.com", "Cleo Compliance", [("Legal", Role.MEMBER)], [G.COMPLIANCE], False),
    ("comms@example.com", "Cora Comms", [("Marketing", Role.REVIEWER)], [G.COMMUNICATIONS], False),
    ("manager@example.com", "Mona Manager", [("Marketing", Role.MANAGER)], [], False),
    ("reviewer@example.com", "Rui Reviewer", [("Marketing", Role.REVIEWER)], [], False),
    ("employee@example.com", "Emma Employee", [("Marketing", Role.MEMBER)], [], False),
    ("trainer@example.com", "Tom Trainer", [("Training", Role.MANAGER)], [], False),
    ("product@example.com", "Priya Product", [("Product", Role.MEMBER)], [], False),
]


class Command(BaseCommand):
    help = "Create demo departments and one user for every role (safe to run again)."

    def add_arguments(self, parser):
        parser.add_argument("--password", default=None, help="Password for every demo user.")

    @transaction.atomic
    def handle(self, *args, password=None, **options):
        password = password or getattr(settings, "DEMO_PASSWORD", "socialgov-demo")
        ensure_groups(Group, Permission)
        admin, created = User.objects.get_or_create(
            email="admin@example.com", defaults={"full_name": "Ada Admin", "is_staff": True, "is_superuser": True}
        )
        if created:
            admin.set_password(password)
            admin.save()
        departments = {}
        for name in DEPARTMENTS:
            dept = Department.objects.filter(slug=slugify(name)).first()
            if dept is None:
                dept = services.department_save(actor=admin, department=Department(name=name, slug=slugify(name)))
            departments[name] = dept
        rows = []
        for email, full_name, memberships, groups, superuser in PEOPLE:
            user, created = User.objects.get_or_create(
                email=email, defaults={"full_name": full_name, "is_staff": superuser, "is_superuser": superuser}
            )
            if created:
                user.set_password(password)
                user.save()
            EmailAddress.objects.update_or_create(user=user, email=email, defaults={"verified": True, "primary": True})
            for group in groups:
                user.groups.add(Group.objects.get(name=group))
            for dept_name, role in memberships:
                # nobody sets their own membership: the admin's own is the system's (as the identity provider's)
                services.membership_set(
                    actor=None if user == admin else admin, user=user, department=departments[dept_name], role=role
                )
            fresh = User.objects.get(pk=user.pk)  # read its groups and memberships anew
            needs_code = requires_mfa(fresh)
            if needs_code:
                enrol_demo_totp(user)
            roles = ", ".join(
                [*(f"{r} of {d}" for d, r in memberships), *groups, *(["superuser"] if superuser else [])]
            )
            rows.append((email, roles + ("; needs the code" if needs_code else "")))
        self.stdout.write(self.style.SUCCESS("Demo data ready."))
        self.stdout.write(f"Sign in at {settings.SITE_URL}/accounts/login/ with password “{password}” as:")
        for email, roles in rows:
            self.stdout.write(f"  {email:<24} {roles}")
        self.stdout.write(
            f"Those who decide or export also need a code: add the demo secret {DEMO_TOTP_SECRET} to an "
            "authenticator app (demo data only; real accounts enrol their own, an app or a passkey)."
        )
