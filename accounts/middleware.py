from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.http import JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.permissions import mfa_satisfied

# Pages someone who must enrol may still reach: enrolment itself, signing out, e-mail steps, probes.
_OPEN_PREFIXES = ("/accounts/", "/static/", "/healthz", "/readyz")
MFA_REQUIRED = gettext_lazy("Enrol in two-factor authentication before using socialgov.")


class RequireMfaMiddleware:
    """Whoever decides or exports (settings.MFA_REQUIRED_ROLES) uses nothing, admin included, until they enrol in
    two-factor sign-in (an authenticator app; a passkey can be added beside it on the two-factor page)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and not request.path.startswith(_OPEN_PREFIXES)
            and not mfa_satisfied(user, request)
        ):
            if request.path.startswith("/api/"):
                return JsonResponse({"detail": MFA_REQUIRED, "code": "mfa_required"}, status=403)
            messages.warning(request, _("Your role requires two-factor authentication. Set it up to continue."))
            return redirect(reverse("mfa_activate_totp") + "?" + urlencode({"next": request.get_full_path()}))
        return self.get_response(request)


class UserLanguageMiddleware:
    """A signed-in person's pages in the language on their profile (``User.language``); Django's LocaleMiddleware,
    before this one, has already chosen from the language cookie or Accept-Language for everyone else and for whoever
    left the choice to their browser. The person is read anyway on every page (RequireMfaMiddleware): no query."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        language = getattr(user, "language", "") if user is not None and user.is_authenticated else ""
        if language and language in dict(settings.LANGUAGES):
            translation.activate(language)
            request.LANGUAGE_CODE = translation.get_language()
        return self.get_response(request)
