from django.db.models import Prefetch, prefetch_related_objects
from drf_spectacular.utils import extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.api.serializers import MeSerializer
from accounts.models import Membership


class MeView(APIView):
    """Who the caller is: departments and roles, groups, MFA, and the token's scope."""

    @extend_schema(responses=MeSerializer)
    def get(self, request):
        memberships = Membership.objects.select_related("department").order_by("department__name")
        prefetch_related_objects([request.user], Prefetch("memberships", queryset=memberships))
        return Response(MeSerializer(request.user, context={"request": request}).data)
