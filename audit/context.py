"""Who and where a change comes from: set per request by middleware, read by ``record``."""

from __future__ import annotations

from contextvars import ContextVar

request_id: ContextVar[str] = ContextVar("audit_request_id", default="")
client_ip: ContextVar[str | None] = ContextVar("audit_client_ip", default=None)
