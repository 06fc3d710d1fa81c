from __future__ import annotations

from allauth.account.forms import LoginForm as AllauthLoginForm
from allauth.socialaccount.providers.base.constants import AuthProcess
from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.choices import Role
from accounts.models import Department
from core.outbound import OutboundRefused, check_url
from sso.selectors import route_for_email

NEEDS_PASSWORD = "Enter your password (your company does not sign you in through an identity provider)."


class LoginForm(AllauthLoginForm):
    """allauth's sign-in form with home-realm discovery: the e-mail decides. A domain bound to an identity provider
    goes there (always when SSO is required for it, and when no password was typed otherwise); any other
    address signs in with its password. A password typed for an SSO-required domain is never checked."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.sso_route = None
        if "password" in self.fields:
            self.fields["password"].required = False
            self.fields["password"].help_text = _("Leave it empty if your company signs you in (single sign-on).")

    def clean(self):
        email = (self.data.get("login") or "").strip()
        route = route_for_email(email)
        if route is not None and (route.sso_required or not self.data.get("password")):
            self.sso_route = route
            return self.cleaned_data
        if "password" in self.fields and not self.data.get("password"):
            self.add_error("password", NEEDS_PASSWORD)
            return self.cleaned_data
        return super().clean()

    def login(self, request, redirect_url=None):
        if self.sso_route is None:
            return super().login(request, redirect_url)
        provider = self.sso_route.app.get_provider(request)
        kwargs = {}
        if provider.id == "openid_connect":
            kwargs["auth_params"] = {**provider.get_auth_params(), "login_hint": self.cleaned_data.get("login", "")}
        return provider.redirect(request, AuthProcess.LOGIN, next_url=redirect_url, **kwargs)


class ProviderForm(forms.Form):
    PROTOCOL_CHOICES = [("openid_connect", "OpenID Connect"), ("saml", "SAML 2.0")]

    protocol = forms.ChoiceField(choices=PROTOCOL_CHOICES)
    name = forms.CharField(max_length=40, help_text=_("Shown to people, e.g. “Okta”."))
    slug = forms.SlugField(
        max_length=40,
        help_text=_("Part of the sign-in URLs, e.g. okta: /accounts/oidc/okta/… or /accounts/saml/okta/…"),
    )
    # OIDC
    issuer = forms.URLField(
        assume_scheme="https",
        required=False,
        max_length=400,
        label=_("Issuer URL"),
        help_text=_("OIDC: e.g. https://example.okta.com"),
    )
    client_id = forms.CharField(required=False, max_length=191, label=_("Client id"), help_text=_("OIDC"))
    secret = forms.CharField(
        required=False,
        max_length=191,
        widget=forms.PasswordInput(render_value=False),
        label=_("Client secret"),
        help_text=_("OIDC. Left empty when editing: the secret stays as it is."),
    )
    scope = forms.CharField(
        required=False,
        max_length=200,
        initial="openid email profile",
        help_text=_("OIDC: space separated; add groups (Okta, Keycloak) for a groups claim."),
    )
    mfa_amr = forms.CharField(
        required=False,
        max_length=200,
        initial="mfa otp hwk",
        label=_("amr values that are a second factor"),
        help_text=_("OIDC: space separated."),
    )
    # SAML
    idp_entity_id = forms.CharField(required=False, max_length=400, label=_("IdP entity id"), help_text=_("SAML"))
    metadata_url = forms.URLField(
        assume_scheme="https", required=False, max_length=400, label=_("IdP metadata URL"), help_text=_("SAML")
    )
    sso_url = forms.URLField(
        assume_scheme="https",
        required=False,
        max_length=400,
        label=_("IdP sign-in URL"),
        help_text=_("SAML, when no metadata URL is given"),
    )
    x509cert = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        label=_("IdP signing certificate"),
        help_text=_("SAML, PEM, when no metadata URL is given"),
    )
    sp_entity_id = forms.CharField(
        required=False, max_length=400, label=_("Our entity id"), help_text=_("SAML: empty means our metadata URL.")
    )
    email_attribute = forms.CharField(required=False, max_length=200, label=_("E-mail attribute"), help_text=_("SAML"))
    name_attribute = forms.CharField(required=False, max_length=200, label=_("Name attribute"), help_text=_("SAML"))
    mfa_authn_contexts = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        label=_("AuthnContextClassRefs that are a second factor"),
        help_text=_("SAML: one a line."),
    )

    def __init__(self, *args, editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.editing = editing

    def clean(self):
        data = super().clean()
        protocol = data.get("protocol")
        missing = []
        if protocol == "openid_connect":
            missing = [f for f in ("issuer", "client_id") if not data.get(f)]
            if not self.editing and not data.get("secret"):
                missing.append("secret")
        elif protocol == "saml":
            if not data.get("idp_entity_id"):
                missing.append("idp_entity_id")
            if not data.get("metadata_url") and not (data.get("sso_url") and data.get("x509cert")):
                self.add_error("metadata_url", "Give the metadata URL, or the sign-in URL and the certificate.")
        for name in missing:
            self.add_error(name, "This field is required for this protocol.")
        # socialgov itself fetches these (discovery, metadata): the outbound address guard, like webhooks and feeds
        for name in ("issuer", "metadata_url"):
            if data.get(name):
                try:
                    check_url(data[name], unresolved_ok=True)
                except OutboundRefused as exc:
                    self.add_error(name, str(exc))
        return data


class DomainForm(forms.Form):
    domain = forms.CharField(max_length=253, help_text=_("e.g. example.com"))
    sso_required = forms.BooleanField(required=False, initial=True, label=_("SSO required (no password)"))
    create_accounts = forms.BooleanField(required=False, initial=True, label=_("Create accounts at first sign-in"))


class RuleForm(forms.Form):
    claim = forms.CharField(max_length=200, help_text=_("e.g. groups, department"))
    value = forms.CharField(max_length=200)
    department = forms.ModelChoiceField(queryset=Department.objects.order_by("name"))
    role = forms.ChoiceField(choices=Role.choices, initial=Role.MEMBER)
