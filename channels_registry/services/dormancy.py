"""Activity and dormancy: a channel's activity recorded, the dormancy audit."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from django.db import connection, transaction
from django.db.models import Max, Min, Q
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext_lazy

from accounts.models import Department, Membership, User
from audit import services as audit
from channels_registry import permissions
from channels_registry.choices import (
    ActivityKind,
    ActivitySource,
    ChannelRole,
    ChannelState,
    FindingState,
)
from channels_registry.models import (
    Channel,
    ChannelActivity,
    ChannelMembership,
    DormancyFinding,
)
from channels_registry.services._common import DORMANCY_GRACE, _in_language, _it_people, _lock
from channels_registry.services.lifecycle import _tell_owners_and_managers
from core.errors import InvalidInput, ensure, ensure_state
from notifications.services import notify_each, site_text
from policies.models import Platform


@transaction.atomic
def activity_record(
    *,
    actor: User | None,
    channel: Channel,
    kind: str = ActivityKind.OTHER,
    source: str = ActivitySource.PAGE,
    occurred_at: datetime | None = None,
    note: str = "",
    external_id: str = "",
    url: str = "",
    content: str = "",
) -> ChannelActivity | None:
    """Something happened on the account. ``actor`` None is the system (a published post, the channel's feed).

    A feed entry (``external_id``) is recorded once: None when the channel has it already, by its id or,
    for a feed that changes its entries' ids, by its link."""
    channel = _lock(channel)
    if external_id and _entry_known(channel, external_id, url):
        return None
    if actor is not None:
        ensure(
            permissions.can_log_activity(actor, channel), _("Only the channel's members, managers or IT log activity.")
        )
    ensure_state(channel, ChannelState.ACTIVE, ChannelState.DORMANT, ChannelState.SUSPENDED)
    now = timezone.now()
    occurred_at = occurred_at or now
    errors = {}
    if kind not in ActivityKind.values:
        errors["kind"] = [_("Choose one of %(choices)s.") % {"choices": ", ".join(ActivityKind.values)}]
    if occurred_at > now + timedelta(minutes=5):
        errors["occurred_at"] = [_("Activity cannot be in the future.")]
    if len(note or "") > 500:
        errors["note"] = [_("Keep the note under 500 characters.")]
    if errors:
        raise InvalidInput(_("The activity was not recorded."), fields=errors)
    activity = ChannelActivity.objects.create(
        channel=channel,
        kind=kind,
        source=source,
        occurred_at=occurred_at,
        note=(note or "").strip(),
        recorded_by=actor,
        external_id=external_id,
        url=url,
        content=content,
    )
    fields = []
    if channel.last_activity_at is None or occurred_at > channel.last_activity_at:
        channel.last_activity_at = occurred_at
        fields.append("last_activity_at")
    woke = channel.state == ChannelState.DORMANT
    if woke:
        channel.state = ChannelState.ACTIVE
        channel.dormant_since = None
        fields += ["state", "dormant_since"]
        DormancyFinding.objects.filter(channel=channel).exclude(state=FindingState.RESOLVED).update(
            state=FindingState.RESOLVED, resolved_at=now
        )
    if fields:
        channel.save(update_fields=fields)
    audit.record(
        actor=actor,
        action="channel.woke" if woke else "channel.activity_recorded",
        target=channel,
        data={"activity": activity.pk, "kind": kind, "source": source, "occurred_at": occurred_at},
    )
    if woke:
        _tell_owners_and_managers(
            actor,
            channel,
            "channel.woke",
            format_lazy(gettext_lazy("{channel} is active again"), channel=channel.display_name),
            format_lazy(gettext_lazy("New activity: {kind}."), kind=kind),
        )
    return activity


def _entry_known(channel: Channel, external_id: str, url: str) -> bool:
    same = Q(external_id=external_id) | (Q(url=url) & ~Q(external_id="") if url else Q(pk__in=[]))
    return ChannelActivity.objects.filter(same, channel=channel).exists()


def _dormancy_threshold_q(platforms: list[Platform], now: datetime) -> Q:
    q = Q(pk__in=[])
    for p in platforms:
        q |= Q(platform_id=p.pk, baseline__lt=now - timedelta(days=p.dormancy_days))
    return q


def _open_findings(now: datetime, lo: int, hi: int) -> None:
    """One finding per channel (ids ``lo`` ≤ id < ``hi``) flagged at ``now``, in one INSERT … SELECT."""
    finding, channel = DormancyFinding._meta, Channel._meta
    q = connection.ops.quote_name
    stamp = connection.ops.adapt_datetimefield_value(now)
    # Table names come from the models; every value is a parameter.
    insert = f"INSERT INTO {q(finding.db_table)} (channel_id, state, last_activity_at, opened_at) "
    select = f"SELECT id, %s, COALESCE(last_activity_at, activated_at, created_at), %s FROM {q(channel.db_table)} "  # noqa: S608
    sql = insert + select + "WHERE state = %s AND dormant_since = %s AND id >= %s AND id < %s"
    with connection.cursor() as cursor:
        cursor.execute(sql, [FindingState.OPEN, stamp, ChannelState.DORMANT, stamp, lo, hi])


# Rows one transaction of a bulk step changes, and so locks, at most: a channel's activity waits for a
# batch (tens of milliseconds), never for the whole audit (seconds at 100,000 channels).
DORMANCY_BATCH = 500


def _id_batches(model: type) -> Iterable[tuple[int, int]]:
    size = DORMANCY_BATCH
    bounds = model.objects.aggregate(lo=Min("pk"), hi=Max("pk"))
    if bounds["lo"] is None:
        return
    for lo in range(bounds["lo"], bounds["hi"] + 1, size):
        yield lo, lo + size


def _names(names: list[str], limit: int = 20) -> str:
    return ", ".join(names[:limit]) + ("…" if len(names) > limit else "")


AUDIT_SLICE = 1000  # channel ids per audit event of a bulk dormancy step


def _audit_in_slices(action: str, channel_ids: list[int]) -> None:
    """The trail of a bulk step: every channel id, in events of at most ``AUDIT_SLICE`` ids.

    Not one event per channel: at 100,000 channels those inserts into the trail's hash indexes cost
    more than the rest of the audit (bench/NOTES.md); not one event for all: a row of 100,000 ids is
    a burden to every page and export that shows it.
    """
    slices = [channel_ids[i : i + AUDIT_SLICE] for i in range(0, len(channel_ids), AUDIT_SLICE)]
    audit.record_many(
        actor=None,
        action=action,
        target_type=Channel._meta.label_lower,
        entries=[
            ("", f"dormancy audit, {len(ids)} channel(s) ({n} of {len(slices)})", {"channels": ids})
            for n, ids in enumerate(slices, start=1)
        ],
    )


def _flag_quiet_channels(now: datetime) -> int:
    """Active channels quiet past their platform's threshold become dormant, ``DORMANCY_BATCH`` ids at a time,
    each batch one short transaction: one UPDATE (it locks the rows it changes; a channel whose activity
    commits meanwhile is re-checked and left alone), one finding each, their ids in the trail. Then one
    notification per owner listing only theirs."""
    platforms = list(Platform.objects.only("pk", "dormancy_days"))
    baseline = Coalesce("last_activity_at", "activated_at", "created_at")
    flagged = []
    for lo, hi in _id_batches(Channel):
        with transaction.atomic():
            count = (
                Channel.objects.alias(baseline=baseline)
                .filter(_dormancy_threshold_q(platforms, now), state=ChannelState.ACTIVE, pk__gte=lo, pk__lt=hi)
                .update(state=ChannelState.DORMANT, dormant_since=now)
            )
            if not count:
                continue
            _open_findings(now, lo, hi)
            batch = list(
                Channel.objects.filter(state=ChannelState.DORMANT, dormant_since=now, pk__gte=lo, pk__lt=hi)
                .order_by("pk")
                .values_list("pk", flat=True)
            )
            _audit_in_slices("channel.dormancy_flagged", batch)
            flagged += batch
    if not flagged:
        return 0
    with transaction.atomic():
        _tell_owners_of_dormant(now, len(flagged))
    return len(flagged)


def _tell_owners_of_dormant(now: datetime, flagged: int) -> None:
    theirs: dict[int, list[tuple[int, str]]] = {}
    language_of: dict[int, str] = {}
    for user_id, channel_id, name, language in (
        ChannelMembership.objects.filter(
            channel__state=ChannelState.DORMANT,
            channel__dormant_since=now,
            role=ChannelRole.OWNER,
            ended_at__isnull=True,
            user__is_active=True,
        )
        .order_by("user_id", "channel_id")
        .values_list("user_id", "channel_id", "channel__display_name", "user__language")
    ):
        theirs.setdefault(user_id, []).append((channel_id, name))
        language_of[user_id] = language
    url = reverse("channels_registry:my_channels") + "?dormant=true"
    notify_each(
        event="channel.dormant",
        messages=[
            _in_language(
                language_of[user_id],
                user_id,
                format_lazy(gettext_lazy("{channel} went dormant"), channel=channels[0][1])
                if len(channels) == 1
                else format_lazy(
                    ngettext_lazy(
                        "{count} of your channels went dormant", "{count} of your channels went dormant", len(channels)
                    ),
                    count=len(channels),
                ),
                format_lazy(
                    gettext_lazy(
                        "No activity past the platform's threshold on: {channels}. "
                        "Post or log activity to wake a channel, or ask IT to retire it."
                    ),
                    channels=_names([n for _, n in channels]),
                ),
                url,
                {"channels": [pk for pk, _pk in channels]},
            )
            for user_id, channels in theirs.items()
        ],
        webhook_title=site_text(
            format_lazy(
                ngettext_lazy(
                    "The dormancy audit flagged {count} channel", "The dormancy audit flagged {count} channels", flagged
                ),
                count=flagged,
            )
        ),
        webhook_url=reverse("channels_registry:channel_list") + "?dormant=true",
        webhook_data={"flagged": flagged},
    )


def _propose_retirements(now: datetime, grace: timedelta) -> int:
    """Findings still open after the grace period are escalated (``DORMANCY_BATCH`` findings a transaction,
    each batch in the trail); then IT hears the count, each department's managers about their department's
    channels (a count and a filtered link, not every id)."""
    escalated = 0
    for lo, hi in _id_batches(DormancyFinding):
        with transaction.atomic():
            count = DormancyFinding.objects.filter(
                state=FindingState.OPEN,
                opened_at__lte=now - grace,
                channel__state=ChannelState.DORMANT,
                pk__gte=lo,
                pk__lt=hi,
            ).update(state=FindingState.ESCALATED, escalated_at=now)
            if count:
                batch = DormancyFinding.objects.filter(
                    state=FindingState.ESCALATED, escalated_at=now, pk__gte=lo, pk__lt=hi
                ).order_by("channel_id")
                _audit_in_slices("channel.retirement_proposed", list(batch.values_list("channel_id", flat=True)))
                escalated += count
    if not escalated:
        return 0
    with transaction.atomic():
        return _tell_about_retirements(now)


def _tell_about_retirements(now: datetime) -> int:
    due = list(
        DormancyFinding.objects.filter(state=FindingState.ESCALATED, escalated_at=now)
        .order_by("channel_id")
        .values_list("channel_id", "channel__display_name", "channel__department_id")
    )
    per_department: dict[int, list[str]] = {}
    for _channel_id, name, department_id in due:
        per_department.setdefault(department_id, []).append(name)
    list_url = reverse("channels_registry:channel_list") + "?dormant=true"
    retire_all = format_lazy(
        ngettext_lazy("Retire {count} dormant channel?", "Retire {count} dormant channels?", len(due)), count=len(due)
    )
    still_dormant = gettext_lazy("Still dormant after the grace period: {channels}.")
    messages = [
        _in_language(
            user.language,
            user.pk,
            retire_all,
            format_lazy(still_dormant, channels=_names([name for _, name, _ in due])),
            list_url,
            {"count": len(due)},
        )
        for user in _it_people()
    ]
    it_ids = {m.recipient_id for m in messages}
    names_of = dict(Department.objects.filter(pk__in=per_department).values_list("pk", "name"))
    for user_id, department_id, language in (
        Membership.objects.filter(department_id__in=per_department, role="manager", user__is_active=True)
        .exclude(user_id__in=it_ids)
        .order_by("user_id", "department_id")
        .values_list("user_id", "department_id", "user__language")
    ):
        names = per_department[department_id]
        messages.append(
            _in_language(
                language,
                user_id,
                format_lazy(
                    ngettext_lazy(
                        "Retire {count} dormant channel of {department}?",
                        "Retire {count} dormant channels of {department}?",
                        len(names),
                    ),
                    count=len(names),
                    department=names_of[department_id],
                ),
                format_lazy(still_dormant, channels=_names(names)),
                f"{list_url}&department={department_id}",
                {"count": len(names), "department": department_id},
            )
        )
    notify_each(
        event="channel.retirement_proposed",
        messages=messages,
        webhook_title=site_text(retire_all),
        webhook_url=list_url,
        webhook_data={"count": len(due)},
    )
    return len(due)


def dormancy_audit(*, now: datetime | None = None, grace: timedelta = DORMANCY_GRACE) -> dict[str, int]:
    """Flag active channels quiet past their platform's threshold, escalate findings past the grace.

    Set-based, in short transactions of ``DORMANCY_BATCH`` rows (each with its part of the trail), so
    that no channel waits on the audit for longer than a batch: the number of queries grows with the
    batches, not with the channels, and every notification carries only what its recipient needs. The
    trail lists every flagged and escalated channel (``_audit_in_slices``) and the run's counts. Safe to
    run twice: flagged channels are dormant, escalated findings are escalated. (A run stopped between
    its batches and its notifications leaves those owners untold; the next run flags only new channels.)
    """
    now = now or timezone.now()
    # Escalate first: only findings from earlier runs can be past the grace, and the planner knows
    # those rows (the tens of thousands a first run inserts below have no statistics yet in this
    # transaction; escalating after them chose a nested loop that ran for minutes at 100,000 channels).
    escalated = _propose_retirements(now, grace)
    flagged = _flag_quiet_channels(now)
    if flagged or escalated:
        with transaction.atomic():
            audit.record(
                actor=None,
                action="channel.dormancy_audited",
                target_type=Channel._meta.label_lower,
                target_label="dormancy audit",
                data={"flagged": flagged, "retirement_proposed": escalated},
            )
    return {"flagged": flagged, "escalated": escalated}
