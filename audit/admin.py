from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from audit.models import AuditEvent
from audit.selectors import with_people
from core.adminkit import LargeTableAdmin


@admin.register(AuditEvent)
class AuditEventAdmin(LargeTableAdmin):
    """Read-only: the trail is append-only, here as everywhere."""

    list_display = ["id", "created_at", "actor_name", "action", "target_type", "target_id", "target"]
    # the action and target type are searched, not listed: a list of their values is a DISTINCT over every event
    list_filter = [("created_at", admin.DateFieldListFilter)]
    search_fields = ["action", "personal__label", "target_text", "target_id", "request_id"]
    # no date_hierarchy: its year and month links are a DISTINCT over every row shown; the date filter costs none
    list_select_related = False

    def get_queryset(self, request):
        return with_people(super().get_queryset(request))

    @admin.display(description=_("actor"), ordering="actor_label")
    def actor_name(self, obj):  # not "actor": the admin would show the foreign key, a query a row
        return obj.actor_label

    @admin.display(description=_("target label"))
    def target(self, obj):
        return obj.target_label

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class AuditedAdmin(admin.ModelAdmin):
    """For configuration rows without a service of their own: every save and delete goes through
    ``audit.changes`` (the row's model, key and fields before and after on the record)."""

    def save_model(self, request, obj, form, change):
        from audit.changes import admin_change_save

        admin_change_save(actor=request.user, instance=obj, save_m2m=getattr(form, "save_m2m", None))

    def save_related(self, request, form, formsets, change):
        for formset in formsets:  # the form's own many-to-many values were saved (and audited) with the row
            self.save_formset(request, form, formset, change=change)

    def delete_model(self, request, obj):
        from audit.changes import admin_change_delete

        admin_change_delete(actor=request.user, instance=obj)

    def delete_queryset(self, request, queryset):
        from audit.changes import admin_change_delete

        for obj in queryset:
            admin_change_delete(actor=request.user, instance=obj)


class ReadOnlyAdmin(admin.ModelAdmin):
    """Shown, never changed here: changes go through the actions (services) or the product's own pages."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
