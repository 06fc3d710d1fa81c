"""IT's single sign-on pages: identity providers, their e-mail domains and claim mapping, and a test of each."""

from __future__ import annotations

import requests
from allauth.socialaccount.models import SocialApp
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.permissions import is_it_security
from core import outbound
from core.errors import DomainError, Forbidden
from core.outbound import OutboundRefused
from core.pagekit import errors_to_form, run_from_button
from sso import selectors, services
from sso.forms import DomainForm, ProviderForm, RuleForm
from sso.models import ClaimRule, SsoDomain


def _it_only(request) -> None:
    if not is_it_security(request.user):
        raise PermissionDenied(_("Only IT security manages single sign-on."))


def _provider_or_404(pk: int) -> SocialApp:
    try:
        return selectors.provider(pk)
    except SocialApp.DoesNotExist:
        from django.http import Http404

        raise Http404(_("No such identity provider.")) from None


@login_required
def provider_list(request):
    _it_only(request)
    return render(request, "sso/provider_list.html", {"providers": selectors.providers()})


def _sp_values(request, app: SocialApp) -> list[tuple[str, str]]:
    """What the IdP needs from us."""
    if app.provider == "openid_connect":
        callback = reverse("openid_connect_callback", kwargs={"provider_id": app.provider_id})
        return [(_("Redirect (callback) URI"), request.build_absolute_uri(callback))]
    slug = app.client_id
    metadata = request.build_absolute_uri(reverse("saml_metadata", args=[slug]))
    return [
        (_("Entity id (audience)"), (app.settings.get("sp") or {}).get("entity_id") or metadata),
        (_("Assertion consumer service (ACS)"), request.build_absolute_uri(reverse("saml_acs", args=[slug]))),
        (_("Our metadata"), metadata),
    ]


def _detail_page(request, app: SocialApp, *, domain_form=None, rule_form=None):
    """The provider's page; a refused add form comes back bound, with its errors and what was typed."""
    test_key = f"sso_test_{app.pk}"
    return render(
        request,
        "sso/provider_detail.html",
        {
            "app": app,
            "sp_values": _sp_values(request, app),
            "domain_form": domain_form or DomainForm(),
            "rule_form": rule_form or RuleForm(),
            # shown once, on the page the test redirects to; a re-rendered form leaves it for the next visit
            "test_result": request.session.pop(test_key, None)
            if request.method == "GET"
            else request.session.get(test_key),
        },
    )


def _add_on_detail(request, app: SocialApp, form, *, form_name: str, save, ok):
    """An add form of the provider's page: saved and redirected, or the page again with the bound form's errors.

    ``save(cleaned_data)`` calls the service; ``ok(cleaned_data)`` is the success message. A service's own refusal
    (a domain bound elsewhere, a line already mapped) lands on the form like a field error.
    """
    if form.is_valid():
        try:
            save(form.cleaned_data)
        except Forbidden as exc:
            raise PermissionDenied(exc.message) from exc
        except DomainError as exc:
            errors_to_form(form, exc)
        else:
            messages.success(request, ok(form.cleaned_data))
            return redirect("sso:provider", pk=app.pk)
    return _detail_page(request, app, **{form_name: form})


@login_required
def provider_detail(request, pk):
    _it_only(request)
    return _detail_page(request, _provider_or_404(pk))


