"""Checks that need the registry and policies together: the composer's live content check."""

from drf_spectacular.utils import extend_schema
from rest_framework import permissions
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.api.permissions import MfaSatisfied
from channels_registry.models import Channel
from policies.api.serializers import ContentCheckInput, ContentCheckResult
from policies.content import Severity, check_text
from socialgov.errors import InvalidInput


class ContentCheckView(APIView):
    """Check text against the content rules, as the composer does while the author types.

    Nothing is stored, so read-only tokens may call it too.
    """

    permission_classes = [permissions.IsAuthenticated, MfaSatisfied]

    @extend_schema(request=ContentCheckInput, responses={200: ContentCheckResult})
    def post(self, request):
        data = ContentCheckInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        department, platform = values.get("department"), values.get("platform")
        if values.get("channel") is not None:
            channel = Channel.objects.select_related("department", "platform").filter(pk=values["channel"]).first()
            if channel is None:
                raise InvalidInput("No such channel.", fields={"channel": ["No such channel."]})
            department, platform = channel.department, channel.platform
        findings = check_text(
            text=values["text"],
            department=department,
            platform=platform,
            sponsored=values["sponsored"],
            links=values.get("links") or [],
        )
        return Response(
            {
                "blocked": any(f.severity == Severity.BLOCK for f in findings),
                "findings": [f.as_dict() for f in findings],
            }
        )
