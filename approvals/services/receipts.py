"""Approval receipts, publication reports and the drift between what was approved and what was published."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from accounts.choices import Group
from accounts.models import User
from accounts.selectors import users_in_group
from approvals import permissions, receipts, selectors
from approvals.choices import RELEASABLE_STATES, DriftKind, PostState, ReportOutcome
from approvals.models import ApprovalReceipt, DriftFinding, FeedEntryMatch, Lockdown, Post, PublicationReport
from approvals.services._common import MAX_LINKS, _in_code_language, _later, _lock_post, post_url, publish_key
from audit import services as audit
from audit.hashing import stamp
from channels_registry.choices import ActivityKind, ActivitySource, ChannelRole, ChannelState
from channels_registry.models import Channel, ChannelActivity
from channels_registry.services import activity_record
from core.errors import Conflict, DomainError, InvalidInput, ensure
from notifications.services import notifications_done, notify

MAX_PUBLISHED_TEXT = 20_000


def _issue_receipt(post: Post, now: datetime) -> ApprovalReceipt:
    """Sign what the approved revision says (in the approving transaction): see approvals.receipts."""
    revision = post.current_revision
    attachments = [receipts.file_sha256(a.file) for a in post.attachments.order_by("id")]
    digest = receipts.content_hash(
        channel_id=post.channel_id, text=revision.body, links=revision.links, attachments=attachments
    )
    payload, signature = receipts.sign(
        {
            "post": post.pk,
            "revision": revision.number,
            "channel": post.channel_id,
            "approved_at": stamp(now),
            "content_hash": digest,
        }
    )
    receipt = ApprovalReceipt.objects.create(
        post=post,
        revision=revision,
        channel_id=post.channel_id,
        content_hash=digest,
        payload=payload,
        algorithm=payload["alg"],
        key_id=payload["key"],
        signature=signature,
    )
    audit.record(
        actor=None,
        action="post.receipt_issued",
        target=post,
        data={"receipt": receipt.pk, "revision": revision.number, "content_hash": digest, "key_id": receipt.key_id},
    )
    return receipt


def receipt_token(receipt: ApprovalReceipt) -> str:
    return receipts.token(receipt.payload, receipt.signature)


def _lockdown_at(post: Post, when: datetime) -> Lockdown | None:
    """A lockdown that held the post's channel at ``when`` (started before, not yet ended)."""
    held = (
        Lockdown.objects.filter(started_at__lte=when)
        .filter(Q(ended_at__isnull=True) | Q(ended_at__gt=when))
        .filter(Q(ends_at__isnull=True) | Q(ends_at__gt=when))
        .select_related("department", "channel")
    )
    return selectors.lockdown_on(post.channel_id, post.channel.department_id, list(held))


def _clean_report(
    *, post: Post, text: str, url: str, links: Iterable[str] | None, published_at: datetime | None, channel: Any
) -> tuple[str, list[str], datetime, Channel]:
    now = timezone.now()
    published_at = published_at or now
    text = (text or "").replace("\r\n", "\n").strip()
    errors: dict[str, list[str]] = {}
    validate = URLValidator(schemes=["http", "https"])
    if url:
        try:
            validate(url)
        except ValidationError:
            errors["url"] = [_("Not a web address.")]
    clean_links = [str(u).strip() for u in links or [] if str(u).strip()]
    for link in clean_links:
        try:
            validate(link)
        except ValidationError:
            errors.setdefault("links", []).append(_("Not a web address: %(url)s") % {"url": link})
    if len(clean_links) > MAX_LINKS:
        errors.setdefault("links", []).append(
            ngettext("At most %(count)s link.", "At most %(count)s links.", MAX_LINKS) % {"count": MAX_LINKS}
        )
    if len(text) > MAX_PUBLISHED_TEXT:
        errors["text"] = [_("At most %(count)s characters.") % {"count": MAX_PUBLISHED_TEXT}]
    if timezone.is_naive(published_at):
        errors["published_at"] = [_("Give the time with its time zone.")]
    elif published_at > now + timedelta(minutes=5):
        errors["published_at"] = [_("Publication cannot be in the future.")]
    if channel is None:
        channel = post.channel
    elif not isinstance(channel, Channel):
        channel = Channel.objects.filter(pk=channel).first() if str(channel).isdigit() else None
        if channel is None:
            errors["channel"] = [_("No such channel.")]
    if errors:
        raise InvalidInput(_("The publication was not recorded."), fields=errors)
    return text, clean_links, published_at, channel


