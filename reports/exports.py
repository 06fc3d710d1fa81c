"""Exports of the registry, posts, review decisions, IT decisions and (auditors, IT) the audit trail, as CSV,
JSON (one array) or JSON Lines.

Streamed: rows are read with ``.iterator(chunk_size=...)`` and written as they come, so a large
export never sits in memory. Scope: each dataset is the reader's own selector (what they may see
on the pages); CSV cells that a spreadsheet would run as a formula are neutralised.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.permissions import can_read_audit, is_auditor, is_it_security
from approvals import selectors as post_selectors
from approvals.models import Decision
from audit.selectors import EXPORT_COLUMNS as AUDIT_COLUMNS
from audit.selectors import trail
from channels_registry import selectors as registry
from core.exports import rows_of, stream_csv, stream_json, stream_jsonl
from it_decisions import selectors as decisions

CHUNK = 2000
Columns = list[tuple[str, Callable[[Any], Any]]]


def _iso(value: Any) -> str:
    return value.isoformat() if value else ""


CHANNEL_COLUMNS: Columns = [
    ("id", lambda c: c.pk),
    ("platform", lambda c: c.platform.name),
    ("handle", lambda c: c.handle),
    ("url", lambda c: c.url),
    ("display_name", lambda c: c.display_name),
    ("department", lambda c: c.department.name),
    ("state", lambda c: c.state),
    ("created_at", lambda c: _iso(c.created_at)),
    ("activated_at", lambda c: _iso(c.activated_at)),
    ("last_activity_at", lambda c: _iso(c.last_activity_at)),
    ("dormant_since", lambda c: _iso(c.dormant_since)),
    ("orphaned_at", lambda c: _iso(c.orphaned_at)),
]
# Security details: only IT security and auditors export them (custodians see them per channel).
CHANNEL_SECURITY_COLUMNS: Columns = [
    ("mfa_enabled", lambda c: c.mfa_enabled),
    ("recovery_contact", lambda c: c.recovery_contact),
    ("credentials_location", lambda c: c.credentials_location),
    ("tools_connected", lambda c: c.tools_connected),
]
POST_COLUMNS: Columns = [
    ("id", lambda p: p.pk),
    ("channel", lambda p: p.channel.display_name),
    ("platform", lambda p: p.channel.platform.name),
    ("department", lambda p: p.channel.department.name),
    ("author", lambda p: p.author.email),
    ("state", lambda p: p.state),
    ("body", lambda p: p.body),
    ("links", lambda p: " ".join(p.links)),
    ("tags", lambda p: ", ".join(p.tags)),
    ("created_at", lambda p: _iso(p.created_at)),
    ("submitted_at", lambda p: _iso(p.submitted_at)),
    ("approved_at", lambda p: _iso(p.approved_at)),
    ("scheduled_at", lambda p: _iso(p.scheduled_at)),
    ("published_at", lambda p: _iso(p.published_at)),
    ("published_url", lambda p: p.published_url),
]
REVIEW_DECISION_COLUMNS: Columns = [
    ("id", lambda d: d.pk),
    ("post", lambda d: d.stage_review.post_id),
    ("revision", lambda d: d.stage_review.revision.number),
    ("stage", lambda d: d.stage_review.name),
    ("channel", lambda d: d.stage_review.post.channel.display_name),
    ("department", lambda d: d.stage_review.post.channel.department.name),
    ("outcome", lambda d: d.outcome),
    ("reviewer", lambda d: d.reviewer.email),
    ("on_behalf_of", lambda d: d.on_behalf_of.email if d.on_behalf_of else ""),
    ("comment", lambda d: d.comment),
    ("decided_at", lambda d: _iso(d.created_at)),
]
DECISION_COLUMNS: Columns = [
    ("kind", lambda d: d.kind),
    ("id", lambda d: d.id),
    ("subject", lambda d: d.subject),
    ("department", lambda d: d.department),
    ("outcome", lambda d: d.outcome),
    ("rationale", lambda d: d.rationale),
    ("decided_by", lambda d: d.decided_by),
    ("decided_at", lambda d: _iso(d.decided_at)),
    ("review_by", lambda d: _iso(d.review_by)),
]


@dataclass(frozen=True)
class Dataset:
    slug: str
    title: str
    allowed: Callable[[Any], bool]
    columns: Callable[[Any], Columns]
    items: Callable[[Any], Iterable[Any]]


def _channels(user: Any) -> Iterable[Any]:
    return registry.channels_visible_to(user).order_by("id").iterator(chunk_size=CHUNK)


def _channel_columns(user: Any) -> Columns:
    if is_it_security(user) or is_auditor(user):
        return CHANNEL_COLUMNS + CHANNEL_SECURITY_COLUMNS
    return CHANNEL_COLUMNS


def _posts(user: Any) -> Iterable[Any]:
    return post_selectors.posts_visible_to(user).order_by("id").iterator(chunk_size=CHUNK)


def _review_decisions(user: Any) -> Iterable[Any]:
    visible = post_selectors.posts_visible_to(user).values("pk")
    return (
        Decision.objects.filter(stage_review__post__in=visible)
        .select_related(
            "reviewer",
            "on_behalf_of",
            "stage_review__revision",
            "stage_review__post__channel__department",
        )
        .order_by("id")
        .iterator(chunk_size=CHUNK)
    )


def _decisions(user: Any) -> Iterable[Any]:
    # The register is one compound query (it_decisions.selectors.register), read CHUNK rows at a time
    return decisions.every_decision(chunk=CHUNK)


def _audit(user: Any) -> Iterable[Any]:
    return trail().order_by("id").iterator(chunk_size=CHUNK)


def _everyone(user: Any) -> bool:
    return True


DATASETS: dict[str, Dataset] = {
    d.slug: d
    for d in [
        Dataset("channels", gettext_lazy("Channel registry"), _everyone, _channel_columns, _channels),
        Dataset("posts", gettext_lazy("Posts you may see"), _everyone, lambda u: POST_COLUMNS, _posts),
        Dataset(
            "review-decisions",
            gettext_lazy("Review decisions on posts you may see"),
            _everyone,
            lambda u: REVIEW_DECISION_COLUMNS,
            _review_decisions,
        ),
        Dataset(
            "decisions",
            gettext_lazy("IT decisions"),
            decisions.can_read_decisions,
            lambda u: DECISION_COLUMNS,
            _decisions,
        ),
        Dataset("audit", gettext_lazy("Audit trail"), can_read_audit, lambda u: AUDIT_COLUMNS, _audit),
    ]
}
FORMATS = ("csv", "json", "jsonl")


@login_required
def export_index(request):
    available = [d for d in DATASETS.values() if d.allowed(request.user)]
    return render(request, "reports/exports.html", {"datasets": available, "formats": FORMATS})


@login_required
def export(request, dataset, fmt):
    data = DATASETS.get(dataset)
    if data is None or fmt not in FORMATS:
        raise Http404(_("No such export."))
    if not data.allowed(request.user):
        raise PermissionDenied
    columns = data.columns(request.user)
    items = data.items(request.user)
    filename = f"{dataset}-{timezone.localdate():%Y%m%d}.{fmt}"
    if fmt == "csv":
        return stream_csv(filename, [c for c, _ in columns], rows_of(items, columns))
    objects = ({c: get(i) for c, get in columns} for i in items)
    return stream_json(filename, objects) if fmt == "json" else stream_jsonl(filename, objects)
