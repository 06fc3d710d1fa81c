"""Custodians, offboarding, rotation."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import User
from accounts.selectors import department_managers
from accounts.services import user_deactivate
from audit import services as audit
from channels_registry import permissions
from channels_registry.choices import (
    LIVE_STATES,
    OPEN_RECERT_STATES,
    ChannelRole,
    ChannelState,
    RecertificationState,
    RotationState,
)
from channels_registry.models import (
    AccessGrant,
    Channel,
    ChannelMembership,
    Recertification,
    RotationTask,
)
from channels_registry.services._common import (
    MAX_TEXT,
    _it_people,
    _lines,
    _recertifications_done,
    channel_url,
    live_custodians_of,
)
from channels_registry.services.lifecycle import _tell_of_it_decision
from core.errors import ensure, ensure_state
from notifications.services import notify


def _flag_orphans(actor: User | None, channel_ids: Iterable[int]) -> list[Channel]:
    """Mark live channels left with fewer than two custodians (and clear the mark when mended)."""
    from channels_registry.selectors import channels as channel_qs

    now = timezone.now()
    orphaned = []
    for channel in channel_qs().filter(pk__in=list(channel_ids)):
        if channel.state not in (*LIVE_STATES, ChannelState.SUSPENDED):
            continue
        if channel.custodian_count < 2 and channel.orphaned_at is None:
            Channel.objects.filter(pk=channel.pk).update(orphaned_at=now)
            channel.orphaned_at = now
            audit.record(
                actor=actor,
                action="channel.orphaned",
                target=channel,
                data={"custodians_left": channel.custodian_count},
            )
            orphaned.append(channel)
        elif channel.custodian_count >= 2 and channel.orphaned_at is not None:
            Channel.objects.filter(pk=channel.pk).update(orphaned_at=None)
            audit.record(actor=actor, action="channel.orphan_cleared", target=channel, data={})
    return orphaned


# What a channel's keepers read of someone who left, by the role they held.
LEFT_AS = {
    ChannelRole.OWNER: gettext_lazy("{person} left (owner)."),
    ChannelRole.ADMIN: gettext_lazy("{person} left (admin)."),
    ChannelRole.PUBLISHER: gettext_lazy("{person} left (publisher)."),
    ChannelRole.CONTRIBUTOR: gettext_lazy("{person} left (contributor)."),
}


@transaction.atomic
def user_offboard(*, actor: User | None, user: User, reason: str = "") -> dict[str, Any]:
    """Someone leaves: deactivate them, end their channel access, rotate what they knew, flag orphans.

    ``actor`` None is the system (the management command run by IT).
    """
    if actor is not None:
        ensure(permissions.can_offboard(actor), _("Only IT security or administrators offboard people."))
    user = user_deactivate(actor=actor, user=user, reason=reason or "Offboarded")
    now = timezone.now()
    memberships = list(
        ChannelMembership.objects.select_for_update(of=("self",))
        .filter(user=user, ended_at__isnull=True)
        .select_related("channel", "channel__platform", "channel__department")
    )
    channel_ids = sorted({m.channel_id for m in memberships})
    ChannelMembership.objects.filter(pk__in=[m.pk for m in memberships]).update(ended_at=now, ended_reason="Offboarded")
    grants = list(AccessGrant.objects.filter(user=user, revoked_at__isnull=True).values_list("pk", flat=True))
    AccessGrant.objects.filter(pk__in=grants).update(
        revoked_at=now, revoked_by=actor, revoke_reason=f"Offboarded. {reason}".strip()
    )
    if Recertification.objects.filter(grant_id__in=grants, state__in=OPEN_RECERT_STATES).update(
        state=RecertificationState.REVOKED, decided_at=now, note="Offboarded."
    ):
        _recertifications_done()
    tasks = []
    for m in memberships:
        audit.record(
            actor=actor,
            action="channel.member_offboarded",
            target=m.channel,
            data={"user": audit.personal(user.email), "role": m.role, "held_credentials": m.holds_credentials},
            subject=user,
        )
        if m.holds_credentials and m.channel.state not in (ChannelState.RETIRED, ChannelState.REJECTED):
            task, created = RotationTask.objects.get_or_create(
                channel=m.channel, departed_user=user, state=RotationState.OPEN
            )
            if created:
                audit.record(
                    actor=actor,
                    action="channel.rotation_opened",
                    target=m.channel,
                    data={"task": task.pk, "departed": audit.personal(user.email)},
                    subject=user,
                )
            tasks.append(task)
    orphaned = _flag_orphans(actor, channel_ids)
    orphan_ids = {c.pk for c in orphaned}
    for m in memberships:
        channel = m.channel
        lines = [format_lazy(LEFT_AS[m.role], person=user.email)]
        if any(t.channel_id == channel.pk for t in tasks):
            lines.append(gettext_lazy("IT will rotate the credentials they knew."))
        if channel.pk in orphan_ids:
            lines.append(gettext_lazy("Fewer than two custodians remain: name another custodian."))
        keepers = [m.user for m in live_custodians_of(channel)]
        recipients = {u.pk: u for u in [*keepers, *department_managers(channel.department_id), *_it_people()]}
        recipients.pop(getattr(actor, "pk", None), None)
        notify(
            event="channel.custodian_left",
            recipients=recipients.values(),
            title=format_lazy(
                gettext_lazy("{person} left {channel} — orphaned")
                if channel.pk in orphan_ids
                else gettext_lazy("{person} left {channel}"),
                person=user.email,
                channel=channel.display_name,
            ),
            body=_lines(*lines),
            url=channel_url(channel),
            target=channel,
            data={"user": user.email, "orphaned": channel.pk in orphan_ids},
        )
    audit.record(
        actor=actor,
        action="user.offboarded",
        target=user,
        data={
            "reason": reason,
            "memberships_ended": len(memberships),
            "grants_revoked": len(grants),
            "rotation_tasks": [t.pk for t in tasks],
            "orphaned_channels": sorted(orphan_ids),
        },
    )
    return {"user": user, "memberships": memberships, "rotation_tasks": tasks, "orphaned": orphaned}


@transaction.atomic
def rotation_task_close(*, actor: User, task: RotationTask, note: str = "") -> RotationTask:
    task = (
        RotationTask.objects.select_for_update(of=("self",)).select_related("channel", "departed_user").get(pk=task.pk)
    )
    ensure(permissions.is_it_decider(actor), _("Only IT security closes credential rotations."))
    ensure_state(task, RotationState.OPEN)
    task.state = RotationState.DONE
    task.closed_by = actor
    task.closed_at = timezone.now()
    task.note = (note or "").strip()[:MAX_TEXT]
    task.save(update_fields=["state", "closed_by", "closed_at", "note"])
    audit.record(
        actor=actor,
        action="channel.rotation_done",
        target=task.channel,
        data={"task": task.pk, "departed": audit.personal(task.departed_user.email), "note": task.note},
        subject=task.departed_user_id,
    )
    channel = task.channel
    _tell_of_it_decision(
        actor,
        channel,
        "channel.rotation_done",
        gettext_lazy("Credentials of {channel} rotated by {person}"),
        task.note,
        to=[m.user for m in live_custodians_of(channel)],
    )
    return task


@transaction.atomic
def membership_confirm_mfa(*, actor: User, channel: Channel) -> ChannelMembership:
    """A member confirms that their own access to the channel uses two-factor authentication."""
    ensure(permissions.may_act(actor), _("Auditors change nothing."))
    membership = (
        ChannelMembership.objects.select_for_update(of=("self",))
        .filter(channel=channel, user=actor, ended_at__isnull=True)
        .first()
    )
    ensure(membership is not None, _("You hold no role on this channel."))
    if membership.mfa_confirmed:
        return membership
    membership.mfa_confirmed = True
    membership.save(update_fields=["mfa_confirmed"])
    audit.record(
        actor=actor,
        action="channel.member_mfa_confirmed",
        target=channel,
        data={"user": audit.personal(actor.email)},
        subject=actor,
    )
    return membership
