from django.contrib import admin

from audit.models import AuditEvent
from audit.selectors import with_people


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    """Read-only: the trail is append-only, here as everywhere."""

    list_display = ["id", "created_at", "actor", "action", "target_type", "target_id", "target"]
    list_filter = ["action", "target_type", ("created_at", admin.DateFieldListFilter)]
    search_fields = ["action", "personal__label", "target_text", "target_id", "request_id"]
    date_hierarchy = "created_at"
    show_full_result_count = False
    list_select_related = False

    def get_queryset(self, request):
        return with_people(super().get_queryset(request))

    @admin.display(description="actor", ordering="actor_label")
    def actor(self, obj):
        return obj.actor_label

    @admin.display(description="target label")
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
