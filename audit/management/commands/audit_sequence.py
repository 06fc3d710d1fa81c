from django.core.management.base import BaseCommand

from audit.services import sequence


class Command(BaseCommand):
    help = "Chain every committed audit event not chained yet (what the sequencer task does)."

    def handle(self, *args, **options):
        self.stdout.write(f"{sequence()} event(s) chained.")
