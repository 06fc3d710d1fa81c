"""Reads for the SCIM endpoints: the people and departments the identity provider sees, a fixed number of
queries per page, and its filters turned into querysets."""

from __future__ import annotations

from django.db.models import Prefetch, Q, QuerySet
from scim2_models import InvalidFilterException, ScimFilter
from scim2_models.path.expressions import CompareOperator, Comparison, LogicalExpr, LogicalOperator, Not, Present

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


def scim_user(pk: str) -> User | None:
    return scim_users().filter(pk=int(pk)).first() if pk.isdigit() else None


def scim_group(pk: str) -> Department | None:
    return scim_groups().filter(pk=int(pk)).first() if pk.isdigit() else None


# --- filters -----------------------------------------------------------------------------


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
    if field in ("pk", "memberships__user_id"):
        if op not in (CompareOperator.eq, CompareOperator.ne):
            raise InvalidFilterException(detail="An id is compared with eq or ne.")
        if not str(value).isdigit():
            return Q(pk__in=[]) if op == CompareOperator.eq else Q()
        q = Q(**{field: int(value)})
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
    if isinstance(node, Comparison | Present):
        path = node.attr_path
        fields = field_of(path.attr, path.sub_attr)
        if fields is None:
            raise InvalidFilterException(detail=f"Filtering on {path} is not supported.")
        if isinstance(node, Present):
            if fields[0] in ("pk", "is_active", "email"):
                return Q()
            return ~Q(**{f"{fields[0]}__isnull": True}) & ~Q(**{fields[0]: ""})
        return _compare(fields, node.op, node.value)
    raise InvalidFilterException(detail="This filter is not supported.")


def filtered(queryset: QuerySet, expression: str, *, kind: str) -> QuerySet:
    """The queryset narrowed by a SCIM filter; InvalidFilterException (400 invalidFilter) when it cannot be."""
    if len(expression) > 1000:
        raise InvalidFilterException(detail="The filter is too long.")
    try:
        ast = ScimFilter(expression).ast
    except InvalidFilterException:
        raise
    except (ValueError, RecursionError) as exc:
        raise InvalidFilterException(detail=str(exc)[:200]) from None
    q = _to_q(ast, _user_field if kind == "User" else _group_field)
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
