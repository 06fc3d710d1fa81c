"""Writes from the identity provider (SCIM) and IT's SCIM tokens.

The provider acts as the system (``actor=None`` in the accounts and registry services), each event naming the
token it came through. People are created, renamed, re-addressed, offboarded and reactivated through the accounts
and registry services that the admin uses too; departments' members through ``membership_set`` /
``membership_remove``. Writing the same state twice changes nothing the second time.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.text import slugify

from accounts import permissions
from accounts import services as accounts
from accounts.choices import Group, Role
from accounts.models import Department, Membership, User
from audit import services as audit
from channels_registry.services import user_offboard
from core.errors import Conflict, Forbidden, InvalidInput, NotFound, ensure
from scim import resources
from scim.models import ScimGroupLink, ScimIdentity, ScimRequest, ScimToken
from scim.selectors import ROLE_NAME_PREFIX, db_id, role_members

TOKEN_PREFIX = "scim"
MAX_TEXT = 254


# --- Tokens ----------------------------------------------------------------------------


def _hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def scim_token_create(*, actor: User, name: str) -> tuple[ScimToken, str]:
    """IT makes a token for its identity provider. Returns it with its key, which is never shown again."""
    ensure(permissions.is_it_security(actor) and actor.is_active, "Only IT security makes SCIM tokens.")
    permissions.ensure_mfa(actor)
    name = (name or "").strip()
    if not name:
        raise InvalidInput("Give the token a name.", fields={"name": ["This field is required."]})
    if "\x00" in name:
        raise InvalidInput("Null characters are not allowed.", fields={"name": ["Null characters are not allowed."]})
    for _ in range(5):
        prefix, secret = secrets.token_hex(4), secrets.token_urlsafe(32)
        try:
            with transaction.atomic():
                token = ScimToken.objects.create(
                    name=name[:100], prefix=prefix, secret_hash=_hash_secret(secret), created_by=actor
                )
                audit.record(actor=actor, action="scim.token_created", target=token, data={"name": token.name})
        except IntegrityError:
            continue  # prefix collision: draw again
        return token, f"{TOKEN_PREFIX}_{prefix}_{secret}"
    raise Conflict("Could not create a token; try again.")


@transaction.atomic
def scim_token_revoke(*, actor: User, token: ScimToken) -> ScimToken:
    ensure(permissions.is_it_security(actor), "Only IT security revokes SCIM tokens.")
    permissions.ensure_mfa(actor)
    token = ScimToken.objects.select_for_update(of=("self",)).get(pk=token.pk)
    if token.revoked_at is not None:
        return token
    token.revoked_at = timezone.now()
    token.revoked_by = actor
    token.save(update_fields=["revoked_at", "revoked_by"])
    audit.record(actor=actor, action="scim.token_revoked", target=token, data={"name": token.name})
    return token


def scim_token_authenticate(key: str) -> ScimToken | None:
    """The usable SCIM token for ``key``, or None (an API token is not one). Records its last use at most once a
    minute."""
    parts = key.split("_", 2)
    if len(parts) != 3 or parts[0] != TOKEN_PREFIX or len(parts[1]) > 12:
        return None
    token = ScimToken.objects.filter(prefix=parts[1]).first()
    if token is None or not hmac.compare_digest(token.secret_hash, _hash_secret(parts[2])) or not token.is_usable:
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > timedelta(minutes=1):
        ScimToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token


# --- The request log -------------------------------------------------------------------


def scim_request_log(
    *, token: ScimToken | None, method: str, path: str, status: int, scim_type: str = "", detail: str = ""
) -> None:
    """Keep one request and its result for IT's page (not the audit trail: what it changed is audited there)."""
    ScimRequest.objects.create(
        token=token,
        method=method[:8],
        path=path[:300],
        status=status,
        scim_type=(scim_type or "")[:32],
        detail=(detail or "")[:300],
    )


def scim_log_prune() -> int:
    """Forget requests older than ``SCIM_LOG_DAYS`` (a periodic task); returns how many."""
    cutoff = timezone.now() - timedelta(days=settings.SCIM_LOG_DAYS)
    deleted, _ = ScimRequest.objects.filter(at__lt=cutoff).delete()
    return deleted


# --- People ----------------------------------------------------------------------------


def _source(token: ScimToken) -> str:
    return f"SCIM token {token.name} ({token.prefix})"


def _text(value: str | None, field: str) -> str:
    value = (value or "").strip()
    if "\x00" in value:
        raise InvalidInput("Null characters are not allowed.", fields={field: ["Null characters are not allowed."]})
    if len(value) > MAX_TEXT:
        raise InvalidInput("Too long.", fields={field: [f"At most {MAX_TEXT} characters."]})
    return value


