from django.urls import include, path
from rest_framework.routers import DefaultRouter

from accounts.api.views import MeView
from audit.api import AuditEventViewSet
from notifications.api.views import NotificationViewSet

router = DefaultRouter()
router.register("notifications", NotificationViewSet, basename="notification")
router.register("audit-events", AuditEventViewSet, basename="auditevent")

urlpatterns = [
    path("me/", MeView.as_view(), name="me"),
    path("", include(router.urls)),
]
