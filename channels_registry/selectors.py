"""Reads for a user: scope applied, related rows fetched up front (a fixed number of queries)."""

from __future__ import annotations

import hashlib
from typing import Any

from django.core.cache import cache
from django.db.models import Count, Exists, F, IntegerField, OuterRef, Prefetch, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils.translation import gettext as _

from accounts.permissions import is_auditor, is_it_security
from channels_registry import permissions
from channels_registry.choices import (
    CUSTODIAN_ROLES,
    LIVE_STATES,
    OPEN_RECERT_STATES,
    AccessRequestState,
    ChannelState,
    ReportedState,
    RotationState,
)
from channels_registry.models import (
    AccessGrant,
    AccessRequest,
    Channel,
    ChannelActivity,
    ChannelMembership,
    DormancyFinding,
    Recertification,
    ReportedAccount,
    RotationTask,
    SecurityReview,
)

CUSTODIAN_Q = Q(role__in=CUSTODIAN_ROLES) | Q(holds_credentials=True)


def live_custodians() -> QuerySet[ChannelMembership]:
    return ChannelMembership.objects.filter(CUSTODIAN_Q, ended_at__isnull=True)


def _custodian_count():
    counts = (
        live_custodians()
        .filter(channel=OuterRef("pk"))
        .order_by()
        .values("channel")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(counts, output_field=IntegerField()), Value(0))


def security_gap_q() -> Q:
    """Live channels with MFA off, fewer than two custodians, orphaned, a rotation still open, or someone
    holding the credentials whose two-factor sign-in is not confirmed."""
    unconfirmed = ChannelMembership.objects.filter(
        channel=OuterRef("pk"), ended_at__isnull=True, holds_credentials=True, mfa_confirmed=False
    )
    return Q(state__in=LIVE_STATES) & (
        Q(mfa_enabled=False)
        | Q(orphaned_at__isnull=False)
        | Q(custodian_count__lt=2)
        | Q(open_rotation=True)
        | Q(Exists(unconfirmed))
    )


def channels() -> QuerySet[Channel]:
    """Every channel's public facts (everyone signed in may read them)."""
    return (
        Channel.objects.select_related("platform", "department")
        .annotate(
            custodian_count=_custodian_count(),
            open_rotation=open_rotation(),
        )
        .order_by("-id")
    )


def open_rotation() -> Exists:
    """Whether the channel has a credential rotation still open (an annotation)."""
    return Exists(RotationTask.objects.filter(channel=OuterRef("pk"), state=RotationState.OPEN))


def channels_visible_to(user: Any) -> QuerySet[Channel]:
    return channels()


def with_live_members(qs: QuerySet[Channel]) -> QuerySet[Channel]:
    return qs.prefetch_related(
        Prefetch(
            "memberships",
            queryset=ChannelMembership.objects.filter(ended_at__isnull=True).select_related("user"),
            to_attr="live_members",
        )
    )


def channel_for(user: Any, pk: Any) -> Channel:
    """One channel's public facts, with its live members (for permission checks)."""
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        raise Http404(_("No such channel.")) from None
    channel = with_live_members(channels()).select_related("feed").filter(pk=pk).first()
    if channel is None:
        raise Http404(_("No such channel."))
    return channel


def channel_security_for(user: Any, pk: Any) -> Channel:
    """The channel with its security details, or 404 for anyone outside their scope."""
    channel = channel_for(user, pk)
    if not permissions.can_view_security(user, channel):
        raise Http404(_("No such channel."))
    return channel


COUNTS_SECONDS = 60


def channel_counts(qs: QuerySet[Channel]) -> dict[str, int]:
    """How many channels per state in ``qs``, plus orphaned ones: one query, then kept a minute in the cache
    (keyed by the query itself, so each filter and each person's "my channels" has its own figures). At
    100,000 channels the count reads every row (~140 ms); the registry's badges may be a minute behind."""
    qs = qs.order_by()
    # the key is the SQL of the rows counted (their primary keys: the same rows, the same figures), not of the
    # rows with every column and annotation, which took ~0.6 ms to compile on each view of the page
    rows = qs.values("pk").query.sql_with_params()
    key = "registry:counts:" + hashlib.sha256(repr(rows).encode()).hexdigest()
    counts = cache.get(key)
    if counts is None:
        aggregates = {state: Count("pk", filter=Q(state=state)) for state in ChannelState.values}
        aggregates["total"] = Count("pk")
        aggregates["orphaned"] = Count("pk", filter=Q(orphaned_at__isnull=False))
        counts = qs.aggregate(**aggregates)
        cache.set(key, counts, COUNTS_SECONDS)
    return counts


def channel_rows(channels: QuerySet[Channel]) -> list[dict[str, Any]]:
    """A page of ``channels()`` as the registry list shows it: values, not model instances (each row's channel,
    platform and department built as objects was a good part of the page), and without the open-rotation flag
    that only the security-gaps filter needs; ``state_label`` is the state's display name."""
    rows = list(
        channels.values(
            "pk",
            "display_name",
            "handle",
            "state",
            "orphaned_at",
            "last_activity_at",
            "custodian_count",
            platform_name=F("platform__name"),
            department_name=F("department__name"),
        )
    )
    for row in rows:
        row["state_label"] = _STATE_LABELS.get(row["state"], row["state"])
    return rows


