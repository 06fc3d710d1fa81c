from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, permissions, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.settings import api_settings

from core.errors import Conflict, Forbidden
from policies import selectors, services
from policies.api.serializers import (
    AcknowledgementSerializer,
    CompletionInput,
    ContentRuleSerializer,
    CoverageRowSerializer,
    PlatformDecisionChangeInput,
    PlatformDecisionEndInput,
    PlatformDecisionInput,
    PlatformDecisionSerializer,
    PlatformSerializer,
    PolicyDraftInput,
    PolicyInput,
    PolicySerializer,
    PolicyVersionSerializer,
    PublishInput,
    TrainingCompletionSerializer,
    TrainingCourseInput,
    TrainingCourseSerializer,
)
from policies.filters import (
    AcknowledgementFilter,
    ContentRuleFilter,
    PlatformDecisionFilter,
    PlatformFilter,
    PolicyFilter,
    TrainingCompletionFilter,
    TrainingCourseFilter,
)
from policies.models import ContentRule, TrainingCourse
from policies.permissions import (
    can_manage_platforms,
    can_manage_policies,
    can_manage_rules,
    can_read_coverage,
    can_read_rules,
)


class ItWrites(permissions.BasePermission):
    message = gettext_lazy("Only IT security changes platforms and platform decisions.")

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
        """Record a decision (IT security). 400: a field is missing or wrong; 403: not IT security, or the
        decision would grant your own request."""
        data = PlatformDecisionInput(data=request.data)
        data.is_valid(raise_exception=True)
        decision = services.platform_decision_record(actor=request.user, **data.validated_data)
        decision = selectors.decisions().get(pk=decision.pk)
        return Response(PlatformDecisionSerializer(decision).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=PlatformDecisionChangeInput, responses=PlatformDecisionSerializer)
    @action(detail=True, methods=["post"])
    def change(self, request, pk=None):
        """Change a decision (IT security): it then reads as given, and you become its decider. 409 once it ended;
        403 to the person whose request it granted."""
        decision = self.get_object()
        data = PlatformDecisionChangeInput(data=request.data)
        data.is_valid(raise_exception=True)
        services.platform_decision_change(actor=request.user, decision=decision, **data.validated_data)
        return Response(PlatformDecisionSerializer(selectors.decisions().get(pk=decision.pk)).data)

    @extend_schema(request=PlatformDecisionEndInput, responses=PlatformDecisionSerializer)
    @action(detail=True, methods=["post"])
    def end(self, request, pk=None):
        """End a decision now (IT security), with a reason. 409 when it already ended or expired."""
        decision = self.get_object()
        data = PlatformDecisionEndInput(data=request.data)
        data.is_valid(raise_exception=True)
        services.platform_decision_end(actor=request.user, decision=decision, reason=data.validated_data["reason"])
        return Response(PlatformDecisionSerializer(selectors.decisions().get(pk=decision.pk)).data)


class RuleAccess(permissions.BasePermission):
    message = gettext_lazy(
        "Only IT security, communications and auditors read content rules; only the first two change them."
    )

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


class PolicyWrites(permissions.BasePermission):
    """Anyone reads and acknowledges; communications and IT security write."""

    message = gettext_lazy("Only communications and IT security write policies and courses.")
    open_actions = ("acknowledge", "complete", "coverage")

    def has_permission(self, request, view):
        if request.method in permissions.SAFE_METHODS or getattr(view, "action", None) in self.open_actions:
            return True
        return can_manage_policies(request.user)


class PolicyViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Policies and their current version (sanitised HTML); acknowledge the current version here."""

    serializer_class = PolicySerializer
    filterset_class = PolicyFilter
    lookup_field = "slug"
    permission_classes = [*api_settings.DEFAULT_PERMISSION_CLASSES, PolicyWrites]

    @extend_schema(request=PolicyInput, responses={201: PolicySerializer})
    def create(self, request):
        data = PolicyInput(data=request.data)
        data.is_valid(raise_exception=True)
        policy = services.policy_create(actor=request.user, **data.validated_data)
        return Response(PolicySerializer(selectors.policies().get(pk=policy.pk)).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=PolicyInput, responses={200: PolicySerializer})
    def partial_update(self, request, slug=None):
        """Change a policy's title, address, summary or what it is required for (its text changes by drafts)."""
        policy = self.get_object()
        data = PolicyInput(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        for field, value in data.validated_data.items():
            setattr(policy, field, value)
        policy = services.policy_save(actor=request.user, policy=policy, changed=sorted(data.validated_data))
        return Response(PolicySerializer(selectors.policies().get(pk=policy.pk)).data)

    @extend_schema(request=PolicyDraftInput, responses={201: PolicyVersionSerializer})
    @action(detail=True, methods=["post"])
    def draft(self, request, slug=None):
        """Draft a new version; it binds no one until it is published."""
        policy = self.get_object()
        data = PolicyDraftInput(data=request.data)
        data.is_valid(raise_exception=True)
        version = services.policy_version_draft(actor=request.user, policy=policy, **data.validated_data)
        return Response(PolicyVersionSerializer(version).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=PublishInput, responses={200: PolicyVersionSerializer})
    @action(detail=True, methods=["post"])
    def publish(self, request, slug=None):
        """Publish a draft: it becomes current and its audience is asked to acknowledge it."""
        policy = self.get_object()
        data = PublishInput(data=request.data)
        data.is_valid(raise_exception=True)
        version = get_object_or_404(policy.versions.all(), number=data.validated_data["number"])
        version = services.policy_version_publish(actor=request.user, version=version)
        return Response(PolicyVersionSerializer(version).data)

    def get_queryset(self):
        return selectors.policies()

    @extend_schema(request=None, responses={201: AcknowledgementSerializer})
    @action(detail=True, methods=["post"])
    def acknowledge(self, request, slug=None):
        policy = self.get_object()
        if policy.current_version is None:
            raise Conflict(_("This policy has no published version yet."), code="invalid_state")
        ack = services.acknowledgement_record(actor=request.user, version=policy.current_version)
        ack = selectors.acknowledgements().get(pk=ack.pk)
        return Response(AcknowledgementSerializer(ack).data, status=status.HTTP_201_CREATED)

    @extend_schema(responses={200: CoverageRowSerializer(many=True)})
    @action(detail=True, methods=["get"])
    def coverage(self, request, slug=None):
        policy = self.get_object()
        if not can_read_coverage(request.user):
            raise Forbidden(_("Only communications, IT security and auditors read the coverage report."))
        rows = selectors.coverage(policy.current_version) if policy.current_version else []
        return Response(
            [
                {
                    "department": r.department.slug if r.department else None,
                    "acknowledged": [u.email for u in r.acknowledged],
                    "missing": [u.email for u in r.missing],
                }
                for r in rows
            ]
        )


class AcknowledgementViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """Your acknowledgements; everyone's for communications, IT security and auditors."""

    serializer_class = AcknowledgementSerializer
    filterset_class = AcknowledgementFilter

    def get_queryset(self):
        qs = selectors.acknowledgements()
        if getattr(self, "swagger_fake_view", False):
            return qs.none()
        return qs if can_read_coverage(self.request.user) else qs.filter(user=self.request.user)


class TrainingCourseViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Training courses; record a completion (your own with an attestation, or as a trainer or manager)."""

    serializer_class = TrainingCourseSerializer
    filterset_class = TrainingCourseFilter
    lookup_field = "slug"
    permission_classes = [*api_settings.DEFAULT_PERMISSION_CLASSES, PolicyWrites]
    http_method_names = ["get", "post", "patch", "head", "options"]

    def _save(self, request, course, partial):
        data = TrainingCourseInput(course, data=request.data, partial=partial)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        departments = values.pop("departments", None)
        for field, value in values.items():
            setattr(course, field, value)
        course = services.course_save(
            actor=request.user, course=course, departments=departments, changed=sorted(data.validated_data)
        )
        return TrainingCourseSerializer(selectors.courses().get(pk=course.pk)).data

    @extend_schema(request=TrainingCourseInput, responses={201: TrainingCourseSerializer})
    def create(self, request):
        return Response(self._save(request, TrainingCourse(), partial=False), status=status.HTTP_201_CREATED)

    @extend_schema(request=TrainingCourseInput, responses={200: TrainingCourseSerializer})
    def partial_update(self, request, slug=None):
        return Response(self._save(request, self.get_object(), partial=True))

    def get_queryset(self):
        return selectors.courses()

    @extend_schema(request=CompletionInput, responses={201: TrainingCompletionSerializer})
    @action(detail=True, methods=["post"])
    def complete(self, request, slug=None):
        course = self.get_object()
        data = CompletionInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        completion = services.training_completion_record(
            actor=request.user,
            user=values.get("user") or request.user,
            course=course,
            completed_on=values.get("completed_on"),
            attested=values["attested"],
            note=values.get("note", ""),
        )
        completion = get_object_or_404(selectors.completions(), pk=completion.pk)
        return Response(TrainingCompletionSerializer(completion).data, status=status.HTTP_201_CREATED)


class TrainingCompletionViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """Your completions; everyone's for communications, IT security and auditors."""

    serializer_class = TrainingCompletionSerializer
    filterset_class = TrainingCompletionFilter

    def get_queryset(self):
        qs = selectors.completions()
        if getattr(self, "swagger_fake_view", False):
            return qs.none()
        return qs if can_read_coverage(self.request.user) else qs.filter(user=self.request.user)
