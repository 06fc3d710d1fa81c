"""The SCIM 2.0 service provider at ``/scim/v2/`` (RFC 7643 / 7644), on scim2-models.

Views only parse, authenticate the SCIM token, call a service and answer ``application/scim+json``; every failure
is a SCIM Error (``urn:ietf:params:scim:api:messages:2.0:Error``, with its ``scimType``), never a 500. Each request
and its result is kept for IT's page.
"""

from __future__ import annotations

import json
from typing import Any

from django.core.exceptions import RequestDataTooBig
from django.db import IntegrityError
from django.http import HttpResponse
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.views import View
from django.views.decorators.csrf import csrf_exempt
from pydantic import ValidationError
from scim2_models import (
    Context,
    Error,
    GroupMembership,
    ListResponse,
    Meta,
    NotFoundException,
    PatchOp,
    ResponseParameters,
    Schema,
    SCIMException,
    ScimPolicy,
)

from accounts.models import Department, User
from core.errors import Conflict, DomainError, Forbidden, NotFound
from scim import resources, selectors, services

SCIM_JSON = "application/scim+json"
# What real clients send: Entra ID's remove with a value, its add/replace on a filter that matches nothing yet;
# attributes socialgov does not keep (phone numbers, the enterprise extension ...) are ignored, not refused.
POLICY = ScimPolicy(
    unknown=ScimPolicy.Unknown.ignore,
    remove_value_as_filter=ScimPolicy.RemoveValue.apply,
    unmatched_path_filter=ScimPolicy.UnmatchedPathFilter.create,
)
# PATCH paths are strict (an attribute no SCIM schema defines is 400 invalidPath), but the standard attributes that
# socialgov does not keep (RFC 7643's other User attributes, the enterprise extension), which Okta's and Entra ID's
# default mappings send, are dropped as a body's are.
STRICT = ScimPolicy(
    remove_value_as_filter=ScimPolicy.RemoveValue.apply,
    unmatched_path_filter=ScimPolicy.UnmatchedPathFilter.create,
)
NOT_KEPT = {
    "nickname",
    "profileurl",
    "title",
    "usertype",
    "preferredlanguage",
    "locale",
    "timezone",
    "password",
    "phonenumbers",
    "ims",
    "photos",
    "addresses",
    "entitlements",
    "roles",
    "x509certificates",
}
EXTENSION_PREFIX = "urn:ietf:params:scim:schemas:extension:"
DEFAULT_COUNT = 100


def _kept(name: str) -> bool:
    root = name.split("[", 1)[0].split(".", 1)[0].lower()
    return root not in NOT_KEPT and not name.lower().startswith(EXTENSION_PREFIX)


def _without_unkept(payload: dict[str, Any]) -> dict[str, Any]:
    """The PATCH without the operations (or the value keys) on standard attributes socialgov does not keep."""
    operations = payload.get("Operations")
    if not isinstance(operations, list):
        return payload
    kept = []
    for operation in operations:
        if isinstance(operation, dict):
            path, value = operation.get("path"), operation.get("value")
            if isinstance(path, str) and not _kept(path):
                continue
            if path is None and isinstance(value, dict):
                operation = {**operation, "value": {k: v for k, v in value.items() if _kept(str(k))}}
        kept.append(operation)
    return {**payload, "Operations": kept}


class ScimError(Exception):
    def __init__(self, status: int, detail: str, scim_type: str | None = None):
        super().__init__(detail)
        self.status, self.detail, self.scim_type = status, detail, scim_type


def _response(payload: dict[str, Any] | None, status: int = 200, location: str = "") -> HttpResponse:
    body = b"" if payload is None else json.dumps(payload, default=str).encode()
    response = HttpResponse(body, status=status, content_type=SCIM_JSON if payload is not None else None)
    if location:
        response["Location"] = location
    return response


def _error(status: int, detail: str, scim_type: str | None = None) -> HttpResponse:
    error = Error(status=status, scim_type=scim_type, detail=detail[:500])
    response = _response(error.model_dump(), status=status)
    if status == 401:
        response["WWW-Authenticate"] = 'Bearer realm="SCIM"'
    return response


def _domain_error(exc: DomainError) -> HttpResponse:
    if isinstance(exc, NotFound):
        return _error(404, exc.message)
    if isinstance(exc, Forbidden):
        return _error(403, exc.message, "mutability" if exc.code == "mutability" else None)
    if isinstance(exc, Conflict):
        return _error(409, exc.message, "uniqueness" if exc.code == "uniqueness" else None)
    fields = "; ".join(f"{k}: {' '.join(v)}" for k, v in exc.fields.items())
    return _error(400, f"{exc.message} {fields}".strip(), "invalidValue")


