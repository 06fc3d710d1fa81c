from allauth.account.decorators import secure_admin_login
from csp.constants import UNSAFE_INLINE
from csp.decorators import csp_update
from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerSplitView

from socialgov import pickers, views

handler400 = "socialgov.views.bad_request"
handler403 = "socialgov.views.permission_denied"
handler404 = "socialgov.views.page_not_found"
handler500 = "socialgov.views.server_error"

admin.site.site_header = _("socialgov administration")
admin.site.site_title = _("socialgov admin")
# The admin signs in through allauth: the same login, rate limits and two-factor step.
admin.site.login = secure_admin_login(admin.site.login)

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("healthz", views.healthz, name="healthz"),
    path("readyz", views.readyz, name="readyz"),
    path("favicon.ico", views.favicon, name="favicon"),
    path("accounts/", include("allauth.urls")),
    # Django's set_language: the language switch of people not signed in (templates/layout/language_switch.html)
    path("i18n/", include("django.conf.urls.i18n")),
    path("profile/", include("accounts.urls")),
    path("departments/", include("accounts.department_urls")),
    path("sso/", include("sso.urls")),
    path("notifications/", include("notifications.urls")),
    path("audit/", include("audit.urls")),
    path("registry/", include("channels_registry.urls")),
    path("policies/", include("policies.urls")),
    path("posts/", include("approvals.urls")),
    path("reports/", include("reports.urls")),
    path("records/", include("records.urls")),
    path("decisions/", include("it_decisions.urls")),
    path("search/<slug:kind>/", pickers.search, name="search"),
    path("admin/", admin.site.urls),
    path("api/v1/", include("socialgov.api.urls")),
    path("scim/v2/", include("scim.urls")),
    path("provisioning/", include("scim.page_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    # Swagger UI's split view loads its start-up script from a URL (no inline script); both
    # documentation apps inject styles at run time, so only these two pages allow inline styles.
    path(
        "api/docs/",
        csp_update({"style-src": [UNSAFE_INLINE]})(SpectacularSwaggerSplitView.as_view(url_name="schema")),
        name="api-docs",
    ),
    path(
        "api/redoc/",
        csp_update({"style-src": [UNSAFE_INLINE], "worker-src": ["'self'", "blob:"]})(
            SpectacularRedocView.as_view(url_name="schema")
        ),
        name="api-redoc",
    ),
]
