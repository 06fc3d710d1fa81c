from rest_framework import permissions, serializers, viewsets
from rest_framework.settings import api_settings

from audit.filters import AuditEventFilter
from audit.models import AuditEvent
from audit.selectors import can_read_trail, trail
from core.api.filtering import FilterBackend


class CanReadTrail(permissions.BasePermission):
    message = "Only auditors and IT security read the audit trail."

    def has_permission(self, request, view):
        return can_read_trail(request.user)


class AuditEventSerializer(serializers.ModelSerializer):
    # What the trail's readers show (audit.selectors.with_people): personal values from their rows ("[erased]"
    # once erased), and the event's place in the chain (None until the sequencer has chained it).
    actor = serializers.CharField(source="actor_label")
    target_label = serializers.CharField()
    data = serializers.JSONField(source="details")
    ip = serializers.CharField(allow_null=True)
    position = serializers.IntegerField(allow_null=True)
    prev_hash = serializers.CharField(allow_null=True)
    hash = serializers.CharField(allow_null=True)

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
            "position",
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
        return trail()
