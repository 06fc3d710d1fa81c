"""Chat targets (Slack, Microsoft Teams): a person's or a department's channels, their addresses checked."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from django.db import transaction
from django.utils.translation import gettext as _

from audit import services as audit
from core import outbound
from core.errors import InvalidInput, ensure
from notifications.models import ChatTarget


def check_chat_url(url: str) -> None:
    """A chat webhook's address, on save: https (plain http only to a network OUTBOUND_ALLOWED_NETWORKS names,
    an on-premises relay or the tests' receiver) and never inside the company's network. Raises
    ``InvalidInput`` on ``url`` with the reason."""
    try:
        addresses = outbound.check_url(url, unresolved_ok=True)
        if urlsplit(url).scheme != "https" and not (
            addresses and all(outbound.address_refusal(ip) is None and _allowed(ip) for ip in addresses)
        ):
            raise outbound.OutboundRefused("A chat webhook's address starts with https://.")
    except outbound.OutboundRefused as exc:
        raise InvalidInput(str(exc), fields={"url": [str(exc)]}) from None


def _allowed(ip: Any) -> bool:
    return any(ip in network for network in outbound.allowed_networks() if ip.version == network.version)


def _ensure_may_manage_chat(actor: Any, *, user: Any = None, department: Any = None) -> None:
    from accounts import permissions

    if department is not None:
        ensure(
            permissions.can_manage_department(actor, department),
            _("Only the department's managers or IT set its chat channels."),
        )
    else:
        ensure(user is not None and user.pk == actor.pk and actor.is_active, _("You set only your own chat channels."))


@transaction.atomic
def chat_target_save(*, actor: Any, kind: str, url: str, user: Any = None, department: Any = None) -> ChatTarget:
    """Set the Slack or Teams channel (one of each kind) of a person (``user``: only themselves) or of a
    department (its managers, IT security). Changing the URL of an existing one keeps its deliveries' history.
    The URL is checked by the outbound guard; the trail records its host, not the URL (which lets anyone post)."""
    _ensure_may_manage_chat(actor, user=user, department=department)
    check_chat_url(url)
    owner = {"department": department} if department is not None else {"user": user}
    target = ChatTarget.objects.select_for_update(of=("self",)).filter(kind=kind, **owner).first()
    creating = target is None
    if creating:
        target = ChatTarget(kind=kind, url=url, created_by=actor, **owner)
        changed = ["url"]
    else:
        changed = [f for f, v in (("url", url), ("is_active", True)) if getattr(target, f) != v]
        target.url, target.is_active = url, True
    target.save()
    audit.record(
        actor=actor,
        action="chat_target.created" if creating else "chat_target.changed",
        target=target,
        data={
            "kind": kind,
            "host": target.host,
            "department": department.pk if department is not None else None,
            "changed": changed,
        },
    )
    return target


@transaction.atomic
def chat_target_remove(*, actor: Any, target: ChatTarget) -> None:
    """Remove a chat target; its deliveries still waiting are dropped with it."""
    target = ChatTarget.objects.select_for_update(of=("self",)).select_related("user", "department").get(pk=target.pk)
    _ensure_may_manage_chat(actor, user=target.user, department=target.department)
    audit.record(
        actor=actor,
        action="chat_target.removed",
        target=target,
        data={"kind": target.kind, "host": target.host, "department": target.department_id},
    )
    target.delete()
