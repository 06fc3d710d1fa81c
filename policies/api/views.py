from drf_spectacular.utils import extend_schema
from rest_framework import mixins, permissions, status, viewsets
from rest_framework.response import Response
from rest_framework.settings import api_settings

from policies import selectors, services
from policies.api.serializers import PlatformDecisionInput, PlatformDecisionSerializer, PlatformSerializer
from policies.filters import PlatformDecisionFilter, PlatformFilter
from policies.permissions import can_manage_platforms


class ItWrites(permissions.BasePermission):
    message = "Only IT security changes platforms and platform decisions."

    def has_permission(self, request, view):
        return request.method in permissions.SAFE_METHODS or can_manage_platforms(request.user)


class PlatformViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.UpdateModelMixin, viewsets.GenericViewSet
):
    """The platform catalogue: everyone reads it, IT security edits it."""

    serializer_class = PlatformSerializer
    filterset_class = PlatformFilter
    permission_classes = [*api_settings.DEFAULT_PERMISSION_CLASSES, ItWrites]
    http_method_names = ["get", "patch", "head", "options"]

    def get_queryset(self):
        return selectors.platforms()

    def perform_update(self, serializer):
        platform = serializer.instance
        for field, value in serializer.validated_data.items():
            setattr(platform, field, value)
        services.platform_save(actor=self.request.user, platform=platform, changed=list(serializer.validated_data))


class PlatformDecisionViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """IT's platform decisions: public facts everyone reads; IT security records new ones."""

    serializer_class = PlatformDecisionSerializer
    filterset_class = PlatformDecisionFilter
    permission_classes = [*api_settings.DEFAULT_PERMISSION_CLASSES, ItWrites]

    def get_queryset(self):
        return selectors.decisions()

    @extend_schema(request=PlatformDecisionInput, responses={201: PlatformDecisionSerializer})
    def create(self, request):
        data = PlatformDecisionInput(data=request.data)
        data.is_valid(raise_exception=True)
        decision = services.platform_decision_record(actor=request.user, **data.validated_data)
        decision = selectors.decisions().get(pk=decision.pk)
        return Response(PlatformDecisionSerializer(decision).data, status=status.HTTP_201_CREATED)
