"""Reads about people for a user."""

from __future__ import annotations

import datetime
import functools
from collections.abc import Callable
from typing import Any

from django.apps import apps
from django.conf import settings
from django.contrib.auth.models import Group
from django.db import connection, models
from django.db.models import Aggregate, CharField, Exists, OuterRef, QuerySet, Subquery, Value
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from accounts.models import ApiToken, Membership, User
from socialgov.db import fetch_prepared

_GROUP_SEPARATOR = "\x1f"  # the ASCII unit separator: no group name holds it


def users_in_group(name: str) -> QuerySet[User]:
    return User.objects.filter(is_active=True, groups__name=name)


def department_managers(department_id: int) -> QuerySet[User]:
    return User.objects.filter(is_active=True, memberships__department_id=department_id, memberships__role="manager")


def memberships_of(user: User) -> QuerySet[Membership]:
    return Membership.objects.filter(user=user).select_related("department")


def tokens_of(user: User) -> QuerySet[ApiToken]:
    return ApiToken.objects.filter(user=user).order_by("-created_at")


class _Joined(Aggregate):
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
        .annotate(names=_Joined("group__name", Value(_GROUP_SEPARATOR)))
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
    (allauth's default test: any authenticator).

    Written out in SQL like ``token_with_user`` (the ORM's ``_users_with_groups()`` spent ~0.6 ms of CPU a page
    compiling its two correlated subqueries); ``test_backends`` holds the two equal."""
    try:
        user_id = int(user_id)
    except (TypeError, ValueError):
        return None  # as the ORM's lookup of an id that is no number finds nobody
    sql, (user_names, user_readers) = _person_lookup()
    rows = fetch_prepared("sg_person_lookup", sql, [user_id])
    if not rows:
        return None
    user = User.from_db(connection.alias, user_names, _python(rows[0][: len(user_names)], user_readers))
    user.sg_group_names, user.sg_has_mfa = _groups_and_mfa(rows)
    return user


@functools.cache
def _tokens_with_users() -> QuerySet[ApiToken]:
    """Tokens with their users, group names and two-factor enrolment through the ORM (what
    ``token_with_user`` reads; its test holds the two equal)."""
    return (
        ApiToken.objects.select_related("user")
        .annotate(user_group_names=_group_names_of("user_id"), user_has_mfa=_has_mfa("user_id"))
        .order_by()
    )


def _readers(model) -> tuple[list[str], list[Callable[[Any], Any] | None]]:
    """A model's concrete fields (attribute names, in ``from_db``'s order) and, for each, what makes the
    database's value the field's Python value where a driver does not (SQLite's text date-times and
    integer booleans), None where the value is already the Python one. A field of another kind (one
    that converts its values: JSON, decimal, UUID, dates...) is refused rather than read wrong."""
    names, readers = [], []
    for field in model._meta.concrete_fields:
        names.append(field.attname)
        kind = field.target_field if field.is_relation else field
        if hasattr(kind, "from_db_value"):
            raise TypeError(f"{model.__name__}.{field.name}: converts its values; read it through the ORM.")
        if isinstance(kind, models.DateTimeField):
            readers.append(_datetime)
        elif isinstance(kind, models.BooleanField):
            readers.append(_boolean)
        elif isinstance(kind, models.CharField | models.TextField | models.IntegerField):
            readers.append(None)
        else:
            raise TypeError(f"{model.__name__}.{field.name}: {type(kind).__name__} is not read by token_with_user.")
    return names, readers


def _datetime(value):
    # as Django's converters read a date-time: PostgreSQL's drivers give it aware; SQLite's naive (or as text),
    # in the connection's time zone
    if value is None:
        return value
    if not isinstance(value, datetime.datetime):
        value = parse_datetime(value)
    if settings.USE_TZ and timezone.is_naive(value):
        value = timezone.make_aware(value, connection.timezone)
    return value


def _boolean(value):
    return value if value is None or value.__class__ is bool else bool(value)


def _person_sql(user_alias: str) -> tuple[str, str]:
    """What both lookups add to a row of the user ``user_alias``: its columns, a column of one group name (a row
    per group), whether they enrolled in two-factor sign-in; and the joins of the group names. Identifiers are
    the models' own, quoted."""
    authenticator = apps.get_model("mfa", "Authenticator")
    through = User.groups.through
    q = connection.ops.quote_name
    user_pk = f"{user_alias}.{q(User._meta.pk.column)}"
    selected = [
        *_columns(User, user_alias),
        f"g.{_column(Group, 'name')}",
        # identifiers from the models, quoted
        f"EXISTS (SELECT 1 FROM {q(authenticator._meta.db_table)} a"  # noqa: S608
        f" WHERE a.{_column(authenticator, 'user')} = {user_pk})",
    ]
    joins = (
        f" LEFT JOIN {q(through._meta.db_table)} ug ON ug.{_column(through, 'user')} = {user_pk}"
        f" LEFT JOIN {q(Group._meta.db_table)} g ON g.{q(Group._meta.pk.column)} = ug.{_column(through, 'group')}"
    )
    return ", ".join(selected), joins