Found = tuple[str, str, dict[str, Any]]  # kind, what a person reads, what was approved and what was found


def _check_receipt(post: Post, token: str) -> tuple[ApprovalReceipt | None, list[Found]]:
    try:
        verified = receipts.verify(token)
    except receipts.ReceiptInvalid as exc:
        return None, [(DriftKind.RECEIPT_INVALID, str(exc), {})]
    payload = verified.payload
    receipt = ApprovalReceipt.objects.filter(post=post, signature=verified.signature).select_related("revision").first()
    if receipt is None or receipt.payload != payload:
        detail = f"This receipt is for post {payload.get('post')}, not post {post.pk}."
        if payload.get("post") == post.pk:
            detail = "This receipt was not issued for any approved revision of this post."
        return None, [(DriftKind.RECEIPT_INVALID, detail, {"receipt_post": payload.get("post")})]
    return receipt, []


def _compare(post: Post, approved: ApprovalReceipt, text: str, links: list[str]) -> list[Found]:
    """What differs between the approved revision and what was published (when the report says)."""
    found: list[Found] = []
    revision = approved.revision
    if text and receipts.normalise_text(text) != receipts.normalise_text(revision.body):
        found.append(
            (
                DriftKind.TEXT_CHANGED,
                f"The published text differs from approved revision {revision.number}.",
                {"approved": revision.body, "published": text, "revision": revision.number},
            )
        )
    if text or links:
        approved_links = receipts.normalise_links([*revision.links, *receipts.links_in(revision.body)])
        published_links = receipts.normalise_links([*links, *receipts.links_in(text)])
        if approved_links != published_links:
            found.append(
                (
                    DriftKind.LINKS_CHANGED,
                    "The published links differ from the approved ones.",
                    {"approved": approved_links, "published": published_links, "revision": revision.number},
                )
            )
    return found


def _drift_audience(channel: Channel, author: User | None) -> list[User]:
    owners = [
        m.user for m in channel.memberships.filter(ended_at__isnull=True, role=ChannelRole.OWNER).select_related("user")
    ]
    return [*([author] if author else []), *owners, *users_in_group(Group.COMMUNICATIONS)]


def _raise_findings(
    actor: User | None,
    channel: Channel,
    found: list[Found],
    *,
    post: Post | None = None,
    report: PublicationReport | None = None,
    activity: Any = None,
) -> list[DriftFinding]:
    """One finding per kind found, each audited; the author, the channel's owners and communications told."""
    made = []
    for kind, detail, data in found:
        finding = DriftFinding.objects.create(
            kind=kind, channel=channel, post=post, report=report, activity=activity, detail=detail, data=data
        )
        audit.record(
            actor=actor,
            action="post.drift_found" if post else "channel.drift_found",
            target=post or channel,
            data={"finding": finding.pk, "kind": kind, "report": report.pk if report else None},
        )
        made.append(finding)
    if made:
        labels = [DriftKind(f.kind).label for f in made]
        notify(
            event="post.drift",
            recipients=_drift_audience(channel, post.author if post else None),
            title=format_lazy(
                gettext_lazy("Out of policy on {channel}: {kinds}"),
                channel=channel.display_name,
                kinds=_later(lambda: ", ".join(str(label).lower() for label in labels)),
            ),
            body="\n".join(f.detail for f in made),
            url=post_url(post) if post else reverse("approvals:drift_list"),
            target=post or channel,
            data={"channel": channel.pk, "post": post.pk if post else None, "kinds": [f.kind for f in made]},
        )
    return made


