from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from policies import services
from policies.models import Platform, PlatformDecision
from socialgov.errors import Forbidden


class PlatformDecisionForm(forms.ModelForm):
    class Meta:
        model = PlatformDecision
        fields = ["platform", "departments", "outcome", "conditions", "rationale", "effective_from", "review_by"]

    def clean(self):
        data = super().clean()
        problems = services.decision_problems(
            outcome=data.get("outcome", ""),
            rationale=data.get("rationale", ""),
            conditions=data.get("conditions", ""),
            effective_from=data.get("effective_from") or timezone.localdate(),
            review_by=data.get("review_by"),
        )
        for field, errors in problems.items():
            for error in errors:
                self.add_error(field if field in self.fields else None, error)
        return data


@admin.register(Platform)
class PlatformAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "kind", "char_limit", "dormancy_days", "supports_mfa", "is_active"]
    list_filter = ["kind", "supports_mfa", "is_active"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}

    def save_model(self, request, obj, form, change):
        try:
            services.platform_save(actor=request.user, platform=obj, changed=list(form.changed_data))
        except Forbidden as exc:
            raise PermissionDenied(exc.message) from exc

    def has_delete_permission(self, request, obj=None):
        return False  # retire a platform by unticking “active”: channels keep pointing at it


@admin.register(PlatformDecision)
class PlatformDecisionAdmin(admin.ModelAdmin):
    list_display = ["platform", "outcome", "effective_from", "review_by", "decided_by", "created_at"]
    list_filter = ["outcome", "platform", "departments"]
    search_fields = ["platform__name", "rationale", "conditions"]
    autocomplete_fields = ["platform", "departments"]
    list_select_related = ["platform", "decided_by"]
    form = PlatformDecisionForm
    readonly_fields = ["decided_by", "created_at"]
    fields = ["platform", "departments", "outcome", "conditions", "rationale", "effective_from", "review_by"]

    def has_change_permission(self, request, obj=None):
        return obj is None and super().has_change_permission(request, obj)  # a new decision supersedes

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        try:
            decision = self._record(request, obj, form)
        except Forbidden as exc:
            raise PermissionDenied(exc.message) from exc
        obj.pk = decision.pk
        obj.decided_by = decision.decided_by

    def _record(self, request, obj, form):
        return services.platform_decision_record(
            actor=request.user,
            platform=obj.platform,
            outcome=obj.outcome,
            rationale=obj.rationale,
            conditions=obj.conditions,
            departments=form.cleaned_data.get("departments") or [],
            effective_from=obj.effective_from,
            review_by=obj.review_by,
        )

    def save_related(self, request, form, formsets, change):
        pass  # the service set the departments