def _sign_in_address(resource: resources.User) -> str:
    """The address the person signs in with: the primary e-mail, else the work one, else the first, else the
    userName when it is an address."""
    emails = [e for e in resource.emails or [] if e.value]
    chosen = (
        next((e for e in emails if e.primary), None)
        or next((e for e in emails if e.type == "work"), None)
        or (emails[0] if emails else None)
    )
    address = str(chosen.value) if chosen else (resource.user_name or "")
    address = _text(address, "emails").lower()
    if "@" not in address:
        raise InvalidInput("No e-mail address to sign in with.", fields={"emails": ["Give a work e-mail address."]})
    return address


def _display(resource: resources.User) -> str:
    name = resource.name
    parts = [name.given_name, name.family_name] if name else []
    full = resource.display_name or (name.formatted if name else None) or " ".join(p for p in parts if p)
    return _text(full, "displayName")[:150]


def _identity_values(resource: resources.User) -> dict:
    name = resource.name.model_dump(scim_ctx=None, exclude_none=True, by_alias=True) if resource.name else {}
    emails = [e.model_dump(scim_ctx=None, exclude_none=True, by_alias=True, mode="json") for e in resource.emails or []]
    for key, value in name.items():
        _text(value, f"name.{key}")
    return {
        "user_name": _text(resource.user_name, "userName"),
        "external_id": _text(resource.external_id, "externalId"),
        "display_name": _text(resource.display_name, "displayName"),
        "name": name,
        "emails": emails,
    }


def _ensure_free(user_name: str, address: str, *, user: User | None) -> None:
    taken = ScimIdentity.objects.filter(user_name__iexact=user_name, deleted_at__isnull=True)
    others = User.objects.filter(email__iexact=address)
    unnamed = User.objects.filter(email__iexact=user_name, scim_identity__isnull=True)
    if user is not None:
        taken, others, unnamed = taken.exclude(user=user), others.exclude(pk=user.pk), unnamed.exclude(pk=user.pk)
    if taken.exists() or unnamed.exists():
        raise Conflict(f"The userName {user_name!r} is taken.", code="uniqueness")
    if others.exists():
        raise Conflict("Someone else signs in with that e-mail address.", code="uniqueness")


@transaction.atomic
def scim_user_create(*, token: ScimToken, resource: resources.User) -> User:
    """A person the provider announces. A userName it DELETEd before comes back as the same person (reactivated,
    with what offboarding ended still ended)."""
    values = _identity_values(resource)
    if not values["user_name"]:
        raise InvalidInput("userName is required.", fields={"userName": ["This field is required."]})
    address = _sign_in_address(resource)
    gone = (
        ScimIdentity.objects.select_for_update(of=("self",))
        .filter(user_name__iexact=values["user_name"], deleted_at__isnull=False)
        .first()
    )
    if gone is not None:
        ScimIdentity.objects.filter(pk=gone.pk).update(deleted_at=None)
        audit.record(actor=None, action="scim.user_restored", target=gone.user, data={"via": _source(token)})
        return scim_user_apply(token=token, user=gone.user, resource=resource)
    _ensure_free(values["user_name"], address, user=None)
    user = accounts.user_provision(email=address, full_name=_display(resource), source=_source(token))
    ScimIdentity.objects.create(user=user, **values)
    audit.record(
        actor=None,
        action="scim.user_linked",
        target=user,
        data={"via": _source(token), "userName": audit.personal(values["user_name"])},
    )
    if resource.active is False:
        user_offboard(actor=None, user=user, reason=f"Provisioned inactive over {_source(token)}")
    return user


