"""Celery beat's scheduler: django-celery-beat's, sending only while it holds the beat lock.

A second beat started by mistake (or a standby started on purpose) finds the lock taken and sends nothing;
it takes over within ``BEAT_LOCK_TTL`` seconds of the leader's death, reading the schedule and each task's
last run from the database first (the leader writes them after every task it sends: CELERY_BEAT_SYNC_EVERY).
The lock is a key in the broker's Redis (``redis.lock.Lock``: a token, an expiry, renewed on every tick).
Without a Redis broker (one machine, the file-based broker) there is one beat by construction: no lock.

A Redis restart empties the lock with everything else: the first beat to tick afterwards takes it, the
other stays or becomes the standby. A task sent twice around such a change is still done once: every
periodic task checks what is already done (DESIGN.md, Celery).
"""

from __future__ import annotations

import contextlib
import logging
import os
import socket

import redis
from django.conf import settings
from django_celery_beat.schedulers import DatabaseScheduler

log = logging.getLogger(__name__)

BEAT_LOCK_KEY = "socialgov:beat-leader"
BEAT_LOCK_TTL = 30  # seconds: a dead leader's lock runs out after this; renewed on every tick (at most 5 s apart)
STANDBY_POLL = 5.0  # seconds between a standby's attempts to take the lock


class LeaderScheduler(DatabaseScheduler):
    leading = False

    def setup_schedule(self):
        super().setup_schedule()
        url = settings.CELERY_BROKER_URL
        self.lock = None
        if url.startswith(("redis://", "rediss://", "unix://")):
            client = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)
            self.lock = client.lock(BEAT_LOCK_KEY, timeout=BEAT_LOCK_TTL, blocking=False, thread_local=False)
            self.token = f"{socket.gethostname()}:{os.getpid()}:{os.urandom(8).hex()}"

    def tick(self, *args, **kwargs):
        if not self.lead():
            return STANDBY_POLL
        return super().tick(*args, **kwargs)

    def lead(self) -> bool:
        """Hold the lock (take it, or renew it); True while this beat is the one that sends."""
        if self.lock is None:
            return True
        was_leading = self.leading
        try:
            if was_leading:
                try:
                    self.lock.reacquire()  # renew: raises if the key is gone (expired, Redis restarted)
                except redis.exceptions.LockError:  # not ours any more
                    self.leading = self._take()
            else:
                self.leading = self._take()
        except redis.exceptions.RedisError as exc:
            # Redis is the broker too: nothing could be sent now anyway. Stand by until it answers again.
            log.warning("Beat lock unreachable, sending nothing until Redis answers: %s", exc)
            self.leading = False
            return False
        if self.leading and not was_leading:
            log.info("This beat holds the beat lock and sends the periodic tasks.")
            # Read the schedule and every task's last run again: the previous leader ran them meanwhile.
            self._initial_read = True  # django-celery-beat: the next ``schedule`` reads the database
            self._heap = None  # celery: the next tick rebuilds its heap from that schedule
        elif was_leading and not self.leading:
            log.warning("Another beat holds the beat lock now: this one stands by.")
        elif not self.leading and not getattr(self, "_said_standby", False):
            log.warning("Another beat holds the beat lock: this one stands by and sends nothing.")
            self._said_standby = True
        return self.leading

    def _take(self) -> bool:
        # The same token again (a renewal lost to a Redis restart) or a first claim: SET NX with an expiry.
        return bool(self.lock.acquire(blocking=False, token=self.token))

    def close(self):
        if self.lock is not None and self.leading:
            with contextlib.suppress(redis.exceptions.RedisError):
                self.lock.release()  # a standby takes over at once, not after the TTL
            self.leading = False
        super().close()
