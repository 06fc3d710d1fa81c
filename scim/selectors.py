"""Reads for the SCIM endpoints: the people and departments the identity provider sees, a fixed number of
queries per page, and its filters turned into querysets."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.contrib.auth.models import Group as AuthGroup
from django.db.models import Case, CharField, FilteredRelation, Prefetch, Q, QuerySet, Value, When
from django.db.models.functions import Cast, Concat
from scim2_models import InvalidFilterException, ScimFilter
from scim2_models.path.expressions import (
    CompareOperator,
    Comparison,
    LogicalExpr,
    LogicalOperator,
    Not,
    Present,
    ValuePath,
)

from accounts.choices import Group, Role
from accounts.models import Department, Membership, User

LOOKUPS = {
    CompareOperator.eq: "iexact",
    CompareOperator.co: "icontains",
    CompareOperator.sw: "istartswith",
    CompareOperator.ew: "iendswith",
}


def scim_users() -> QuerySet[User]:
    """Everyone the provider may see: people it DELETEd are gone for it (they stay, offboarded, in socialgov)."""
    return (
        User.objects.select_related("scim_identity")
        .exclude(scim_identity__deleted_at__isnull=False)
        .prefetch_related(
            Prefetch("memberships", queryset=Membership.objects.select_related("department").order_by("department_id"))
        )
        .order_by("pk")
    )


def scim_groups() -> QuerySet[Department]:
    return (
        Department.objects.select_related("scim_link")
        .exclude(scim_link__deleted_at__isnull=False)
        .prefetch_related(Prefetch("memberships", queryset=Membership.objects.order_by("user_id")))
        .order_by("pk")
    )


def db_id(value) -> int | None:
    """``value`` as an id the database can hold (a 64-bit integer), else None: no row has it."""
    text = str(value)
    return int(text) if text.isascii() and text.isdigit() and int(text) < 2**63 else None


def scim_user(pk: str) -> User | None:
    return None if db_id(pk) is None else scim_users().filter(pk=db_id(pk)).first()


def scim_department(pk: str) -> Department | None:
    return None if db_id(pk) is None else scim_groups().filter(pk=db_id(pk)).first()


# --- Roles as groups ---------------------------------------------------------------------
# A role group's id is ``role-<company role>`` (``role-it_security``: the people holding that company-wide role) or
# ``role-<department id>-<reviewer|manager>`` (``role-3-reviewer``: the people holding that role in department 3).
# Their names start with ROLE_NAME_PREFIX, which no department pushed over SCIM may take. A department's members
# are its own group (the department's id), so there is no member role group. Each object a source lists carries
# ``scim_id``, ``scim_name``, ``scim_role`` and ``scim_members`` (the member users' ids).

ROLE_PREFIX = "role-"
ROLE_NAME_PREFIX = "Role: "
DEPARTMENT_ROLES = (Role.REVIEWER, Role.MANAGER)


@dataclass(frozen=True)
class Source:
    """One part of a SCIM list: its queryset (in listing order) and the fields its filter attributes are read from."""

    queryset: Callable[[], QuerySet]
    field_of: Callable[[str, str | None], list[str] | None]


def _visible_ids() -> QuerySet[User]:
    return User.objects.exclude(scim_identity__deleted_at__isnull=False).only("pk").order_by("pk")


def company_role_groups() -> QuerySet[AuthGroup]:
    """The company-wide roles (Django groups) as SCIM groups: their holders are the members."""
    return (
        AuthGroup.objects.filter(name__in=Group.ALL)
        .annotate(
            scim_id=Concat(Value(ROLE_PREFIX), "name", output_field=CharField()),
            scim_name=Case(
                *[When(name=name, then=Value(ROLE_NAME_PREFIX + label)) for name, label in Group.LABELS.items()],
                output_field=CharField(),
            ),
            scim_role=Cast("name", CharField()),
            scim_external=Value("", output_field=CharField()),
        )
        .prefetch_related(Prefetch("user_set", queryset=_visible_ids(), to_attr="scim_people"))
        .order_by("name")
    )


def department_role_groups(role: str) -> QuerySet[Department]:
    """One group per department for ``role``: the people holding that role there are the members."""
    label = Role(role).value  # "member", "reviewer", "manager": the same in every language (SCIM names are data)
    return (
        Department.objects.exclude(scim_link__deleted_at__isnull=False)
        .alias(role_memberships=FilteredRelation("memberships", condition=Q(memberships__role=role)))
        .annotate(
            scim_id=Concat(Value(ROLE_PREFIX), Cast("pk", CharField()), Value(f"-{role}"), output_field=CharField()),
            scim_name=Concat(Value(ROLE_NAME_PREFIX), "name", Value(f" {label}"), output_field=CharField()),
            scim_role=Value(role, output_field=CharField()),
            scim_external=Value("", output_field=CharField()),
        )
        .prefetch_related(
            Prefetch(
                "memberships",
                queryset=Membership.objects.filter(role=role).only("department_id", "user_id").order_by("user_id"),
                to_attr="scim_people",
            )
        )
        .order_by("pk")
    )


def _role_field(members: str) -> Callable[[str, str | None], list[str] | None]:
    def field_of(attr: str, sub: str | None) -> list[str] | None:
        name = f"{attr}.{sub}" if sub else attr
        return {
            "id": ["scim_id"],
            "displayname": ["scim_name"],
            "externalid": ["scim_external"],
            "members": [members],
            "members.value": [members],
        }.get(name.lower())

    return field_of


def user_sources() -> list[Source]:
    return [Source(scim_users, _user_field)]


def group_sources() -> list[Source]:
    """What GET /Groups lists, in order: the departments, the company roles, then each department's reviewers and
    managers. Paging runs across them as one list."""
    return [
        Source(scim_groups, _group_field),
        Source(company_role_groups, _role_field("user__id")),
        *[
            Source(lambda r=role: department_role_groups(r), _role_field("role_memberships__user_id"))
            for role in DEPARTMENT_ROLES
        ],
    ]


def scim_group(pk: str) -> Department | AuthGroup | None:
    """A department (``pk`` its id) or a role group (``role-…``), as the listing gives it; None when there is none."""
    if pk.isascii() and pk.isdigit():
        return scim_department(pk)
    if not pk.startswith(ROLE_PREFIX):
        return None
    rest = pk[len(ROLE_PREFIX) :]
    if rest in Group.ALL:
        return company_role_groups().filter(name=rest).first()
    department, _, role = rest.partition("-")
    if db_id(department) is not None and role in DEPARTMENT_ROLES:
        return department_role_groups(role).filter(pk=db_id(department)).first()
    return None


def role_members(group) -> list[int]:
    """The member users' ids of a role group the selectors listed."""
    return [getattr(m, "user_id", m.pk) for m in group.scim_people]


