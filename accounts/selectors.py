"""Reads about people for a user."""

from __future__ import annotations

import functools

from django.apps import apps
from django.db.models import Aggregate, CharField, Exists, OuterRef, Q, QuerySet, Subquery, Value

from accounts.models import ApiToken, Department, Membership, User

_GROUP_SEPARATOR = "\x1f"  # the ASCII unit separator: no group name holds it


def users_in_group(name: str) -> QuerySet[User]:
    return User.objects.filter(is_active=True, groups__name=name)


def department_managers(department_id: int) -> QuerySet[User]:
    return User.objects.filter(is_active=True, memberships__department_id=department_id, memberships__role="manager")


def department_members(department_id: int) -> QuerySet[Membership]:
    """A department's memberships with their people, by address (the members page and the API)."""
    return Membership.objects.filter(department_id=department_id).select_related("user").order_by("user__email", "pk")


def memberships_visible_to(user: User) -> QuerySet[Membership]:
    """The memberships ``user`` may see one by one: every department's for IT security, administrators and
    auditors; a manager's, those of the departments they manage."""
    from accounts import permissions

    rows = Membership.objects.select_related("user", "department").order_by("department__name", "user__email", "pk")
    if permissions.is_it_security(user) or user.is_staff or permissions.is_auditor(user):
        return rows
    managed = [dept for dept, role in permissions.department_roles(user).items() if role == "manager"]
    return rows.filter(department_id__in=managed)


def departments_for(user: User) -> QuerySet[Department]:
    """The departments a person's department list shows: all for IT security, administrators and auditors; their
    own for everyone else."""
    from accounts import permissions

    if permissions.is_it_security(user) or user.is_staff or permissions.is_auditor(user):
        return Department.objects.order_by("name")
    return Department.objects.filter(pk__in=list(permissions.department_roles(user))).order_by("name")


def memberships_of(user: User) -> QuerySet[Membership]:
    return Membership.objects.filter(user=user).select_related("department")


def tokens_of(user: User) -> QuerySet[ApiToken]:
    return ApiToken.objects.filter(user=user).order_by("-created_at")


class Joined(Aggregate):
    """Strings joined by a separator: ``string_agg`` (PostgreSQL), ``group_concat`` (SQLite)."""

    function = "STRING_AGG"
    output_field = CharField()

    def as_sqlite(self, compiler, connection, **extra_context):
        return super().as_sql(compiler, connection, function="GROUP_CONCAT", **extra_context)


def _group_names_of(user_ref: str) -> Subquery:
    """The group names of the user ``user_ref`` (an outer reference) joined into one string, or NULL."""
    return Subquery(
        User.groups.through.objects.filter(user_id=OuterRef(user_ref))
        .order_by()
        .values("user_id")
        .annotate(names=Joined("group__name", Value(_GROUP_SEPARATOR)))
        .values("names")
    )


def _has_mfa(user_ref: str) -> Exists:
    """Whether the user ``user_ref`` (an outer reference) enrolled in two-factor sign-in (allauth's default test:
    any authenticator)."""
    return Exists(apps.get_model("mfa", "Authenticator").objects.filter(user_id=OuterRef(user_ref)))


@functools.cache
def _users_with_groups() -> QuerySet[User]:
    """Users with their group names and two-factor enrolment: the annotations resolved once a process (a
    queryset unevaluated here; each call filters a clone)."""
    return User._default_manager.annotate(sg_group_names=_group_names_of("pk"), sg_has_mfa=_has_mfa("pk")).order_by()


def user_with_groups(user_id) -> User | None:
    """The user with this id, and their group names and whether they enrolled in two-factor sign-in, in one
    query (what every signed-in page asks of its reader, as ``token_with_user`` does for a token): the group
    names as one string (``user.sg_group_names``, read with ``group_names_from``) and ``user.sg_has_mfa``
    (allauth's default test: any authenticator)."""
    try:
        user_id = int(user_id)
    except (TypeError, ValueError):
        return None  # as the ORM's lookup of an id that is no number finds nobody
    return _users_with_groups().filter(pk=user_id).first()


@functools.cache
def _tokens_with_users() -> QuerySet[ApiToken]:
    """Tokens with their users, group names and two-factor enrolment (the annotations resolved once a process)."""
    return (
        ApiToken.objects.select_related("user")
        .annotate(user_group_names=_group_names_of("user_id"), user_has_mfa=_has_mfa("user_id"))
        .order_by()
    )


def token_with_user(prefix: str) -> ApiToken | None:
    """The token with this prefix and its user, and the user's group names and whether they enrolled
    in two-factor sign-in, in one query (what every API request asks of its caller): the group names
    as one string (``token.user_group_names``) and ``token.user_has_mfa`` (allauth's default test:
    any authenticator)."""
    return _tokens_with_users().filter(prefix=prefix).first()


def group_names_from(text: str | None) -> frozenset[str]:
    return frozenset(text.split(_GROUP_SEPARATOR)) if text else frozenset()


def people_visible_to(user: User) -> QuerySet[User]:
    """The people ``user`` may find by name (a picker's rows): everyone (departed people too) for IT security,
    administrators, auditors and compliance; for anyone else, the colleagues of their own departments and themselves."""
    from accounts import permissions
    from accounts.choices import Group

    rows = User.objects.order_by("full_name", "email", "pk")
    if not getattr(user, "is_authenticated", False):
        return rows.none()
    if (
        permissions.is_it_security(user)
        or user.is_staff
        or permissions.is_auditor(user)
        or Group.COMPLIANCE in permissions.group_names(user)
    ):
        return rows  # departed people included: the record names them too
    rows = rows.filter(is_active=True)
    departments = list(permissions.department_roles(user))
    colleague = Membership.objects.filter(user=OuterRef("pk"), department_id__in=departments)
    return rows.filter(Q(pk=user.pk) | Exists(colleague))
