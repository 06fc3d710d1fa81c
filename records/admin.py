"""The record in the admin: shown, never changed here (holds, periods and requests change through the pages'
services, which check who may and write the audit trail)."""

from django.contrib import admin

from records.models import ArchiveExport, LegalHold, RetentionRule, RetentionRun, SubjectRequest


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(LegalHold)
class LegalHoldAdmin(ReadOnlyAdmin):
    list_display = ["id", "scope_label", "reason", "set_by", "created_at", "released_at"]
    list_filter = ["released_at"]
    list_select_related = ["channel", "department", "set_by"]


@admin.register(RetentionRule)
class RetentionRuleAdmin(ReadOnlyAdmin):
    list_display = ["record_type", "keep_days", "updated_by", "updated_at"]


@admin.register(RetentionRun)
class RetentionRunAdmin(ReadOnlyAdmin):
    list_display = ["id", "started_at", "finished_at", "counts"]


@admin.register(ArchiveExport)
class ArchiveExportAdmin(ReadOnlyAdmin):
    list_display = ["id", "channel", "date_from", "date_to", "made_by", "created_at", "manifest_sha256"]
    list_select_related = ["channel", "made_by"]


@admin.register(SubjectRequest)
class SubjectRequestAdmin(ReadOnlyAdmin):
    list_display = ["id", "kind", "person_id", "handled_by", "reference", "state", "created_at"]
    list_filter = ["kind", "state"]
    list_select_related = ["handled_by"]
