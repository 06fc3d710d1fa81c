"""Admin for the registry: read-mostly; every change goes through a service.

The User admin's “deactivate” action is re-pointed here at ``user_offboard`` (which
calls ``accounts.services.user_deactivate``), so accounts never imports the registry.
"""

from django.contrib import admin, messages
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.admin import UserAdmin as AccountsUserAdmin
from accounts.models import User
from channels_registry import services
from channels_registry.choices import ReportedState
from channels_registry.models import (
    AccessGrant,
    AccessRequest,
    Channel,
    ChannelActivity,
    ChannelFeed,
    ChannelMembership,
    DormancyFinding,
    Recertification,
    ReportedAccount,
    RotationTask,
    SecurityReview,
)
from core.adminkit import LargeTableAdmin, service_action


class ReadOnlyAdmin(LargeTableAdmin):
    """Rows change only through services (actions below, pages, the API)."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class MembershipInline(admin.TabularInline):
    model = ChannelMembership
    extra = 0
    can_delete = False
    fields = ["user", "role", "holds_credentials", "mfa_confirmed", "created_at", "ended_at", "ended_reason"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Channel)
class ChannelAdmin(ReadOnlyAdmin):
    list_display = ["display_name", "platform", "handle", "department", "state", "last_activity_at", "orphaned_at"]
    list_filter = ["state", "platform", "department", "mfa_enabled", ("orphaned_at", admin.EmptyFieldListFilter)]
    search_fields = ["display_name", "handle", "url"]
    list_select_related = ["platform", "department"]
    inlines = [MembershipInline]
    actions = ["suspend", "reinstate", "retire", "dormancy_audit"]

    suspend = service_action(
        gettext_lazy("Suspend selected channels"),
        lambda actor, c: services.channel_suspend(actor=actor, channel=c, reason="Suspended from the admin."),
        lambda c: _("%(channel)s suspended.") % {"channel": c.display_name},
    )
    reinstate = service_action(
        gettext_lazy("Reinstate selected channels"),
        lambda actor, c: services.channel_reinstate(actor=actor, channel=c),
        lambda c: _("%(channel)s reinstated.") % {"channel": c.display_name},
    )
    retire = service_action(
        gettext_lazy("Retire selected channels"),
        lambda actor, c: services.channel_retire(actor=actor, channel=c, reason="Retired from the admin."),
        lambda c: _("%(channel)s retired.") % {"channel": c.display_name},
    )

    @admin.action(description=gettext_lazy("Run the dormancy audit now"))
    def dormancy_audit(self, request, queryset):
        result = services.dormancy_audit()
        messages.success(
            request,
            _("Dormancy audit: %(flagged)s flagged, %(escalated)s escalated.")
            % {"flagged": result["flagged"], "escalated": result["escalated"]},
        )


@admin.register(ChannelMembership)
class ChannelMembershipAdmin(ReadOnlyAdmin):
    list_display = ["user", "channel", "role", "holds_credentials", "mfa_confirmed", "ended_at"]
    list_filter = ["role", "holds_credentials", "mfa_confirmed", ("ended_at", admin.EmptyFieldListFilter)]
    search_fields = ["user__email", "channel__display_name", "channel__handle"]
    list_select_related = ["user", "channel__platform"]  # a channel names its platform
    autocomplete_fields = ["user", "channel"]


@admin.register(SecurityReview)
class SecurityReviewAdmin(ReadOnlyAdmin):
    list_display = ["channel", "outcome", "reviewer", "decided_at"]
    list_filter = ["outcome"]
    search_fields = ["channel__display_name", "note"]
    list_select_related = ["channel__platform", "reviewer"]
    autocomplete_fields = ["channel", "reviewer"]


@admin.register(ChannelActivity)
class ChannelActivityAdmin(ReadOnlyAdmin):
    list_display = ["channel", "kind", "source", "occurred_at", "recorded_by"]
    list_filter = ["kind", "source"]
    search_fields = ["channel__display_name", "note"]
    list_select_related = ["channel__platform", "recorded_by"]
    autocomplete_fields = ["channel", "recorded_by"]


@admin.register(ChannelFeed)
class ChannelFeedAdmin(ReadOnlyAdmin):
    """Set on the channel's page (channel_feed_set: the address guard, the audit trail)."""

    list_display = ["channel", "kind", "url", "status", "checked_at", "last_ok_at", "entries_recorded"]
    list_filter = ["kind", "status"]
    search_fields = ["channel__display_name", "url"]
    list_select_related = ["channel"]


@admin.register(DormancyFinding)
class DormancyFindingAdmin(ReadOnlyAdmin):
    list_display = ["channel", "state", "opened_at", "escalated_at", "resolved_at"]
    list_filter = ["state"]
    search_fields = ["channel__display_name", "channel__handle"]
    list_select_related = ["channel__platform"]
    autocomplete_fields = ["channel"]


