"""Data-subject requests (GDPR articles 15 and 17): everything about a person as a download, and erasure.

Both are handled by someone other than the person (compliance or IT security for an export; IT security for an
erasure, who alone erases the audit trail's personal rows), audited, and logged in ``SubjectRequest`` for auditors.

Erasure runs only outside legal holds: a person a hold names, or whose posts, comments, decisions, notifications
or activity a hold covers, is refused with the holds' numbers and nothing is erased. Otherwise, in one
transaction: the audit trail's personal rows about them are blanked (``audit_erase_person``: the chain still
verifies); rows that exist only for them (notifications, preferences, tokens, sign-in addresses, second
factors, sessions, calendar feeds) are deleted; their account is pseudonymised (``erased-<id>@erased.invalid``, no
name, no password); and every text and JSON column of every other table is swept for their addresses and name,
each occurrence replaced by ``[erased]`` (mentions in colleagues' posts and comments, a channel's recovery address,
the admin's log). Company records they made (posts, decisions) stay, naming a pseudonym.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from typing import Any

from django.apps import apps
from django.contrib.auth import get_user_model
from django.db import models, transaction
from django.db.models import Q
from django.db.models.functions import Cast
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from accounts.permissions import ensure_mfa
from audit import services as audit
from audit.models import AuditEvent, AuditPersonal
from core.errors import Conflict, InvalidInput, ensure
from records import permissions
from records.choices import RequestKind, RequestState
from records.models import LegalHold, SubjectRequest
from records.registry import RECORD_TYPES
from records.services import active_holds, ensure_not_own

User = get_user_model()

ERASED = "[erased]"
# Rows that exist only for the person: deleted by an erasure (by label, so records imports none of their apps).
PERSONAL_ONLY = {
    "notifications.Notification": "recipient",
    "notifications.NotificationPreference": "user",
    "accounts.ApiToken": "user",
    "account.EmailAddress": "user",
    "mfa.Authenticator": "user",
    "usersessions.UserSession": "user",
    "socialaccount.SocialAccount": "user",
    "reports.CalendarFeed": "user",
}
# Tables the sweep leaves alone: the audit trail is append-only (its personal rows are erased by the audit app).
NOT_SWEPT = {
    AuditEvent,
    AuditPersonal,
    apps.get_model("audit", "ChainLink"),
    apps.get_model("audit", "AuditCheckpoint"),
}
TEXT_FIELDS = (models.CharField, models.TextField)  # EmailField, URLField, SlugField … are CharFields
MIN_NAME = 4  # a shorter name is too likely a part of other words to be swept


def _clean_reference(reference: str) -> str:
    reference = (reference or "").strip()
    if "\x00" in reference or len(reference) > 100:
        raise InvalidInput("The reference is not valid.", fields={"reference": ["Up to 100 characters."]})
    return reference


def _stamp(value: Any) -> Any:
    return value.isoformat() if hasattr(value, "isoformat") else value


def _rows(qs, *fields: str) -> list[dict[str, Any]]:
    return [{k: _stamp(v) for k, v in row.items()} for row in qs.values(*fields)]


# --- Article 15: the export --------------------------------------------------------------------------------------


def _audit_events(person: User) -> list[dict[str, Any]]:
    """Events the person acted in or is the subject of, with what the trail says about them (not about others)."""
    own = {}
    for row in AuditPersonal.objects.filter(person=person).values("event_id", "ref", "label", "ip", "data"):
        own.setdefault(row["event_id"], {})[row["ref"]] = row
    ids = set(own) | set(AuditEvent.objects.filter(actor=person).values_list("id", flat=True))
    out = []
    for event in AuditEvent.objects.filter(pk__in=ids).order_by("id").iterator(chunk_size=2000):
        rows = own.get(event.pk, {})
        subject = rows.get("subject")
        out.append(
            {
                "id": event.pk,
                "created_at": _stamp(event.created_at),
                "action": event.action,
                "role": "actor" if event.actor_id == person.pk else "subject",
                "target_type": event.target_type,
                "target_id": event.target_id,
                "target_label": subject["label"] if subject else event.target_text,
                "data": {**event.data, **(subject["data"] if subject else {})},
                "client_ip": rows["actor"]["ip"] if "actor" in rows else None,
            }
        )
    return out


def subject_data(person: User) -> dict[str, Any]:
    """Everything socialgov holds about ``person``, as JSON-ready values."""
    from approvals.models import Comment, Decision, Delegation, DriftFinding, Post, PostRevision, PublicationReport
    from channels_registry.models import AccessGrant, AccessRequest, ChannelMembership
    from notifications.models import Notification

    revisions = {}
    for r in PostRevision.objects.filter(post__author=person).order_by("post_id", "number"):
        revisions.setdefault(r.post_id, []).append(
            {"number": r.number, "body": r.body, "links": r.links, "created_at": _stamp(r.created_at)}
        )
    posts = _rows(
        Post.objects.filter(author=person).order_by("id"),
        "id",
        "channel_id",
        "channel__display_name",
        "state",
        "body",
        "links",
        "created_at",
        "published_at",
        "published_url",
    )
    for post in posts:
        post["revisions"] = revisions.get(post["id"], [])
    return {
        "format": "socialgov-subject-access/1",
        "made_at": timezone.now().isoformat(),
        "profile": {
            "id": person.pk,
            "email": person.email,
            "full_name": person.full_name,
            "date_joined": _stamp(person.date_joined),
            "last_login": _stamp(person.last_login),
            "is_active": person.is_active,
            "deactivated_at": _stamp(person.deactivated_at),
            "groups": sorted(person.groups.values_list("name", flat=True)),
        },
        "memberships": _rows(person.memberships.order_by("id"), "department__name", "role", "created_at"),
        "channel_memberships": _rows(
            ChannelMembership.objects.filter(user=person).order_by("id"),
            "channel_id",
            "channel__display_name",
            "role",
            "holds_credentials",
            "mfa_confirmed",
        ),
        "access_requests": _rows(
            AccessRequest.objects.filter(requester=person).order_by("id"),
            "id",
            "kind",
            "channel_id",
            "role",
            "reason",
            "state",
            "decision_reason",
        ),
        "access_grants": _rows(
            AccessGrant.objects.filter(user=person).order_by("id"), "id", "channel_id", "role", "reason"
        ),
        "posts": posts,
        "comments": _rows(Comment.objects.filter(author=person).order_by("id"), "post_id", "body", "created_at"),
        "publication_reports": _rows(
            PublicationReport.objects.filter(reported_by=person).order_by("id"),
            "id",
            "post_id",
            "channel_id",
            "source",
            "text",
            "url",
            "links",
            "published_at",
            "outcome",
            "created_at",
        ),
        "drift_findings": _rows(
            DriftFinding.objects.filter(post__author=person).order_by("id"),
            "id",
            "post_id",
            "report_id",
            "kind",
            "detail",
            "data",
            "created_at",
        ),
        "decisions": _rows(
            Decision.objects.filter(reviewer=person).order_by("id"),
            "stage_review__post_id",
            "stage_review__name",
            "outcome",
            "comment",
            "created_at",
        ),
        "delegations": _rows(
            Delegation.objects.filter(Q(delegator=person) | Q(delegate=person)).order_by("id"),
            "delegator_id",
            "delegate_id",
            "starts_at",
            "ends_at",
            "reason",
        ),
        "notifications": _rows(
            Notification.objects.filter(recipient=person).order_by("id"),
            "event",
            "title",
            "body",
            "url",
            "created_at",
            "read_at",
        ),
        "api_tokens": _rows(
            person.api_tokens.order_by("id"), "name", "prefix", "scope", "created_at", "expires_at", "revoked_at"
        ),
        "audit_events": _audit_events(person),
    }


def _log(*, actor: User, person: User, kind: str, state: str, reference: str, counts=None, refusal="") -> Any:
    entry = SubjectRequest.objects.create(
        kind=kind,
        person=person,
        handled_by=actor,
        reference=reference,
        state=state,
        created_at=timezone.now(),
        counts=counts or {},
        refusal=refusal,
    )
    action = {
        (RequestKind.ACCESS, RequestState.DONE): "records.subject_exported",
        (RequestKind.ERASURE, RequestState.DONE): "records.subject_erased",
        (RequestKind.ERASURE, RequestState.REFUSED): "records.erasure_refused",
    }[(kind, state)]
    audit.record(
        actor=actor,
        action=action,
        target=entry,
        data={"person": person.pk, "reference": reference, "counts": entry.counts, "refusal": refusal},
    )
    return entry


@transaction.atomic
def subject_access_export(*, actor: User, person: User, reference: str = "") -> tuple[SubjectRequest, bytes]:
    """Article 15: everything about ``person`` as one JSON document (UTF-8), and the request on the log."""
    ensure(permissions.can_keep_records(actor), "Only compliance and IT security answer data-subject requests.")
    ensure_mfa(actor)
    ensure_not_own(actor, person, gettext_noop("This data-subject request"))
    reference = _scrub(_clean_reference(reference), _needles(person))  # the trail keeps it: name nobody in it
    data = subject_data(person)
    counts = {k: len(v) for k, v in data.items() if isinstance(v, list)}
    entry = _log(
        actor=actor, person=person, kind=RequestKind.ACCESS, state=RequestState.DONE, reference=reference, counts=counts
    )
    data["request"] = {"id": entry.pk, "reference": reference}
    return entry, json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True, default=str).encode()


# --- Article 17: erasure -----------------------------------------------------------------------------------------


def _person_q(kind, person_id: int) -> Q:
    q = Q()
    for path in kind.person:
        q |= Q(**{f"{path}_id": person_id})
    return q


def holds_on_person(person: User) -> list[LegalHold]:
    """Active holds that name the person, or cover a record of a kind that names them."""
    found = []
    for hold in active_holds():
        if hold.person_id == person.pk:
            found.append(hold)
            continue
        for kind in RECORD_TYPES.values():
            q = kind.hold_q(hold)
            if q is None or not kind.person:
                continue
            if kind.model_class()._default_manager.filter(q).filter(_person_q(kind, person.pk)).exists():
                found.append(hold)
                break
    return found


def _needles(person: User) -> list[re.Pattern[str]]:
    addresses = {person.email.lower()}
    email_model = _model("account.EmailAddress")
    if email_model is not None:
        addresses |= {e.lower() for e in email_model.objects.filter(user=person).values_list("email", flat=True)}
    patterns = [re.compile(re.escape(a), re.IGNORECASE) for a in sorted(addresses) if a]
    name = " ".join(person.full_name.split())
    if len(name) >= MIN_NAME:
        words = r"\s+".join(re.escape(w) for w in name.split())
        patterns.append(re.compile(rf"(?<!\w){words}(?!\w)", re.IGNORECASE))
    return patterns


def _model(label: str):
    try:
        return apps.get_model(label)
    except LookupError:
        return None


def _scrub(value: Any, patterns: Iterable[re.Pattern[str]]) -> Any:
    if isinstance(value, str):
        for p in patterns:
            value = p.sub(ERASED, value)
        return value
    if isinstance(value, list):
        return [_scrub(v, patterns) for v in value]
    if isinstance(value, dict):
        return {_scrub(k, patterns): _scrub(v, patterns) for k, v in value.items()}
    return value


def _literal(pattern: re.Pattern[str]) -> str:
    """What a database filter looks for: the address, or the name's first word (the regex decides)."""
    text = pattern.pattern.replace(r"(?<!\w)", "").replace(r"(?!\w)", "")
    first = re.split(r"\\s\+", text)[0]
    return re.sub(r"\\(.)", r"\1", first)


