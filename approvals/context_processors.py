from django.utils.functional import SimpleLazyObject

from approvals.selectors import lockdowns_for_banner


def lockdown_banner(request):
    """The lockdowns in force, for the banner on every page (kept in the cache), only for signed-in people."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    # read when the banner is rendered, and not at all when the view already read them (the post page)
    return {"lockdowns_in_force": SimpleLazyObject(lockdowns_for_banner)}
