"""Admin for approvals: read-mostly; workflow changes go through services (the actions below).

Routes and their stages are edited here through the route services (``route_save``, ``route_stage_save``,
``route_stage_remove``, ``route_delete``): audited with each changed field before and after.
"""

from django.contrib import admin, messages
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from approvals import services
from approvals.choices import RELEASABLE_STATES
from approvals.models import (
    ApprovalReceipt,
    ApprovalRoute,
    Attachment,
    Comment,
    Decision,
    Delegation,
    DriftFinding,
    FeedEntryMatch,
    Lockdown,
    Post,
    PostRevision,
    PublicationReport,
    RouteStage,
    StageReview,
)
from core.adminkit import LargeTableAdmin, run_each
from core.adminkit import run_service as _run


class ReadOnlyAdmin(LargeTableAdmin):
    """Rows change only through services (actions, pages, the API)."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class RevisionInline(admin.TabularInline):
    model = PostRevision
    fields = ["number", "body", "scheduled_at", "created_by", "created_at"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


class StageReviewInline(admin.TabularInline):
    model = StageReview
    fields = ["revision", "position", "name", "state", "approvals", "required", "due_at"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Post)
class PostAdmin(ReadOnlyAdmin):
    list_display = ["id", "channel", "author", "state", "scheduled_at", "released_at", "published_at"]
    list_filter = ["state", "channel__department"]
    search_fields = ["body", "author__email", "channel__display_name"]
    list_select_related = ["channel__platform", "author"]  # a channel names its platform
    autocomplete_fields = ["channel", "author"]
    inlines = [RevisionInline, StageReviewInline]
    actions = ["release_now"]

    @admin.action(description=gettext_lazy("Release due posts now (respects lockdowns)"))
    def release_now(self, request, queryset):
        if not queryset.filter(state__in=RELEASABLE_STATES).exists():
            messages.info(request, _("None of these is approved."))
            return
        _run(request, lambda: services.release_due(), _("Release ran: due posts outside a lockdown were released."))


@admin.register(PostRevision)
class PostRevisionAdmin(ReadOnlyAdmin):
    list_display = ["post", "number", "created_by", "created_at"]
    list_select_related = ["post__channel", "created_by"]  # a post names its channel
    autocomplete_fields = ["post", "created_by"]


@admin.register(Attachment)
class AttachmentAdmin(ReadOnlyAdmin):
    list_display = ["name", "post", "content_type", "size", "uploaded_by", "created_at"]
    list_select_related = ["post__channel", "uploaded_by"]
    autocomplete_fields = ["post", "uploaded_by"]


@admin.register(StageReview)
class StageReviewAdmin(ReadOnlyAdmin):
    list_display = ["post", "position", "name", "state", "approvals", "required", "due_at", "escalated_at"]
    list_filter = ["state"]
    search_fields = ["=post__id", "name"]
    list_select_related = ["post__channel"]
    autocomplete_fields = ["post"]


@admin.register(Decision)
class DecisionAdmin(ReadOnlyAdmin):
    list_display = ["stage_review", "reviewer", "on_behalf_of", "outcome", "created_at"]
    list_select_related = ["stage_review", "reviewer", "on_behalf_of"]
    list_filter = ["outcome"]
    autocomplete_fields = ["stage_review", "reviewer", "on_behalf_of"]


@admin.register(Comment)
class CommentAdmin(ReadOnlyAdmin):
    list_display = ["post", "author", "created_at"]
    list_select_related = ["post__channel", "author"]
    autocomplete_fields = ["post", "author"]


class RouteStageInline(admin.StackedInline):
    model = RouteStage
    extra = 0
    filter_horizontal = ["users"]
    raw_id_fields = ["escalate_to"]


@admin.register(ApprovalRoute)
class ApprovalRouteAdmin(admin.ModelAdmin):
    list_display = ["name", "department", "channel", "distinct_reviewers", "updated_at"]
    list_select_related = ["department", "channel"]
    raw_id_fields = ["channel"]
    inlines = [RouteStageInline]

    def save_model(self, request, obj, form, change):
        _service(lambda: services.route_save(actor=request.user, route=obj))

    def save_formset(self, request, form, formset, change):
        # what ``formset.save()`` would do, each stage through its service (and what the admin's history reads)
        formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
        for stage_form in formset.forms:
            if not getattr(stage_form, "cleaned_data", None):
                continue
            stage = stage_form.instance
            if formset.can_delete and stage_form.cleaned_data.get("DELETE"):
                if stage.pk:
                    _service(lambda s=stage: services.route_stage_remove(actor=request.user, stage=s))
                    formset.deleted_objects.append(stage)
                continue
            if stage.pk and not stage_form.has_changed():
                continue
            new = stage.pk is None
            stage = stage_form.save(commit=False)
            stage.route = form.instance
            users = stage_form.cleaned_data.get("users")
            _service(lambda s=stage, u=users: services.route_stage_save(actor=request.user, stage=s, users=u))
            if new:
                formset.new_objects.append(stage)
            else:
                formset.changed_objects.append((stage, stage_form.changed_data))

    def delete_model(self, request, obj):
        _service(lambda: services.route_delete(actor=request.user, route=obj))

    def delete_queryset(self, request, queryset):
        for route in queryset:
            _service(lambda r=route: services.route_delete(actor=request.user, route=r))


def _service(fn):
    """A refusal is a 403 in the admin, as on the pages (the form's own validation has run already)."""
    from django.core.exceptions import PermissionDenied

    from core.errors import DomainError

    try:
        return fn()
    except DomainError as exc:
        raise PermissionDenied(exc.message) from exc


@admin.register(Delegation)
class DelegationAdmin(ReadOnlyAdmin):
    list_display = ["delegator", "delegate", "starts_at", "ends_at", "revoked_at"]
    list_select_related = ["delegator", "delegate"]
    actions = ["revoke"]

    @admin.action(description=gettext_lazy("End the selected delegations"))
    def revoke(self, request, queryset):
        run_each(
            request,
            queryset.filter(revoked_at__isnull=True),
            lambda actor, delegation: services.delegation_revoke(actor=actor, delegation=delegation),
            lambda delegation: _("Ended."),
        )


@admin.register(Lockdown)
class LockdownAdmin(ReadOnlyAdmin):
    list_display = ["__str__", "reason", "started_by", "started_at", "ends_at", "ended_at"]
    list_select_related = ["department", "channel", "started_by"]
    actions = ["end"]

    @admin.action(description=gettext_lazy("End the selected lockdowns (release resumes)"))
    def end(self, request, queryset):
        run_each(
            request,
            queryset.filter(ended_at__isnull=True),
            lambda actor, lockdown: services.lockdown_end(actor=actor, lockdown=lockdown),
            lambda lockdown: _("Ended."),
        )


@admin.register(ApprovalReceipt)
class ApprovalReceiptAdmin(ReadOnlyAdmin):
    list_display = ["post", "revision", "channel", "algorithm", "key_id", "created_at"]
    list_select_related = ["post", "revision", "channel"]
    search_fields = ["content_hash"]


@admin.register(PublicationReport)
class PublicationReportAdmin(ReadOnlyAdmin):
    list_display = ["post", "channel", "reported_by", "outcome", "published_at", "url"]
    list_filter = ["outcome", "source"]
    list_select_related = ["post", "channel", "reported_by"]


@admin.register(DriftFinding)
class DriftFindingAdmin(ReadOnlyAdmin):
    list_display = ["kind", "channel", "post", "created_at"]
    list_filter = ["kind"]
    list_select_related = ["channel", "post"]
    search_fields = ["detail", "channel__display_name"]


@admin.register(FeedEntryMatch)
class FeedEntryMatchAdmin(ReadOnlyAdmin):
    list_display = ["activity", "outcome", "post", "checked_at"]
    list_filter = ["outcome"]
    list_select_related = ["activity", "activity__channel", "post"]