@transaction.atomic
def scim_user_apply(*, token: ScimToken, user: User, resource: resources.User) -> User:
    """Make the person what the provider says (a PUT's body or a PATCH's result); unchanged values change nothing.
    ``active`` false offboards them through ``user_offboard``, true lets them sign in again."""
    values = _identity_values(resource)
    if not values["user_name"]:
        raise InvalidInput("userName is required.", fields={"userName": ["This field is required."]})
    address = _sign_in_address(resource)
    identity = ScimIdentity.objects.select_for_update(of=("self",)).filter(user=user).first()
    if identity is None:
        identity = ScimIdentity(user=user, user_name=user.email, emails=[{"value": user.email, "primary": True}])
    elif identity.deleted_at is not None:
        raise NotFound("No such user.")
    _ensure_free(values["user_name"], address, user=user)
    if address != user.email:
        user = accounts.user_email_change(actor=None, user=user, email=address)
    full_name = _display(resource)
    if full_name and full_name != user.full_name:
        user = accounts.user_rename(actor=None, user=user, full_name=full_name, source=_source(token))
    changed = sorted(k for k, v in values.items() if getattr(identity, k) != v)
    if changed or identity.pk is None:
        for key in changed:
            setattr(identity, key, values[key])
        identity.updated_at = timezone.now()
        identity.save()
        audit.record(
            actor=None,
            action="scim.user_changed",
            target=user,
            data={"via": _source(token), "changed": changed},
        )
    if resource.active is False and user.is_active:
        user_offboard(actor=None, user=user, reason=f"Deactivated over {_source(token)}")
    elif resource.active is True and not user.is_active:
        accounts.user_reactivate(actor=None, user=user, reason=f"Reactivated over {_source(token)}")
    user.refresh_from_db()
    return user


@transaction.atomic
def scim_user_delete(*, token: ScimToken, user: User) -> None:
    """The provider removes a person: offboarded as the admin's action does, then no longer listed."""
    identity = ScimIdentity.objects.select_for_update(of=("self",)).filter(user=user).first()
    if identity is not None and identity.deleted_at is not None:
        raise NotFound("No such user.")
    user_offboard(actor=None, user=user, reason=f"Deleted over {_source(token)}")
    now = timezone.now()
    if identity is None:
        ScimIdentity.objects.create(user=user, user_name=user.email, deleted_at=now)
    else:
        ScimIdentity.objects.filter(pk=identity.pk).update(deleted_at=now, updated_at=now)
    audit.record(actor=None, action="scim.user_deleted", target=user, data={"via": _source(token)})


# --- Departments as groups -------------------------------------------------------------


def _member_ids(resource: resources.Group) -> set[int]:
    ids = set()
    for member in resource.members or []:
        value = str(member.value or "")
        if member.type and member.type != "User":
            raise InvalidInput("Only people are members of a department.", fields={"members": ["Users only."]})
        if db_id(value) is None:
            raise InvalidInput(f"No such user: {value[:50]!r}.", fields={"members": ["Unknown user id."]})
        ids.add(db_id(value))
    if not ids:
        return ids
    from scim.selectors import scim_users

    known = set(scim_users().filter(pk__in=ids).values_list("pk", flat=True))
    if ids - known:
        raise InvalidInput("A member is not a known user.", fields={"members": ["Unknown user id."]})
    return ids


def _department_name(resource: resources.Group) -> str:
    name = _text(resource.display_name, "displayName")[:100]
    if not name:
        raise InvalidInput("displayName is required.", fields={"displayName": ["This field is required."]})
    if name.lower().startswith(ROLE_NAME_PREFIX.lower()):
        raise Conflict(f"Names starting with {ROLE_NAME_PREFIX!r} are socialgov's role groups.", code="uniqueness")
    return name


def _unique_slug(name: str) -> str:
    base = (slugify(name) or "department")[:40]
    slug, n = base, 1
    while Department.objects.filter(slug=slug).exists():
        n += 1
        slug = f"{base}-{n}"
    return slug


@transaction.atomic
def scim_group_create(*, token: ScimToken, resource: resources.Group) -> Department:
    """A group the provider pushes becomes a department (the same one again if the provider DELETEd it before). A
    department of that name that the provider never pushed answers 409: find it with a filter and PATCH it."""
    name = _department_name(resource)
    department = Department.objects.filter(name__iexact=name).select_related("scim_link").first()
    if department is not None:
        link = getattr(department, "scim_link", None)
        if link is None or link.deleted_at is None:
            raise Conflict(f"A group named {name!r} exists.", code="uniqueness")
        ScimGroupLink.objects.filter(pk=link.pk).update(deleted_at=None)
        audit.record(actor=None, action="scim.group_restored", target=department, data={"via": _source(token)})
    else:
        department = accounts.department_save(
            actor=None, department=Department(name=name, slug=_unique_slug(name)), changed=["name"]
        )
    return scim_group_apply(token=token, department=department, resource=resource)


