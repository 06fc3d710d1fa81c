from django.db.models import Prefetch, prefetch_related_objects
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import APIView

from accounts import selectors, services
from accounts.api.serializers import (
    DepartmentMembershipSerializer,
    MembershipAddInput,
    MembershipRoleInput,
    MeSerializer,
)
from accounts.filters import MembershipFilter
from accounts.models import Membership
from core.api.filtering import FilterBackend


class MeView(APIView):
    """Who the caller is: departments and roles, groups, MFA, and the token's scope."""

    @extend_schema(responses=MeSerializer)
    def get(self, request):
        memberships = Membership.objects.select_related("department").order_by("department__name")
        prefetch_related_objects([request.user], Prefetch("memberships", queryset=memberships))
        return Response(MeSerializer(request.user, context={"request": request}).data)


class MembershipViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.DestroyModelMixin, viewsets.GenericViewSet
):
    """Departments' memberships: their managers add people by e-mail, change roles and remove members (IT security
    and administrators in every department; auditors read all). Through the membership services: nobody changes
    their own membership, the manager role is IT security's to give, every change audited and told."""

    queryset = Membership.objects.none()  # for the schema; get_queryset scopes
    serializer_class = DepartmentMembershipSerializer
    filterset_class = MembershipFilter
    filter_backends = [FilterBackend]
    permission_classes = [*api_settings.DEFAULT_PERMISSION_CLASSES]
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def get_queryset(self):
        return selectors.memberships_visible_to(self.request.user)

    @extend_schema(request=MembershipAddInput, responses={201: DepartmentMembershipSerializer})
    def create(self, request):
        """Add the person who signs in as ``email`` to ``department`` (a slug). 400 for an address nobody signs in
        with, 403 outside the departments you manage (or for the manager role, IT security's), 409 for a
        deactivated person or someone already a member."""
        data = MembershipAddInput(data=request.data)
        data.is_valid(raise_exception=True)
        membership = services.membership_add(actor=request.user, **data.validated_data)
        return Response(DepartmentMembershipSerializer(membership).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=MembershipRoleInput, responses=DepartmentMembershipSerializer)
    def partial_update(self, request, pk=None):
        """Give a member another role."""
        membership = self.get_object()
        data = MembershipRoleInput(data=request.data)
        data.is_valid(raise_exception=True)
        membership = services.membership_change_role(actor=request.user, membership=membership, **data.validated_data)
        return Response(DepartmentMembershipSerializer(membership).data)

    def perform_destroy(self, instance):
        """End a membership (the person is told)."""
        services.membership_remove(actor=self.request.user, membership=instance)