def _bearer(request) -> str:
    header = request.headers.get("Authorization", "")
    scheme, _, key = header.partition(" ")
    return key.strip() if scheme.lower() == "bearer" else ""


def _refuse_nul(value: Any) -> None:
    """PostgreSQL keeps no NUL in text: refused anywhere in a body."""
    if isinstance(value, str):
        if "\x00" in value:
            raise ScimError(400, "Null characters are not allowed.", "invalidValue")
    elif isinstance(value, dict):
        for key, item in value.items():
            _refuse_nul(key)
            _refuse_nul(item)
    elif isinstance(value, list):
        for item in value:
            _refuse_nul(item)


@method_decorator(csrf_exempt, name="dispatch")
class ScimView(View):
    """Authenticates the SCIM token, maps every failure to a SCIM Error and logs the request."""

    http_method_names = ["get", "post", "put", "patch", "delete"]

    def dispatch(self, request, *args, **kwargs):
        self.token = services.scim_token_authenticate(_bearer(request))
        if self.token is None:
            response = _error(401, "A SCIM token is required (Authorization: Bearer scim_…).")
        else:
            response = self._answer(request, *args, **kwargs)
        self._log(request, response)
        return response

    def _answer(self, request, *args, **kwargs) -> HttpResponse:
        try:
            return super().dispatch(request, *args, **kwargs)
        except ScimError as exc:
            return _error(exc.status, exc.detail, exc.scim_type)
        except SCIMException as exc:
            error = exc.to_error()
            return _error(int(error.status or 400), error.detail or str(exc), error.scim_type)
        except ValidationError as exc:
            error = Error.from_validation_errors(exc)[0]
            return _error(int(error.status or 400), error.detail or "Invalid request.", error.scim_type)
        except DomainError as exc:
            return _domain_error(exc)
        except RequestDataTooBig:
            return _error(413, "The request is too large.", "tooLarge")
        except IntegrityError:
            # a concurrent request took the same userName, address or group name first
            return _error(409, "Another request took this value first.", "uniqueness")

    def _log(self, request, response: HttpResponse) -> None:
        scim_type = detail = ""
        if response.status_code >= 400 and response.get("Content-Type") == SCIM_JSON:
            body = json.loads(response.content)
            scim_type, detail = body.get("scimType") or "", body.get("detail") or ""
        services.scim_request_log(
            token=self.token,
            method=request.method,
            path=request.path,
            status=response.status_code,
            scim_type=scim_type,
            detail=detail,
        )

    def http_method_not_allowed(self, request, *args, **kwargs):
        return _error(405, f"{request.method} is not allowed here.")

    # --- helpers --------------------------------------------------------------------------

    def body(self, request) -> dict[str, Any]:
        try:
            payload = json.loads(request.body or b"null")
        except (ValueError, UnicodeDecodeError, RecursionError):
            raise ScimError(400, "The body is not valid JSON.", "invalidSyntax") from None
        if not isinstance(payload, dict):
            raise ScimError(400, "The body must be a JSON object.", "invalidSyntax")
        _refuse_nul(payload)
        return payload

    def location(self, kind: str, pk: Any) -> str:
        return self.request.build_absolute_uri(reverse(f"scim:{kind.lower()}", args=[pk]))

    def parameters(self, model) -> ResponseParameters | None:
        attributes = self.request.GET.get("attributes")
        excluded = self.request.GET.get("excludedAttributes")
        if not attributes and not excluded:
            return None
        return ResponseParameters[model].model_validate(
            {"attributes": attributes or None, "excludedAttributes": excluded or None}
        )


# --- representations ---------------------------------------------------------------------------


def user_resource(view: ScimView, user: User) -> resources.User:
    identity = getattr(user, "scim_identity", None)
    groups = [
        GroupMembership(
            value=str(m.department_id), display=m.department.name, ref=view.location("Group", m.department_id)
        )
        for m in user.memberships.all()
    ]
    if identity is None:
        values = {
            "user_name": user.email,
            "display_name": user.full_name or None,
            "name": {"formatted": user.full_name} if user.full_name else None,
            "emails": [{"value": user.email, "type": "work", "primary": True}],
        }
        modified = user.date_joined
    else:
        values = {
            "user_name": identity.user_name,
            "external_id": identity.external_id or None,
            "display_name": identity.display_name or None,
            "name": identity.name or None,
            "emails": identity.emails or None,
        }
        modified = identity.updated_at
    return resources.User.model_validate(
        {
            **{k: v for k, v in values.items() if v is not None},
            "id": str(user.pk),
            "active": user.is_active,
            "groups": groups or None,
            "meta": Meta(
                resource_type="User",
                created=user.date_joined,
                last_modified=max(modified, user.date_joined),
                location=view.location("User", user.pk),
            ),
        },
        scim_policy=POLICY,
    )


