"""Writes about single sign-on: providers, domains and the claim mapping (IT, audited), accounts created at first
sign-in, every SSO sign-in and every refused one on the record, SAML assertions consumed once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from allauth.socialaccount.models import SocialApp
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import permissions
from accounts.choices import Role
from accounts.models import Department, Membership, User
from audit import services as audit
from core.errors import InvalidInput, ensure
from sso.claims import claims_of, values_of
from sso.models import ClaimRule, SamlAssertion, SsoDomain
from sso.selectors import PROTOCOLS

# a higher role wins when several rules give one department
_RANK = {Role.MEMBER: 0, Role.REVIEWER: 1, Role.MANAGER: 2}


def _ensure_it(actor: User) -> None:
    ensure(permissions.is_it_security(actor), _("Only IT security manages single sign-on."))
    permissions.ensure_mfa(actor)


# --- Providers, domains, the claim mapping (IT) -----------------------------------------------------------------


@transaction.atomic
def provider_save(*, actor: User, app: SocialApp, changed: list[str] | None = None) -> SocialApp:
    """Create or change an identity provider (allauth's SocialApp: OIDC or SAML). The secret is never audited."""
    _ensure_it(actor)
    if app.provider not in PROTOCOLS:
        raise InvalidInput(_("Unknown protocol."), fields={"provider": [_("Choose OpenID Connect or SAML.")]})
    creating = app.pk is None
    if not creating:
        SocialApp.objects.select_for_update(of=("self",)).get(pk=app.pk)
    if app.provider == "saml":
        # signed assertions are required, IdP-initiated sign-in refused: whatever the form said
        advanced = dict(app.settings.get("advanced") or {})
        advanced.update(want_assertion_signed=True, reject_idp_initiated_sso=True, strict=True)
        app.settings = {**app.settings, "advanced": advanced}
    app.save()
    audit.record(
        actor=actor,
        action="sso.provider_created" if creating else "sso.provider_changed",
        target=app,
        data={
            "protocol": app.provider,
            "provider_id": app.provider_id,
            "changed": sorted(set(changed or []) - {"secret"}),
        },
    )
    return app


@transaction.atomic
def provider_delete(*, actor: User, app: SocialApp) -> None:
    _ensure_it(actor)
    app = SocialApp.objects.select_for_update(of=("self",)).get(pk=app.pk)
    audit.record(actor=actor, action="sso.provider_deleted", target=app, data={"protocol": app.provider})
    app.delete()


@transaction.atomic
def domain_save(*, actor: User, app: SocialApp, domain: str, sso_required: bool, create_accounts: bool) -> SsoDomain:
    """Bind an e-mail domain to a provider (or change how it is bound)."""
    _ensure_it(actor)
    domain = (domain or "").strip().lower().lstrip("@")
    if not domain or "." not in domain or "@" in domain or len(domain) > 253:
        raise InvalidInput(
            _("Enter a domain such as example.com."), fields={"domain": [_("Enter a domain such as example.com.")]}
        )
    row = SsoDomain.objects.select_for_update(of=("self",)).filter(domain=domain).first()
    if row is not None and row.app_id != app.pk:
        raise InvalidInput(
            _("This domain signs in through another provider."),
            fields={
                "domain": [_("%(domain)s is bound to another provider: remove it there first.") % {"domain": domain}]
            },
        )
    before = None if row is None else {"sso_required": row.sso_required, "create_accounts": row.create_accounts}
    if row is None:
        row = SsoDomain(domain=domain, app=app)
    elif before == {"sso_required": sso_required, "create_accounts": create_accounts}:
        return row
    row.sso_required, row.create_accounts = sso_required, create_accounts
    row.save()
    audit.record(
        actor=actor,
        action="sso.domain_saved",
        target=app,
        data={"domain": domain, "before": before, "sso_required": sso_required, "create_accounts": create_accounts},
    )
    return row


@transaction.atomic
def domain_remove(*, actor: User, domain: SsoDomain) -> None:
    _ensure_it(actor)
    domain = SsoDomain.objects.select_for_update(of=("self",)).select_related("app").get(pk=domain.pk)
    audit.record(actor=actor, action="sso.domain_removed", target=domain.app, data={"domain": domain.domain})
    domain.delete()


@transaction.atomic
def rule_add(*, actor: User, app: SocialApp, claim: str, value: str, department: Department, role: str) -> ClaimRule:
    """Add a line to the provider's claim mapping: ``claim`` is or contains ``value`` -> ``role`` of ``department``."""
    _ensure_it(actor)
    claim, value = (claim or "").strip(), (value or "").strip()
    errors = {}
    if not claim:
        errors["claim"] = [_("Name the claim or attribute.")]
    if not value:
        errors["value"] = [_("Give the value it must have.")]
    if role not in Role.values:
        errors["role"] = [_("Choose one of %(choices)s.") % {"choices": ", ".join(Role.values)}]
    if errors:
        raise InvalidInput(_("Check the mapping line."), fields=errors)
    try:
        with transaction.atomic():
            rule = ClaimRule.objects.create(app=app, claim=claim, value=value, department=department, role=role)
    except IntegrityError:
        raise InvalidInput(
            _("This line is already in the mapping."), fields={"value": [_("This line is already in the mapping.")]}
        ) from None
    audit.record(
        actor=actor,
        action="sso.mapping_added",
        target=app,
        data={"claim": claim, "value": value, "department": department.slug, "role": role},
    )
    return rule


@transaction.atomic
def rule_remove(*, actor: User, rule: ClaimRule) -> None:
    _ensure_it(actor)
    rule = ClaimRule.objects.select_for_update(of=("self",)).select_related("app", "department").get(pk=rule.pk)
    audit.record(
        actor=actor,
        action="sso.mapping_removed",
        target=rule.app,
        data={"claim": rule.claim, "value": rule.value, "department": rule.department.slug, "role": rule.role},
    )
    rule.delete()


# --- Sign-in -------------------------------------------------------------------------------------------------------


def mapped_roles(app: SocialApp, claims: dict[str, Any]) -> dict[Department, str]:
    """department -> role the provider's claims give, by the claim mapping (the highest role per department)."""
    roles: dict[Department, str] = {}
    for rule in ClaimRule.objects.filter(app=app).select_related("department"):
        if rule.value.strip().lower() in values_of(claims, rule.claim):
            current = roles.get(rule.department)
            if current is None or _RANK[rule.role] > _RANK[current]:
                roles[rule.department] = rule.role
    return roles


@transaction.atomic
def sso_account_created(*, user: User, app: SocialApp, extra_data: dict[str, Any]) -> list[Membership]:
    """The account allauth just created at a first sign-in through ``app`` (just in time): its departments and
    roles from the claim mapping, all on the record (the system acts: nobody chose these by hand)."""
    roles = mapped_roles(app, claims_of(app.provider, extra_data))
    memberships = [
        Membership.objects.create(user=user, department=department, role=role)
        for department, role in sorted(roles.items(), key=lambda kv: kv[0].name)
    ]
    audit.record(
        actor=None,
        action="user.created_by_sso",
        target=user,
        data={
            "provider": app.name,
            "protocol": app.provider,
            "departments": {m.department.slug: m.role for m in memberships},
        },
    )
    for membership in memberships:
        audit.record(
            actor=None,
            action="membership.set",
            target=membership,
            data={
                "user": audit.personal(user.email),
                "department": membership.department.slug,
                "before": None,
                "after": membership.role,
                "source": "sso",
            },
        )
    return memberships


def sso_signed_in(*, user: User, app: SocialApp, second_factor: bool) -> None:
    """Every sign-in through an identity provider is on the record, with the provider."""
    audit.record(
        actor=user,
        action="user.sso_signed_in",
        target=user,
        data={"provider": app.name, "protocol": app.provider, "second_factor": second_factor},
    )


def sso_sign_in_refused(*, app: SocialApp | None, reason: str, domain: str = "") -> None:
    """A refused SSO sign-in (a tampered or replayed response, a wrong state or nonce, a foreign domain)."""
    audit.record(
        actor=None,
        action="sso.sign_in_refused",
        target=app if app is not None and app.pk else None,
        data={"reason": reason[:300], "domain": domain},
    )


class Replayed(Exception):
    pass


def saml_assertion_consume(*, request, provider, assertion_id: str | None, not_on_or_after: Any) -> None:
    """Consume a SAML assertion id once; a second use is a replay, refused with a clear page. Consumed ids are
    kept until a day past their assertion's end, then forgotten (bounded)."""
    from allauth.core.exceptions import ImmediateHttpResponse
    from allauth.socialaccount.helpers import render_authentication_error

    app = provider.app
    expires = _as_datetime(not_on_or_after) or timezone.now() + timedelta(hours=1)
    try:
        with transaction.atomic():
            SamlAssertion.objects.filter(not_on_or_after__lt=timezone.now() - timedelta(days=1)).delete()
            SamlAssertion.objects.create(app=app, assertion_id=(assertion_id or "")[:256], not_on_or_after=expires)
            if not assertion_id:
                raise Replayed("The response carries no assertion id.")
    except (IntegrityError, Replayed) as exc:
        reason = str(exc) if isinstance(exc, Replayed) else "This sign-in response was already used (a replay)."
        raise ImmediateHttpResponse(
            render_authentication_error(request, provider, extra_context={"sso_reason": reason})
        ) from None


def _as_datetime(value: Any) -> datetime | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value
    try:
        return datetime.fromtimestamp(int(value), tz=UTC)
    except (TypeError, ValueError, OverflowError):
        return None
