from allauth.account.admin import EmailAddressAdmin as BaseEmailAddressAdmin
from allauth.account.models import EmailAddress
from allauth.mfa.admin import AuthenticatorAdmin as BaseAuthenticatorAdmin
from allauth.mfa.models import Authenticator
from allauth.usersessions.admin import UserSessionAdmin as BaseUserSessionAdmin
from allauth.usersessions.models import UserSession
from django.contrib import admin
from django.contrib.auth.admin import GroupAdmin as BaseGroupAdmin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts import services
from accounts.models import ApiToken, Department, Membership, User
from audit.admin import AuditedAdmin, ReadOnlyAdmin
from core.adminkit import LargeTableAdmin, run_each, service_action
from core.errors import DomainError


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["department"]
    can_delete = False
    readonly_fields = ["department", "role", "created_at"]

    def has_add_permission(self, request, obj=None):
        return False  # memberships change through the Membership admin, which calls the service


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    ordering = ["email"]
    list_display = ["email", "full_name", "is_active", "is_staff", "date_joined", "deactivated_at"]
    list_filter = ["is_active", "is_staff", "is_superuser", "groups"]
    search_fields = ["email", "full_name"]
    readonly_fields = ["is_active", "deactivated_at", "last_login", "date_joined"]
    fieldsets = [
        (None, {"fields": ["email", "password", "full_name"]}),
        (gettext_lazy("Status"), {"fields": ["is_active", "deactivated_at", "last_login", "date_joined"]}),
        (gettext_lazy("Roles"), {"fields": ["is_staff", "is_superuser", "groups"]}),
    ]
    add_fieldsets = [(None, {"classes": ["wide"], "fields": ["email", "full_name", "password1", "password2"]})]
    filter_horizontal = ["groups"]
    inlines = [MembershipInline]
    actions = ["deactivate", "reactivate"]

    def save_model(self, request, obj, form, change):
        services.user_admin_save(actor=request.user, user=obj, changed=list(form.changed_data), creating=not change)

    def has_delete_permission(self, request, obj=None):
        return False  # people are deactivated (offboarded), never deleted: the trail and their decisions name them

    def user_change_password(self, request, id, form_url=""):
        # An administrator setting someone's password is a takeover path: people reset their own (sign-in page).
        raise PermissionDenied(_("People reset their own password from the sign-in page; IT cannot set it."))

    def save_related(self, request, form, formsets, change):
        before = set(form.instance.groups.values_list("name", flat=True)) if change else set()
        super().save_related(request, form, formsets, change)
        after = set(form.instance.groups.values_list("name", flat=True))
        services.user_groups_changed(actor=request.user, user=form.instance, before=before, after=after)

    deactivate = service_action(
        gettext_lazy("Deactivate (offboard) selected people"),
        lambda actor, user: services.user_deactivate(actor=actor, user=user, reason="Admin action"),
        lambda user: _("%(email)s deactivated: sessions ended, tokens revoked.") % {"email": user.email},
    )
    reactivate = service_action(
        gettext_lazy("Reactivate selected people"),
        lambda actor, user: services.user_reactivate(actor=actor, user=user),
        lambda user: _("%(email)s reactivated.") % {"email": user.email},
    )


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "created_at"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}

    def save_model(self, request, obj, form, change):
        services.department_save(actor=request.user, department=obj, changed=list(form.changed_data))

    def has_delete_permission(self, request, obj=None):
        # Deleting one would drop its memberships without a service or an audit event, and widen what was
        # scoped to it (a course for that department would apply to everyone): departments are kept.
        return False


@admin.register(Membership)
class MembershipAdmin(LargeTableAdmin):
    list_display = ["user", "department", "role", "created_at"]
    list_filter = ["role", "department"]
    search_fields = ["user__email", "user__full_name", "department__name"]
    autocomplete_fields = ["user", "department"]
    list_select_related = ["user", "department"]

    def save_model(self, request, obj, form, change):
        try:
            services.membership_set(actor=request.user, user=obj.user, department=obj.department, role=obj.role)
        except DomainError as exc:  # one's own membership (separation of duties), a deactivated person: not a 500
            raise PermissionDenied(exc.message) from exc

    def delete_model(self, request, obj):
        try:
            services.membership_remove(actor=request.user, membership=obj)
        except DomainError as exc:
            raise PermissionDenied(exc.message) from exc

    def delete_queryset(self, request, queryset):
        run_each(
            request,
            queryset,
            lambda actor, membership: services.membership_remove(actor=actor, membership=membership),
            lambda membership: _("%(membership)s ended.") % {"membership": membership},
        )


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Tokens are created by their owners on the profile page; IT can see and revoke them here."""

    list_display = ["name", "user", "prefix", "scope", "created_at", "expires_at", "last_used_at", "revoked_at"]
    list_filter = ["scope", ("revoked_at", admin.EmptyFieldListFilter)]
    search_fields = ["name", "prefix", "user__email"]
    list_select_related = ["user"]
    readonly_fields = [f.name for f in ApiToken._meta.fields]
    actions = ["revoke"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    revoke = service_action(
        gettext_lazy("Revoke selected tokens"),
        lambda actor, token: services.token_revoke(actor=actor, token=token),
        lambda token: _("%(token)s revoked.") % {"token": token},
    )


# --- allauth's and Django's own models: audited, or shown only ---------------------------------------------------

admin.site.unregister(Group)
admin.site.unregister(EmailAddress)
admin.site.unregister(Authenticator)
admin.site.unregister(UserSession)


@admin.register(Group)
class GroupAdmin(AuditedAdmin, BaseGroupAdmin):
    """A group's permissions change through ``audit.changes`` (before and after on the record); who is in a group
    changes on the User admin (``user_groups_changed``)."""


@admin.register(EmailAddress)
class EmailAddressAdmin(ReadOnlyAdmin, BaseEmailAddressAdmin):
    """Shown only: a person's sign-in address changes on the User admin (``user_email_change``: audited, both
    addresses told, kept in step with the person's e-mail), or by the person on their e-mail page."""

    actions = None


@admin.register(Authenticator)
class AuthenticatorAdmin(ReadOnlyAdmin, BaseAuthenticatorAdmin):
    """Second factors are shown, never edited; removing one (a lost phone) is an audited action."""

    actions = ["remove"]
    exclude = ["data"]

    @admin.action(description=gettext_lazy("Remove the selected second factors (the person enrols again)"))
    def remove(self, request, queryset):
        run_each(
            request,
            queryset.select_related("user"),
            lambda actor, a: services.authenticator_remove(actor=actor, authenticator=a),
            lambda a: _("%(person)s: %(factor)s removed.") % {"person": a.user, "factor": a.type},
        )


@admin.register(UserSession)
class UserSessionAdmin(ReadOnlyAdmin, BaseUserSessionAdmin):
    """Sessions are shown; ending one is an audited action."""

    actions = ["end"]

    @admin.action(description=gettext_lazy("End the selected sessions"))
    def end(self, request, queryset):
        run_each(
            request,
            queryset.select_related("user"),
            lambda actor, session: services.session_end(actor=actor, session=session),
            lambda session: _("A session of %(person)s ended.") % {"person": session.user},
        )