@transaction.atomic
def scim_group_apply(*, token: ScimToken, department: Department, resource: resources.Group) -> Department:
    """Make the department what the provider says: its name, externalId and members. A member added becomes a
    member (a role they hold already is kept); a member left out has their membership ended."""
    name = _department_name(resource)
    external_id = _text(resource.external_id, "externalId")
    wanted = _member_ids(resource)
    link = ScimGroupLink.objects.select_for_update(of=("self",)).filter(department=department).first()
    if link is not None and link.deleted_at is not None:
        raise NotFound("No such group.")
    if name != department.name:
        if Department.objects.filter(name__iexact=name).exclude(pk=department.pk).exists():
            raise Conflict(f"A group named {name!r} exists.", code="uniqueness")
        department = Department.objects.get(pk=department.pk)
        department.name = name
        department = accounts.department_save(actor=None, department=department, changed=["name"])
    if link is None:
        link = ScimGroupLink.objects.create(department=department, external_id=external_id)
    elif link.external_id != external_id:
        ScimGroupLink.objects.filter(pk=link.pk).update(external_id=external_id, updated_at=timezone.now())
        audit.record(
            actor=None,
            action="scim.group_changed",
            target=department,
            data={"via": _source(token), "changed": ["externalId"]},
        )
    current = {m.user_id: m for m in Membership.objects.filter(department=department).select_related("user")}
    for user in User.objects.filter(pk__in=wanted - set(current)).order_by("pk"):
        accounts.membership_set(actor=None, user=user, department=department, role="member")
    for user_id in sorted(set(current) - wanted):
        accounts.membership_remove(actor=None, membership=current[user_id])
    return department


@transaction.atomic
def scim_group_delete(*, token: ScimToken, department: Department) -> None:
    """The provider removes a group: its memberships end; the department stays with its channels and history."""
    link = ScimGroupLink.objects.select_for_update(of=("self",)).filter(department=department).first()
    if link is not None and link.deleted_at is not None:
        raise NotFound("No such group.")
    for membership in Membership.objects.filter(department=department).order_by("pk"):
        accounts.membership_remove(actor=None, membership=membership)
    now = timezone.now()
    if link is None:
        ScimGroupLink.objects.create(department=department, deleted_at=now)
    else:
        ScimGroupLink.objects.filter(pk=link.pk).update(deleted_at=now, updated_at=now)
    audit.record(actor=None, action="scim.group_deleted", target=department, data={"via": _source(token)})


# --- Roles as groups -------------------------------------------------------------------


def _refuse_role_attributes(group, resource: resources.Group) -> None:
    """A role group's name is the role's: the provider changes its members only. An externalId is not kept (Entra
    ID's default mapping sends its group's objectId): it changes nothing, as the User attributes socialgov does not
    keep change nothing."""
    if (resource.display_name or "").strip() != group.scim_name:
        raise InvalidInput(
            "A role group's displayName is socialgov's role; it cannot change.",
            fields={"displayName": [f"Keep {group.scim_name!r}."]},
        )
    _text(resource.external_id, "externalId")


@transaction.atomic
def scim_role_group_apply(*, token: ScimToken, group, resource: resources.Group) -> None:
    """Make a role group's members what the provider says (a PUT's body or a PATCH's result).

    A company role (``role-it_security`` …) is given to the members added and taken from those left out, through
    ``user_role_set``; the privileged ones (IT security, auditor, compliance) only when
    ``SCIM_PRIVILEGED_ROLE_GROUPS`` allows it, else any change is refused (403) before anything is written. A
    department role (``role-3-reviewer``) makes a member added hold that role there (joining the department if they
    were not in it, through ``membership_set``: a department has one role per person, so joining its managers leaves
    its reviewers); one left out goes back to member of the department (leaving it is the department group's
    business). Members already so change nothing: the same PATCH twice writes nothing the second time."""
    _refuse_role_attributes(group, resource)
    wanted = _member_ids(resource)
    current = set(role_members(group))
    added, removed = wanted - current, current - wanted
    if not added and not removed:
        return
    role, source = group.scim_role, _source(token)
    if isinstance(group, Department):
        for user in User.objects.filter(pk__in=added).order_by("pk"):
            accounts.membership_set(actor=None, user=user, department=group, role=role)
        for user in User.objects.filter(pk__in=removed).order_by("pk"):
            accounts.membership_set(actor=None, user=user, department=group, role=Role.MEMBER)
        return
    if role in Group.PRIVILEGED and not settings.SCIM_PRIVILEGED_ROLE_GROUPS:
        raise Forbidden(
            f"The {Group.LABELS[role]} role is not given or taken over SCIM here (SCIM_PRIVILEGED_ROLE_GROUPS is off).",
            code="mutability",
        )
    for user in User.objects.filter(pk__in=added | removed).order_by("pk"):
        accounts.user_role_set(actor=None, user=user, role=role, held=user.pk in added, source=source)
