"""``EMAIL_URL=consolemail://`` (the default): each e-mail one line on the console, kept whole under ``var/mail/``."""

import sys
import threading
import uuid
from pathlib import Path

from django.conf import settings
from django.core.mail.backends.base import BaseEmailBackend
from django.utils import timezone


class ConsoleBackend(BaseEmailBackend):
    """Say who got what in one line (``make run`` sends a thousand demo e-mails); the message is in the file named."""

    def __init__(self, *args, stream=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.stream = stream or sys.stdout
        self._lock = threading.RLock()

    def send_messages(self, email_messages):
        directory = Path(settings.VAR_DIR) / "mail"
        directory.mkdir(parents=True, exist_ok=True)
        sent = 0
        for message in email_messages:
            if not message.recipients():
                continue
            path = directory / f"{timezone.now():%Y%m%d-%H%M%S}-{uuid.uuid4().hex[:8]}.eml"
            path.write_bytes(message.message().as_bytes(linesep="\n"))
            line = f"e-mail to {', '.join(message.recipients())}: {message.subject!s} ({path})"
            with self._lock:
                self.stream.write(line.replace("\n", " ") + "\n")
                self.stream.flush()
            sent += 1
        return sent
