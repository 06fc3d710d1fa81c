"""The test run's settings: socialgov's own, with a secret key of the run's own unless one is given.

Tests run with DEBUG off (as production does), where socialgov refuses to start without SECRET_KEY; the key
goes into the environment, so that the processes tests start (manage.py, gunicorn, a worker) share it.
"""

import os
import secrets

os.environ.setdefault("SECRET_KEY", "test-run-" + secrets.token_urlsafe(40))

from socialgov.settings import *  # noqa: E402, F403
