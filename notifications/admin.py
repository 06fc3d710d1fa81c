from django.contrib import admin
from django.utils.translation import gettext_lazy, ngettext

from core.adminkit import LargeTableAdmin
from notifications import services
from notifications.forms import WebhookEndpointForm
from notifications.models import Notification, NotificationPreference, WebhookAttempt, WebhookDelivery, WebhookEndpoint


@admin.register(Notification)
class NotificationAdmin(LargeTableAdmin):
    list_display = ["created_at", "recipient", "event", "title", "email_state", "attempts", "delivered_at", "read_at"]
    list_filter = ["email_state"]  # the event is searched: a list of its values is a DISTINCT over every row
    search_fields = ["recipient__email", "title", "event"]
    list_select_related = ["recipient"]
    autocomplete_fields = ["recipient"]
    readonly_fields = [f.name for f in Notification._meta.fields]
    actions = ["resend"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False  # the outbox is written by the services that notify, read here

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description=gettext_lazy("Queue e-mail delivery again"))
    def resend(self, request, queryset):
        ids = list(queryset.filter(delivered_at__isnull=True).values_list("pk", flat=True))
        services.enqueue_deliveries(ids, [])
        self.message_user(
            request,
            ngettext(
                "%(count)d undelivered notification queued.",
                "%(count)d undelivered notifications queued.",
                len(ids),
            )
            % {"count": len(ids)},
        )


@admin.register(NotificationPreference)
class NotificationPreferenceAdmin(admin.ModelAdmin):
    """A person's own setting (their notifications page): shown here, not changed."""

    list_display = ["user", "email_mode"]
    search_fields = ["user__email"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class WebhookAttemptInline(admin.TabularInline):
    model = WebhookAttempt
    extra = 0
    can_delete = False
    readonly_fields = ["number", "started_at", "duration_ms", "status_code", "error", "succeeded"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(admin.ModelAdmin):
    form = WebhookEndpointForm
    list_display = ["name", "url", "is_active", "events", "created_at"]
    list_filter = ["is_active"]
    search_fields = ["name", "url"]
    readonly_fields = ["created_by", "created_at"]

    def save_model(self, request, obj, form, change):
        services.webhook_endpoint_save(actor=request.user, endpoint=obj, changed=list(form.changed_data))

    def has_delete_permission(self, request, obj=None):
        return False  # untick "active" instead: its delivery log stays


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(admin.ModelAdmin):
    """The delivery log: every attempt with its status, error and duration."""

    list_display = [
        "created_at",
        "endpoint",
        "chat_target",
        "event",
        "state",
        "attempts",
        "last_status",
        "next_attempt_at",
    ]
    list_filter = ["state", "event", "endpoint"]
    search_fields = ["event", "endpoint__name"]
    list_select_related = ["endpoint", "chat_target__department"]
    readonly_fields = [f.name for f in WebhookDelivery._meta.fields]
    inlines = [WebhookAttemptInline]
    actions = ["retry"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description=gettext_lazy("Try pending deliveries now"))
    def retry(self, request, queryset):
        ids = list(queryset.filter(state="pending").values_list("pk", flat=True))
        services.enqueue_deliveries([], ids)
        self.message_user(
            request,
            ngettext("%(count)d delivery queued.", "%(count)d deliveries queued.", len(ids)) % {"count": len(ids)},
        )
