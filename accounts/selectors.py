"""Reads about people for a user."""

from __future__ import annotations

import functools

from django.apps import apps
from django.db import connections, router
from django.db.models import Aggregate, CharField, Exists, OuterRef, QuerySet, Subquery, Value

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


@functools.cache
def _tokens_with_users() -> QuerySet[ApiToken]:
    """Tokens with their users, group names and two-factor enrolment: the annotations resolved once
    a process (a queryset unevaluated here; each call filters a clone)."""
    authenticator = apps.get_model("mfa", "Authenticator")
    names = (
        User.groups.through.objects.filter(user_id=OuterRef("user_id"))
        .order_by()
        .values("user_id")
        .annotate(names=_Joined("group__name", Value(_GROUP_SEPARATOR)))
        .values("names")
    )
    return (
        ApiToken.objects.select_related("user")
        .annotate(
            user_group_names=Subquery(names),
            user_has_mfa=Exists(authenticator.objects.filter(user_id=OuterRef("user_id"))),
        )
        .order_by()
    )


def token_with_user_orm(prefix: str) -> ApiToken | None:
    """``token_with_user`` through the ORM, compiled for each call (what the compiled query must equal)."""
    return next(iter(_tokens_with_users().filter(prefix=prefix)[:1]), None)


_PREFIX_PLACEHOLDER = "\x00prefix\x00"


class _CompiledTokenQuery:
    """``token_with_user``'s query compiled once for a database connection: compiling it was most of
    the CPU of an API request's authentication (0.5 of 0.8 ms); the rows become objects as Django's
    model iterable makes them (``from_db``, the related user cached on the token, the converters
    of this connection applied)."""

    def __init__(self, alias: str):
        compiler = _tokens_with_users().filter(prefix=_PREFIX_PLACEHOLDER)[:1].query.get_compiler(alias)
        self.sql, params = compiler.as_sql()
        self.params = list(params)
        self.prefix_at = self.params.index(_PREFIX_PLACEHOLDER)
        self.alias, self.compiler = alias, compiler
        self.converters = compiler.get_converters([col for col, _, _ in compiler.select[: compiler.col_count]])
        token_info = compiler.klass_info
        (user_info,) = token_info["related_klass_infos"]
        self.token_at, self.user_at = token_info["select_fields"], user_info["select_fields"]
        self.token_names = [compiler.select[i][0].target.attname for i in self.token_at]
        self.user_names = [compiler.select[i][0].target.attname for i in self.user_at]
        self.user_field = user_info["field"]
        self.annotations = dict(compiler.annotation_col_map)
        assert token_info["model"] is ApiToken and user_info["model"] is User and len(self.annotations) == 2

    def run(self, prefix: str) -> ApiToken | None:
        params = list(self.params)
        params[self.prefix_at] = prefix
        with connections[self.alias].cursor() as cursor:
            cursor.execute(self.sql, params)
            row = cursor.fetchone()
        if row is None:
            return None
        if self.converters:
            row = next(iter(self.compiler.apply_converters([row], self.converters)))
        token = ApiToken.from_db(self.alias, self.token_names, [row[i] for i in self.token_at])
        user = User.from_db(self.alias, self.user_names, [row[i] for i in self.user_at])
        self.user_field.set_cached_value(token, user)
        for name, at in self.annotations.items():
            setattr(token, name, row[at])
        return token


def token_with_user(prefix: str) -> ApiToken | None:
    """The token with this prefix and its user, and the user's group names and whether they enrolled
    in two-factor sign-in, in one query (what every API request asks of its caller): the group names
    as one string (``token.user_group_names``) and ``token.user_has_mfa`` (allauth's default test:
    any authenticator). A test holds it equal to ``token_with_user_orm``."""
    alias = router.db_for_read(ApiToken)
    connection = connections[alias]
    compiled = getattr(connection, "_sg_token_query", None)  # one per connection object (per thread)
    if compiled is None:
        compiled = connection._sg_token_query = _CompiledTokenQuery(alias)
    return compiled.run(prefix)


def group_names_from(text: str | None) -> frozenset[str]:
    return frozenset(text.split(_GROUP_SEPARATOR)) if text else frozenset()
