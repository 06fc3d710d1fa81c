import functools

from django.db.models import QuerySet
from rest_framework import permissions, serializers, viewsets
from rest_framework.settings import api_settings

from audit.filters import AuditEventFilter
from audit.models import AuditEvent
from audit.selectors import can_read_trail, trail
from socialgov.api.filtering import FilterBackend
from socialgov.api.kept import KeptPageMixin
from socialgov.api.represent import Direct


class CanReadTrail(permissions.BasePermission):
    message = "Only auditors and IT security read the audit trail."

    def has_permission(self, request, view):
        return can_read_trail(request.user)


class AuditEventSerializer(Direct, serializers.ModelSerializer):
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


class AuditEventViewSet(KeptPageMixin, viewsets.ReadOnlyModelViewSet):
    """The append-only audit trail (auditors and IT security)."""

    # The list's page is kept per person until the next audited write (socialgov.api.kept): the trail is written only
    # by audit.record and record_many, each of which is that write, and its rows never change. Who may read it
    # (CanReadTrail) is asked on every request, before the list.
    kept_name = "audit-events"

    serializer_class = AuditEventSerializer
    filterset_class = AuditEventFilter
    filter_backends = [FilterBackend]
    permission_classes = [*api_settings.DEFAULT_PERMISSION_CLASSES, CanReadTrail]

    def get_queryset(self):
        if self.action == "list":  # rows, not objects: the serializer builds its output from them (Direct)
            return _trail_rows().all()
        return trail()


@functools.cache
def _trail_rows() -> QuerySet[AuditEvent]:
    """The trail as the list's ``.values()`` rows, set up once a process (each request filters and pages a
    clone): the same for every reader, whom ``CanReadTrail`` admits or refuses first."""
    return trail().values(*AuditEventSerializer.values())
