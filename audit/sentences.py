"""An audit event as a plain-language sentence, with the fields it changed.

``describe(event)`` reads only what the event row already holds (``action``, ``actor_label``, ``target_type`` and
``details``, as ``audit.selectors.with_people`` annotates them): it makes no query. It returns plain text; the
templates escape it like any user text. Values a person's erasure blanked are shown as erased: their keys are gone
from ``details`` (the personal row holds ``{}``), and ``_value`` names a missing personal value ``[erased]``.

The most common actions have their own wording (``SENTENCES``); every other action reads as its name humanised
("Post stage decided") with the fields that changed, from the shapes the services write: a ``changes`` mapping or
top-level ``[before, after]`` pairs (admin and route changes), ``before``/``after`` or ``from``/``to`` values, a
``changed`` list of field names, and ``added``/``removed`` lists.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps

from audit.services import ERASED

OUTCOME_VERBS = {
    "approve": "approved",
    "request_changes": "asked for changes at",
    "reject": "rejected",
}


@dataclass
class Description:
    sentence: str
    changes: list[str] = field(default_factory=list)


def _quote(value: Any) -> str:
    if value is None or value == "":
        return "nothing"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list | tuple):
        return ", ".join(_quote(v) for v in value) if value else "none"
    if isinstance(value, dict):
        return ", ".join(f"{_field(k)} {_quote(v)}" for k, v in value.items()) if value else "nothing"
    return f"“{value}”"


def _field(name: str) -> str:
    return str(name).replace("_", " ")


def _value(details: dict, key: str, default: str = "") -> str:
    """A value the event holds; a personal one its subject's erasure removed reads as erased."""
    if key not in details:
        return default or ERASED
    return str(details[key])


def _kind(event: Any) -> str:
    """The target's kind in words ("channel", "post"), from the app registry (no query)."""
    try:
        return str(apps.get_model(event.target_type)._meta.verbose_name)
    except (LookupError, ValueError):
        return _field(str(event.target_type).rpartition(".")[2] or "record")


def humanise(action: str) -> str:
    """ "post.stage_decided" -> "Post stage decided"."""
    words = _field(action.replace(".", " ")).split()
    return " ".join(words).capitalize() if words else action


def _pair_changes(pairs: dict) -> list[str]:
    return [f"{_field(k)} from {_quote(v[0])} to {_quote(v[1])}" for k, v in pairs.items()]


def changes_of(details: dict) -> list[str]:
    """The fields an event changed, in words, from whichever shape its service wrote."""
    if not isinstance(details, dict):
        return []
    found: list[str] = []
    if isinstance(details.get("changes"), dict):
        found += _pair_changes({k: v for k, v in details["changes"].items() if _is_pair(v)})
    pairs = {k: v for k, v in details.items() if k != "changes" and k not in LIST_KEYS and _is_pair(v)}
    found += _pair_changes(pairs)
    for old, new in (("before", "after"), ("from", "to")):
        if old in details and new in details and not isinstance(details[new], list):
            found.append(f"from {_quote(details[old])} to {_quote(details[new])}")
    values = details.get("values") if isinstance(details.get("values"), dict) else {}
    if isinstance(details.get("changed"), list):
        for name in details["changed"]:
            if name in values:
                found.append(f"{_field(name)} to {_quote(values[name])}")
            elif "from" in values and "to" in values and len(details["changed"]) == 1:
                found.append(f"{_field(name)} from {_quote(values['from'])} to {_quote(values['to'])}")
            else:
                found.append(_field(name))
    for key, word in (("added", "added"), ("removed", "removed")):
        if details.get(key):
            found.append(f"{word} {_quote(details[key])}")
    return found


# Keys whose lists are sets of things, never a value before and after.
LIST_KEYS = {"added", "removed", "to", "kinds", "custodians", "channels", "opened_for_grants", "changed", "stages"}


def _is_pair(value: Any) -> bool:
    return isinstance(value, list) and len(value) == 2


def _stage_decided(e: Any, d: dict) -> str:
    verb = OUTCOME_VERBS.get(d.get("outcome", ""), "decided")
    text = f"{e.actor_label} {verb} the {_value(d, 'stage', 'unnamed')} stage"
    return text + (" on someone's behalf" if d.get("on_behalf_of") else "")


def _with(text: str, d: dict, key: str, lead: str) -> str:
    return f"{text}{lead}{_quote(d[key])}" if d.get(key) else text


def _roles(e: Any, d: dict) -> str:
    parts = []
    if d.get("added"):
        parts.append(f"gave the role(s) {_quote(d['added'])}")
    if d.get("removed"):
        parts.append(f"took away the role(s) {_quote(d['removed'])}")
    return f"{e.actor_label} " + (" and ".join(parts) or "changed the roles")


def _membership_set(e: Any, d: dict) -> str:
    before = f" (was {_quote(d['before'])})" if d.get("before") else ""
    return (
        f"{e.actor_label} made {_value(d, 'user')} {_quote(d.get('after'))} "
        f"in the department {_quote(d.get('department'))}{before}"
    )


