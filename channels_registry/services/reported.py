"""Reported accounts."""

from __future__ import annotations

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import User
from audit import duties
from audit import services as audit
from channels_registry import permissions
from channels_registry.choices import (
    ReportedState,
)
from channels_registry.models import (
    Channel,
    ReportedAccount,
)
from channels_registry.services._common import MAX_TEXT, _it_people, _text
from core.errors import InvalidInput, ensure, ensure_state
from notifications.services import decided_by, notify
from policies.handles import normalise_url
from policies.models import Platform


@transaction.atomic
def reported_account_create(*, actor: User, platform: Platform, url: str, note: str = "") -> ReportedAccount:
    ensure(permissions.may_act(actor), _("Auditors change nothing."))
    errors: dict[str, list[str]] = {}
    try:
        url = normalise_url(None, url)
    except InvalidInput as exc:
        errors.update(exc.fields)
    note = _text(note, "note", errors, required=False)
    if errors:
        raise InvalidInput(_("The report was not saved."), fields=errors)
    report = ReportedAccount.objects.create(platform=platform, url=url, note=note, reported_by=actor)
    audit.record(
        actor=actor, action="reported_account.created", target=report, data={"url": url, "platform": platform.slug}
    )
    notify(
        event="reported_account.created",
        recipients=_it_people().exclude(pk=actor.pk),
        title=format_lazy(
            gettext_lazy("An account claims to be us: {platform} {url}"), platform=platform.name, url=url
        ),
        body=note,
        url=reverse("channels_registry:it_desk"),
        target=report,
    )
    return report


TRIAGE_OUTCOMES = (ReportedState.CLAIMED, ReportedState.TAKEDOWN, ReportedState.FAN_PAGE, ReportedState.DISMISSED)
# What the person who reported an account reads, by the outcome.
TRIAGED_AS = {
    ReportedState.CLAIMED: gettext_lazy("Your report of {url} was triaged by {person}: claimed (registered)"),
    ReportedState.TAKEDOWN: gettext_lazy("Your report of {url} was triaged by {person}: takedown requested"),
    ReportedState.FAN_PAGE: gettext_lazy(
        "Your report of {url} was triaged by {person}: accepted as an unofficial fan page"
    ),
    ReportedState.DISMISSED: gettext_lazy("Your report of {url} was triaged by {person}: dismissed"),
}


@duties.refusals_recorded
@transaction.atomic
def reported_account_triage(
    *, actor: User, report: ReportedAccount, outcome: str, note: str = "", channel: Channel | None = None
) -> ReportedAccount:
    report = (
        ReportedAccount.objects.select_for_update(of=("self",))
        .select_related("platform", "reported_by")
        .get(pk=report.pk)
    )
    ensure(permissions.is_it_decider(actor), _("Only IT security triages reported accounts."))
    ensure_state(report, ReportedState.NEW, ReportedState.TAKEDOWN)
    duties.ensure_may_decide(
        actor, duties.Decision(kind="report_triage", target=report, requested_by=[report.reported_by_id])
    )
    if outcome not in TRIAGE_OUTCOMES:
        raise InvalidInput(
            _("Unknown outcome."),
            fields={"outcome": [_("Choose one of %(choices)s.") % {"choices": ", ".join(TRIAGE_OUTCOMES)}]},
        )
    if outcome == ReportedState.CLAIMED:
        if channel is None:
            raise InvalidInput(
                _("Register the account as a channel first, then claim it."),
                fields={"channel": [_("Choose the channel it was registered as.")]},
            )
        if channel.platform_id != report.platform_id:
            raise InvalidInput(_("Wrong platform."), fields={"channel": [_("That channel is on another platform.")]})
    report.state = outcome
    report.triaged_by = actor
    report.triaged_at = timezone.now()
    report.triage_note = (note or "").strip()[:MAX_TEXT]
    report.channel = channel if outcome == ReportedState.CLAIMED else None
    report.save(update_fields=["state", "triaged_by", "triaged_at", "triage_note", "channel"])
    audit.record(
        actor=actor,
        action="reported_account.triaged",
        target=report,
        data={"outcome": outcome, "note": report.triage_note, "channel": getattr(channel, "pk", None)},
    )
    notify(
        event="reported_account.triaged",
        recipients=[report.reported_by],
        title=format_lazy(TRIAGED_AS[report.state], url=report.url, person=actor.get_full_name()),
        body=decided_by(actor, report.triage_note),
        target=report,
        data={"decided_by": actor.pk, "comment": report.triage_note},
    )
    return report
