"""The registry's API: viewsets of a few attributes; workflow steps are POST actions calling services."""

from django.db.models import Prefetch
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, permissions, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.settings import api_settings

from channels_registry import permissions as rules
from channels_registry import selectors, services
from channels_registry.api import serializers as s
from channels_registry.choices import ActivitySource
from channels_registry.filters import (
    AccessGrantFilter,
    AccessRequestFilter,
    ChannelActivityFilter,
    ChannelFilter,
    DormancyFindingFilter,
    RecertificationFilter,
    ReportedAccountFilter,
    RotationTaskFilter,
)
from channels_registry.models import (
    AccessGrant,
    AccessRequest,
    Channel,
    ChannelActivity,
    DormancyFinding,
    Recertification,
    ReportedAccount,
    RotationTask,
    SecurityReview,
)

DEFAULTS = api_settings.DEFAULT_PERMISSION_CLASSES


class ItDesk(permissions.BasePermission):
    message = gettext_lazy("Only IT security and auditors see this.")

    def has_permission(self, request, view):
        return rules.can_see_it_desk(request.user)


def _ok(serializer_class, instance, code=status.HTTP_200_OK):
    return Response(serializer_class(instance).data, status=code)


class ChannelViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """The registry: everyone signed in reads the public facts; security details are scoped."""

    queryset = Channel.objects.none()  # for the schema; get_queryset scopes
    serializer_class = s.ChannelSerializer
    filterset_class = ChannelFilter
    permission_classes = [*DEFAULTS]

    def get_queryset(self):
        return selectors.channels_visible_to(self.request.user)

    def _channel(self):
        return selectors.channel_for(self.request.user, self.kwargs["pk"])

    def _fresh(self, channel):
        return selectors.channel_for(self.request.user, channel.pk)

    @extend_schema(request=s.ChannelRegisterInput, responses={201: s.ChannelRegisteredSerializer})
    def create(self, request):
        data = s.ChannelRegisterInput(data=request.data)
        data.is_valid(raise_exception=True)
        channel = services.channel_register(actor=request.user, **data.validated_data)
        fresh = self._fresh(channel)
        fresh.deciders = channel.deciders
        return _ok(s.ChannelRegisteredSerializer, fresh, status.HTTP_201_CREATED)

    @extend_schema(responses=s.ChannelSecuritySerializer)
    @action(detail=True, methods=["get"])
    def security(self, request, pk=None):
        channel = selectors.channel_security_for(request.user, pk)
        reviews = SecurityReview.objects.select_related("reviewer")
        channel = (
            selectors.with_live_members(selectors.channels())
            .prefetch_related(Prefetch("security_reviews", queryset=reviews))
            .get(pk=channel.pk)
        )
        return _ok(s.ChannelSecuritySerializer, channel)

    def _step(self, request, fn):
        data = s.ReasonInput(data=request.data)
        data.is_valid(raise_exception=True)
        channel = fn(self._channel(), data.validated_data["reason"])
        return _ok(s.ChannelSerializer, self._fresh(channel))

    @extend_schema(request=s.ReasonInput, responses=s.ChannelSerializer)
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        return self._step(request, lambda c, r: services.channel_approve(actor=request.user, channel=c, note=r))

    @extend_schema(request=s.ReasonInput, responses=s.ChannelSerializer)
    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        return self._step(request, lambda c, r: services.channel_reject(actor=request.user, channel=c, reason=r))

    @extend_schema(request=s.ReasonInput, responses=s.ChannelSerializer)
    @action(detail=True, methods=["post"])
    def suspend(self, request, pk=None):
        return self._step(request, lambda c, r: services.channel_suspend(actor=request.user, channel=c, reason=r))

    @extend_schema(request=s.ReasonInput, responses=s.ChannelSerializer)
    @action(detail=True, methods=["post"])
    def reinstate(self, request, pk=None):
        return self._step(request, lambda c, r: services.channel_reinstate(actor=request.user, channel=c, reason=r))

    @extend_schema(request=s.ReasonInput, responses=s.ChannelSerializer)
    @action(detail=True, methods=["post"])
    def retire(self, request, pk=None):
        return self._step(request, lambda c, r: services.channel_retire(actor=request.user, channel=c, reason=r))

    @extend_schema(request=s.SecurityReviewInput, responses=s.SecurityReviewSerializer)
    @action(detail=True, methods=["post"], url_path="security-review")
    def security_review(self, request, pk=None):
        data = s.SecurityReviewInput(data=request.data)
        data.is_valid(raise_exception=True)
        review = services.security_review_decide(actor=request.user, channel=self._channel(), **data.validated_data)
        return _ok(s.SecurityReviewSerializer, review)

    @extend_schema(request=s.ActivityInput, responses={201: s.ChannelActivitySerializer})
    @action(detail=True, methods=["post"])
    def activity(self, request, pk=None):
        data = s.ActivityInput(data=request.data)
        data.is_valid(raise_exception=True)
        activity = services.activity_record(
            actor=request.user, channel=self._channel(), source=ActivitySource.API, **data.validated_data
        )
        return _ok(s.ChannelActivitySerializer, activity, status.HTTP_201_CREATED)

    @extend_schema(request=None, responses=s.ChannelMembershipSerializer)
    @action(detail=True, methods=["post"], url_path="confirm-mfa")
    def confirm_mfa(self, request, pk=None):
        membership = services.membership_confirm_mfa(actor=request.user, channel=self._channel())
        return _ok(s.ChannelMembershipSerializer, membership)

    @extend_schema(request=s.GrantInput, responses={201: s.AccessGrantSerializer})
    @action(detail=True, methods=["post"])
    def grants(self, request, pk=None):
        data = s.GrantInput(data=request.data)
        data.is_valid(raise_exception=True)
        grant = services.grant_create(actor=request.user, channel=self._channel(), **data.validated_data)
        return _ok(s.AccessGrantSerializer, grant, status.HTTP_201_CREATED)


class ChannelActivityViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """Activity on channels (public facts)."""

    queryset = ChannelActivity.objects.none()  # for the schema; get_queryset scopes
    serializer_class = s.ChannelActivitySerializer
    filterset_class = ChannelActivityFilter
    permission_classes = [*DEFAULTS]

    def get_queryset(self):
        return selectors.activities()


class DormancyFindingViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """What the dormancy audit found (public facts)."""

    queryset = DormancyFinding.objects.none()  # for the schema; get_queryset scopes
    serializer_class = s.DormancyFindingSerializer
    filterset_class = DormancyFindingFilter
    permission_classes = [*DEFAULTS]

    def get_queryset(self):
        return selectors.dormancy_findings()


class AccessGrantViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Who was granted what on which channel, when, why, until when (scoped: security details)."""

    queryset = AccessGrant.objects.none()  # for the schema; get_queryset scopes
    serializer_class = s.AccessGrantSerializer
    filterset_class = AccessGrantFilter
    permission_classes = [*DEFAULTS]

    def get_queryset(self):
        return selectors.grants_visible_to(self.request.user)

    @extend_schema(request=s.ReasonInput, responses=s.AccessGrantSerializer)
    @action(detail=True, methods=["post"])
    def revoke(self, request, pk=None):
        data = s.ReasonInput(data=request.data)
        data.is_valid(raise_exception=True)
        grant = services.grant_revoke(actor=request.user, grant=self.get_object(), reason=data.validated_data["reason"])
        return _ok(s.AccessGrantSerializer, grant)


class AccessRequestViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Requests for a role on a channel or for a blocked platform."""

    queryset = AccessRequest.objects.none()  # for the schema; get_queryset scopes
    serializer_class = s.AccessRequestSerializer
    filterset_class = AccessRequestFilter
    permission_classes = [*DEFAULTS]

    def get_queryset(self):
        return selectors.access_requests_visible_to(self.request.user)

    @extend_schema(request=s.AccessRequestInput, responses={201: s.AccessRequestCreatedSerializer})
    def create(self, request):
        data = s.AccessRequestInput(data=request.data)
        data.is_valid(raise_exception=True)
        created = services.access_request_create(actor=request.user, **data.validated_data)
        return _ok(s.AccessRequestCreatedSerializer, created, status.HTTP_201_CREATED)

    @extend_schema(request=s.DecideInput, responses=s.AccessRequestSerializer)
    @action(detail=True, methods=["post"])
    def decide(self, request, pk=None):
        data = s.DecideInput(data=request.data)
        data.is_valid(raise_exception=True)
        decided = services.access_request_decide(actor=request.user, request=self.get_object(), **data.validated_data)
        return _ok(s.AccessRequestSerializer, decided)


class RecertificationViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Grants past their review date, waiting for the channel owner (or IT once escalated)."""

    queryset = Recertification.objects.none()  # for the schema; get_queryset scopes
    serializer_class = s.RecertificationSerializer
    filterset_class = RecertificationFilter
    permission_classes = [*DEFAULTS]

    def get_queryset(self):
        return selectors.recertifications_visible_to(self.request.user)

    @extend_schema(request=s.RecertifyInput, responses=s.RecertificationSerializer)
    @action(detail=True, methods=["post"])
    def decide(self, request, pk=None):
        data = s.RecertifyInput(data=request.data)
        data.is_valid(raise_exception=True)
        item = services.recertification_decide(
            actor=request.user, recertification=self.get_object(), **data.validated_data
        )
        return _ok(s.RecertificationSerializer, item)


class RotationTaskViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Credential rotations opened when a custodian leaves (IT security and auditors)."""

    queryset = RotationTask.objects.none()  # for the schema; get_queryset scopes
    serializer_class = s.RotationTaskSerializer
    filterset_class = RotationTaskFilter
    permission_classes = [*DEFAULTS, ItDesk]

    def get_queryset(self):
        return selectors.rotation_tasks()

    @extend_schema(request=s.NoteInput, responses=s.RotationTaskSerializer)
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        data = s.NoteInput(data=request.data)
        data.is_valid(raise_exception=True)
        task = services.rotation_task_close(
            actor=request.user, task=self.get_object(), note=data.validated_data["note"]
        )
        return _ok(s.RotationTaskSerializer, task)


class ReportedAccountViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Accounts found in the wild that claim to be the company."""

    queryset = ReportedAccount.objects.none()  # for the schema; get_queryset scopes
    serializer_class = s.ReportedAccountSerializer
    filterset_class = ReportedAccountFilter
    permission_classes = [*DEFAULTS]

    def get_queryset(self):
        return selectors.reported_accounts_visible_to(self.request.user)

    @extend_schema(request=s.ReportedAccountInput, responses={201: s.ReportedAccountSerializer})
    def create(self, request):
        data = s.ReportedAccountInput(data=request.data)
        data.is_valid(raise_exception=True)
        report = services.reported_account_create(actor=request.user, **data.validated_data)
        return _ok(s.ReportedAccountSerializer, report, status.HTTP_201_CREATED)

    @extend_schema(request=s.TriageInput, responses=s.ReportedAccountSerializer)
    @action(detail=True, methods=["post"])
    def triage(self, request, pk=None):
        data = s.TriageInput(data=request.data)
        data.is_valid(raise_exception=True)
        report = services.reported_account_triage(actor=request.user, report=self.get_object(), **data.validated_data)
        return _ok(s.ReportedAccountSerializer, report)


class OffboardingViewSet(viewsets.GenericViewSet):
    """Offboard a person: deactivate, end channel access, open credential rotations, flag orphans."""

    serializer_class = s.OffboardInput
    permission_classes = [*DEFAULTS]

    @extend_schema(request=s.OffboardInput, responses=s.OffboardResult)
    def create(self, request):
        data = s.OffboardInput(data=request.data)
        data.is_valid(raise_exception=True)
        result = services.user_offboard(
            actor=request.user, user=data.validated_data["user"], reason=data.validated_data["reason"]
        )
        return Response(
            {
                "user": result["user"].email,
                "memberships_ended": len(result["memberships"]),
                "rotation_tasks": [t.pk for t in result["rotation_tasks"]],
                "orphaned_channels": [c.pk for c in result["orphaned"]],
            }
        )
