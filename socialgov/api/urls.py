import re

from django.urls import include, path, re_path
from rest_framework.routers import DefaultRouter

from accounts.api.views import MeView
from approvals.api import views as approvals
from audit.api import AuditEventViewSet
from channels_registry.api import views as registry
from notifications.api.views import NotificationViewSet
from policies.api.views import (
    AcknowledgementViewSet,
    ContentRuleViewSet,
    PlatformDecisionViewSet,
    PlatformViewSet,
    PolicyViewSet,
    TrainingCompletionViewSet,
    TrainingCourseViewSet,
)
from records.api import views as records
from socialgov.api.checks import ContentCheckView, GateView
from socialgov.decision_views import DecisionRegisterView

_UNDER_PREFIX = re.compile(r"\^([A-Za-z0-9_-]+)/")


def by_prefix(patterns):
    """The router's patterns grouped under their prefix (``^posts/`` holding ``^$``, ``^(?P<pk>[^/.]+)/$``, the
    actions and their format suffixes): a request is matched against its resource's patterns, not against
    every pattern registered before it (146 regular expressions; 0.27 ms to resolve /api/v1/posts/, near the
    end). The same paths, names, views and arguments. A list's format suffix (``^posts\\.json``) and the API
    root's patterns stay as they are, after the groups (no path matches two of them)."""
    groups: dict[str, list] = {}
    rest = []
    for url in patterns:
        regex = str(url.pattern)
        found = _UNDER_PREFIX.match(regex)
        if found is None:
            rest.append(url)
            continue
        inner = re_path("^" + regex[found.end() :], url.callback, kwargs=url.default_args, name=url.name)
        groups.setdefault(found.group(1), []).append(inner)
    return [*(re_path(f"^{prefix}/", include(inner)) for prefix, inner in groups.items()), *rest]


router = DefaultRouter()
router.register("notifications", NotificationViewSet, basename="notification")
router.register("audit-events", AuditEventViewSet, basename="auditevent")
router.register("platforms", PlatformViewSet, basename="platform")
router.register("platform-decisions", PlatformDecisionViewSet, basename="platformdecision")
router.register("content-rules", ContentRuleViewSet, basename="contentrule")
router.register("policies", PolicyViewSet, basename="policy")
router.register("acknowledgements", AcknowledgementViewSet, basename="acknowledgement")
router.register("training-courses", TrainingCourseViewSet, basename="trainingcourse")
router.register("training-completions", TrainingCompletionViewSet, basename="trainingcompletion")
router.register("channels", registry.ChannelViewSet, basename="channel")
router.register("channel-activities", registry.ChannelActivityViewSet, basename="channelactivity")
router.register("dormancy-findings", registry.DormancyFindingViewSet, basename="dormancyfinding")
router.register("access-grants", registry.AccessGrantViewSet, basename="accessgrant")
router.register("access-requests", registry.AccessRequestViewSet, basename="accessrequest")
router.register("recertifications", registry.RecertificationViewSet, basename="recertification")
router.register("rotation-tasks", registry.RotationTaskViewSet, basename="rotationtask")
router.register("reported-accounts", registry.ReportedAccountViewSet, basename="reportedaccount")
router.register("offboarding", registry.OffboardingViewSet, basename="offboarding")
router.register("posts", approvals.PostViewSet, basename="post")
router.register("reviews", approvals.ReviewViewSet, basename="review")
router.register("approval-routes", approvals.ApprovalRouteViewSet, basename="approvalroute")
router.register("delegations", approvals.DelegationViewSet, basename="delegation")
router.register("lockdowns", approvals.LockdownViewSet, basename="lockdown")
router.register("legal-holds", records.LegalHoldViewSet, basename="legalhold")
router.register("subject-requests", records.SubjectRequestViewSet, basename="subjectrequest")

urlpatterns = [
    path("me/", MeView.as_view(), name="me"),
    path("content-check/", ContentCheckView.as_view(), name="content-check"),
    path("gates/", GateView.as_view(), name="gate"),
    path("it-decisions/", DecisionRegisterView.as_view(), name="it-decisions"),
    path("", include(by_prefix(router.urls))),
]
