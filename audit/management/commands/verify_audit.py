import os

from django.core.management.base import BaseCommand, CommandError

from audit.services import verify_chain


class Command(BaseCommand):
    help = (
        "Check the audit trail: every link against the one before it, every event against its hash, every "
        "personal row against its commitment; with --checkpoints, the chain against signed checkpoints."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--workers",
            type=int,
            default=os.cpu_count() or 1,
            help="Processes that check slices of a long trail at once on PostgreSQL (default: one per CPU).",
        )
        parser.add_argument(
            "--checkpoints",
            metavar="DIR",
            help="A directory of signed checkpoint files (AUDIT_CHECKPOINT_DIR or a copy of it).",
        )
        parser.add_argument(
            "--public-key",
            metavar="FILE",
            help="Check the checkpoints' signatures with this PEM public key (default: the configured key's).",
        )

    def handle(self, *args, **options):
        result = verify_chain(workers=max(1, options["workers"]))
        problems = []
        if result.broken:
            where = f" (position {result.broken.position})" if result.broken.position else ""
            problems.append(f"Audit chain broken at event #{result.broken.event_id}{where}: {result.broken.reason}.")
        if options["checkpoints"]:
            from audit import signing
            from audit.checkpoints import verify_checkpoints

            key = None
            if options["public_key"]:
                with open(options["public_key"], "rb") as handle:
                    key = signing.load_public_key(handle.read())
            report = verify_checkpoints(options["checkpoints"], public_key=key)
            problems += [f"Checkpoint {p}." for p in report.problems]
            if not report.problems:
                self.stdout.write(f"{report.checked} checkpoint(s) verified against the chain.")
        summary = (
            f"{result.checked} events checked, {result.pending} pending (not chained yet), "
            f"{result.erased} personal row(s) erased; head at position {result.head_position}."
        )
        if problems:
            raise CommandError("\n".join([*problems, summary]))
        self.stdout.write(self.style.SUCCESS(f"Audit chain intact: {result.checked} events verified. {summary}"))
