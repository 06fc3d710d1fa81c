from django.contrib import admin, messages

from policies import services
from policies.models import Platform, PlatformDecision
from socialgov.errors import DomainError


@admin.register(Platform)
class PlatformAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "kind", "char_limit", "dormancy_days", "supports_mfa", "is_active"]
    list_filter = ["kind", "supports_mfa", "is_active"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}

    def save_model(self, request, obj, form, change):
        try:
            services.platform_save(actor=request.user, platform=obj, changed=list(form.changed_data))
        except DomainError as exc:
            messages.error(request, exc.message)

    def has_delete_permission(self, request, obj=None):
        return False  # retire a platform by unticking “active”: channels keep pointing at it


@admin.register(PlatformDecision)
class PlatformDecisionAdmin(admin.ModelAdmin):
    list_display = ["platform", "outcome", "effective_from", "review_by", "decided_by", "created_at"]
    list_filter = ["outcome", "platform", "departments"]
    search_fields = ["platform__name", "rationale", "conditions"]
    autocomplete_fields = ["platform", "departments"]
    list_select_related = ["platform", "decided_by"]
    readonly_fields = ["decided_by", "created_at"]
    fields = ["platform", "departments", "outcome", "conditions", "rationale", "effective_from", "review_by"]

    def has_change_permission(self, request, obj=None):
        return obj is None and super().has_change_permission(request, obj)  # a new decision supersedes

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        decision = services.platform_decision_record(
            actor=request.user,
            platform=obj.platform,
            outcome=obj.outcome,
            rationale=obj.rationale,
            conditions=obj.conditions,
            departments=form.cleaned_data.get("departments") or [],
            effective_from=obj.effective_from,
            review_by=obj.review_by,
        )
        obj.pk = decision.pk
        obj.decided_by = decision.decided_by

    def save_related(self, request, form, formsets, change):
        pass  # the service set the departments
