"""Separation of duties: the one rule set every deciding service asks.

Nobody decides on what they requested, registered, authored or are the subject of; one person decides at most one
stage of the same thing (a post's revision, a channel's registration) when its route asks for distinct deciders.
Superusers are not exempt.

This module knows no other app's models. A deciding service describes its decision (``Decision``: the kind, the
target, and the people who are parties to it) and asks ``ensure_may_decide``, which passes or raises
``SeparationOfDuties`` (a 403 carrying the rule's reason, ``code`` "separation_of_duties"). Services wear
``@refusals_recorded`` outside their transaction, so a refusal is audited as a refused attempt even though the
refused service's transaction rolls back. ``route`` finds who may decide when the usual deciders are all parties
(a one-person department): the first level of candidates with someone who is not a party.
"""

from __future__ import annotations

import contextvars
import functools
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from core.errors import Forbidden

# kind -> (what is decided, for the messages; the audit action of a refused attempt)
KINDS: dict[str, tuple[str, str]] = {
    "channel_approval": ("this channel's registration", "channel.self_approval_refused"),
    "security_review": ("this channel's security review", "channel.self_review_refused"),
    "access_request": ("this access request", "access.self_decision_refused"),
    "platform_exception": ("this platform request", "access.self_decision_refused"),
    "grant": ("this access grant", "access.self_grant_refused"),
    "recertification": ("this recertification", "access.self_recertification_refused"),
    "post_stage": ("this post", "post.self_decision_refused"),
    "report_triage": ("this reported account", "reported_account.self_triage_refused"),
    "membership": ("this membership", "membership.self_change_refused"),
}
# A second stage of the same thing decided by one person: its own action, by what the stages are of.
SECOND_STAGE_ACTIONS = {"post_stage": "post.second_stage_refused", "security_review": "channel.second_stage_refused"}
# The refused attempts auditors see among the anomalies (audit.models.ANOMALY_ACTIONS).
REFUSAL_ACTIONS: tuple[str, ...] = tuple(
    dict.fromkeys([*(a for _, a in KINDS.values()), *SECOND_STAGE_ACTIONS.values()])
)

# rule -> the reason given (``{what}``: the kind's words)
RULES = {
    "author": "No one decides on their own post: someone else must decide it.",
    "registrant": "You registered it: someone else must decide {what}.",
    "requester": "This is your own request: someone else must decide {what}.",
    "subject": "{What} concerns you: someone else must decide it.",
    "other_stage": "You already decided another stage of {what}: each stage needs a different person.",
}


def _ids(people: Iterable[Any]) -> frozenset[int]:
    return frozenset(getattr(p, "pk", p) for p in people if p is not None and getattr(p, "pk", p) is not None)


@dataclass(frozen=True)
class Decision:
    """What a deciding service tells the rules: the kind of decision, its target and its parties (users or ids).

    ``requested_by``: who asked for it (an access request's requester); ``registered_by``: who registered it (a
    channel); ``authored_by``: who wrote it (a post); ``subjects``: whom it is about (the holder of a grant, the
    custodians a registration names); ``other_stages``: who decided another stage of the same revision or
    registration (only where the route asks for distinct deciders)."""

    kind: str
    target: Any
    requested_by: Iterable[Any] = ()
    registered_by: Iterable[Any] = ()
    authored_by: Iterable[Any] = ()
    subjects: Iterable[Any] = ()
    other_stages: Iterable[Any] = ()
    parties: dict[str, frozenset[int]] = field(init=False, repr=False, compare=False)

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ValueError(f"Unknown kind of decision: {self.kind}")
        object.__setattr__(
            self,
            "parties",
            {
                "author": _ids(self.authored_by),
                "registrant": _ids(self.registered_by),
                "requester": _ids(self.requested_by),
                "subject": _ids(self.subjects),
                "other_stage": _ids(self.other_stages),
            },
        )

    def rule_against(self, *people: Any) -> str | None:
        """The first rule that bars any of ``people`` (a user or an id) from deciding, or None."""
        ids = _ids(people)
        for rule, party in self.parties.items():
            if ids & party:
                return rule
        return None

    def may_decide(self, person: Any) -> bool:
        return self.rule_against(person) is None

    def all_parties(self) -> frozenset[int]:
        return frozenset().union(*self.parties.values())


class SeparationOfDuties(Forbidden):
    """A decision refused because the person deciding is a party to it (403, ``code`` "separation_of_duties")."""

    code = "separation_of_duties"

    def __init__(self, message: str, *, decision: Decision, rule: str, actor: Any, on_behalf_of: Any = None):
        super().__init__(message)
        self.decision = decision
        self.rule = rule
        self.actor = actor
        self.on_behalf_of = on_behalf_of
        self.recorded = False

    @property
    def action(self) -> str:
        if self.rule == "other_stage":
            return SECOND_STAGE_ACTIONS.get(self.decision.kind, KINDS[self.decision.kind][1])
        return KINDS[self.decision.kind][1]


