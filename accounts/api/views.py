from drf_spectacular.utils import extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.api.serializers import MeSerializer
from accounts.models import User


class MeView(APIView):
    """Who the caller is: departments and roles, groups, MFA, and the token's scope."""

    @extend_schema(responses=MeSerializer)
    def get(self, request):
        user = User.objects.prefetch_related("memberships__department").get(pk=request.user.pk)
        return Response(MeSerializer(user, context={"request": request}).data)
