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
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from audit.services import ERASED

# Read in the reader's language: the trail's pages describe events when they are shown (describe makes no query).
STAGE_OUTCOMES = {
    "approve": gettext_lazy("%(actor)s approved the %(stage)s stage"),
    "request_changes": gettext_lazy("%(actor)s asked for changes at the %(stage)s stage"),
    "reject": gettext_lazy("%(actor)s rejected the %(stage)s stage"),
}


@dataclass
class Description:
    sentence: str
    changes: list[str] = field(default_factory=list)


def _quote(value: Any) -> str:
    if value is None or value == "":
        return _("nothing")
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, list | tuple):
        return ", ".join(_quote(v) for v in value) if value else _("none")
    if isinstance(value, dict):
        return ", ".join(f"{_field(k)} {_quote(v)}" for k, v in value.items()) if value else _("nothing")
    return _("“%(value)s”") % {"value": value}


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
    return [_from_to(_field(k), v[0], v[1]) for k, v in pairs.items()]


def _from_to(name: str, before: Any, after: Any) -> str:
    return _("%(field)s from %(before)s to %(after)s") % {
        "field": name,
        "before": _quote(before),
        "after": _quote(after),
    }


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
            found.append(
                _("from %(before)s to %(after)s") % {"before": _quote(details[old]), "after": _quote(details[new])}
            )
    values = details.get("values") if isinstance(details.get("values"), dict) else {}
    if isinstance(details.get("changed"), list):
        for name in details["changed"]:
            if name in values:
                found.append(_("%(field)s to %(value)s") % {"field": _field(name), "value": _quote(values[name])})
            elif "from" in values and "to" in values and len(details["changed"]) == 1:
                found.append(_from_to(_field(name), values["from"], values["to"]))
            else:
                found.append(_field(name))
    for key, said in (("added", gettext_lazy("added %(values)s")), ("removed", gettext_lazy("removed %(values)s"))):
        if details.get(key):
            found.append(str(said) % {"values": _quote(details[key])})
    return found


# Keys whose lists are sets of things, never a value before and after.
LIST_KEYS = {"added", "removed", "to", "kinds", "custodians", "channels", "opened_for_grants", "changed", "stages"}


def _is_pair(value: Any) -> bool:
    return isinstance(value, list) and len(value) == 2


def _stage_decided(e: Any, d: dict) -> str:
    sentence = STAGE_OUTCOMES.get(d.get("outcome", ""), gettext_lazy("%(actor)s decided the %(stage)s stage"))
    text = str(sentence) % {"actor": e.actor_label, "stage": _value(d, "stage", _("unnamed"))}
    return _("%(decision)s on someone's behalf") % {"decision": text} if d.get("on_behalf_of") else text


def _with(text: str, d: dict, key: str, lead: str) -> str:
    """``text``, and when the event holds ``key`` its value after ``lead`` (": %(value)s", " as %(value)s")."""
    return text + str(lead) % {"value": _quote(d[key])} if d.get(key) else text


def _roles(e: Any, d: dict) -> str:
    added, removed = d.get("added"), d.get("removed")
    values = {"actor": e.actor_label, "added": _quote(added), "removed": _quote(removed)}
    if added and removed:
        return _("%(actor)s gave the role(s) %(added)s and took away the role(s) %(removed)s") % values
    if added:
        return _("%(actor)s gave the role(s) %(added)s") % values
    if removed:
        return _("%(actor)s took away the role(s) %(removed)s") % values
    return _("%(actor)s changed the roles") % values


def _membership_set(e: Any, d: dict) -> str:
    values = {
        "actor": e.actor_label,
        "person": _value(d, "user"),
        "role": _quote(d.get("after")),
        "department": _quote(d.get("department")),
        "before": _quote(d.get("before")),
    }
    if d.get("before"):
        return _("%(actor)s made %(person)s %(role)s in the department %(department)s (was %(before)s)") % values
    return _("%(actor)s made %(person)s %(role)s in the department %(department)s") % values


def _admin_changed(e: Any, d: dict) -> str:
    pairs = d.get("changes") if isinstance(d.get("changes"), dict) else {}
    said = _(" and ").join(_pair_changes({k: v for k, v in pairs.items() if _is_pair(v)}))
    values = {"actor": e.actor_label, "kind": _kind(e), "changes": said}
    return (
        _("%(actor)s changed the %(kind)s's %(changes)s") % values
        if said
        else _("%(actor)s changed the %(kind)s") % values
    )


def _lockdown_ended(e: Any, d: dict) -> str:
    if d.get("automatic"):
        return _("The lockdown ended at its set time")
    return _("%(actor)s ended the lockdown") % {"actor": e.actor_label}


Sentence = Callable[[Any, dict], str]


def _say(sentence: Any, e: Any, **values: Any) -> str:
    """A marked sentence in the reader's language, ``%(actor)s`` the event's actor."""
    return str(sentence) % {"actor": e.actor_label, **values}


REASON = gettext_lazy(": %(value)s")
DUE = gettext_lazy(", due %(value)s")
AT = gettext_lazy(" at %(value)s")
AS = gettext_lazy(" as %(value)s")
KIND = gettext_lazy(": %(value)s")


