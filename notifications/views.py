from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from notifications import services
from notifications.forms import PreferenceForm
from notifications.models import Notification
from notifications.selectors import notifications_for
from socialgov.paging import keyset_page, pager_query

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
    messages.success(request, f"{count} notification(s) marked as read.")
    return redirect("notifications:list")


@login_required
@require_POST
def preferences(request):
    form = PreferenceForm(request.POST)
    if form.is_valid():
        services.preference_set(actor=request.user, email_mode=form.cleaned_data["email_mode"])
        messages.success(request, "Your e-mail preference is saved.")
    else:
        messages.error(request, "Choose how you want to be e-mailed.")
    return redirect("accounts:profile")
