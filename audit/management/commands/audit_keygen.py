import os

from django.core.management.base import BaseCommand, CommandError

from audit import signing


class Command(BaseCommand):
    help = (
        "Create an Ed25519 key for signing audit checkpoints: write it to FILE (mode 0600, never over an "
        "existing file) and print its public key. Point AUDIT_SIGNING_KEY_FILE at FILE."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="Where to write the private key (PEM).")

    def handle(self, *args, **options):
        pem = signing.generate_pem()
        try:
            fd = os.open(options["file"], os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError as exc:
            raise CommandError(f"{options['file']} exists: a signing key is never overwritten.") from exc
        with os.fdopen(fd, "w") as handle:
            handle.write(pem)
        public = signing.public_key_pem(signing.load_private_key(pem.encode()).public_key())
        self.stdout.write(f"Private key written to {options['file']}. Its public key:\n{public}")