def group_resource(view: ScimView, department: Department) -> resources.Group:
    link = getattr(department, "scim_link", None)
    members = [
        {"value": str(m.user_id), "$ref": view.location("User", m.user_id), "type": "User"}
        for m in department.memberships.all()
    ]
    return resources.Group.model_validate(
        {
            "id": str(department.pk),
            "display_name": department.name,
            "external_id": (link.external_id if link else "") or None,
            "members": members or None,
            "meta": Meta(
                resource_type="Group",
                created=department.created_at,
                last_modified=link.updated_at if link else department.created_at,
                location=view.location("Group", department.pk),
            ),
        },
        scim_policy=POLICY,
    )


def role_group_resource(view: ScimView, group) -> resources.Group:
    """A role group (``selectors.company_role_groups`` / ``department_role_groups``): the role's holders."""
    members = [
        {"value": str(pk), "$ref": view.location("User", pk), "type": "User"} for pk in selectors.role_members(group)
    ]
    created = getattr(group, "created_at", None)
    return resources.Group.model_validate(
        {
            "id": group.scim_id,
            "display_name": group.scim_name,
            "members": members or None,
            "meta": Meta(
                resource_type="Group",
                created=created,
                last_modified=created,
                location=view.location("Group", group.scim_id),
            ),
        },
        scim_policy=POLICY,
    )


def _is_role(obj) -> bool:
    return hasattr(obj, "scim_role")


def any_group_resource(view: ScimView, obj) -> resources.Group:
    return role_group_resource(view, obj) if _is_role(obj) else group_resource(view, obj)


def _scim_id(obj) -> str:
    return obj.scim_id if _is_role(obj) else str(obj.pk)


KINDS = {
    "User": (resources.User, selectors.user_sources, selectors.scim_user, user_resource),
    "Group": (resources.Group, selectors.group_sources, selectors.scim_group, any_group_resource),
}


def _dump(resource, ctx: Context, params: ResponseParameters | None = None) -> dict[str, Any]:
    return resource.model_dump(scim_ctx=ctx, response_parameters=params, scim_policy=POLICY)


class ResourceList(ScimView):
    kind = "User"

    def get(self, request):
        model, listing, _, represent = KINDS[self.kind]
        params = self.parameters(model)
        querysets = []
        for source in listing():
            queryset = source.queryset()
            if request.GET.get("filter"):
                queryset = selectors.filtered(queryset, request.GET["filter"], kind=self.kind, field_of=source.field_of)
            querysets.append(queryset)
        start, count = self._paging(request)
        # one list across the sources (Groups: departments, then role groups): each counted, each sliced
        totals = [queryset.count() for queryset in querysets]
        total, skip, page = sum(totals), start - 1, []
        for queryset, size in zip(querysets, totals, strict=True):
            if skip >= size:
                skip -= size
                continue
            if len(page) < count:
                page += list(queryset[skip : skip + count - len(page)])
            skip = 0
        listed = ListResponse[model](
            total_results=total,
            start_index=start,
            items_per_page=len(page),
            resources=[represent(self, obj) for obj in page] or None,
        )
        return _response(listed.model_dump(scim_ctx=Context.SEARCH_RESPONSE, response_parameters=params))

    def _paging(self, request) -> tuple[int, int]:
        def number(name: str, default: int) -> int:
            raw = request.GET.get(name, "")
            if not raw:
                return default
            try:
                return int(raw)
            except ValueError:
                raise ScimError(400, f"{name} must be an integer.", "invalidValue") from None

        start = max(1, number("startIndex", 1))
        count = min(max(0, number("count", DEFAULT_COUNT)), resources.MAX_RESULTS)
        return start, count

    def post(self, request):
        model, _, fetch, represent = KINDS[self.kind]
        payload = self.body(request)
        resource = model.model_validate(payload, scim_ctx=Context.RESOURCE_CREATION_REQUEST, scim_policy=POLICY)
        if self.kind == "User":
            obj = services.scim_user_create(token=self.token, resource=resource)
        else:
            obj = services.scim_group_create(token=self.token, resource=resource)
        obj = fetch(str(obj.pk))
        created = represent(self, obj)
        return _response(
            _dump(created, Context.RESOURCE_CREATION_RESPONSE), status=201, location=self.location(self.kind, obj.pk)
        )


