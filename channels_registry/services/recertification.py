"""Access: recertification of the grants."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext_lazy

from accounts.models import User
from audit import duties
from audit import services as audit
from channels_registry import permissions
from channels_registry.choices import (
    OPEN_RECERT_STATES,
    ChannelRole,
    RecertificationState,
)
from channels_registry.models import (
    AccessGrant,
    ChannelMembership,
    Recertification,
)
from channels_registry.services._common import (
    GRANT_REVIEW_DAYS,
    MAX_TEXT,
    RECERT_ESCALATE_AFTER,
    RECERTIFY_KEY,
    _in_language,
    _it_people,
    _recertifications_done,
    channel_url,
    grant_review_key,
)
from channels_registry.services.access import grant_revoke
from core.errors import Conflict, InvalidInput, ensure, ensure_state
from notifications.services import decided_by, notifications_done, notify, notify_each, site_text


@transaction.atomic
def recertifications_open(*, now: datetime | None = None) -> dict[str, int]:
    """Open an item for every live grant past its review date; escalate week-old ones to IT.

    Bulk queries only; safe to run twice (one open item per grant at most).
    """
    now = now or timezone.now()
    open_items = Recertification.objects.filter(state__in=OPEN_RECERT_STATES)
    due = list(
        AccessGrant.objects.filter(revoked_at__isnull=True, review_by__lte=now.date())
        .exclude(pk__in=open_items.values("grant_id"))
        .values_list("pk", "channel_id")
    )
    if due:
        Recertification.objects.bulk_create(
            [Recertification(grant_id=g, opened_at=now, escalate_at=now + RECERT_ESCALATE_AFTER) for g, _ in due]
        )
        owners_of: dict[int, set[int]] = {}
        languages: dict[int, str] = {}  # the recipients' languages, read with the rows that name them
        for user_id, channel_id, language in ChannelMembership.objects.filter(
            channel_id__in={c for _, c in due}, role=ChannelRole.OWNER, ended_at__isnull=True, user__is_active=True
        ).values_list("user_id", "channel_id", "user__language"):
            owners_of.setdefault(channel_id, set()).add(user_id)
            languages[user_id] = language
        # Separation of duties: nobody recertifies their own grant. A grant whose holder is its channel's only
        # owner goes to IT security at once (the next level), not back to the holder.
        holders = dict(AccessGrant.objects.filter(pk__in=[g for g, _ in due]).values_list("pk", "user_id"))
        it_people = list(_it_people().values_list("pk", "language"))
        it_ids = [pk for pk, _language in it_people]
        languages.update((pk, language) for pk, language in it_people if pk not in languages)
        per_person: dict[int, list[int]] = {}
        for grant_id, channel_id in due:
            deciders = owners_of.get(channel_id, set()) - {holders[grant_id]}
            for user_id in deciders or (set(it_ids) - {holders[grant_id]}):
                per_person.setdefault(user_id, []).append(grant_id)
        url = reverse("channels_registry:recertification_list")
        notify_each(
            event="access.recertification_due",
            messages=[
                _in_language(
                    languages.get(user_id, ""),
                    user_id,
                    format_lazy(
                        ngettext_lazy(
                            "Confirm or revoke {count} access grant",
                            "Confirm or revoke {count} access grants",
                            len(grants),
                        ),
                        count=len(grants),
                    ),
                    gettext_lazy(
                        "Each grant is reviewed every 90 days by someone other than its holder. "
                        "Unanswered items go to IT after a week."
                    ),
                    url,
                    {"grants": grants},
                )
                for user_id, grants in sorted(per_person.items())
            ],
            webhook_title=site_text(
                format_lazy(
                    ngettext_lazy(
                        "{count} access grant due for recertification",
                        "{count} access grants due for recertification",
                        len(due),
                    ),
                    count=len(due),
                )
            ),
            webhook_url=url,
            webhook_data={"grants": [g for g, _ in due]},
            action_key=RECERTIFY_KEY,
        )
    late_rows = list(
        Recertification.objects.select_for_update(of=("self",))
        .filter(state=RecertificationState.OPEN, escalate_at__lte=now)
        .values_list("pk", "grant_id")
    )
    late = [pk for pk, _ in late_rows]
    if late:
        Recertification.objects.filter(pk__in=late).update(state=RecertificationState.ESCALATED, escalated_at=now)
        notify(
            event="access.recertification_escalated",
            recipients=_it_people(),
            title=format_lazy(
                ngettext_lazy(
                    "{count} recertification unanswered for a week",
                    "{count} recertifications unanswered for a week",
                    len(late),
                ),
                count=len(late),
            ),
            url=reverse("channels_registry:recertification_list"),
            data={"recertifications": late, "grants": [g for _, g in late_rows]},
            action_key=RECERTIFY_KEY,
        )
    if due or late:
        audit.record(
            actor=None,
            action="access.recertification_run",
            target_type="channels_registry.recertification",
            target_label="recertification run",
            data={"opened_for_grants": [g for g, _ in due], "escalated": late},
        )
    return {"opened": len(due), "escalated": len(late)}


@duties.refusals_recorded
@transaction.atomic
def recertification_decide(
    *, actor: User, recertification: Recertification, confirm: bool, note: str = ""
) -> Recertification:
    item = (
        Recertification.objects.select_for_update(of=("self",))
        .select_related("grant", "grant__channel", "grant__user")
        .get(pk=recertification.pk)
    )
    ensure(permissions.can_decide_recertification(actor, item), _("Only the channel's owner or IT security decides."))
    ensure_state(item, *OPEN_RECERT_STATES)
    duties.ensure_may_decide(actor, duties.Decision(kind="recertification", target=item, subjects=[item.grant.user_id]))
    note = (note or "").strip()[:MAX_TEXT]
    if not confirm and not note:
        raise InvalidInput(_("Say why the access is revoked."), fields={"note": [_("Say why the access is revoked.")]})
    now = timezone.now()
    grant = item.grant
    if confirm:
        # The grant changes too: lock it (the item's lock covers the item alone); one revoked meanwhile stays revoked.
        if AccessGrant.objects.select_for_update(of=("self",)).get(pk=grant.pk).revoked_at is not None:
            raise Conflict(_("This access was revoked meanwhile."), code="invalid_state")
        grant.review_by = now.date() + timedelta(days=GRANT_REVIEW_DAYS)
        grant.save(update_fields=["review_by"])
        item.state = RecertificationState.CONFIRMED
        item.decided_by = actor
        item.decided_at = now
        item.note = note
        item.save(update_fields=["state", "decided_by", "decided_at", "note"])
        audit.record(
            actor=actor,
            action="access.recertified",
            target=grant.channel,
            data={
                "grant": grant.pk,
                "user": audit.personal(grant.user.email),
                "review_by": grant.review_by,
                "note": note,
            },
            subject=grant.user_id,
        )
        _recertifications_done()
        notifications_done(key=grant_review_key(grant))  # IT's reminder that it is due for review
        notify(
            event="access.recertified",
            recipients=[grant.user],
            title=format_lazy(
                gettext_lazy("{person} confirmed your access to {channel}"),
                person=actor.get_full_name(),
                channel=grant.channel.display_name,
            ),
            body=format_lazy(
                "{}\n{}",
                decided_by(actor, note),
                format_lazy(gettext_lazy("Next review by {date}."), date=f"{grant.review_by:%Y-%m-%d}"),
            ),
            url=channel_url(grant.channel),
            target=grant.channel,
            data={"decided_by": actor.pk, "comment": note, "review_by": grant.review_by},
        )
    else:
        grant_revoke(actor=actor, grant=grant, reason=f"Not recertified: {note}")
        item.refresh_from_db()
    return item