def reason(decision: Decision, rule: str) -> str:
    what = KINDS[decision.kind][0]
    return RULES[rule].format(what=what, What=what[0].upper() + what[1:])


def ensure_may_decide(actor: Any, decision: Decision, *, on_behalf_of: Any = None) -> None:
    """Pass, or raise ``SeparationOfDuties`` when ``actor`` (or the person they decide for) is a party."""
    rule = decision.rule_against(actor, *([on_behalf_of] if on_behalf_of is not None else []))
    if rule is not None:
        raise SeparationOfDuties(
            reason(decision, rule), decision=decision, rule=rule, actor=actor, on_behalf_of=on_behalf_of
        )


# --- Who decides when the usual deciders are parties -------------------------------------------------------------


@dataclass(frozen=True)
class Route:
    """Who may decide: the level (``"department manager"``, ``"IT security"`` ...), the people at that level who
    are not parties, and whether it is past the first level (the decision went up)."""

    level: str
    people: tuple[Any, ...]
    escalated: bool

    @property
    def ids(self) -> frozenset[int]:
        return _ids(self.people)

    def names(self) -> str:
        return ", ".join(str(p) for p in self.people)

    def told(self, what: str) -> str:
        """What the person who asked is told about who decides ``what``."""
        from django.utils.translation import gettext as _

        if not self.people:
            return _("No one but you may decide %(what)s: ask an administrator to name someone who may.") % {
                "what": what
            }
        if self.escalated:
            return _("%(people)s (%(level)s) will decide %(what)s, since no one else at the usual level may.") % {
                "people": self.names(),
                "level": self.level,
                "what": what,
            }
        return _("%(people)s (%(level)s) will decide %(what)s.") % {
            "people": self.names(),
            "level": self.level,
            "what": what,
        }

    def as_dict(self) -> dict[str, Any]:
        return {
            "level": self.level,
            "escalated": self.escalated,
            "people": [getattr(p, "email", str(p)) for p in self.people],
        }


NOBODY = Route(level="", people=(), escalated=True)


def route(decision: Decision, levels: Sequence[tuple[str, Iterable[Any]]]) -> Route:
    """The first of ``levels`` (name, candidates; in order: the usual deciders first) with someone who is not a
    party to ``decision``. ``NOBODY`` when every candidate is a party (the caller says so rather than wait)."""
    parties = decision.all_parties()
    seen: set[int] = set()
    for n, (level, candidates) in enumerate(levels):
        people = []
        for person in candidates:
            pk = getattr(person, "pk", None)
            if pk is None or pk in parties or pk in seen:
                continue
            seen.add(pk)
            people.append(person)
        if people:
            return Route(level=level, people=tuple(people), escalated=n > 0)
    return NOBODY


# --- Refused attempts on the record ------------------------------------------------------------------------------

_depth: contextvars.ContextVar[int] = contextvars.ContextVar("duties_depth", default=0)
F = TypeVar("F", bound=Callable[..., Any])


def record_refusal(exc: SeparationOfDuties) -> None:
    """Write the refused attempt to the audit trail (once), in a transaction of its own."""
    from django.db import transaction

    from audit import services as audit

    if exc.recorded:
        return
    target = exc.decision.target
    data = {"kind": exc.decision.kind, "rule": exc.rule, "reason": exc.message}
    if exc.on_behalf_of is not None:
        data["on_behalf_of"] = getattr(exc.on_behalf_of, "pk", exc.on_behalf_of)
    with transaction.atomic():
        audit.record(
            actor=exc.actor,
            action=exc.action,
            target_type=target._meta.label_lower,
            target_id=target.pk,
            target_label=str(target),
            data=data,
        )
    exc.recorded = True


def refusals_recorded(service: F) -> F:
    """Wear this outside a deciding service's ``@transaction.atomic``: a ``SeparationOfDuties`` it raises is
    recorded after the service's transaction rolled back, then raised again. A service called by another such
    service leaves the recording to the outermost one (whose own transaction would otherwise take it back)."""

    @functools.wraps(service)
    def wrapper(*args, **kwargs):
        token = _depth.set(_depth.get() + 1)
        try:
            return service(*args, **kwargs)
        except SeparationOfDuties as exc:
            if _depth.get() == 1:
                record_refusal(exc)
            raise
        finally:
            _depth.reset(token)

    return wrapper  # type: ignore[return-value]
