"""The IT decision register page and endpoint (socialgov/decisions.py gathers the rows)."""

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import render
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.pagination import LimitOffsetPagination
from rest_framework.views import APIView

from accounts.models import Department
from policies.permissions import can_decide_platforms
from socialgov import decisions
from socialgov.errors import Forbidden
from socialgov.pagekit import paged


class DecisionFilterForm(forms.Form):
    kind = forms.ChoiceField(choices=[("", "Any kind"), *decisions.Kind.CHOICES], required=False)
    department = forms.ModelChoiceField(
        queryset=Department.objects.all(), to_field_name="slug", required=False, empty_label="Any department"
    )
    due_within_days = forms.IntegerField(min_value=0, max_value=3650, required=False, label="Review due within (days)")


def _rows(params):
    form = DecisionFilterForm(params or None)
    values = form.cleaned_data if form.is_bound and form.is_valid() else {}
    department = values.get("department")
    rows = decisions.decisions(
        kind=values.get("kind") or "",
        department=department.slug if department else "",
        due_within_days=values.get("due_within_days"),
    )
    return form, rows


@login_required
def decision_register(request):
    """Every IT decision: platforms, channel security reviews, access; why, who, and when it is due again."""
    if not decisions.can_read_decisions(request.user):
        raise PermissionDenied
    form, rows = _rows(request.GET)
    page, query = paged(request, rows, per_page=50, paginator_class=Paginator)
    return render(
        request,
        "decisions.html",
        {
            "filter": form,
            "page": page,
            "query": query,
            "warning_days": decisions.EXPIRY_WARNING_DAYS,
            "can_decide": can_decide_platforms(request.user),
        },
    )


class ITDecisionSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=decisions.Kind.CHOICES)
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
    kind = serializers.ChoiceField(choices=decisions.Kind.CHOICES, required=False)
    department = serializers.SlugField(required=False)
    due_within_days = serializers.IntegerField(required=False, min_value=0, max_value=3650)


class DecisionRegisterView(APIView):
    """The IT decision register (IT security and auditors), soonest review first."""

    pagination_class = LimitOffsetPagination

    @extend_schema(parameters=[ITDecisionFilterSerializer], responses={200: ITDecisionSerializer(many=True)})
    def get(self, request):
        if not decisions.can_read_decisions(request.user):
            raise Forbidden("Only IT security and auditors read the decision register.")
        params = ITDecisionFilterSerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        rows = decisions.decisions(
            kind=params.validated_data.get("kind", ""),
            department=params.validated_data.get("department", ""),
            due_within_days=params.validated_data.get("due_within_days"),
        )
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(rows, request, view=self)
        return paginator.get_paginated_response(ITDecisionSerializer([r.as_dict() for r in page], many=True).data)
