"""Webhook delivery: the signature, the backoff, one delivery's attempt (to an endpoint or a chat target), and
the endpoints' management."""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import time
from datetime import timedelta
from typing import Any

import requests
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from audit import services as audit
from core import outbound
from core.errors import ensure
from notifications.choices import DeliveryState
from notifications.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint

log = logging.getLogger(__name__)

SIGNATURE_HEADER = "X-Socialgov-Signature"
TIMESTAMP_HEADER = "X-Socialgov-Timestamp"


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """The signature receivers check: HMAC-SHA256 over ``"{timestamp}." + body``."""
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def verify_signature(secret: str, timestamp: str | int, body: bytes, signature: str, *, tolerance: int = 300) -> bool:
    try:
        ts = int(timestamp)
    except (TypeError, ValueError):
        return False
    if abs(time.time() - ts) > tolerance:
        return False
    return hmac.compare_digest(sign(secret, ts, body), signature)


def backoff_seconds(attempt: int) -> int:
    """Delay after failed attempt ``attempt`` (1-based): base, 2x, 4x ... capped at six hours."""
    return min(settings.WEBHOOK_BACKOFF_BASE * 2 ** (attempt - 1), 6 * 3600)


def _claim_webhook(delivery_id: int) -> WebhookDelivery | None:
    now = timezone.now()
    with transaction.atomic():
        d = (
            WebhookDelivery.objects.select_for_update(of=("self",))
            .select_related("endpoint", "chat_target")
            .filter(pk=delivery_id, state=DeliveryState.PENDING)
            .first()
        )
        if d is None or (d.next_attempt_at and d.next_attempt_at > now):
            return None
        d.attempts += 1
        # The lease covers the request and its timeout; a dead worker's claim runs out.
        d.next_attempt_at = now + timedelta(seconds=settings.WEBHOOK_TIMEOUT * 2 + 30)
        d.save(update_fields=["attempts", "next_attempt_at"])
        return d


def webhook_deliver(delivery_id: int) -> int | None:
    """Try one delivery. Returns the seconds until the next try, or None when finished."""
    d = _claim_webhook(delivery_id)
    if d is None:
        return None
    destination = d.endpoint if d.endpoint_id else d.chat_target
    if not destination.is_active:
        WebhookDelivery.objects.filter(pk=d.pk).update(state=DeliveryState.FAILED, last_error="Endpoint disabled.")
        return None
    body = json.dumps(d.payload, sort_keys=True, separators=(",", ":"), cls=DjangoJSONEncoder).encode()
    headers = {"Content-Type": "application/json", "User-Agent": "socialgov-webhooks/1"}
    if d.endpoint_id:
        # Slack and Teams know nothing of these: the chat cards go as the channel's webhook expects them
        timestamp = int(time.time())
        headers |= {
            "X-Socialgov-Event": d.event,
            "X-Socialgov-Delivery": str(d.pk),
            TIMESTAMP_HEADER: str(timestamp),
            SIGNATURE_HEADER: sign(d.endpoint.secret, timestamp, body),
        }
    started = timezone.now()
    t0 = time.monotonic()
    status: int | None = None
    error = ""
    try:
        outbound.check_url(destination.url)  # again now: the name may resolve elsewhere than when it was saved
        # stream=True: the status line is the answer; a slow or endless body must not hold the worker.
        with requests.post(
            destination.url,
            data=body,
            headers=headers,
            timeout=settings.WEBHOOK_TIMEOUT,
            allow_redirects=False,
            stream=True,
        ) as response:
            status = response.status_code
        if not 200 <= status < 300:
            error = f"HTTP {status}"
    except outbound.OutboundRefused as exc:
        error = f"Refused: {exc}"[:1000]
    except requests.RequestException as exc:
        # the kind of failure only: the library's text (addresses, ports, what answered) would let whoever
        # configures an endpoint map what the server can reach
        error = type(exc).__name__
    except Exception as exc:  # noqa: BLE001 - anything else still counts as an attempt, or the row never ends
        log.exception("Webhook delivery %s raised", d.pk)
        error = f"{type(exc).__name__}: {exc}"[:1000]
    ok = not error
    WebhookAttempt.objects.create(
        delivery=d,
        number=d.attempts,
        started_at=started,
        duration_ms=int((time.monotonic() - t0) * 1000),
        status_code=status,
        error=error,
        succeeded=ok,
    )
    if ok:
        WebhookDelivery.objects.filter(pk=d.pk).update(
            state=DeliveryState.SUCCEEDED,
            last_status=status,
            last_error="",
            delivered_at=timezone.now(),
            next_attempt_at=None,
        )
        return None
    if d.attempts >= settings.WEBHOOK_MAX_ATTEMPTS:
        WebhookDelivery.objects.filter(pk=d.pk).update(
            state=DeliveryState.FAILED, last_status=status, last_error=error, next_attempt_at=None
        )
        return None
    delay = backoff_seconds(d.attempts)
    WebhookDelivery.objects.filter(pk=d.pk).update(
        last_status=status, last_error=error, next_attempt_at=timezone.now() + timedelta(seconds=delay)
    )
    return delay


@transaction.atomic
def webhook_endpoint_save(*, actor: Any, endpoint: WebhookEndpoint, changed: list[str]) -> WebhookEndpoint:
    """Create or change an endpoint (IT, from the admin). The secret is never written to the trail."""
    ensure(actor.is_staff, _("Only administrators manage webhooks."))
    try:
        outbound.check_url(endpoint.url, unresolved_ok=True)
    except outbound.OutboundRefused as exc:
        raise ValidationError({"url": [str(exc)]}) from None
    creating = endpoint.pk is None
    if creating:
        endpoint.created_by = actor
    endpoint.save()
    audit.record(
        actor=actor,
        action="webhook.created" if creating else "webhook.changed",
        target=endpoint,
        data={
            "url": endpoint.url,
            "events": endpoint.events,
            "active": endpoint.is_active,
            "changed": sorted(c for c in changed if c != "secret"),
            "secret_changed": "secret" in changed,
        },
    )
    return endpoint