def _admin_changed(e: Any, d: dict) -> str:
    pairs = d.get("changes") if isinstance(d.get("changes"), dict) else {}
    said = " and ".join(_pair_changes({k: v for k, v in pairs.items() if _is_pair(v)}))
    return f"{e.actor_label} changed the {_kind(e)}'s {said}" if said else f"{e.actor_label} changed the {_kind(e)}"


def _lockdown_ended(e: Any, d: dict) -> str:
    return "The lockdown ended at its set time" if d.get("automatic") else f"{e.actor_label} ended the lockdown"


Sentence = Callable[[Any, dict], str]

SENTENCES: dict[str, Sentence] = {
    "post.created": lambda e, d: f"{e.actor_label} created the post",
    "post.revised": lambda e, d: f"{e.actor_label} revised the post (revision {_value(d, 'revision', '?')})",
    "post.submitted": lambda e, d: f"{e.actor_label} submitted the post for review",
    "post.resubmitted": lambda e, d: f"{e.actor_label} resubmitted the post for review",
    "post.stage_decided": _stage_decided,
    "post.approved": lambda e, d: f"{e.actor_label} approved the post",
    "post.scheduled": lambda e, d: _with(f"{e.actor_label} approved the post", d, "scheduled_at", ", due "),
    "post.rejected": lambda e, d: f"{e.actor_label} rejected the post",
    "post.changes_requested": lambda e, d: f"{e.actor_label} asked for changes to the post",
    "post.withdrawn": lambda e, d: _with(f"{e.actor_label} withdrew the post", d, "reason", ": "),
    "post.published": lambda e, d: _with(f"{e.actor_label} recorded the post as published", d, "url", " at "),
    "post.released": lambda e, d: "The post was released for publishing",
    "post.expired": lambda e, d: "The post expired before it was published",
    "post.commented": lambda e, d: f"{e.actor_label} commented on the post",
    "channel.registered": lambda e, d: (
        f"{e.actor_label} registered the channel {_quote(d.get('handle'))} on {_quote(d.get('platform'))} "
        f"for the department {_quote(d.get('department'))}"
    ),
    "channel.approved": lambda e, d: _with(f"{e.actor_label} approved the channel", d, "note", ": "),
    "channel.rejected": lambda e, d: _with(f"{e.actor_label} rejected the channel", d, "reason", ": "),
    "channel.suspended": lambda e, d: _with(f"{e.actor_label} suspended the channel", d, "reason", ": "),
    "channel.reinstated": lambda e, d: _with(f"{e.actor_label} reinstated the channel", d, "state", " as "),
    "channel.retired": lambda e, d: _with(f"{e.actor_label} retired the channel", d, "reason", ": "),
    "channel.security_reviewed": lambda e, d: (
        f"{e.actor_label} reviewed the channel's security: {'passed' if d.get('outcome') == 'passed' else 'failed'}"
    ),
    "channel.activity_recorded": lambda e, d: _with("Activity was recorded on the channel", d, "kind", ": "),
    "access.requested": lambda e, d: f"{e.actor_label} asked for access",
    "access.granted": lambda e, d: f"{e.actor_label} granted {_value(d, 'requester')} the access they asked for",
    "access.refused": lambda e, d: f"{e.actor_label} refused {_value(d, 'requester')} the access they asked for",
    "access.granted_role": lambda e, d: (
        f"{e.actor_label} gave {_value(d, 'user')} the role {_quote(d.get('role'))} on the channel"
    ),
    "access.revoked": lambda e, d: _with(
        f"{e.actor_label} revoked the {_quote(d.get('role'))} access of {_value(d, 'user')}", d, "reason", ": "
    ),
    "membership.set": _membership_set,
    "membership.removed": lambda e, d: (
        f"{e.actor_label} removed {_value(d, 'user')} from the department {_quote(d.get('department'))}"
    ),
    "policy.acknowledged": lambda e, d: (
        f"{e.actor_label} acknowledged version {_value(d, 'version', '?')} of the policy"
    ),
    "policy.published": lambda e, d: f"{e.actor_label} published version {_value(d, 'number', '?')} of the policy",
    "lockdown.started": lambda e, d: _with(f"{e.actor_label} started a lockdown", d, "reason", ": "),
    "lockdown.ended": _lockdown_ended,
    "user.roles_changed": _roles,
    "admin.changed": _admin_changed,
    "admin.created": lambda e, d: f"{e.actor_label} created the {_kind(e)}",
    "admin.deleted": lambda e, d: f"{e.actor_label} deleted the {_kind(e)}",
}

# Whose wording already says what changed: their change list would repeat it.
SAID_IN_FULL = {"membership.set", "user.roles_changed", "admin.changed"}


def describe(event: Any) -> Description:
    """The event as a sentence and the fields it changed (plain text, escaped by the template)."""
    details = event.details if isinstance(getattr(event, "details", None), dict) else {}
    write = SENTENCES.get(event.action)
    if write is not None:
        changes = [] if event.action in SAID_IN_FULL else changes_of(details)
        return Description(write(event, details), changes)
    return Description(f"{humanise(event.action)} by {event.actor_label}", changes_of(details))
