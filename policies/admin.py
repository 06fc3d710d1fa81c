from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.errors import DomainError, Forbidden
from policies import services
from policies.models import (
    Acknowledgement,
    ContentRule,
    Platform,
    PlatformDecision,
    Policy,
    PolicyVersion,
    TrainingCompletion,
    TrainingCourse,
)


class PlatformDecisionForm(forms.ModelForm):
    class Meta:
        model = PlatformDecision
        fields = [
            "platform",
            "departments",
            "outcome",
            "conditions",
            "rationale",
            "effective_from",
            "review_by",
            "expires_on",
        ]

    def clean(self):
        data = super().clean()
        problems = services.decision_problems(
            outcome=data.get("outcome", ""),
            rationale=data.get("rationale", ""),
            conditions=data.get("conditions", ""),
            effective_from=data.get("effective_from") or timezone.localdate(),
            review_by=data.get("review_by"),
            expires_on=data.get("expires_on"),
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
    list_display = ["platform", "outcome", "effective_from", "review_by", "expires_on", "ended_at", "decided_by"]
    list_filter = ["outcome", "platform", "departments"]
    search_fields = ["platform__name", "rationale", "conditions"]
    autocomplete_fields = ["platform", "departments"]
    list_select_related = ["platform", "decided_by"]
    form = PlatformDecisionForm
    readonly_fields = ["decided_by", "created_at"]
    fields = [
        "platform",
        "departments",
        "outcome",
        "conditions",
        "rationale",
        "effective_from",
        "review_by",
        "expires_on",
    ]

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
            expires_on=obj.expires_on,
        )

    def save_related(self, request, form, formsets, change):
        pass  # the service set the departments


def _fail(request, exc: DomainError) -> None:
    """A refusal is a 403, as on the platform pages; anything else is told on the next page."""
    if isinstance(exc, Forbidden):
        raise PermissionDenied(exc.message) from exc
    detail = "; ".join(f"{k}: {' '.join(v)}" for k, v in exc.fields.items())
    messages.error(request, f"{exc.message} {detail}".strip())


@admin.register(ContentRule)
class ContentRuleAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "severity", "is_active", "updated_at"]
    list_filter = ["kind", "severity", "is_active", "departments", "platforms"]
    search_fields = ["name", "message", "terms", "pattern"]
    filter_horizontal = ["departments", "platforms"]
    readonly_fields = ["created_by", "created_at", "updated_at"]

    def save_model(self, request, obj, form, change):
        # The form already ran the model's validation: an invalid pattern is a field error before this.
        try:
            services.content_rule_save(
                actor=request.user,
                rule=obj,
                departments=form.cleaned_data.get("departments"),
                platforms=form.cleaned_data.get("platforms"),
            )
        except DomainError as exc:
            _fail(request, exc)

    def save_related(self, request, form, formsets, change):
        pass  # the service set the scope

    def has_delete_permission(self, request, obj=None):
        return False  # switch a rule off instead: past findings name it


@admin.register(Policy)
class PolicyAdmin(admin.ModelAdmin):
    list_display = ["title", "slug", "current_version", "required_to_author", "required_to_review"]
    list_filter = ["required_to_author", "required_to_review", "required_to_register"]
    search_fields = ["title", "summary"]
    prepopulated_fields = {"slug": ["title"]}
    readonly_fields = ["current_version", "created_at"]

    def save_model(self, request, obj, form, change):
        try:
            saved = services.policy_save(actor=request.user, policy=obj, changed=list(form.changed_data))
            obj.pk = saved.pk
        except DomainError as exc:
            _fail(request, exc)

    def has_delete_permission(self, request, obj=None):
        return False


@admin.action(description=gettext_lazy("Publish the selected drafts"))
def publish_versions(modeladmin, request, queryset):
    for version in queryset:
        try:
            services.policy_version_publish(actor=request.user, version=version)
        except DomainError as exc:
            _fail(request, exc)
        else:
            messages.success(request, _("Published %(version)s.") % {"version": version})


@admin.register(PolicyVersion)
class PolicyVersionAdmin(admin.ModelAdmin):
    list_display = ["policy", "number", "state", "acknowledge_by", "published_at"]
    list_filter = ["state", "policy"]
    list_select_related = ["policy"]
    search_fields = ["policy__title", "body"]
    fields = [
        "policy",
        "body",
        "change_note",
        "audience_everyone",
        "audience_departments",
        "audience_roles",
        "acknowledge_by",
    ]
    filter_horizontal = ["audience_departments"]
    actions = [publish_versions]

    def has_change_permission(self, request, obj=None):
        return obj is None and super().has_change_permission(request, obj)  # a version is never edited: draft anew

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        try:
            version = services.policy_version_draft(
                actor=request.user,
                policy=obj.policy,
                body=obj.body,
                change_note=obj.change_note,
                audience_everyone=obj.audience_everyone,
                audience_departments=form.cleaned_data.get("audience_departments") or [],
                audience_roles=obj.audience_roles or [],
                acknowledge_by=obj.acknowledge_by,
            )
            obj.pk = version.pk
        except DomainError as exc:
            _fail(request, exc)

    def save_related(self, request, form, formsets, change):
        pass


@admin.register(TrainingCourse)
class TrainingCourseAdmin(admin.ModelAdmin):
    list_display = ["title", "validity_days", "required_to_author", "required_to_review", "is_active"]
    list_filter = ["required_to_author", "required_to_review", "required_to_hold_credentials", "is_active"]
    search_fields = ["title", "description"]
    prepopulated_fields = {"slug": ["title"]}
    filter_horizontal = ["departments"]
    autocomplete_fields = ["trainers"]  # people: a table that grows

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name == "url":
            kwargs["assume_scheme"] = "https"
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        try:
            services.course_save(
                actor=request.user,
                course=obj,
                departments=form.cleaned_data.get("departments"),
                trainers=form.cleaned_data.get("trainers"),
                changed=list(form.changed_data),
            )
        except DomainError as exc:
            _fail(request, exc)

    def save_related(self, request, form, formsets, change):
        pass

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Acknowledgement)
class AcknowledgementAdmin(ReadOnlyAdmin):
    list_display = ["user", "version", "acknowledged_at"]
    list_filter = ["version__policy"]
    list_select_related = ["user", "version__policy"]
    search_fields = ["user__email"]


@admin.register(TrainingCompletion)
class TrainingCompletionAdmin(ReadOnlyAdmin):
    list_display = ["user", "course", "completed_on", "expires_on", "method", "recorded_by"]
    list_filter = ["course", "method"]
    list_select_related = ["user", "course", "recorded_by"]
    search_fields = ["user__email"]