def _initial(app: SocialApp) -> dict:
    settings = app.settings or {}
    idp = settings.get("idp") or {}
    mapping = settings.get("attribute_mapping") or {}
    first = lambda v: (v[0] if isinstance(v, list) and v else v) or ""  # noqa: E731
    return {
        "protocol": app.provider,
        "name": app.name,
        "slug": app.provider_id or app.client_id,
        "issuer": settings.get("server_url", ""),
        "client_id": app.client_id if app.provider == "openid_connect" else "",
        "scope": " ".join(settings.get("scope") or ["openid", "email", "profile"]),
        "mfa_amr": " ".join(settings.get("mfa_amr") or ["mfa", "otp", "hwk"]),
        "idp_entity_id": idp.get("entity_id", ""),
        "metadata_url": idp.get("metadata_url", ""),
        "sso_url": idp.get("sso_url", ""),
        "x509cert": idp.get("x509cert", ""),
        "sp_entity_id": (settings.get("sp") or {}).get("entity_id", ""),
        "email_attribute": first(mapping.get("email")),
        "name_attribute": first(mapping.get("name")),
        "mfa_authn_contexts": "\n".join(settings.get("mfa_authn_contexts") or []),
    }


def _apply(app: SocialApp, data: dict) -> list[str]:
    """The form's values on the SocialApp; returns the names of what changed."""
    before = _initial(app) if app.pk else {}
    app.provider, app.name = data["protocol"], data["name"]
    settings = dict(app.settings or {})
    if app.provider == "openid_connect":
        app.provider_id, app.client_id = data["slug"], data["client_id"]
        if data.get("secret"):
            app.secret = data["secret"]
        settings.update(
            server_url=data["issuer"],
            scope=data["scope"].split() or ["openid", "email", "profile"],
            mfa_amr=data["mfa_amr"].split(),
        )
    else:
        app.provider_id = app.client_id = data["slug"]
        idp = {"entity_id": data["idp_entity_id"]}
        if data.get("metadata_url"):
            idp["metadata_url"] = data["metadata_url"]
        else:
            idp.update(sso_url=data["sso_url"], x509cert=data["x509cert"])
        mapping = {"email": [data["email_attribute"] or "email"]}
        if data.get("name_attribute"):
            mapping["name"] = [data["name_attribute"]]
        settings.update(
            idp=idp,
            attribute_mapping=mapping,
            mfa_authn_contexts=[line.strip() for line in data["mfa_authn_contexts"].splitlines() if line.strip()],
        )
        if data.get("sp_entity_id"):
            settings["sp"] = {"entity_id": data["sp_entity_id"]}
        else:
            settings.pop("sp", None)
    app.settings = settings
    after = _initial(app)
    changed = [k for k in after if before.get(k) != after[k]]
    if data.get("secret"):
        changed.append("secret")
    return changed


@login_required
def provider_edit(request, pk=None):
    _it_only(request)
    app = _provider_or_404(pk) if pk else SocialApp()
    form = ProviderForm(request.POST or None, initial=_initial(app) if pk else None, editing=bool(pk))
    if request.method == "POST" and form.is_valid():
        slug_taken = (
            SocialApp.objects.filter(provider__in=selectors.PROTOCOLS, provider_id=form.cleaned_data["slug"])
            .exclude(pk=app.pk)
            .exists()
        )
        if slug_taken:
            form.add_error("slug", _("Another provider uses this slug."))
        else:
            changed = _apply(app, form.cleaned_data)
            try:
                services.provider_save(actor=request.user, app=app, changed=changed)
            except Forbidden as exc:
                raise PermissionDenied(exc.message) from exc
            except DomainError as exc:
                errors_to_form(form, exc)
            else:
                messages.success(
                    request, _("Provider “%(name)s” saved. Test it, then bind its e-mail domains.") % {"name": app.name}
                )
                return redirect("sso:provider", pk=app.pk)
    return render(request, "sso/provider_form.html", {"form": form, "app": app if pk else None})


@login_required
@require_POST
def provider_delete(request, pk):
    _it_only(request)
    app = _provider_or_404(pk)
    return run_from_button(
        request,
        lambda: services.provider_delete(actor=request.user, app=app),
        ok=_("Provider “%(name)s” deleted: its domains sign in with passwords again.") % {"name": app.name},
        back=reverse("sso:providers"),
    )


def _fetch(url: str) -> requests.Response:
    """GET ``url`` from the server: every address (and each redirect's) through the outbound address guard."""
    response = outbound.get(url, timeout=10)
    response.raise_for_status()
    return response