def _channel_registered(e: Any, d: dict) -> str:
    return _say(
        _("%(actor)s registered the channel %(handle)s on %(platform)s for the department %(department)s"),
        e,
        handle=_quote(d.get("handle")),
        platform=_quote(d.get("platform")),
        department=_quote(d.get("department")),
    )


def _security_reviewed(e: Any, d: dict) -> str:
    if d.get("outcome") == "passed":
        return _say(_("%(actor)s reviewed the channel's security: passed"), e)
    return _say(_("%(actor)s reviewed the channel's security: failed"), e)


SENTENCES: dict[str, Sentence] = {
    "post.created": lambda e, d: _say(_("%(actor)s created the post"), e),
    "post.revised": lambda e, d: _say(
        _("%(actor)s revised the post (revision %(revision)s)"), e, revision=_value(d, "revision", "?")
    ),
    "post.submitted": lambda e, d: _say(_("%(actor)s submitted the post for review"), e),
    "post.resubmitted": lambda e, d: _say(_("%(actor)s resubmitted the post for review"), e),
    "post.stage_decided": _stage_decided,
    "post.approved": lambda e, d: _say(_("%(actor)s approved the post"), e),
    "post.scheduled": lambda e, d: _with(_say(_("%(actor)s approved the post"), e), d, "scheduled_at", DUE),
    "post.rejected": lambda e, d: _say(_("%(actor)s rejected the post"), e),
    "post.changes_requested": lambda e, d: _say(_("%(actor)s asked for changes to the post"), e),
    "post.withdrawn": lambda e, d: _with(_say(_("%(actor)s withdrew the post"), e), d, "reason", REASON),
    "post.published": lambda e, d: _with(_say(_("%(actor)s recorded the post as published"), e), d, "url", AT),
    "post.released": lambda e, d: _("The post was released for publishing"),
    "post.expired": lambda e, d: _("The post expired before it was published"),
    "post.commented": lambda e, d: _say(_("%(actor)s commented on the post"), e),
    "channel.registered": _channel_registered,
    "channel.approved": lambda e, d: _with(_say(_("%(actor)s approved the channel"), e), d, "note", REASON),
    "channel.rejected": lambda e, d: _with(_say(_("%(actor)s rejected the channel"), e), d, "reason", REASON),
    "channel.suspended": lambda e, d: _with(_say(_("%(actor)s suspended the channel"), e), d, "reason", REASON),
    "channel.reinstated": lambda e, d: _with(_say(_("%(actor)s reinstated the channel"), e), d, "state", AS),
    "channel.retired": lambda e, d: _with(_say(_("%(actor)s retired the channel"), e), d, "reason", REASON),
    "channel.security_reviewed": _security_reviewed,
    "channel.activity_recorded": lambda e, d: _with(_("Activity was recorded on the channel"), d, "kind", KIND),
    "access.requested": lambda e, d: _say(_("%(actor)s asked for access"), e),
    "access.granted": lambda e, d: _say(
        _("%(actor)s granted %(person)s the access they asked for"), e, person=_value(d, "requester")
    ),
    "access.refused": lambda e, d: _say(
        _("%(actor)s refused %(person)s the access they asked for"), e, person=_value(d, "requester")
    ),
    "access.granted_role": lambda e, d: _say(
        _("%(actor)s gave %(person)s the role %(role)s on the channel"),
        e,
        person=_value(d, "user"),
        role=_quote(d.get("role")),
    ),
    "access.revoked": lambda e, d: _with(
        _say(
            _("%(actor)s revoked the %(role)s access of %(person)s"),
            e,
            role=_quote(d.get("role")),
            person=_value(d, "user"),
        ),
        d,
        "reason",
        REASON,
    ),
    "membership.set": _membership_set,
    "membership.removed": lambda e, d: _say(
        _("%(actor)s removed %(person)s from the department %(department)s"),
        e,
        person=_value(d, "user"),
        department=_quote(d.get("department")),
    ),
    "policy.acknowledged": lambda e, d: _say(
        _("%(actor)s acknowledged version %(version)s of the policy"), e, version=_value(d, "version", "?")
    ),
    "policy.published": lambda e, d: _say(
        _("%(actor)s published version %(version)s of the policy"), e, version=_value(d, "number", "?")
    ),
    "lockdown.started": lambda e, d: _with(_say(_("%(actor)s started a lockdown"), e), d, "reason", REASON),
    "lockdown.ended": _lockdown_ended,
    "user.roles_changed": _roles,
    "user.language_changed": lambda e, d: _say(_("%(actor)s changed the language of their pages and e-mails"), e),
    "admin.changed": _admin_changed,
    "admin.created": lambda e, d: _say(_("%(actor)s created the %(kind)s"), e, kind=_kind(e)),
    "admin.deleted": lambda e, d: _say(_("%(actor)s deleted the %(kind)s"), e, kind=_kind(e)),
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
    return Description(
        _("%(action)s by %(actor)s") % {"action": humanise(event.action), "actor": event.actor_label},
        changes_of(details),
    )