@transaction.atomic
def publication_report(
    *,
    actor: User,
    post: Post,
    text: str = "",
    url: str = "",
    links: Iterable[str] | None = None,
    published_at: datetime | None = None,
    receipt: str = "",
    channel: Any = None,
    source: str = ActivitySource.PAGE,
) -> PublicationReport:
    """An integration (or a publisher on the page) says what went out: text, network URL, time, receipt.

    The report is kept and compared with the approved revision; every difference is a drift finding
    (text or links changed, before approval, during a lockdown, no receipt). A report naming another channel,
    or carrying a receipt that does not verify, is kept with its finding but refused (``outcome`` refused:
    ``publication_refusal`` says why); otherwise an approved post becomes published and the channel records
    the activity. A post published already answers 409.
    """
    post = _lock_post(post)
    ensure(permissions.can_publish(actor, post.channel), _("Only the channel's publishers report publication."))
    if post.state == PostState.PUBLISHED:
        raise Conflict(_("This post is published already."), code="invalid_state")
    text, links, published_at, channel = _clean_report(
        post=post, text=text, url=url, links=links, published_at=published_at, channel=channel
    )
    found: list[Found] = []
    given = None
    if receipt:
        given, found = _check_receipt(post, receipt)
    if channel.pk != post.channel_id:
        found.append(
            (
                DriftKind.OTHER_CHANNEL,
                f"Reported on {channel.display_name}; the post was approved for {post.channel.display_name}.",
                {"approved_channel": post.channel_id, "reported_channel": channel.pk},
            )
        )
    refused = bool(found)
    approved = post.receipts.select_related("revision").filter(revision_id=post.current_revision_id).first()
    if not refused:
        if post.state not in RELEASABLE_STATES or approved is None:
            found.append(
                (
                    DriftKind.BEFORE_APPROVAL,
                    _in_code_language(lambda: f"Published while the post was {post.get_state_display().lower()}."),
                    {"state": post.state},
                )
            )
        else:
            if post.approved_at and published_at < post.approved_at:
                found.append(
                    (
                        DriftKind.BEFORE_APPROVAL,
                        "Published before the post was approved.",
                        {"approved_at": stamp(post.approved_at), "published_at": stamp(published_at)},
                    )
                )
            found += _compare(post, approved, text, links)
        lockdown = _lockdown_at(post, published_at)
        if lockdown is not None:
            found.append(
                (
                    DriftKind.DURING_LOCKDOWN,
                    _in_code_language(
                        lambda: f"Published during the lockdown of {lockdown.scope_label}: {lockdown.reason}"
                    ),
                    {"lockdown": lockdown.pk},
                )
            )
        if not receipt:
            found.append((DriftKind.NO_RECEIPT, "The report carried no receipt.", {}))
    report = PublicationReport.objects.create(
        post=post,
        channel=channel,
        reported_by=actor,
        source=ActivitySource.API if source == ActivitySource.API else ActivitySource.PAGE,
        text=text,
        url=url,
        links=links,
        published_at=published_at,
        receipt_token=receipt,
        receipt=given,
        outcome=ReportOutcome.REFUSED if refused else ReportOutcome.RECORDED,
    )
    published = not refused and post.state in RELEASABLE_STATES
    audit.record(
        actor=actor,
        action="post.published" if published else f"post.publication_{report.outcome}",
        target=post,
        data={"report": report.pk, "url": url, "published_at": published_at, "kinds": [f[0] for f in found]},
    )
    report.drift = _raise_findings(actor, channel, found, post=post, report=report)
    if refused:
        return report
    if published:
        post.state = PostState.PUBLISHED
        post.published_at = published_at
        post.published_url = url
        post.released_at = post.released_at or timezone.now()
        post.save(update_fields=["state", "published_at", "published_url", "released_at", "updated_at"])
    if post.channel.state in (ChannelState.ACTIVE, ChannelState.DORMANT, ChannelState.SUSPENDED):
        activity_record(
            actor=None,
            channel=post.channel,
            kind=ActivityKind.POST,
            source=ActivitySource.PUBLISHING if source != ActivitySource.PAGE else ActivitySource.PAGE,
            occurred_at=published_at,
            note=f"Post {post.pk} {url}".strip()[:500],
        )
    if published:
        notifications_done(key=publish_key(post))  # the publishers' "due now"
        notify(
            event="post.published",
            recipients=[post.author],
            title=format_lazy(gettext_lazy("Published on {channel}"), channel=post.channel.display_name),
            body=url,
            url=post_url(post),
            target=post,
            data={"post": post.pk, "url": url, "published_at": published_at},
        )
    return report