def _test(app: SocialApp) -> tuple[bool, str]:
    """Reach the provider and read what it publishes: OIDC discovery, or the SAML metadata."""
    try:
        if app.provider == "openid_connect":
            provider = app.get_provider(None)
            config = _fetch(provider.server_url).json()
            if not isinstance(config, dict) or not config.get("authorization_endpoint"):
                return False, _("The discovery document has no authorization endpoint.")
            return (
                True,
                _("Discovery read: issuer %(issuer)s, authorization at %(endpoint)s.")
                % {"issuer": config.get("issuer"), "endpoint": config["authorization_endpoint"]},
            )
        idp = (app.settings or {}).get("idp") or {}
        if idp.get("metadata_url"):
            from onelogin.saml2.idp_metadata_parser import OneLogin_Saml2_IdPMetadataParser

            # fetched here, not by parse_remote (urllib follows redirects unchecked), then parsed
            parsed = OneLogin_Saml2_IdPMetadataParser.parse(
                _fetch(idp["metadata_url"]).content, entity_id=idp.get("entity_id")
            )
            found = parsed.get("idp") or {}
            if not found.get("singleSignOnService", {}).get("url"):
                return False, _("The metadata names no sign-in service for this entity id.")
            return True, _("Metadata read: sign-in at %(url)s, signing certificate found.") % {
                "url": found["singleSignOnService"]["url"]
            }
        return True, _("No metadata URL: the sign-in URL and certificate are used as entered.")
    except OutboundRefused as exc:
        return False, _("Not reached: %(error)s") % {"error": exc}
    except (requests.RequestException, ValueError, KeyError, TypeError) as exc:
        return False, _("Could not read it: %(error)s") % {"error": exc}
    except Exception as exc:  # noqa: BLE001 - a metadata parser's own errors: shown, never a 500
        return False, _("Could not read it: %(error)s") % {"error": exc}


@login_required
@require_POST
def provider_test(request, pk):
    _it_only(request)
    app = _provider_or_404(pk)
    ok, message = _test(app)
    request.session[f"sso_test_{app.pk}"] = {"ok": ok, "message": message[:500]}
    return redirect("sso:provider", pk=app.pk)


@login_required
@require_POST
def domain_add(request, pk):
    _it_only(request)
    app = _provider_or_404(pk)
    return _add_on_detail(
        request,
        app,
        DomainForm(request.POST),
        form_name="domain_form",
        save=lambda data: services.domain_save(actor=request.user, app=app, **data),
        ok=lambda data: _("%(domain)s now signs in through %(name)s.") % {"domain": data["domain"], "name": app.name},
    )


@login_required
@require_POST
def domain_remove(request, pk, domain_pk):
    _it_only(request)
    domain = get_object_or_404(SsoDomain, pk=domain_pk, app_id=pk)
    return run_from_button(
        request,
        lambda: services.domain_remove(actor=request.user, domain=domain),
        ok=_("%(domain)s removed: its people sign in with passwords.") % {"domain": domain.domain},
        back=reverse("sso:provider", args=[pk]),
    )


@login_required
@require_POST
def rule_add(request, pk):
    _it_only(request)
    app = _provider_or_404(pk)
    return _add_on_detail(
        request,
        app,
        RuleForm(request.POST),
        form_name="rule_form",
        save=lambda data: services.rule_add(actor=request.user, app=app, **data),
        ok=lambda data: _("Mapping line added: it applies to accounts created from now on."),
    )


@login_required
@require_POST
def rule_remove(request, pk, rule_pk):
    _it_only(request)
    rule = get_object_or_404(ClaimRule, pk=rule_pk, app_id=pk)
    return run_from_button(
        request,
        lambda: services.rule_remove(actor=request.user, rule=rule),
        ok=_("Mapping line removed."),
        back=reverse("sso:provider", args=[pk]),
    )
