"""The approvals API: viewsets of a few attributes; workflow steps are POST actions calling services."""

from django.db.models import Prefetch
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.settings import api_settings

from approvals import permissions as rules
from approvals import selectors, services
from approvals.api import serializers as s
from approvals.choices import StageState
from approvals.filters import DelegationFilter, LockdownFilter, PostFilter, StageReviewFilter
from approvals.models import ApprovalRoute, Delegation, Lockdown, Post, PostRevision, RouteStage, StageReview
from channels_registry.choices import ActivitySource
from core.api.filtering import FilterBackend
from core.api.pagination import CursorPagination
from core.errors import Conflict, Forbidden, NotFound

DEFAULTS = api_settings.DEFAULT_PERMISSION_CLASSES


class OldestDueFirst(CursorPagination):
    ordering = ("due_at", "id")


class ScheduledFirst(CursorPagination):
    ordering = ("scheduled_at", "id")


def _ok(serializer_class, instance, code=status.HTTP_200_OK):
    return Response(serializer_class(instance).data, status=code)


class PostViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Posts you may see. Drafts: their author, the channel's members and eligible reviewers."""

    queryset = Post.objects.none()  # for the schema; get_queryset scopes
    serializer_class = s.PostSerializer
    filterset_class = PostFilter
    filter_backends = [FilterBackend]
    permission_classes = [*DEFAULTS]
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    def get_queryset(self):
        return selectors.posts_visible_to(self.request.user)

    def _post(self) -> Post:
        return selectors.post_for(self.request.user, self.kwargs["pk"])

    def _fresh(self, post):
        return selectors.post_for(self.request.user, post.pk)

    @extend_schema(request=s.PostInput, responses={201: s.PostSerializer})
    def create(self, request):
        data = s.PostInput(data=request.data)
        data.is_valid(raise_exception=True)
        post = services.post_create(
            actor=request.user, attachments=request.FILES.getlist("attachments"), **data.validated_data
        )
        return _ok(s.PostSerializer, self._fresh(post), status.HTTP_201_CREATED)

    @extend_schema(request=s.PostUpdateInput, responses=s.PostSerializer)
    def partial_update(self, request, pk=None):
        post = self._post()
        data = s.PostUpdateInput(data=request.data)
        data.is_valid(raise_exception=True)
        post = services.post_update(
            actor=request.user, post=post, attachments=request.FILES.getlist("attachments"), **data.validated_data
        )
        return _ok(s.PostSerializer, self._fresh(post))

    @extend_schema(responses=s.PostRevisionSerializer(many=True))
    @action(detail=True, methods=["get"], pagination_class=None, filterset_class=None)
    def revisions(self, request, pk=None):
        post = self._post()
        rows = PostRevision.objects.filter(post=post).select_related("created_by").order_by("-number")
        return Response(s.PostRevisionSerializer(rows, many=True).data)

    @extend_schema(request=None, responses=s.PostSubmittedSerializer)
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        post = services.post_submit(actor=request.user, post=self._post())
        fresh = self._fresh(post)
        fresh.deciders = getattr(post, "deciders", None)
        return _ok(s.PostSubmittedSerializer, fresh)

    @extend_schema(request=s.WithdrawInput, responses=s.PostSerializer)
    @action(detail=True, methods=["post"])
    def withdraw(self, request, pk=None):
        data = s.WithdrawInput(data=request.data)
        data.is_valid(raise_exception=True)
        post = services.post_withdraw(actor=request.user, post=self._post(), **data.validated_data)
        return _ok(s.PostSerializer, self._fresh(post))

    @extend_schema(request=s.PostDecideInput, responses=s.DecisionSerializer)
    @action(detail=True, methods=["post"])
    def decide(self, request, pk=None):
        """Decide the open stage you are eligible for (or the one named by ``stage``)."""
        post = self._post()
        data = s.PostDecideInput(data=request.data)
        data.is_valid(raise_exception=True)
        stages = StageReview.objects.filter(post=post).select_related("post")
        wanted = data.validated_data.get("stage")
        if wanted is not None:
            stage = stages.filter(pk=wanted).first()
            if stage is None:
                raise NotFound(_("No such review on this post."))
        else:
            open_stages = list(stages.filter(state=StageState.OPEN))
            if not open_stages:
                raise Conflict(_("Nothing on this post waits for a decision."), code="invalid_state")
            stage = next((x for x in open_stages if rules.eligible_principal(request.user, x)), open_stages[0])
        decision = services.stage_decide(
            actor=request.user,
            stage_review=stage,
            outcome=data.validated_data["outcome"],
            comment=data.validated_data["comment"],
        )
        return _ok(s.DecisionSerializer, decision)

    @extend_schema(request=s.PublishedInput, responses={201: s.PublicationReportSerializer})
    @action(detail=True, methods=["post"])
    def published(self, request, pk=None):
        """An integration reports what went out: text, network URL, time and the receipt.

        201 with the drift findings (text or links changed, before approval, during a lockdown, no receipt).
        A receipt that does not verify (400) or another channel (409) is refused; the report is kept as a finding.
        """
        data = s.PublishedInput(data=request.data)
        data.is_valid(raise_exception=True)
        report = services.publication_report(
            actor=request.user, post=self._post(), source=ActivitySource.API, **data.validated_data
        )
        refusal = services.publication_refusal(report)
        if refusal is not None:
            raise refusal
        return _ok(s.PublicationReportSerializer, selectors.publication_report(report.pk), status.HTTP_201_CREATED)

    @extend_schema(responses=s.ReceiptSerializer)
    @action(detail=True, methods=["get"], pagination_class=None, filterset_class=None)
    def receipt(self, request, pk=None):
        """The signed receipt of the post's approved revision (404 until it is approved)."""
        return _ok(s.ReceiptSerializer, selectors.receipt_for(self._post()))

    @extend_schema(request=None, responses=s.PostSerializer)
    @action(detail=True, methods=["post"])
    def release(self, request, pk=None):
        """A publisher releases an approved post whose time has come now (409 while a lockdown holds it)."""
        post = services.post_release(actor=request.user, post=self._post())
        return _ok(s.PostSerializer, self._fresh(post))

    @extend_schema(responses=s.PostSerializer(many=True))
    @action(detail=False, methods=["get"], pagination_class=ScheduledFirst)
    def due(self, request):
        """What is due now: approved, released (post.due sent), not yet published, not held by a lockdown."""
        qs = self.filter_queryset(selectors.due_posts(request.user))
        page = self.paginate_queryset(qs)
        return self.get_paginated_response(s.PostSerializer(page, many=True).data)


class ReviewViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """Your review queue: open stages you (or someone you stand in for) may decide, oldest due first."""

    queryset = StageReview.objects.none()  # for the schema; get_queryset scopes
    serializer_class = s.StageReviewSerializer
    filterset_class = StageReviewFilter
    permission_classes = [*DEFAULTS]
    pagination_class = OldestDueFirst

    def get_queryset(self):
        return selectors.review_queue_for(self.request.user).prefetch_related("department")  # the stage's

    @extend_schema(request=s.BulkDecideInput, responses=s.BulkDecideResultSerializer)
    @action(detail=False, methods=["post"], pagination_class=None, filterset_class=None)
    def decide(self, request):
        """Decide several stages with one outcome (approve or request_changes) and one comment. Each is decided
        on its own, with its own checks: 200 with each stage's result (its decision, or the status, code and
        message it was refused with). 400 when the input itself is refused (no stage, over 50, no comment to
        ask for changes)."""
        data = s.BulkDecideInput(data=request.data)
        data.is_valid(raise_exception=True)
        results = services.stages_decide(actor=request.user, **data.validated_data)
        return _ok(s.BulkDecideResultSerializer, {"results": results})


class ApprovalRouteViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Approval routes: the company default, departments' routes and channels' overrides."""

    queryset = ApprovalRoute.objects.none()
    serializer_class = s.ApprovalRouteSerializer
    permission_classes = [*DEFAULTS]
    pagination_class = None

    def get_queryset(self):
        stages = Prefetch("stages", RouteStage.objects.select_related("escalate_to").prefetch_related("users"))
        return ApprovalRoute.objects.select_related("department").prefetch_related(stages).order_by("id")

    @extend_schema(request=s.RouteSettingsInput, responses=s.ApprovalRouteSerializer)
    def partial_update(self, request, pk=None):
        """Change a route's name or whether each stage needs a different person (its department's managers, or IT
        security; the company default: IT security). Audited."""
        data = s.RouteSettingsInput(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        services.route_update(actor=request.user, route=self.get_object(), **data.validated_data)
        return _ok(s.ApprovalRouteSerializer, self.get_queryset().get(pk=pk))

    @extend_schema(request=s.ChannelRouteInput, responses={201: s.ApprovalRouteSerializer})
    def create(self, request):
        """Give a channel its own route, a copy of the one it follows now (the department's managers, or IT
        security). 409 when it already has one."""
        data = s.ChannelRouteInput(data=request.data)
        data.is_valid(raise_exception=True)
        route = services.route_channel_create(actor=request.user, channel=data.validated_data["channel"])
        return _ok(s.ApprovalRouteSerializer, self.get_queryset().get(pk=route.pk), status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={204: None})
    def destroy(self, request, pk=None):
        """Remove a department's or a channel's own route: its posts follow the department's route (or the company
        default) again. Audited."""
        services.route_delete(actor=request.user, route=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(request=s.RouteStageInput, responses={201: s.RouteStageSerializer})
    @action(detail=True, methods=["post"])
    def stages(self, request, pk=None):
        """Add a stage at the end of a department's or a channel's route (its managers, or IT security)."""
        route = self.get_object()
        if route.department is None and route.channel_id is None:
            raise Forbidden(_("The company default is changed in the admin."))
        data = s.RouteStageInput(data=request.data)
        data.is_valid(raise_exception=True)
        if route.channel_id:
            values = dict(data.validated_data)
            users = values.pop("users")
            stage = services.route_stage_save(actor=request.user, stage=RouteStage(route=route, **values), users=users)
        else:
            stage = services.route_stage_add(actor=request.user, department=route.department, **data.validated_data)
        return _ok(s.RouteStageSerializer, stage, status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={204: None})
    @action(detail=True, methods=["delete"], url_path=r"stages/(?P<stage_pk>\d+)", url_name="stage")
    def remove_stage(self, request, pk=None, stage_pk=None):
        """Remove a stage from a route (the later stages move up). Audited."""
        stage = RouteStage.objects.filter(route=self.get_object(), pk=stage_pk).select_related("route").first()
        if stage is None:
            raise NotFound(_("No such stage on this route."))
        services.route_stage_remove(actor=request.user, stage=stage)
        return Response(status=status.HTTP_204_NO_CONTENT)


class DelegationViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Delegations you gave or received (IT security and auditors see all)."""

    queryset = Delegation.objects.none()
    serializer_class = s.DelegationSerializer
    filterset_class = DelegationFilter
    permission_classes = [*DEFAULTS]

    def get_queryset(self):
        return selectors.delegations_visible_to(self.request.user)

    @extend_schema(request=s.DelegationInput, responses={201: s.DelegationSerializer})
    def create(self, request):
        data = s.DelegationInput(data=request.data)
        data.is_valid(raise_exception=True)
        delegation = services.delegation_create(actor=request.user, **data.validated_data)
        return _ok(s.DelegationSerializer, delegation, status.HTTP_201_CREATED)

    @extend_schema(request=None, responses=s.DelegationSerializer)
    @action(detail=True, methods=["post"])
    def revoke(self, request, pk=None):
        delegation = services.delegation_revoke(actor=request.user, delegation=self.get_object())
        return _ok(s.DelegationSerializer, delegation)


class LockdownViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Lockdowns (crisis pauses). Everyone signed in sees them; communications and IT security start and end them."""

    queryset = Lockdown.objects.none()
    serializer_class = s.LockdownSerializer
    filterset_class = LockdownFilter
    permission_classes = [*DEFAULTS]

    def get_queryset(self):
        return selectors.lockdowns()

    @extend_schema(request=s.LockdownInput, responses={201: s.LockdownSerializer})
    def create(self, request):
        data = s.LockdownInput(data=request.data)
        data.is_valid(raise_exception=True)
        lockdown = services.lockdown_start(actor=request.user, **data.validated_data)
        return _ok(s.LockdownSerializer, lockdown, status.HTTP_201_CREATED)

    @extend_schema(request=None, responses=s.LockdownSerializer)
    @action(detail=True, methods=["post"])
    def end(self, request, pk=None):
        lockdown = services.lockdown_end(actor=request.user, lockdown=self.get_object())
        return _ok(s.LockdownSerializer, lockdown)
