from django.urls import include, path
from rest_framework.routers import DefaultRouter

from accounts.api.views import MembershipViewSet, MeView
from approvals.api import views as approvals
from audit.api import AuditEventViewSet
from channels_registry.api import views as registry
from it_decisions.api import DecisionRegisterView
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

router = DefaultRouter()
router.register("notifications", NotificationViewSet, basename="notification")
router.register("memberships", MembershipViewSet, basename="membership")
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
    path("", include(router.urls)),
]