_STATE_LABELS = dict(ChannelState.choices)


def my_channels_q(user: Any) -> Q:
    """The channels the user holds a live membership of, or whose department they manage."""
    mine = ChannelMembership.objects.filter(channel=OuterRef("pk"), user=user, ended_at__isnull=True)
    return Q(Exists(mine)) | Q(department_id__in=permissions.managed_department_ids(user))


def my_channels(user: Any) -> QuerySet[Channel]:
    return channels().filter(my_channels_q(user))


def activities_of(channel: Channel, *, limit: int = 50) -> list[ChannelActivity]:
    return list(channel.activities.select_related("recorded_by")[:limit])


def activity_by_month(channel: Channel, *, months: int = 12) -> list[dict[str, Any]]:
    """Activity counts per month over the last ``months`` months (one query), oldest first."""
    from datetime import timedelta

    from django.db.models.functions import TruncMonth
    from django.utils import timezone

    since = timezone.now() - timedelta(days=31 * months)
    rows = list(
        channel.activities.filter(occurred_at__gte=since)
        .annotate(month=TruncMonth("occurred_at"))
        .order_by("month")
        .values("month")
        .annotate(n=Count("pk"))
    )
    top = max((r["n"] for r in rows), default=0)
    return [{**r, "top": top} for r in rows]


def reviews_of(channel: Channel) -> list[SecurityReview]:
    return list(channel.security_reviews.select_related("reviewer"))


def findings_of(channel: Channel) -> list[DormancyFinding]:
    return list(channel.dormancy_findings.all()[:20])


def grants_of(channel: Channel) -> list[AccessGrant]:
    return list(channel.grants.select_related("user", "granted_by", "revoked_by"))


# --- Queues ---------------------------------------------------------------------------


def access_requests_visible_to(user: Any) -> QuerySet[AccessRequest]:
    qs = AccessRequest.objects.select_related(
        "requester", "channel", "channel__platform", "platform", "department", "decided_by"
    )
    if is_it_security(user) or is_auditor(user):
        return qs
    owned = ChannelMembership.objects.filter(user=user, role="owner", ended_at__isnull=True).values("channel_id")
    return qs.filter(Q(requester=user) | Q(channel_id__in=owned))


def recertifications_visible_to(user: Any) -> QuerySet[Recertification]:
    qs = Recertification.objects.select_related(
        "grant", "grant__user", "grant__channel", "grant__channel__platform", "decided_by"
    )
    if is_it_security(user) or is_auditor(user):
        return qs
    owned = ChannelMembership.objects.filter(user=user, role="owner", ended_at__isnull=True).values("channel_id")
    return qs.filter(grant__channel_id__in=owned)


def rotation_tasks() -> QuerySet[RotationTask]:
    return RotationTask.objects.select_related("channel", "channel__platform", "departed_user", "closed_by")


def reported_accounts() -> QuerySet[ReportedAccount]:
    return ReportedAccount.objects.select_related("platform", "reported_by", "triaged_by", "channel")


def reported_accounts_visible_to(user: Any) -> QuerySet[ReportedAccount]:
    if is_it_security(user) or is_auditor(user):
        return reported_accounts()
    return reported_accounts().filter(reported_by=user)


def it_desk() -> dict[str, Any]:
    """What waits for IT security (a fixed number of queries)."""
    return {
        "reviews": list(channels().filter(state=ChannelState.IN_SECURITY_REVIEW).order_by("created_at")[:50]),
        "requests": list(
            AccessRequest.objects.select_related("requester", "channel", "channel__platform", "platform", "department")
            .filter(state=AccessRequestState.PENDING)
            .order_by("created_at")[:50]
        ),
        "rotations": list(rotation_tasks().filter(state=RotationState.OPEN).order_by("opened_at")[:50]),
        "recertifications": list(
            Recertification.objects.select_related("grant", "grant__user", "grant__channel", "grant__channel__platform")
            .filter(state__in=OPEN_RECERT_STATES)
            .order_by("-state", "opened_at")[:50]
        ),
        "reports": list(reported_accounts().filter(state=ReportedState.NEW).order_by("created_at")[:50]),
    }


def activities() -> QuerySet[ChannelActivity]:
    return ChannelActivity.objects.select_related("recorded_by")


def dormancy_findings() -> QuerySet[DormancyFinding]:
    return DormancyFinding.objects.all()


def grants_visible_to(user: Any) -> QuerySet[AccessGrant]:
    """Grants are security details: IT and auditors see all; others their own and their channels'."""
    qs = AccessGrant.objects.select_related("user", "granted_by", "revoked_by")
    if is_it_security(user) or is_auditor(user):
        return qs
    custodian_of = live_custodians().filter(user=user).values("channel_id")
    managed = permissions.managed_department_ids(user)
    return qs.filter(Q(user=user) | Q(channel_id__in=custodian_of) | Q(channel__department_id__in=managed))
