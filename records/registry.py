"""The kinds of record the archive, retention and legal holds know, in two small registries.

``RECORD_TYPES``: what retention deletes and legal holds keep. Each kind names its model, the date its age runs
from, its default period, which rows may go at all (a post still in review never does), and how a hold's
criteria reach it (``channel``, ``department``, ``person``: field paths; a kind without a path for a criterion is
not covered by holds that name it).

``ARCHIVE_SECTIONS``: what an archive bundle holds, one JSON Lines file per section, each a function of the
channel's posts in the bundle's date range.

A post's receipts, publication reports and drift findings are parts of the post (deleted with it, kept when a
hold covers it, in the archive's "publications" and "drift_findings" sections); a drift finding of a feed entry no
post matched goes with that channel activity. A later kind adds itself with ``register_record_type`` and
``register_archive_section`` from its app's ``ready()``: nothing else changes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils.translation import gettext_lazy as _

DAY = 1
YEAR = 365


@dataclass(frozen=True)
class RecordType:
    key: str
    label: str
    model: str  # "app_label.ModelName"
    date_field: str
    default_days: int
    eligible: Q = field(default_factory=Q)  # rows that may be deleted at all once past their time
    channel: str = ""
    department: str = ""
    person: tuple[str, ...] = ()
    # called with the locked rows' queryset just before they are deleted (a post first lets go of its latest
    # revision, which it protects); returns the files to remove once the deletion commits
    before_delete: Callable[[QuerySet], list[tuple[Any, str]]] | None = None

    def model_class(self) -> Any:
        return apps.get_model(self.model)

    def hold_q(self, hold: Any) -> Q | None:
        """The rows ``hold`` covers, or None when it names a criterion this kind has no path for."""
        q = Q()
        if hold.channel_id:
            if not self.channel:
                return None
            q &= Q(**{f"{self.channel}_id": hold.channel_id})
        if hold.department_id:
            if not self.department:
                return None
            q &= Q(**{f"{self.department}_id": hold.department_id})
        if hold.person_id:
            if not self.person:
                return None
            anyone = Q()
            for path in self.person:
                anyone |= Q(**{f"{path}_id": hold.person_id})
            q &= anyone
        if hold.date_from:
            q &= Q(**{f"{self.date_field}__date__gte": hold.date_from})
        if hold.date_to:
            q &= Q(**{f"{self.date_field}__date__lte": hold.date_to})
        return q

    def held(self, holds: Iterable[Any]) -> QuerySet:
        """The rows of this kind any of ``holds`` covers (ids, as a subquery)."""
        model = self.model_class()
        covered = Q(pk__in=[])
        for hold in holds:
            q = self.hold_q(hold)
            if q is not None:
                covered |= q
        return model._default_manager.filter(covered).values("pk")


RECORD_TYPES: dict[str, RecordType] = {}


def register_record_type(record_type: RecordType) -> RecordType:
    RECORD_TYPES[record_type.key] = record_type
    return record_type


def record_type(key: str) -> RecordType:
    return RECORD_TYPES[key]


def _post_before_delete(posts: QuerySet) -> list[tuple[Any, str]]:
    from approvals.models import Attachment

    files = [(a.file.storage, a.file.name) for a in Attachment.objects.filter(post__in=posts) if a.file]
    posts.update(current_revision=None)
    return files


register_record_type(
    RecordType(
        key="post",
        label=_(
            "Posts (with their revisions, reviews, decisions, comments, attachments, receipts, "
            "publication reports and drift findings)"
        ),
        model="approvals.Post",
        date_field="created_at",
        default_days=7 * YEAR + 2,  # seven years (SEC rule 17a-4's longest period for communications)
        eligible=Q(state__in=["published", "rejected", "withdrawn", "expired"]),
        channel="channel",
        department="channel__department",
        person=("author", "comments__author", "stage_reviews__decisions__reviewer", "publication_reports__reported_by"),
        before_delete=_post_before_delete,
    )
)
register_record_type(
    RecordType(
        key="notification",
        label=_("Notifications"),
        model="notifications.Notification",
        date_field="created_at",
        default_days=YEAR,
        person=("recipient",),
    )
)
register_record_type(
    RecordType(
        key="webhook_delivery",
        label=_("Webhook deliveries (with their attempts)"),
        model="notifications.WebhookDelivery",
        date_field="created_at",
        default_days=90 * DAY,
    )
)
register_record_type(
    RecordType(
        key="channel_activity",
        label=_("Channel activity (with the drift findings of feed entries no approved post matched)"),
        model="channels_registry.ChannelActivity",
        date_field="occurred_at",
        default_days=2 * YEAR,
        channel="channel",
        department="channel__department",
        person=("recorded_by",),
    )
)


# --- The archive's sections ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ArchiveSection:
    name: str  # the file is "<name>.jsonl"
    rows: Callable[[QuerySet], Iterator[dict[str, Any]]]  # the bundle's posts -> one dict per line


ARCHIVE_SECTIONS: dict[str, ArchiveSection] = {}


def register_archive_section(section: ArchiveSection) -> ArchiveSection:
    ARCHIVE_SECTIONS[section.name] = section
    return section


def _stamp(value: dt.datetime | None) -> str | None:
    return value.isoformat() if value else None


def _posts(posts: QuerySet) -> Iterator[dict[str, Any]]:
    for p in posts.select_related("author").order_by("id"):
        yield {
            "id": p.pk,
            "channel_id": p.channel_id,
            "author_id": p.author_id,
            "author": p.author.email,
            "state": p.state,
            "created_at": _stamp(p.created_at),
            "submitted_at": _stamp(p.submitted_at),
            "approved_at": _stamp(p.approved_at),
            "closed_at": _stamp(p.closed_at),
            "scheduled_at": _stamp(p.scheduled_at),
        }


def approved_revisions(posts: QuerySet) -> QuerySet:
    """Revisions every stage of which approved them (a revision that went out, or would have)."""
    from approvals.models import PostRevision, StageReview

    stages = StageReview.objects.filter(revision=OuterRef("pk"))
    return PostRevision.objects.filter(post__in=posts.values("pk")).filter(
        Exists(stages), ~Exists(stages.exclude(state="approved"))
    )


def _revisions(posts: QuerySet) -> Iterator[dict[str, Any]]:
    for r in approved_revisions(posts).select_related("created_by").order_by("post_id", "number"):
        yield {
            "post_id": r.post_id,
            "number": r.number,
            "body": r.body,
            "links": r.links,
            "tags": r.tags,
            "sponsored": r.sponsored,
            "scheduled_at": _stamp(r.scheduled_at),
            "created_by_id": r.created_by_id,
            "created_by": r.created_by.email,
            "created_at": _stamp(r.created_at),
        }


def _decisions(posts: QuerySet) -> Iterator[dict[str, Any]]:
    from approvals.models import Decision

    rows = (
        Decision.objects.filter(stage_review__post__in=posts.values("pk"))
        .select_related("stage_review", "stage_review__revision", "reviewer")
        .order_by("stage_review__post_id", "created_at", "id")
    )
    for d in rows:
        yield {
            "post_id": d.stage_review.post_id,
            "revision": d.stage_review.revision.number,
            "stage": d.stage_review.name,
            "reviewer_id": d.reviewer_id,
            "reviewer": d.reviewer.email,
            "on_behalf_of_id": d.on_behalf_of_id,
            "outcome": d.outcome,
            "comment": d.comment,
            "created_at": _stamp(d.created_at),
        }


def _comments(posts: QuerySet) -> Iterator[dict[str, Any]]:
    from approvals.models import Comment

    for c in Comment.objects.filter(post__in=posts.values("pk")).select_related("author").order_by("post_id", "id"):
        yield {
            "post_id": c.post_id,
            "author_id": c.author_id,
            "author": c.author.email,
            "body": c.body,
            "created_at": _stamp(c.created_at),
        }


def _publications(posts: QuerySet) -> Iterator[dict[str, Any]]:
    """What was reported as gone out (``approvals.PublicationReport``), recorded or refused: the claim is record."""
    from approvals.models import PublicationReport

    rows = (
        PublicationReport.objects.filter(post__in=posts.values("pk"))
        .select_related("reported_by", "receipt")
        .order_by("post_id", "id")
    )
    for r in rows:
        yield {
            "id": r.pk,
            "post_id": r.post_id,
            "channel_id": r.channel_id,
            "reported_by_id": r.reported_by_id,
            "reported_by": r.reported_by.email,
            "source": r.source,
            "text": r.text,
            "url": r.url,
            "links": r.links,
            "published_at": _stamp(r.published_at),
            "receipt_id": r.receipt_id,
            "receipt_content_hash": r.receipt.content_hash if r.receipt else None,
            "outcome": r.outcome,
            "created_at": _stamp(r.created_at),
        }


def _drift_findings(posts: QuerySet) -> Iterator[dict[str, Any]]:
    """What went out that its approval did not cover (``approvals.DriftFinding``), for the bundle's posts."""
    from approvals.models import DriftFinding

    for f in DriftFinding.objects.filter(post__in=posts.values("pk")).order_by("post_id", "id"):
        yield {
            "id": f.pk,
            "post_id": f.post_id,
            "channel_id": f.channel_id,
            "report_id": f.report_id,
            "kind": f.kind,
            "detail": f.detail,
            "data": f.data,
            "created_at": _stamp(f.created_at),
        }


register_archive_section(ArchiveSection("posts", _posts))
register_archive_section(ArchiveSection("revisions", _revisions))
register_archive_section(ArchiveSection("decisions", _decisions))
register_archive_section(ArchiveSection("comments", _comments))
register_archive_section(ArchiveSection("publications", _publications))
register_archive_section(ArchiveSection("drift_findings", _drift_findings))
