"""The session engine: Django's cached database sessions (read from the cache, the database behind it).

A session names the backend that signed its person in, and Django loads the person only through a backend
listed in AUTHENTICATION_BACKENDS. Ours (``accounts.backends``) are Django's and allauth's with a cheaper
``get_user``; a session that names the originals (signed in before they were ours, or written by a tool such
as ``bench.run``) is read as naming ours, instead of being signed out.
"""

from __future__ import annotations

from django.contrib.auth import BACKEND_SESSION_KEY
from django.contrib.sessions.backends.cached_db import SessionStore as CachedDbStore

RENAMED_BACKENDS = {
    "django.contrib.auth.backends.ModelBackend": "accounts.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend": "accounts.backends.AuthenticationBackend",
}


def _renamed(data: dict) -> dict:
    backend = RENAMED_BACKENDS.get(data.get(BACKEND_SESSION_KEY))
    if backend is not None:
        data[BACKEND_SESSION_KEY] = backend
    return data


class SessionStore(CachedDbStore):
    def load(self):
        return _renamed(super().load())

    async def aload(self):
        return _renamed(await super().aload())
