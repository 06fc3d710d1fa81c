"""The separation-of-duties report: conflicting roles held now, and past decisions where the person who asked and
the person who decided are one.

Each finding is one query, aggregated in the database (``FINDINGS``: ten, whatever the number of channels, people
or decisions); each shows at most ``LIMIT`` rows, and its count then reads "200+". The rule set that refuses these
decisions today is ``audit.duties``; what this report finds was decided before it, or is a combination of roles
the rules cannot refuse (it is held, not decided).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet

from accounts.choices import Role
from accounts.models import Membership
from approvals.models import Decision
from channels_registry.choices import CUSTODIAN_ROLES, REGISTRATION_GRANT_REASON
from channels_registry.models import (
    AccessGrant,
    AccessRequest,
    Channel,
    ChannelMembership,
    Recertification,
    SecurityReview,
)
from reports.selectors import Scope, Table

LIMIT = 200  # rows shown per finding; the count is always the full one
COLUMNS = ["finding", "kind", "department", "what", "person", "when"]
HELD, DECIDED = "held now", "decided"


def _custodian_q(prefix: str = "") -> Q:
    return Q(**{f"{prefix}role__in": CUSTODIAN_ROLES}) | Q(**{f"{prefix}holds_credentials": True})


def _custodian_and_reviewer(scope: Scope) -> QuerySet:
    """A custodian of a channel who passed or failed its security review."""
    reviewed = SecurityReview.objects.filter(channel_id=OuterRef("channel_id"), reviewer_id=OuterRef("user_id"))
    qs = ChannelMembership.objects.filter(_custodian_q(), Exists(reviewed), ended_at__isnull=True)
    return scope.departments(qs, "channel__department_id").values_list(
        "channel__department__name", "channel__display_name", "user__email", "created_at"
    )


def _credentials_and_approver(scope: Scope) -> QuerySet:
    """Someone holding a channel's credentials who may approve its posts (a reviewer or manager of its department)."""
    approves = Membership.objects.filter(
        user_id=OuterRef("user_id"),
        department_id=OuterRef("channel__department_id"),
        role__in=[Role.REVIEWER, Role.MANAGER],
    )
    qs = ChannelMembership.objects.filter(Exists(approves), holds_credentials=True, ended_at__isnull=True)
    return scope.departments(qs, "channel__department_id").values_list(
        "channel__department__name", "channel__display_name", "user__email", "created_at"
    )


def _manager_registrant(scope: Scope) -> QuerySet:
    """A manager of a channel's department who registered it (and so could approve their own registration)."""
    manages = Membership.objects.filter(
        user_id=OuterRef("registered_by_id"), department_id=OuterRef("department_id"), role=Role.MANAGER
    )
    qs = Channel.objects.filter(Exists(manages)).exclude(state__in=["rejected", "retired"])
    return scope.departments(qs, "department_id").values_list(
        "department__name", "display_name", "registered_by__email", "created_at"
    )


def _approved_own_registration(scope: Scope) -> QuerySet:
    qs = Channel.objects.filter(approved_by_id=F("registered_by_id"))
    return scope.departments(qs, "department_id").values_list(
        "department__name", "display_name", "registered_by__email", "created_at"
    )


def _reviewed_own_registration(scope: Scope) -> QuerySet:
    qs = SecurityReview.objects.filter(reviewer_id=F("channel__registered_by_id"))
    return scope.departments(qs, "channel__department_id").values_list(
        "channel__department__name", "channel__display_name", "reviewer__email", "decided_at"
    )


def _decided_own_request(scope: Scope) -> QuerySet:
    qs = AccessRequest.objects.filter(decided_by_id=F("requester_id"))
    if scope.department_ids is not None:
        qs = qs.filter(Q(channel__department_id__in=scope.department_ids) | Q(department_id__in=scope.department_ids))
    return qs.values_list("channel__department__name", "channel__display_name", "requester__email", "decided_at")


def _granted_to_self(scope: Scope) -> QuerySet:
    qs = AccessGrant.objects.filter(granted_by_id=F("user_id"), request__isnull=True).exclude(
        reason=REGISTRATION_GRANT_REASON
    )
    return scope.departments(qs, "channel__department_id").values_list(
        "channel__department__name", "channel__display_name", "user__email", "granted_at"
    )


def _recertified_own_grant(scope: Scope) -> QuerySet:
    qs = Recertification.objects.filter(decided_by_id=F("grant__user_id"))
    return scope.departments(qs, "grant__channel__department_id").values_list(
        "grant__channel__department__name", "grant__channel__display_name", "decided_by__email", "decided_at"
    )


def _decided_own_post(scope: Scope) -> QuerySet:
    author = F("stage_review__post__author_id")
    qs = Decision.objects.filter(Q(reviewer_id=author) | Q(on_behalf_of_id=author))
    return scope.departments(qs, "stage_review__post__channel__department_id").values_list(
        "stage_review__post__channel__department__name",
        "stage_review__post_id",
        "reviewer__email",
        "created_at",
    )


def _two_stages_of_one_revision(scope: Scope) -> QuerySet:
    qs = scope.departments(Decision.objects.all(), "stage_review__post__channel__department_id")
    # grouped by the revision and the reviewer (the other columns follow from those two)
    return (
        qs.values(
            "stage_review__revision_id",
            "reviewer_id",
            "stage_review__post__channel__department__name",
            "stage_review__post_id",
            "reviewer__email",
        )
        .annotate(stages=Count("stage_review_id", distinct=True))
        .filter(stages__gt=1)
        .values_list(
            "stage_review__post__channel__department__name",
            "stage_review__post_id",
            "reviewer__email",
            "stages",
        )
        .order_by("stage_review__post_id")
    )


# (finding, kind, rows, how the "what" column reads)
FINDINGS: list[tuple[str, str, Callable[[Scope], QuerySet], Callable[[Any], str]]] = [
    ("custodian and IT reviewer of the same channel", HELD, _custodian_and_reviewer, str),
    ("holds the credentials and approves the channel's posts", HELD, _credentials_and_approver, str),
    ("manager who registered the channel", HELD, _manager_registrant, str),
    ("approved a channel registration they made", DECIDED, _approved_own_registration, str),
    ("reviewed the security of a channel they registered", DECIDED, _reviewed_own_registration, str),
    ("decided their own access request", DECIDED, _decided_own_request, lambda v: v or "a platform"),
    ("granted access to themselves", DECIDED, _granted_to_self, str),
    ("recertified their own access", DECIDED, _recertified_own_grant, str),
    ("decided their own post", DECIDED, _decided_own_post, lambda v: f"post {v}"),
    ("decided two stages of one revision", DECIDED, _two_stages_of_one_revision, lambda v: f"post {v}"),
]


def separation_of_duties(scope: Scope) -> Table:
    """One row per finding found (up to ``LIMIT`` each), then the counts per finding in ``table.counts``."""
    table = Table(COLUMNS)
    table.counts = {}
    for finding, kind, rows, what in FINDINGS:
        found = list(rows(scope)[: LIMIT + 1])
        table.counts[finding] = len(found) if len(found) <= LIMIT else f"{LIMIT}+"
        for department, subject, person, when in found[:LIMIT]:
            when = when if not isinstance(when, int) else f"{when} stages"
            table.rows.append([finding, kind, department or "", what(subject), person, when])
    return table