def _columns(model, alias: str) -> list[str]:
    return [f"{alias}.{connection.ops.quote_name(field.column)}" for field in model._meta.concrete_fields]


def _column(model, name: str) -> str:
    return connection.ops.quote_name(model._meta.get_field(name).column)


def _groups_and_mfa(rows) -> tuple[str | None, bool]:
    """The group names (joined as ``_group_names_of`` joins them) and the two-factor flag of a lookup's rows."""
    groups = sorted({row[-2] for row in rows if row[-2] is not None})
    return (_GROUP_SEPARATOR.join(groups) if groups else None), bool(rows[0][-1])


@functools.cache
def _person_lookup() -> tuple[str, tuple]:
    """The SQL of ``user_with_groups`` and the readers of its user columns."""
    q = connection.ops.quote_name
    person, joins = _person_sql("u")
    sql = f"SELECT {person} FROM {q(User._meta.db_table)} u{joins} WHERE u.{q(User._meta.pk.column)} = %s"  # noqa: S608
    return sql, _readers(User)


@functools.cache
def _token_lookup() -> tuple[str, tuple, tuple]:
    """The SQL of ``token_with_user`` and the readers of its token and user columns."""
    q = connection.ops.quote_name
    person, joins = _person_sql("u")
    # identifiers from the models, quoted; the prefix is the one parameter
    sql = (
        f"SELECT {', '.join(_columns(ApiToken, 't'))}, {person}"  # noqa: S608
        f" FROM {q(ApiToken._meta.db_table)} t"
        f" INNER JOIN {q(User._meta.db_table)} u ON u.{q(User._meta.pk.column)} = t.{_column(ApiToken, 'user')}"
        f"{joins}"
        f" WHERE t.{_column(ApiToken, 'prefix')} = %s"
    )
    return sql, _readers(ApiToken), _readers(User)


def _python(values, readers) -> list[Any]:
    return [value if read is None else read(value) for value, read in zip(values, readers, strict=True)]


def token_with_user(prefix: str) -> ApiToken | None:
    """The token with this prefix and its user, and the user's group names and whether they enrolled
    in two-factor sign-in, in one query (what every API request asks of its caller): the group names
    as one string (``token.user_group_names``) and ``token.user_has_mfa`` (allauth's default test:
    any authenticator).

    The query is written out in SQL (a row per group the user holds) and its rows made into objects with
    ``Model.from_db``: building it through the ORM (select_related and two correlated subqueries) was
    most of an API request's authentication CPU (~0.8 of ~0.95 ms). ``test_tokens`` holds it equal to
    the ORM's ``_tokens_with_users()`` for people with and without groups and two-factor, and for
    revoked, expired and deactivated tokens."""
    sql, (token_names, token_readers), (user_names, user_readers) = _token_lookup()
    rows = fetch_prepared("sg_token_lookup", sql, [prefix])
    if not rows:
        return None
    first = rows[0]
    token_width = len(token_names)
    user_width = len(user_names)
    token = ApiToken.from_db(connection.alias, token_names, _python(first[:token_width], token_readers))
    user = User.from_db(
        connection.alias, user_names, _python(first[token_width : token_width + user_width], user_readers)
    )
    token.user = user
    token.user_group_names, token.user_has_mfa = _groups_and_mfa(rows)
    return token


def group_names_from(text: str | None) -> frozenset[str]:
    return frozenset(text.split(_GROUP_SEPARATOR)) if text else frozenset()
