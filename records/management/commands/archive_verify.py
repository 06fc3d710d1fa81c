from django.core.management.base import BaseCommand, CommandError

from audit import signing
from records.bundles import verify_bundle


class Command(BaseCommand):
    help = (
        "Check an archive bundle: the manifest's Ed25519 signature, every JSON Lines file against the hash, size "
        "and line count the manifest gives, and that no file was added."
    )

    def add_arguments(self, parser):
        parser.add_argument("bundle", help="The bundle (a .zip file made by the archive export).")
        parser.add_argument(
            "--public-key",
            metavar="FILE",
            help="Check the signature with this PEM public key (default: the configured key's, else the bundle's).",
        )

    def handle(self, *args, **options):
        key = None
        if options["public_key"]:
            try:
                with open(options["public_key"], "rb") as handle:
                    key = signing.load_public_key(handle.read())
            except (OSError, ValueError) as exc:
                raise CommandError(f"Cannot read the public key: {exc}") from exc
        check = verify_bundle(options["bundle"], public_key=key)
        for note in check.notes:
            self.stdout.write(note)
        if not check.ok:
            raise CommandError("The bundle does not verify:\n" + "\n".join(f"- {p}" for p in check.problems))
        files = check.manifest.get("files", [])
        lines = sum(f.get("lines", 0) for f in files)
        channel = check.manifest.get("channel", {})
        self.stdout.write(
            self.style.SUCCESS(
                f"Bundle verified: {len(files)} file(s), {lines} record(s) of channel #{channel.get('id')} "
                f"from {check.manifest.get('date_from')} to {check.manifest.get('date_to')}, "
                f"signed by key {check.manifest.get('key_id', '')[:16]}…"
            )
        )
