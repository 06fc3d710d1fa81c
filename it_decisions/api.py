"""The IT decision register over the API: ``GET /api/v1/it-decisions/`` (IT security and auditors)."""

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.pagination import LimitOffsetPagination
from rest_framework.views import APIView

from core.errors import Forbidden
from it_decisions import selectors


class ITDecisionSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=selectors.Kind.CHOICES)
    id = serializers.IntegerField()
    subject = serializers.CharField()
    department = serializers.CharField(help_text="Department slugs, comma-separated; empty: every department.")
    outcome = serializers.CharField()
    rationale = serializers.CharField()
    decided_by = serializers.CharField()
    decided_at = serializers.CharField()
    review_by = serializers.DateField(allow_null=True)
    url = serializers.CharField()


class ITDecisionFilterSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=selectors.Kind.CHOICES, required=False)
    department = serializers.SlugField(required=False)
    due_within_days = serializers.IntegerField(required=False, min_value=0, max_value=3650)


class DecisionRegisterView(APIView):
    """The IT decision register (IT security and auditors), soonest review first."""

    pagination_class = LimitOffsetPagination

    @extend_schema(parameters=[ITDecisionFilterSerializer], responses={200: ITDecisionSerializer(many=True)})
    def get(self, request):
        if not selectors.can_read_decisions(request.user):
            raise Forbidden(_("Only IT security and auditors read the decision register."))
        params = ITDecisionFilterSerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        rows = selectors.register(
            kind=params.validated_data.get("kind", ""),
            department=params.validated_data.get("department", ""),
            due_within_days=params.validated_data.get("due_within_days"),
        )
        paginator = self.pagination_class()
        page = selectors.decisions_of(paginator.paginate_queryset(rows, request, view=self))
        return paginator.get_paginated_response(ITDecisionSerializer([r.as_dict() for r in page], many=True).data)