@admin.register(AccessRequest)
class AccessRequestAdmin(ReadOnlyAdmin):
    list_display = ["requester", "kind", "channel", "role", "platform", "department", "state", "created_at"]
    list_filter = ["kind", "state", "role"]
    search_fields = ["requester__email", "reason", "channel__display_name"]
    list_select_related = ["requester", "channel__platform", "platform", "department"]
    autocomplete_fields = ["requester", "channel", "platform", "department"]
    actions = ["refuse"]

    refuse = service_action(
        gettext_lazy("Refuse selected requests"),
        lambda actor, r: services.access_request_decide(
            actor=actor, request=r, grant=False, reason="Refused from the admin."
        ),
        lambda r: _("Request %(number)s refused.") % {"number": r.pk},
    )


@admin.register(AccessGrant)
class AccessGrantAdmin(ReadOnlyAdmin):
    list_display = ["user", "channel", "role", "granted_by", "granted_at", "review_by", "valid_until", "revoked_at"]
    list_filter = ["role", ("revoked_at", admin.EmptyFieldListFilter)]
    search_fields = ["user__email", "channel__display_name", "reason"]
    list_select_related = ["user", "channel__platform", "granted_by"]
    autocomplete_fields = ["user", "channel"]
    actions = ["revoke"]

    revoke = service_action(
        gettext_lazy("Revoke selected grants"),
        lambda actor, g: services.grant_revoke(actor=actor, grant=g, reason="Revoked from the admin."),
        lambda g: _("Grant %(number)s revoked.") % {"number": g.pk},
    )


@admin.register(Recertification)
class RecertificationAdmin(ReadOnlyAdmin):
    list_display = ["grant", "state", "opened_at", "escalate_at", "decided_by", "decided_at"]
    list_filter = ["state"]
    search_fields = ["grant__user__email", "grant__channel__display_name"]
    list_select_related = ["grant", "grant__user", "grant__channel", "decided_by"]
    actions = ["confirm"]

    confirm = service_action(
        gettext_lazy("Confirm selected grants for another 90 days"),
        lambda actor, r: services.recertification_decide(actor=actor, recertification=r, confirm=True),
        lambda r: _("Recertification %(number)s confirmed.") % {"number": r.pk},
    )


@admin.register(RotationTask)
class RotationTaskAdmin(ReadOnlyAdmin):
    list_display = ["channel", "departed_user", "state", "opened_at", "closed_by", "closed_at"]
    list_filter = ["state"]
    search_fields = ["channel__display_name", "departed_user__email"]
    list_select_related = ["channel__platform", "departed_user", "closed_by"]
    autocomplete_fields = ["channel", "departed_user"]
    actions = ["close"]

    close = service_action(
        gettext_lazy("Mark selected rotations done"),
        lambda actor, t: services.rotation_task_close(actor=actor, task=t, note="Closed from the admin."),
        lambda t: _("Rotation %(number)s done.") % {"number": t.pk},
    )


@admin.register(ReportedAccount)
class ReportedAccountAdmin(ReadOnlyAdmin):
    list_display = ["url", "platform", "state", "reported_by", "created_at", "triaged_by"]
    list_filter = ["state", "platform"]
    search_fields = ["url", "note", "triage_note"]
    list_select_related = ["platform", "reported_by", "triaged_by"]
    autocomplete_fields = ["platform", "reported_by", "channel"]
    actions = ["dismiss", "takedown"]

    dismiss = service_action(
        gettext_lazy("Dismiss selected reports"),
        lambda actor, r: services.reported_account_triage(
            actor=actor, report=r, outcome="dismissed", note="From the admin."
        ),
        lambda r: _("Report %(number)s: %(outcome)s.") % {"number": r.pk, "outcome": ReportedState.DISMISSED.label},
    )
    takedown = service_action(
        gettext_lazy("Request a takedown of selected accounts"),
        lambda actor, r: services.reported_account_triage(
            actor=actor, report=r, outcome="takedown", note="From the admin."
        ),
        lambda r: _("Report %(number)s: %(outcome)s.") % {"number": r.pk, "outcome": ReportedState.TAKEDOWN.label},
    )


# --- Offboarding from the User admin -------------------------------------------------------

admin.site.unregister(User)


@admin.register(User)
class UserAdmin(AccountsUserAdmin):
    deactivate = service_action(
        gettext_lazy("Deactivate (offboard) selected people"),
        lambda actor, user: services.user_offboard(actor=actor, user=user, reason="Admin action"),
        lambda user: (
            _("%(person)s offboarded: sessions ended, tokens revoked, channel access ended.") % {"person": user.email}
        ),
    )
