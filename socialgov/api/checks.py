"""Checks that need the registry and policies together: the composer's live content check and the gates."""

from types import SimpleNamespace

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from drf_spectacular.utils import extend_schema
from rest_framework import permissions, serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.api.permissions import MfaSatisfied
from accounts.models import Department
from channels_registry.models import Channel
from core.api.throttling import UserRateThrottle
from core.errors import InvalidInput
from policies import gates
from policies.api.serializers import ContentCheckInput, ContentCheckResult
from policies.content import Severity, check_text
from policies.models import Platform


def _channel(pk):
    channel = Channel.objects.select_related("department", "platform").filter(pk=pk).first()
    if channel is None:
        raise InvalidInput(_("No such channel."), fields={"channel": [_("No such channel.")]})
    return channel


class ContentCheckThrottle(UserRateThrottle):
    """Each check may spend up to 0.5 s matching: two a second per person is plenty for typing."""

    scope = "content_check"  # rate: API_THROTTLE_CONTENT_CHECK (default 120/min)


class ContentCheckView(APIView):
    """Check text against the content rules, as the composer does while the author types.

    Nothing is stored, so read-only tokens may call it too.
    """

    permission_classes = [permissions.IsAuthenticated, MfaSatisfied]
    throttle_classes = [ContentCheckThrottle]

    @extend_schema(request=ContentCheckInput, responses={200: ContentCheckResult})
    def post(self, request):
        data = ContentCheckInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        department, platform = values.get("department"), values.get("platform")
        if values.get("channel") is not None:
            channel = _channel(values["channel"])
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


def _refused(action: str, count: int) -> str:
    """The gate's refusal, one whole sentence per action (word order differs between languages)."""
    if action == "author":
        text = ngettext(
            "You may not author yet: %(count)d requirement(s) missing.",
            "You may not author yet: %(count)d requirement(s) missing.",
            count,
        )
    elif action == "review":
        text = ngettext(
            "You may not review yet: %(count)d requirement(s) missing.",
            "You may not review yet: %(count)d requirement(s) missing.",
            count,
        )
    else:
        text = ngettext(
            "You may not register yet: %(count)d requirement(s) missing.",
            "You may not register yet: %(count)d requirement(s) missing.",
            count,
        )
    return text % {"count": count}


class GateInput(serializers.Serializer):
    action = serializers.ChoiceField(choices=["author", "review", "register"])
    channel = serializers.IntegerField(required=False, help_text="author: the channel.")
    department = serializers.SlugRelatedField(slug_field="slug", queryset=Department.objects.all(), required=False)
    platform = serializers.SlugRelatedField(slug_field="slug", queryset=Platform.objects.all(), required=False)

    def validate(self, attrs):
        if attrs["action"] in ("author", "register") and "channel" not in attrs:
            missing = [f for f in ("department", "platform") if f not in attrs]
            if missing:
                raise serializers.ValidationError(
                    {f: [gettext_lazy("Name the channel, or the department and platform.")] for f in missing}
                )
        return attrs


class BlockerSerializer(serializers.Serializer):
    message = serializers.CharField()
    fix_url = serializers.CharField()


class GateResultSerializer(serializers.Serializer):
    action = serializers.CharField()
    allowed = serializers.BooleanField()
    reasons = BlockerSerializer(many=True)


class GateView(APIView):
    """May I author on this channel, review, register a channel here? 200 when yes; 403 with the reasons when not."""

    permission_classes = [permissions.IsAuthenticated, MfaSatisfied]

    @extend_schema(
        parameters=[GateInput],
        responses={200: GateResultSerializer},
    )
    def get(self, request):
        data = GateInput(data=request.query_params)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        action = values["action"]
        if "channel" in values:
            target = _channel(values["channel"])
        else:
            target = SimpleNamespace(department=values.get("department"), platform=values.get("platform"))
        if action == "author":
            blockers = gates.author_blockers(user=request.user, channel=target)
        elif action == "review":
            blockers = gates.review_blockers(user=request.user)
        else:
            blockers = gates.registration_blockers(
                user=request.user, department=target.department, platform=target.platform
            )
        gates.ensure_open(blockers, _refused(action, len(blockers)))
        return Response({"action": action, "allowed": True, "reasons": []})