def _approved_texts(channel_id: int) -> list[tuple[int, str]]:
    rows = ApprovalReceipt.objects.filter(channel_id=channel_id).values_list("post_id", "revision__body")
    return [(post_id, receipts.normalise_text(body)) for post_id, body in rows]


def _matching_post(activity: ChannelActivity, texts: list[tuple[int, str]]) -> int | None:
    if activity.url:
        by_url = (
            Post.objects.filter(channel_id=activity.channel_id, published_url=activity.url).values_list("pk", flat=True)
        ).first() or (
            PublicationReport.objects.filter(
                channel_id=activity.channel_id, url=activity.url, outcome=ReportOutcome.RECORDED
            ).values_list("post_id", flat=True)
        ).first()
        if by_url:
            return by_url
    found = receipts.normalise_text(activity.content)
    for post_id, approved in texts:
        if approved and found and (approved in found or (len(found) >= 20 and found in approved)):
            return post_id
    return None


def feed_entries_check(*, batch: int = 500) -> dict[str, int]:
    """Hold what the channels' feeds showed to approval: each entry read since the feed was named, on a
    channel that requires approval, must match an approved post (its published URL, or its approved text
    within the entry's); one that does not is a "published without approval" finding. Each entry once,
    in its own short transaction; safe to run twice."""
    counts = {choice: 0 for choice in FeedEntryMatch.Outcome.values}
    rows = list(
        ChannelActivity.objects.filter(source=ActivitySource.FEED, feed_match__isnull=True)
        .select_related("channel", "channel__feed")
        .order_by("pk")[:batch]
    )
    texts: dict[int, list[tuple[int, str]]] = {}
    for activity in rows:
        with transaction.atomic():
            if FeedEntryMatch.objects.filter(activity=activity).exists():
                continue  # checked meanwhile
            feed = getattr(activity.channel, "feed", None)
            post_id = None
            if feed is None or not feed.requires_approval or activity.occurred_at < feed.created_at:
                outcome = FeedEntryMatch.Outcome.NOT_HELD
            else:
                if activity.channel_id not in texts:
                    texts[activity.channel_id] = _approved_texts(activity.channel_id)
                post_id = _matching_post(activity, texts[activity.channel_id])
                outcome = FeedEntryMatch.Outcome.MATCHED if post_id else FeedEntryMatch.Outcome.UNMATCHED
            FeedEntryMatch.objects.create(activity=activity, outcome=outcome, post_id=post_id)
            audit.record(
                actor=None,
                action="channel.feed_entry_checked",
                target=activity.channel,
                data={"activity": activity.pk, "outcome": outcome, "post": post_id},
            )
            if outcome == FeedEntryMatch.Outcome.UNMATCHED:
                title = activity.note or activity.url or activity.external_id
                _raise_findings(
                    None,
                    activity.channel,
                    [
                        (
                            DriftKind.UNAPPROVED_ENTRY,
                            f"“{title}” appeared in the channel's feed and matches no approved post.",
                            {"entry": activity.external_id, "url": activity.url},
                        )
                    ],
                    activity=activity,
                )
            counts[outcome] += 1
    return counts


def publication_refusal(report: PublicationReport) -> DomainError | None:
    """Why a report was refused, as the error its caller answers with (after the report and finding are kept)."""
    if report.outcome != ReportOutcome.REFUSED:
        return None
    findings = list(report.findings.all())
    for finding in findings:
        if finding.kind == DriftKind.RECEIPT_INVALID:
            return InvalidInput(
                _("The receipt does not verify; the report is kept as a finding."), fields={"receipt": [finding.detail]}
            )
    detail = " ".join(f.detail for f in findings)
    return Conflict(
        _("This post was not approved for that channel; the report is kept as a finding. %(detail)s")
        % {"detail": detail},
        code="other_channel",
    )