def sweep(patterns: list[re.Pattern[str]], *, skip: set[Any]) -> dict[str, int]:
    """Replace every match in every text and JSON column of every table but ``skip``: rows changed per table."""
    changed: dict[str, int] = {}
    literals = sorted({_literal(p) for p in patterns})
    for model in apps.get_models(include_auto_created=True):
        if model in skip or model._meta.proxy or not model._meta.managed:
            continue
        fields = [
            f
            for f in model._meta.concrete_fields
            if isinstance(f, (*TEXT_FIELDS, models.JSONField)) and not f.primary_key and not f.choices
        ]
        if not fields:
            continue
        manager = model._base_manager
        for field in fields:
            name = field.attname
            if isinstance(field, models.JSONField):
                qs = manager.annotate(_as_text=Cast(name, models.TextField()))
                column = "_as_text"
            else:
                qs, column = manager.all(), name
            match = Q()
            for literal in literals:
                match |= Q(**{f"{column}__icontains": literal})
            for pk, value in qs.filter(match).values_list("pk", name):
                new = _scrub(value, patterns)
                if new != value:
                    manager.filter(pk=pk).update(**{name: new})
                    changed[model._meta.label_lower] = changed.get(model._meta.label_lower, 0) + 1
    return changed


def _refuse(actor: User, person: User, reference: str, message: str) -> None:
    with transaction.atomic():
        _log(
            actor=actor,
            person=person,
            kind=RequestKind.ERASURE,
            state=RequestState.REFUSED,
            reference=reference,
            refusal=message,
        )
    raise Conflict(message, code="legal_hold")


