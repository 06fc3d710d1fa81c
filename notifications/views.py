from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from accounts import permissions
from accounts.choices import Role
from accounts.models import Department
from core.errors import DomainError
from core.pagekit import errors_to_form
from core.paging import keyset_page, pager_query
from notifications import services
from notifications.forms import ChatTargetForm, PreferenceForm
from notifications.models import ChatTarget, Notification
from notifications.selectors import notifications_for

PAGE_SIZE = 30


@login_required
def notification_list(request):
    only_unread = request.GET.get("unread") == "1"
    qs = notifications_for(request.user)
    if only_unread:
        qs = qs.filter(read_at__isnull=True)
    # someone with 100,000 notifications: a page by keyset, newest first, nothing counted
    page = keyset_page(
        qs,
        order=("-created_at", "-pk"),
        per_page=PAGE_SIZE,
        after=request.GET.get("after", ""),
        before=request.GET.get("before", ""),
    )
    context = {"page": page, "query": pager_query(request), "only_unread": only_unread}
    return render(request, "notifications/list.html", context)


@login_required
@require_POST
def mark_read(request, pk):
    notification = get_object_or_404(Notification, pk=pk, recipient=request.user)
    services.notification_mark_read(actor=request.user, notification=notification)
    target = notification.url if request.POST.get("open") else ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return redirect(target)
    return redirect("notifications:list")


@login_required
@require_POST
def mark_all_read(request):
    count = services.notifications_mark_all_read(actor=request.user)
    messages.success(
        request,
        ngettext("%(count)d notification marked as read.", "%(count)d notifications marked as read.", count)
        % {"count": count},
    )
    return redirect("notifications:list")


@login_required
@require_POST
def preferences(request):
    form = PreferenceForm(request.POST)
    if form.is_valid():
        services.preference_set(actor=request.user, email_mode=form.cleaned_data["email_mode"])
        messages.success(request, _("Your e-mail preference is saved."))
    else:
        messages.error(request, _("Choose how you want to be e-mailed."))
    return redirect("accounts:profile")


# --- Chat channels (Slack, Microsoft Teams) -----------------------------------------


def _chat_page(request, *, department: Department | None):
    """The chat targets of the person (``department`` None) or of a department, and the form that sets one:
    a refused address comes back on the form as typed, with the reason."""
    owner = {"department": department} if department is not None else {"user": request.user}
    form = ChatTargetForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            target = services.chat_target_save(actor=request.user, **form.cleaned_data, **owner)
        except DomainError as exc:
            errors_to_form(form, exc)
        else:
            messages.success(
                request,
                _("%(kind)s is set: notifications go to %(host)s.")
                % {"kind": target.get_kind_display(), "host": target.host},
            )
            return redirect(request.path)
    managed = []
    if department is None:  # the departments the person manages, linked (IT reaches any from its members page)
        roles = permissions.department_roles(request.user)
        managed = Department.objects.filter(pk__in=sorted(pk for pk, role in roles.items() if role == Role.MANAGER))
    return render(
        request,
        "notifications/chat.html",
        {
            "department": department,
            "targets": ChatTarget.objects.filter(**owner).order_by("kind"),
            "form": form,
            "managed": managed,
        },
    )


@login_required
def chat_targets(request):
    return _chat_page(request, department=None)


@login_required
def department_chat_targets(request, pk):
    department = Department.objects.filter(pk=pk).first()
    if department is None:
        raise Http404(_("No such department."))
    if not permissions.can_manage_department(request.user, department):
        raise PermissionDenied(_("Only the department's managers or IT set its chat channels."))
    return _chat_page(request, department=department)


@login_required
@require_POST
def chat_target_remove(request, pk):
    target = ChatTarget.objects.select_related("department").filter(pk=pk).first()
    if target is None or (target.user_id is not None and target.user_id != request.user.pk):
        raise Http404(_("No such chat channel."))
    if target.department_id and not permissions.can_manage_department(request.user, target.department):
        raise PermissionDenied(_("Only the department's managers or IT set its chat channels."))
    services.chat_target_remove(actor=request.user, target=target)
    messages.success(request, _("%(kind)s removed: nothing more is sent there.") % {"kind": target.get_kind_display()})
    if target.department_id:
        return redirect("notifications:department_chat", pk=target.department_id)
    return redirect("notifications:chat")
