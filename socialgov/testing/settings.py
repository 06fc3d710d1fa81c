"""The test run's settings: socialgov's own, with a secret key of the run's own unless one is given.

Tests run with DEBUG off (as production does), where socialgov refuses to start without SECRET_KEY; the key goes
into the environment, as does the loopback allowance of the webhook receivers, so that the processes tests start
(manage.py, gunicorn, a worker) share them.
"""

import os
import secrets

os.environ.setdefault("SECRET_KEY", "test-run-" + secrets.token_urlsafe(40))
# the tests' webhook receivers listen on loopback (the outbound guard's own tests narrow this)
os.environ.setdefault("OUTBOUND_ALLOWED_NETWORKS", "127.0.0.0/8,::1/128")

from socialgov.settings import *  # noqa: E402, F403