# --- filters -----------------------------------------------------------------------------


# the fields holding ids: compared with eq / ne and a number only
ID_FIELDS = ("pk", "memberships__user_id", "user__id", "role_memberships__user_id")


def _user_field(attr: str, sub: str | None) -> list[str] | None:
    """The model fields an attribute of the User resource is read from (any of them may match)."""
    name = f"{attr}.{sub}" if sub else attr
    return {
        "id": ["pk"],
        "username": ["scim_identity__user_name", "email"],
        "externalid": ["scim_identity__external_id"],
        "displayname": ["full_name"],
        "emails": ["email"],
        "emails.value": ["email"],
        "active": ["is_active"],
        "name.formatted": ["full_name"],
        "name.givenname": ["scim_identity__name__givenName"],
        "name.familyname": ["scim_identity__name__familyName"],
    }.get(name.lower())


def _group_field(attr: str, sub: str | None) -> list[str] | None:
    name = f"{attr}.{sub}" if sub else attr
    return {
        "id": ["pk"],
        "displayname": ["name"],
        "externalid": ["scim_link__external_id"],
        "members": ["memberships__user_id"],
        "members.value": ["memberships__user_id"],
    }.get(name.lower())


def _compare(fields: list[str], op: CompareOperator, value) -> Q:
    if fields == ["scim_identity__user_name", "email"]:
        # a person the provider never wrote is known by their sign-in address
        own = _compare(["scim_identity__user_name"], op, value)
        return own | (Q(scim_identity__isnull=True) & _compare(["email"], op, value))
    field = fields[0]
    if field in ID_FIELDS:
        if op not in (CompareOperator.eq, CompareOperator.ne):
            raise InvalidFilterException(detail="An id is compared with eq or ne.")
        if db_id(value) is None:
            return Q(pk__in=[]) if op == CompareOperator.eq else Q()
        q = Q(**{field: db_id(value)})
        return q if op == CompareOperator.eq else ~q
    if field == "is_active":
        if not isinstance(value, bool) or op not in (CompareOperator.eq, CompareOperator.ne):
            raise InvalidFilterException(detail="active is compared with eq or ne and true or false.")
        q = Q(is_active=value)
        return q if op == CompareOperator.eq else ~q
    if not isinstance(value, str):
        raise InvalidFilterException(detail="This attribute is compared with a string.")
    if op == CompareOperator.ne:
        return ~Q(**{f"{field}__iexact": value})
    lookup = LOOKUPS.get(op)
    if lookup is None:
        raise InvalidFilterException(detail=f"The operator {op.value} is not supported on this attribute.")
    return Q(**{f"{field}__{lookup}": value})


