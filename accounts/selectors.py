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
    (allauth's default test: any authenticator)."""
    return next(iter(_users_with_groups().filter(pk=user_id)[:1]), None)


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


@functools.cache
def _token_lookup() -> tuple[str, tuple, tuple]:
    """The SQL of ``token_with_user`` (written out, quoted from the models' tables and columns) and the
    readers of its token and user columns."""
    authenticator = apps.get_model("mfa", "Authenticator")
    through = User.groups.through
    q = connection.ops.quote_name
    token_names, token_readers = _readers(ApiToken)
    user_names, user_readers = _readers(User)

    def columns(model, alias):
        return [f"{alias}.{q(field.column)}" for field in model._meta.concrete_fields]

    def column(model, name):
        return q(model._meta.get_field(name).column)

    token_user, user_pk = column(ApiToken, "user"), q(User._meta.pk.column)
    selected = [*columns(ApiToken, "t"), *columns(User, "u"), f"g.{column(Group, 'name')}"]
    # identifiers from the models, quoted; the prefix is the one parameter
    sql = (
        f"SELECT {', '.join(selected)},"  # noqa: S608
        f" EXISTS (SELECT 1 FROM {q(authenticator._meta.db_table)} a"
        f" WHERE a.{column(authenticator, 'user')} = t.{token_user})"
        f" FROM {q(ApiToken._meta.db_table)} t"
        f" INNER JOIN {q(User._meta.db_table)} u ON u.{user_pk} = t.{token_user}"
        f" LEFT JOIN {q(through._meta.db_table)} ug ON ug.{column(through, 'user')} = u.{user_pk}"
        f" LEFT JOIN {q(Group._meta.db_table)} g ON g.{q(Group._meta.pk.column)} = ug.{column(through, 'group')}"
        f" WHERE t.{column(ApiToken, 'prefix')} = %s"
    )
    return sql, (token_names, token_readers), (user_names, user_readers)


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
    with connection.cursor() as cursor:
        cursor.execute(sql, [prefix])
        rows = cursor.fetchall()
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
    groups = sorted({row[-2] for row in rows if row[-2] is not None})
    token.user_group_names = _GROUP_SEPARATOR.join(groups) if groups else None
    token.user_has_mfa = bool(first[-1])
    return token


def group_names_from(text: str | None) -> frozenset[str]:
    return frozenset(text.split(_GROUP_SEPARATOR)) if text else frozenset()
