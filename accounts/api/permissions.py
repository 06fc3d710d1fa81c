from rest_framework.permissions import SAFE_METHODS, BasePermission

from accounts import choices
from accounts.models import ApiToken
from accounts.permissions import mfa_satisfied


class TokenScope(BasePermission):
    """A read-scoped token may only read."""

    message = "This token is read-only."

    def has_permission(self, request, view):
        token = request.auth
        if isinstance(token, ApiToken) and request.method not in SAFE_METHODS:
            return token.scope == choices.TokenScope.WRITE
        return True


class MfaSatisfied(BasePermission):
    message = "Enrol in two-factor authentication before using socialgov."
    code = "mfa_required"  # as the pages' middleware answers the API

    def has_permission(self, request, view):
        return not request.user.is_authenticated or mfa_satisfied(request.user, request)