def _to_q(node, field_of) -> Q:
    if isinstance(node, LogicalExpr):
        terms = [_to_q(term, field_of) for term in node.terms]
        combined = terms[0]
        for term in terms[1:]:
            combined = combined & term if node.op == LogicalOperator.and_ else combined | term
        return combined
    if isinstance(node, Not):
        return ~_to_q(node.expr, field_of)
    if isinstance(node, ValuePath) and node.sub_attr is None:
        # members[value eq "5"]: the filter's attributes are the multi-valued attribute's sub-attributes
        parent = node.attr_path.attr
        return _to_q(node.val_filter, lambda attr, sub: None if sub else field_of(parent, attr))
    if isinstance(node, Comparison | Present):
        path = node.attr_path
        fields = field_of(path.attr, path.sub_attr)
        if fields is None:
            raise InvalidFilterException(detail=f"Filtering on {path} is not supported.")
        if isinstance(node, Present):
            if fields[0] in ("pk", "is_active", "email"):
                return Q()
            if fields[0] in ID_FIELDS:
                return ~Q(**{f"{fields[0]}__isnull": True})
            return ~Q(**{f"{fields[0]}__isnull": True}) & ~Q(**{fields[0]: ""})
        return _compare(fields, node.op, node.value)
    raise InvalidFilterException(detail="This filter is not supported.")


def filtered(
    queryset: QuerySet,
    expression: str,
    *,
    kind: str,
    field_of: Callable[[str, str | None], list[str] | None] | None = None,
) -> QuerySet:
    """The queryset narrowed by a SCIM filter; InvalidFilterException (400 invalidFilter) when it cannot be.
    ``field_of`` reads the attributes of another source than the kind's own (the role groups)."""
    if len(expression) > 1000:
        raise InvalidFilterException(detail="The filter is too long.")
    try:
        ast = ScimFilter(expression).ast
    except InvalidFilterException:
        raise
    except (ValueError, RecursionError) as exc:
        raise InvalidFilterException(detail=str(exc)[:200]) from None
    q = _to_q(ast, field_of or (_user_field if kind == "User" else _group_field))
    result = queryset.filter(q)
    return result.distinct() if kind == "Group" and "members" in expression.lower() else result


# --- IT's page ---------------------------------------------------------------------------


def scim_tokens():
    from scim.models import ScimToken

    return ScimToken.objects.select_related("created_by", "revoked_by").order_by("-created_at")


def scim_requests(*, result: str = ""):
    from scim.models import ScimRequest

    rows = ScimRequest.objects.select_related("token").order_by("-at", "-pk")
    if result == "failed":
        rows = rows.filter(status__gte=400)
    elif result == "ok":
        rows = rows.filter(status__lt=400)
    return rows