def subject_erase(*, actor: User, person: User, reference: str = "") -> SubjectRequest:
    """Article 17: erase ``person``'s personal data (see the module). Refused, on the log, under a legal hold."""
    ensure(permissions.can_erase(actor), "Only IT security erases a person's data.")
    ensure_mfa(actor)
    ensure_not_own(actor, person, gettext_noop("This erasure"))
    person = User.objects.get(pk=person.pk)  # as it is now (an offboarding may have just switched it off)
    reference = _scrub(_clean_reference(reference), _needles(person))  # the trail keeps it: name nobody in it
    if person.is_active:
        raise Conflict(_("Deactivate (offboard) the person before erasing their data."), code="invalid_state")
    if person.email.endswith("@erased.invalid"):
        raise Conflict(_("This person’s data was already erased."), code="invalid_state")
    holds = holds_on_person(person)
    if holds:
        numbers = ", ".join(f"#{h.pk}" for h in holds)
        _refuse(
            actor,
            person,
            reference,
            f"Person #{person.pk} is under legal hold {numbers}: their data is kept until the hold is released. "
            "Nothing was erased.",
        )
    with transaction.atomic():
        person = User.objects.select_for_update(of=("self",)).get(pk=person.pk)
        patterns = _needles(person)
        counts: dict[str, Any] = {}
        counts["audit_rows"] = audit.audit_erase_person(
            actor=actor, person=person, reason=f"Data-subject erasure {reference}".strip()
        )
        deleted = {}
        for label, field in PERSONAL_ONLY.items():
            model = _model(label)
            if model is not None:
                n, _kinds = model._default_manager.filter(**{field: person}).delete()
                if n:
                    deleted[label.lower()] = n
        counts["deleted"] = deleted
        person.email = f"erased-{person.pk}@erased.invalid"
        person.full_name = ""
        person.is_active = False
        person.deactivated_at = person.deactivated_at or timezone.now()
        person.set_unusable_password()
        person.save(update_fields=["email", "full_name", "is_active", "deactivated_at", "password"])
        counts["swept"] = sweep(patterns, skip=NOT_SWEPT | {User})
        entry = _log(
            actor=actor,
            person=person,
            kind=RequestKind.ERASURE,
            state=RequestState.DONE,
            reference=reference,
            counts=counts,
        )
    return entry