class ResourceDetail(ScimView):
    kind = "User"

    def _load(self, pk: str):
        _, _, fetch, _ = KINDS[self.kind]
        obj = fetch(pk)
        if obj is None:
            raise NotFoundException(detail=f"No {self.kind} with id {pk[:40]!r}.")
        return obj

    def get(self, request, pk: str):
        model, _, _, represent = KINDS[self.kind]
        return _response(
            _dump(represent(self, self._load(pk)), Context.RESOURCE_QUERY_RESPONSE, self.parameters(model))
        )

    def put(self, request, pk: str):
        model, _, _, represent = KINDS[self.kind]
        obj = self._load(pk)
        payload = self.body(request)
        wanted = model.model_validate(payload, scim_ctx=Context.RESOURCE_REPLACEMENT_REQUEST, scim_policy=POLICY)
        return self._save(obj, wanted, Context.RESOURCE_REPLACEMENT_RESPONSE)

    def patch(self, request, pk: str):
        model, _, _, represent = KINDS[self.kind]
        obj = self._load(pk)
        payload = _without_unkept(self.body(request))
        if payload.get("Operations") == []:
            return _response(_dump(represent(self, obj), Context.RESOURCE_PATCH_RESPONSE))  # only what is not kept
        patch = PatchOp[model].model_validate(payload, scim_ctx=Context.RESOURCE_PATCH_REQUEST, scim_policy=STRICT)
        resource = represent(self, obj)
        if not patch.patch(resource, scim_policy=STRICT):
            return _response(_dump(resource, Context.RESOURCE_PATCH_RESPONSE))  # nothing changes: no write
        return self._save(obj, resource, Context.RESOURCE_PATCH_RESPONSE)

    def _save(self, obj, resource, ctx: Context) -> HttpResponse:
        _, _, fetch, represent = KINDS[self.kind]
        if self.kind == "User":
            services.scim_user_apply(token=self.token, user=obj, resource=resource)
        elif _is_role(obj):
            services.scim_role_group_apply(token=self.token, group=obj, resource=resource)
        else:
            services.scim_group_apply(token=self.token, department=obj, resource=resource)
        return _response(_dump(represent(self, fetch(_scim_id(obj))), ctx))

    def delete(self, request, pk: str):
        obj = self._load(pk)
        if self.kind == "User":
            services.scim_user_delete(token=self.token, user=obj)
        elif _is_role(obj):
            raise ScimError(
                403, "A role group is one of socialgov's roles: change its members, it cannot be deleted.", "mutability"
            )
        else:
            services.scim_group_delete(token=self.token, department=obj)
        return _response(None, status=204)


# --- discovery ---------------------------------------------------------------------------------


class ServiceProviderConfigView(ScimView):
    def get(self, request):
        config = resources.service_provider_config(request.build_absolute_uri("/scim/v2/"))
        config.meta = Meta(resource_type="ServiceProviderConfig", location=request.build_absolute_uri())
        return _response(config.model_dump(scim_ctx=Context.RESOURCE_QUERY_RESPONSE))


def _schema(view: ScimView, model) -> Schema:
    schema = model.to_schema()
    schema.meta = Meta(resource_type="Schema", location=view.location("Schema", schema.id))
    return schema


def _resource_type(view: ScimView, name: str):
    resource_type = resources.RESOURCE_TYPES[name].model_copy(deep=True)
    resource_type.meta = Meta(resource_type="ResourceType", location=view.location("ResourceType", name))
    return resource_type


class Listing(ScimView):
    """ResourceTypes and Schemas: the whole list, or one by id."""

    what = "Schema"

    def items(self) -> dict[str, Any]:
        if self.what == "Schema":
            return {str(m.__schema__): _schema(self, m) for m in resources.MODELS.values()}
        return {name: _resource_type(self, name) for name in resources.RESOURCE_TYPES}

    def get(self, request, pk: str | None = None):
        items = self.items()
        if pk is not None:
            if pk not in items:
                raise NotFoundException(detail=f"No {self.what} {pk[:80]!r}.")
            return _response(items[pk].model_dump(scim_ctx=Context.RESOURCE_QUERY_RESPONSE))
        if request.GET.get("filter"):
            raise ScimError(403, "Filtering is not supported here.")
        model = type(next(iter(items.values())))
        listed = ListResponse[model](
            total_results=len(items), start_index=1, items_per_page=len(items), resources=list(items.values())
        )
        return _response(listed.model_dump(scim_ctx=Context.SEARCH_RESPONSE))


class Search(ScimView):
    """``POST /.search`` across resource types: not offered (501, as RFC 7644 §3.12 says)."""

    def post(self, request, rest: str = ""):
        raise ScimError(501, "Searching with POST /.search is not supported; use GET with a filter.")


class Unknown(ScimView):
    def get(self, request, rest: str = ""):
        raise ScimError(404, "No such SCIM endpoint.")

    post = put = patch = delete = get
