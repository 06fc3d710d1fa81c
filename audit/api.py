from rest_framework import permissions, serializers, viewsets
from rest_framework.settings import api_settings

from audit.filters import AuditEventFilter
from audit.models import AuditEvent
from audit.selectors import can_read_trail, trail
from socialgov.api.filtering import FilterBackend
from socialgov.api.represent import Direct


class CanReadTrail(permissions.BasePermission):
    message = "Only auditors and IT security read the audit trail."

    def has_permission(self, request, view):
        return can_read_trail(request.user)


class AuditEventSerializer(Direct, serializers.ModelSerializer):
    actor = serializers.CharField(source="actor_label")

    class Meta:
        model = AuditEvent
        fields = [
            "id",
            "created_at",
            "actor",
            "action",
            "target_type",
            "target_id",
            "target_label",
            "data",
            "request_id",
            "ip",
            "prev_hash",
            "hash",
        ]


class AuditEventViewSet(viewsets.ReadOnlyModelViewSet):
    """The append-only audit trail (auditors and IT security)."""

    serializer_class = AuditEventSerializer
    filterset_class = AuditEventFilter
    filter_backends = [FilterBackend]
    permission_classes = [*api_settings.DEFAULT_PERMISSION_CLASSES, CanReadTrail]

    def get_queryset(self):
        if self.action == "list":  # rows, not objects: the serializer builds its output from them (Direct)
            return trail().values(*AuditEventSerializer.values())
        return trail()
