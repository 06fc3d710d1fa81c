from django.core.management.base import BaseCommand, CommandError

from audit.checkpoints import checkpoint_create, checkpoint_dir
from audit.signing import SigningKeyMissing


class Command(BaseCommand):
    help = "Chain what is committed, then sign and write a checkpoint of the audit chain's head now."

    def add_arguments(self, parser):
        parser.add_argument("--no-deliver", action="store_true", help="Write the file only (no e-mail or webhook).")

    def handle(self, *args, **options):
        try:
            checkpoint = checkpoint_create(deliver=not options["no_deliver"])
        except SigningKeyMissing as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            f"Checkpoint at position {checkpoint.position} ({checkpoint.head_hash}): "
            f"{checkpoint_dir() / checkpoint.file_name}"
        )
