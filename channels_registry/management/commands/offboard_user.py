from django.core.management.base import BaseCommand, CommandError

from accounts.models import User
from channels_registry.services import user_offboard
from core.errors import DomainError


class Command(BaseCommand):
    help = "Offboard a person: deactivate them, end their channel access, open credential rotations."

    def add_arguments(self, parser):
        parser.add_argument("email")
        parser.add_argument("--reason", default="Left the company.")

    def handle(self, *args, email, reason, **options):
        user = User.objects.filter(email__iexact=email.strip()).first()
        if user is None:
            raise CommandError(f"No one signs in as {email}.")
        try:
            result = user_offboard(actor=None, user=user, reason=reason)
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(
            f"{user.email} offboarded: {len(result['memberships'])} channel membership(s) ended, "
            f"{len(result['rotation_tasks'])} rotation task(s) opened, {len(result['orphaned'])} channel(s) orphaned."
        )
