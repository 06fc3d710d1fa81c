from drf_spectacular.utils import extend_schema
from rest_framework import mixins, permissions, status, viewsets
from rest_framework.response import Response
from rest_framework.settings import api_settings

from policies import selectors, services
from policies.api.serializers import (
    ContentRuleSerializer,
    PlatformDecisionInput,
    PlatformDecisionSerializer,
    PlatformSerializer,
)
from policies.filters import ContentRuleFilter, PlatformDecisionFilter, PlatformFilter
from policies.models import ContentRule
from policies.permissions import can_manage_platforms, can_manage_rules, can_read_rules


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


class RuleAccess(permissions.BasePermission):
    message = "Only IT security, communications and auditors read content rules; only the first two change them."

    def has_permission(self, request, view):
        if request.method in permissions.SAFE_METHODS:
            return can_read_rules(request.user)
        return can_manage_rules(request.user)


class ContentRuleViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """The content rules drafts are checked against. A pattern that does not compile is a 400 on ``pattern``."""

    serializer_class = ContentRuleSerializer
    filterset_class = ContentRuleFilter
    permission_classes = [*api_settings.DEFAULT_PERMISSION_CLASSES, RuleAccess]
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        return selectors.content_rules()

    def _save(self, serializer, rule):
        data = dict(serializer.validated_data)
        departments = data.pop("departments", None)
        platforms = data.pop("platforms", None)
        for field, value in data.items():
            setattr(rule, field, value)
        rule = services.content_rule_save(
            actor=self.request.user, rule=rule, departments=departments, platforms=platforms
        )
        serializer.instance = selectors.content_rules().get(pk=rule.pk)

    def perform_create(self, serializer):
        self._save(serializer, ContentRule())

    def perform_update(self, serializer):
        self._save(serializer, serializer.instance)
