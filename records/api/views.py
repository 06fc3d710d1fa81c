"""The record's API: legal holds (read by compliance, IT security and auditors; set and released by compliance and
IT security) and the data-subject request log."""

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, permissions, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.settings import api_settings

from core.api.filtering import FilterBackend
from records import selectors, services
from records.api import serializers as s
from records.filters import LegalHoldFilter, SubjectRequestFilter
from records.models import LegalHold, SubjectRequest
from records.permissions import can_read_records


class CanReadRecords(permissions.BasePermission):
    message = "Only compliance, IT security and auditors read the record."

    def has_permission(self, request, view):
        return can_read_records(request.user)


READERS = [*api_settings.DEFAULT_PERMISSION_CLASSES, CanReadRecords]


class LegalHoldViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Legal holds: what they keep from retention and erasure until released."""

    queryset = LegalHold.objects.none()
    serializer_class = s.LegalHoldSerializer
    filterset_class = LegalHoldFilter
    filter_backends = [FilterBackend]
    permission_classes = READERS

    def get_queryset(self):
        return selectors.holds()

    @extend_schema(request=s.LegalHoldInput, responses={201: s.LegalHoldSerializer})
    def create(self, request):
        data = s.LegalHoldInput(data=request.data)
        data.is_valid(raise_exception=True)
        hold = services.hold_set(actor=request.user, **data.validated_data)
        return Response(s.LegalHoldSerializer(hold).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=s.ReleaseInput, responses=s.LegalHoldSerializer)
    @action(detail=True, methods=["post"])
    def release(self, request, pk=None):
        data = s.ReleaseInput(data=request.data)
        data.is_valid(raise_exception=True)
        hold = services.hold_release(actor=request.user, hold=self.get_object(), reason=data.validated_data["reason"])
        return Response(s.LegalHoldSerializer(hold).data)


class SubjectRequestViewSet(viewsets.ReadOnlyModelViewSet):
    """The data-subject request log (GDPR art. 15 exports and art. 17 erasures, done or refused)."""

    queryset = SubjectRequest.objects.none()
    serializer_class = s.SubjectRequestSerializer
    filterset_class = SubjectRequestFilter
    filter_backends = [FilterBackend]
    permission_classes = READERS

    def get_queryset(self):
        return selectors.subject_requests()
