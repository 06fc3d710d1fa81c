"""Who may do what with posts. Used by services, selectors, views and the API alike.

Eligibility to review is held by a person and by whoever they delegated it to for a
period: ``principals(user)`` is the user plus the people whose eligibility they hold now.
No one decides on their own post, whatever their role.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Exists, F, OuterRef, Q, Subquery
from django.utils import timezone

from accounts.choices import Group, Role
from accounts.permissions import group_names, is_auditor, is_communications, is_it_security, mfa_satisfied
from approvals.choices import EDITABLE_STATES, SUBMITTABLE_STATES, WITHDRAWABLE_STATES, PostState, StageState
from channels_registry.choices import ChannelRole, ChannelState
from channels_registry.permissions import department_roles, live_memberships, may_act
from core import objects
from core.db import AnyOf

AUTHOR_ROLES = tuple(ChannelRole.values)  # every channel role may contribute
PUBLISHER_ROLES = (ChannelRole.OWNER, ChannelRole.ADMIN, ChannelRole.PUBLISHER)
# A stage asking for a role is open to that role and the ones above it.
ROLES_AT_LEAST = {
    Role.MEMBER: (Role.MEMBER, Role.REVIEWER, Role.MANAGER),
    Role.REVIEWER: (Role.REVIEWER, Role.MANAGER),
    Role.MANAGER: (Role.MANAGER,),
}


def signed_in(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False) and getattr(user, "is_active", False))


def reads_everything(user: Any) -> bool:
    return signed_in(user) and (is_it_security(user) or is_auditor(user))


def can_author(user: Any, channel: Any) -> bool:
    return (
        may_act(user)
        and channel.state == ChannelState.ACTIVE
        and any(m.role in AUTHOR_ROLES for m in live_memberships(user, channel))
    )


def can_publish(user: Any, channel: Any) -> bool:
    """Channel publishers (and its custodians) report what went out; IT security may too."""
    return may_act(user) and (
        any(m.role in PUBLISHER_ROLES for m in live_memberships(user, channel)) or is_it_security(user)
    )


def can_edit(user: Any, post: Any) -> bool:
    return may_act(user) and post.author_id == user.pk and post.state in EDITABLE_STATES


def can_submit(user: Any, post: Any) -> bool:
    return may_act(user) and post.author_id == user.pk and post.state in SUBMITTABLE_STATES


def can_withdraw(user: Any, post: Any) -> bool:
    return may_act(user) and post.author_id == user.pk and post.state in WITHDRAWABLE_STATES


def can_lockdown(user: Any) -> bool:
    return may_act(user) and (is_communications(user) or is_it_security(user)) and mfa_satisfied(user)


def can_manage_routes(user: Any, department_id: int | None) -> bool:
    if not may_act(user):
        return False
    if is_it_security(user):
        return True
    return department_id is not None and department_roles(user).get(department_id) == Role.MANAGER


def delegator_ids(user: Any) -> list[int]:
    """Whose eligibility ``user`` holds right now: read once per user object, and kept under the person's version
    (``delegation_create`` / ``delegation_revoke`` bump it, a deactivation the organisation's) until the next
    delegation of theirs starts or ends."""
    if not signed_in(user):
        return []
    cached = getattr(user, "_sg_delegators", None)
    if cached is None:
        cached = user._sg_delegators = objects.of_person(user, "delegators", lambda: _delegators_of(user.pk))
    return cached


def _delegators_of(user_id: int) -> tuple[list[int], Any]:
    from approvals.models import Delegation

    now = timezone.now()
    rows = Delegation.objects.filter(
        delegate_id=user_id, revoked_at__isnull=True, ends_at__gt=now, delegator__is_active=True
    ).values_list("delegator_id", "starts_at", "ends_at")
    held, changes = [], []
    for delegator_id, starts_at, ends_at in rows:
        if starts_at <= now:
            held.append(delegator_id)
            changes.append(ends_at)
        else:
            changes.append(starts_at)
    return held, min(changes, default=None)


def _principal_facts(user: Any) -> list[tuple[int, frozenset[str], dict[int, str]]]:
    """(user id, groups, department roles) for the user and each delegator."""
    cached = getattr(user, "_sg_principal_facts", None)
    if cached is not None:
        return cached
    from accounts.models import Membership, User

    facts = [(user.pk, group_names(user), department_roles(user))]
    others = delegator_ids(user)
    if others:
        groups: dict[int, set[str]] = {pk: set() for pk in others}
        for pk, name in User.groups.through.objects.filter(user_id__in=others).values_list("user_id", "group__name"):
            groups[pk].add(name)
        roles: dict[int, dict[int, str]] = {pk: {} for pk in others}
        for pk, dept, role in Membership.objects.filter(user_id__in=others).values_list(
            "user_id", "department_id", "role"
        ):
            roles[pk][dept] = role
        facts += [(pk, frozenset(groups[pk]), roles[pk]) for pk in others]
    user._sg_principal_facts = facts
    return facts


def stage_q(user: Any, prefix: str = "") -> Q:
    """The stage reviews ``user`` (or someone they stand in for) is eligible for, as a filter."""
    if not signed_in(user):
        return Q(pk__in=[])
    from approvals.models import StageReview

    facts = _principal_facts(user)
    ids = [pk for pk, _, _ in facts]
    named = StageReview.users.through.objects.filter(user_id__in=ids).values("stagereview_id")
    # not ``pk__in``: on PostgreSQL this arm becomes an index condition the planner can OR with the others
    q = Q(AnyOf(F(f"{prefix}pk"), Subquery(named)))
    groups = set().union(*(g for _, g, _ in facts))
    if groups:
        q |= Q(**{f"{prefix}group__in": sorted(groups)})
    for _, _, roles in facts:
        for dept, role in roles.items():
            allowed = [r for r, above in ROLES_AT_LEAST.items() if role in above]
            q |= Q(**{f"{prefix}department_id": dept, f"{prefix}role__in": allowed})
    return q


def eligible_principal(user: Any, stage: Any, named_ids: set[int] | None = None) -> int | None:
    """Whose eligibility lets ``user`` decide ``stage``: their own id first, else a delegator's; None if nobody's."""
    if not may_act(user):
        return None
    if named_ids is None:
        named_ids = set(stage.users.values_list("pk", flat=True))
    for pk, groups, roles in _principal_facts(user):
        if pk == stage.post.author_id:
            continue
        if pk in named_ids:
            return pk
        if stage.group and stage.group in groups:
            return pk
        if stage.role and stage.department_id and roles.get(stage.department_id) in ROLES_AT_LEAST.get(stage.role, ()):
            return pk
    return None


def can_decide(user: Any, stage: Any, named_ids: set[int] | None = None) -> bool:
    return (
        stage.state == StageState.OPEN
        and stage.post.author_id != user.pk
        and stage.post.state == PostState.IN_REVIEW
        and mfa_satisfied(user)
        and eligible_principal(user, stage, named_ids) is not None
    )


def in_scope_without_query(user: Any, post: Any) -> bool:
    """True when one of ``post_scope_q``'s arms that need no query of their own holds for ``post`` (its
    author, a reviewer or manager of its department once submitted, communications, IT security, auditors);
    False means "not known": ask ``post_scope_q``."""
    if not signed_in(user):
        return False
    if reads_everything(user) or post.author_id == user.pk:
        return True
    if post.state == PostState.DRAFT:
        return False
    if Group.COMMUNICATIONS in group_names(user):
        return True
    return department_roles(user).get(post.channel.department_id) in (Role.REVIEWER, Role.MANAGER)


def post_scope_q(user: Any) -> Q:
    """The posts ``user`` may see. Drafts: their author, the channel's members and eligible reviewers;
    submitted posts also the department's reviewers, communications, IT security and auditors."""
    if not signed_in(user):
        return Q(pk__in=[])
    if reads_everything(user):
        return Q()
    from approvals.models import StageReview
    from channels_registry.models import ChannelMembership

    member_channels = ChannelMembership.objects.filter(user=user, ended_at__isnull=True).values("channel_id")
    # correlated: one post's check reads that post's stage reviews, not every stage the user may review
    reviewing = Exists(StageReview.objects.filter(stage_q(user), post=OuterRef("pk")))
    q = Q(author=user) | Q(channel_id__in=member_channels) | Q(reviewing)
    submitted = ~Q(state=PostState.DRAFT)
    depts = [d for d, r in department_roles(user).items() if r in (Role.REVIEWER, Role.MANAGER)]
    if depts:
        q |= submitted & Q(channel__department_id__in=depts)
    if Group.COMMUNICATIONS in group_names(user):
        q |= submitted
    return q
