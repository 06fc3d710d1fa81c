from sso.selectors import idp_origins

# pages whose forms lead to an identity provider (a redirect after a form post is held to form-action)
_PREFIXES = ("/accounts/login/", "/accounts/oidc/", "/accounts/saml/")


class IdpFormActionMiddleware:
    """The sign-in pages' Content-Security-Policy lets their forms lead to the configured identity providers."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if request.path.startswith(_PREFIXES) and "text/html" in response.get("Content-Type", ""):
            origins = idp_origins()
            if origins:
                response._csp_update = {**(getattr(response, "_csp_update", None) or {}), "form-action": origins}
        return response
