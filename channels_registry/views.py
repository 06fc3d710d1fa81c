"""Pages: parse, authorize, call a service, answer. Forms work without JavaScript."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.models import Department, User
from accounts.permissions import is_it_security
from audit.selectors import events_for
from channels_registry import permissions, selectors, services
from channels_registry.choices import CHECKLIST, AccessRequestKind, ActivitySource, ChannelState
from channels_registry.filters import (
    AccessRequestFilter,
    ChannelFilter,
    RecertificationFilter,
    ReportedAccountFilter,
    RotationTaskFilter,
)
from channels_registry.forms import (
    AccessRequestForm,
    ActivityForm,
    ChannelRegisterForm,
    DecideForm,
    FeedForm,
    GrantForm,
    NoteForm,
    ReasonForm,
    RecertifyForm,
    ReportAccountForm,
    SecurityReviewForm,
    TriageForm,
)
from channels_registry.models import AccessGrant, Channel
from core import notices
from core.errors import DomainError, Forbidden, GateClosed
from core.pagekit import errors_to_form, filtered_page, form_refused, run_from_button, safe_url, with_next
from policies.choices import DecisionOutcome
from policies.gates import (
    Blocker,
    decision_for,
    decisions_in_force,
    may_register_channel,
    registration_blockers_up_front,
)

# --- The registry -------------------------------------------------------------------------


def _registry_page(request, channels, **extra):
    """The registry list: a page of channels as values (newest first, by keyset), the per-state figures
    (``channel_counts``) and whether the person may register one."""
    ctx = filtered_page(request, ChannelFilter, channels, order=("-pk",), shown=selectors.channel_rows)
    ctx.update(extra, counts=selectors.channel_counts(ctx["rows"]), can_register=permissions.can_register(request.user))
    return render(request, "channels_registry/channel_list.html", ctx)


@login_required
def channel_list(request):
    return _registry_page(request, selectors.channels_visible_to(request.user), title=_("Channel registry"))


@login_required
def my_channels(request):
    return _registry_page(request, selectors.my_channels(request.user), title=_("My channels"), mine=True)


def _register_departments(user):
    if is_it_security(user):
        return Department.objects.all()
    return Department.objects.filter(memberships__user=user)


DRAFT_KEY = "channel_register_draft"


def _registered_told(channel) -> str:
    """What the registrant is told: registered, and who decides its approval (one sentence each way)."""
    route = channel.deciders
    values = {"name": channel.display_name, "people": route.names(), "level": _(route.level) if route.level else ""}
    if not route.people:
        return (
            _(
                "%(name)s is registered. No one but you may decide its approval: ask an administrator to name someone "
                "who may."
            )
            % values
        )
    if route.escalated:
        return (
            _(
                "%(name)s is registered. %(people)s (%(level)s) will decide its approval, since no one else at "
                "the usual level may."
            )
            % values
        )
    return _("%(name)s is registered. %(people)s (%(level)s) will decide its approval.") % values


def _request_told(route) -> str:
    """What the person who asked for access is told: sent, who decides it, and that they will hear of it."""
    values = {"people": route.names(), "level": _(route.level) if route.level else ""}
    if not route.people:
        return _(
            "Request sent. No one but you may decide it: ask an administrator to name someone who may. You will be "
            "told when it is decided."
        )
    if route.escalated:
        return (
            _(
                "Request sent. %(people)s (%(level)s) will decide it, since no one else at the usual level may. "
                "You will be told when it is decided."
            )
            % values
        )
    return _("Request sent. %(people)s (%(level)s) will decide it. You will be told when it is decided.") % values


def _blocked_platforms(department_ids) -> dict[int, str]:
    """Platform id -> "blocked by IT: why (who, when)" for the platforms IT blocked in every one of
    ``department_ids`` (decisions in force; one blocked for only some stays offered, and is refused on submit
    for those)."""
    if not department_ids:
        return {}
    decisions = decisions_in_force(department_ids=department_ids)
    blocked = {}
    for platform_id in {p for p, _department in decisions}:
        found = [decisions.get((platform_id, d)) for d in sorted(department_ids)]
        if all(x is not None and x.outcome == DecisionOutcome.BLOCKED for x in found):
            decision = found[0]
            blocked[platform_id] = _("blocked by IT: %(rationale)s (%(person)s, %(date)s)") % {
                "rationale": decision.rationale.strip(),
                "person": decision.decided_by.get_full_name() or decision.decided_by.email,
                "date": f"{decision.effective_from:%Y-%m-%d}",
            }
    return blocked


@login_required
def channel_register(request):
    """Register a channel. What the person lacks is listed before the form, each with a "Save and go fix"
    button that keeps what was typed in the session and comes back with ``?resume=1``; platforms IT blocked
    for their departments are offered disabled, with who decided and why."""
    if not permissions.can_register(request.user):
        raise PermissionDenied(_("Only members of a department register its channels."))
    departments = _register_departments(request.user)
    department_ids = list(departments.values_list("pk", flat=True))
    back = reverse("channels_registry:channel_register") + "?resume=1"
    kwargs = {"departments": departments, "blocked": _blocked_platforms(department_ids)}
    if request.method == "POST":
        form = ChannelRegisterForm(request.POST, **kwargs)
        if "fix" in request.POST:
            request.session[DRAFT_KEY] = form.draft()
            return redirect(safe_url(request, request.POST["fix"]) or back)
    elif request.GET.get("resume") and DRAFT_KEY in request.session:
        form = ChannelRegisterForm(initial=request.session[DRAFT_KEY], **kwargs)
    else:
        initial = {k: request.GET[k] for k in ("url", "handle", "platform") if k in request.GET}
        form = ChannelRegisterForm(initial=initial, **kwargs)
    duplicate = None
    reasons, intro = [], _("You cannot register a channel yet. First:")
    if request.method == "POST" and form.is_valid():
        try:
            channel = services.channel_register(actor=request.user, **form.cleaned_data)
        except GateClosed as exc:
            reasons = exc.reasons  # shown above the form, which keeps what was typed
        except Forbidden as exc:
            raise PermissionDenied(exc.message) from exc
        except DomainError as exc:
            errors_to_form(form, exc)
            duplicate = getattr(exc, "existing", None)
        else:
            request.session.pop(DRAFT_KEY, None)
            messages.success(request, _registered_told(channel))
            gate = may_register_channel(department=channel.department, platform=channel.platform)
            if gate.conditions:
                messages.warning(
                    request,
                    _("IT allows %(platform)s on conditions: %(conditions)s")
                    % {"platform": channel.platform.name, "conditions": gate.conditions},
                )
            return redirect("channels_registry:channel_detail", pk=channel.pk)
    if not reasons:
        reasons, intro = registration_blockers_up_front(user=request.user), _("Before you can register a channel:")
    reasons = [{"message": r.message, "fix_url": r.fix_url} if isinstance(r, Blocker) else r for r in reasons]
    fixes = [{"message": r["message"], "href": with_next(r["fix_url"], back) if r["fix_url"] else ""} for r in reasons]
    return render(
        request,
        "channels_registry/channel_register.html",
        {"form": form, "duplicate": duplicate, "reasons": fixes, "intro": intro},
    )


@login_required
def channel_detail(request, pk):
    channel = selectors.channel_for(request.user, pk)
    user = request.user
    see_security = permissions.can_view_security(user, channel)
    ctx = {
        "channel": channel,
        "see_security": see_security,
        "activities": selectors.activities_of(channel),
        "by_month": selectors.activity_by_month(channel),
        "decision": decision_for(platform=channel.platform, department=channel.department),
        "reviews": selectors.reviews_of(channel),
        "findings": selectors.findings_of(channel),
        "events": events_for(channel),  # the history panel
        "can": {
            "approve": channel.state == ChannelState.PROPOSED and permissions.can_approve(user, channel),
            "reject": channel.state in (ChannelState.PROPOSED, ChannelState.IN_SECURITY_REVIEW)
            and permissions.can_reject(user, channel),
            "review": channel.state == ChannelState.IN_SECURITY_REVIEW and permissions.can_security_review(user),
            "suspend": channel.state in (ChannelState.PROPOSED, ChannelState.IN_SECURITY_REVIEW, "active", "dormant")
            and permissions.is_it_decider(user),
            "reinstate": channel.state == ChannelState.SUSPENDED and permissions.is_it_decider(user),
            "retire": channel.state not in (ChannelState.RETIRED, ChannelState.REJECTED)
            and permissions.is_it_decider(user),
            "log": channel.state in ("active", "dormant", "suspended") and permissions.can_log_activity(user, channel),
            "confirm_mfa": any(not m.mfa_confirmed for m in permissions.live_memberships(user, channel)),
            "request": permissions.may_act(user) and channel.state in ("active", "dormant", "in_security_review"),
        },
        "activity_form": ActivityForm(),
    }
    feed = getattr(channel, "feed", None)
    ctx["feed"] = feed
    if permissions.can_manage_access(user, channel):
        initial = {"url": feed.url, "kind": feed.kind, "requires_approval": feed.requires_approval} if feed else {}
        ctx["feed_form"] = FeedForm(initial=initial, auto_id="id_feed_%s")  # "kind" is the activity form's too
    ctx.update(notices.for_object(channel, user))
    return render(request, "channels_registry/channel_detail.html", ctx)


@login_required
@require_POST
def channel_feed(request, pk):
    channel = selectors.channel_for(request.user, pk)
    back = reverse("channels_registry:channel_detail", args=[channel.pk])
    form = FeedForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose the kind of feed."))
        return redirect(back)
    return run_from_button(
        request,
        lambda: services.channel_feed_set(actor=request.user, channel=channel, **form.cleaned_data),
        ok=_("Feed saved; it is read within a few minutes.")
        if form.cleaned_data["url"]
        else _("The feed is not read."),
        back=back,
    )


@login_required
def channel_security(request, pk):
    channel = selectors.channel_security_for(request.user, pk)
    return render(
        request,
        "channels_registry/channel_security.html",
        {
            "channel": channel,
            "grants": selectors.grants_of(channel),
            "rotations": list(selectors.rotation_tasks().filter(channel=channel)),
            "can_manage": permissions.can_manage_access(request.user, channel),
            "grant_form": GrantForm(),
        },
    )


def _channel_action(request, pk, fn, ok):
    channel = selectors.channel_for(request.user, pk)
    back = reverse("channels_registry:channel_detail", args=[channel.pk])
    form = ReasonForm(request.POST)
    if form_refused(request, form):
        return redirect(back)
    return run_from_button(request, lambda: fn(channel, form.cleaned_data["reason"]), ok=ok, back=back)


@login_required
@require_POST
def channel_approve(request, pk):
    return _channel_action(
        request,
        pk,
        lambda c, r: services.channel_approve(actor=request.user, channel=c, note=r),
        _("Approved: IT security reviews it next."),
    )


@login_required
@require_POST
def channel_reject(request, pk):
    return _channel_action(
        request, pk, lambda c, r: services.channel_reject(actor=request.user, channel=c, reason=r), _("Rejected.")
    )


@login_required
@require_POST
def channel_suspend(request, pk):
    return _channel_action(
        request, pk, lambda c, r: services.channel_suspend(actor=request.user, channel=c, reason=r), _("Suspended.")
    )


@login_required
@require_POST
def channel_reinstate(request, pk):
    return _channel_action(
        request, pk, lambda c, r: services.channel_reinstate(actor=request.user, channel=c, reason=r), _("Reinstated.")
    )


@login_required
@require_POST
def channel_retire(request, pk):
    return _channel_action(
        request, pk, lambda c, r: services.channel_retire(actor=request.user, channel=c, reason=r), _("Retired.")
    )


@login_required
@require_POST
def channel_log_activity(request, pk):
    channel = selectors.channel_for(request.user, pk)
    form = ActivityForm(request.POST)
    back = reverse("channels_registry:channel_detail", args=[channel.pk])
    if not form.is_valid():
        messages.error(request, _("Choose what happened."))
        return redirect(back)
    return run_from_button(
        request,
        lambda: services.activity_record(
            actor=request.user, channel=channel, source=ActivitySource.PAGE, **form.cleaned_data
        ),
        ok=_("Activity logged."),
        back=back,
    )


@login_required
def channel_security_review(request, pk):
    channel = selectors.channel_for(request.user, pk)
    if not permissions.can_security_review(request.user, channel):
        raise PermissionDenied(_("Only IT security, signed in with 2FA, reviews channels."))
    form = SecurityReviewForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.security_review_decide(
                actor=request.user, channel=channel, checklist=form.checklist(), note=form.cleaned_data["note"]
            )
        except Forbidden as exc:
            raise PermissionDenied(exc.message) from exc
        except DomainError as exc:
            errors_to_form(form, exc)
        else:
            messages.success(request, _("Security review recorded."))
            return redirect("channels_registry:channel_detail", pk=channel.pk)
    return render(
        request, "channels_registry/security_review.html", {"channel": channel, "form": form, "checklist": CHECKLIST}
    )


@login_required
@require_POST
def channel_confirm_mfa(request, pk):
    channel = selectors.channel_for(request.user, pk)
    return run_from_button(
        request,
        lambda: services.membership_confirm_mfa(actor=request.user, channel=channel),
        ok=_("Thank you: your two-factor sign-in is confirmed."),
        back=reverse("channels_registry:channel_detail", args=[channel.pk]),
    )


@login_required
@require_POST
def channel_grant(request, pk):
    channel = selectors.channel_for(request.user, pk)
    back = reverse("channels_registry:channel_security", args=[channel.pk])
    form = GrantForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Name the person, the role and the reason."))
        return redirect(back)
    if not permissions.can_manage_access(request.user, channel):
        raise PermissionDenied
    data = form.cleaned_data
    person = User.objects.filter(email__iexact=data["email"]).first()
    if person is None:
        messages.error(request, _("No one signs in as %(emails)s.") % {"emails": data["email"]})
        return redirect(back)
    return run_from_button(
        request,
        lambda: services.grant_create(
            actor=request.user,
            channel=channel,
            user=person,
            role=data["role"],
            reason=data["reason"],
            valid_until=data["valid_until"],
            holds_credentials=data["holds_credentials"],
        ),
        ok=_("%(person)s now has access.") % {"person": person.email},
        back=back,
    )


@login_required
@require_POST
def grant_revoke(request, pk):
    grant = get_object_or_404(AccessGrant.objects.select_related("channel"), pk=pk)
    back = reverse("channels_registry:channel_security", args=[grant.channel_id])
    form = ReasonForm(request.POST)
    if form_refused(request, form):
        return redirect(back)
    return run_from_button(
        request,
        lambda: services.grant_revoke(actor=request.user, grant=grant, reason=form.cleaned_data["reason"]),
        ok=_("Access revoked."),
        back=back,
    )


# --- IT desk and queues -------------------------------------------------------------------


@login_required
def it_desk(request):
    if not permissions.can_see_it_desk(request.user):
        raise PermissionDenied(_("The IT desk is for IT security and auditors."))
    return render(request, "channels_registry/it_desk.html", selectors.it_desk())


@login_required
def access_request_list(request):
    initial = {"kind": AccessRequestKind.CHANNEL_ROLE, "channel": request.GET.get("channel")}
    form = AccessRequestForm(request.POST or None, initial=initial)
    if request.method == "POST":
        if not permissions.may_act(request.user):
            raise PermissionDenied("Auditors change nothing.")
        if form.is_valid():
            data = form.cleaned_data
            channel = None
            if data["kind"] == AccessRequestKind.CHANNEL_ROLE and data["channel"]:
                channel = Channel.objects.filter(pk=data["channel"]).first()
            try:
                created = services.access_request_create(
                    actor=request.user,
                    kind=data["kind"],
                    reason=data["reason"],
                    channel=channel,
                    role=data["role"],
                    platform=data["platform"],
                    department=data["department"],
                )
            except Forbidden as exc:
                raise PermissionDenied(exc.message) from exc
            except DomainError as exc:
                errors_to_form(form, exc)
            else:
                messages.success(request, _request_told(created.deciders))
                return redirect("channels_registry:access_request_list")
    ctx = filtered_page(request, AccessRequestFilter, selectors.access_requests_visible_to(request.user))
    ctx.pop("rows")
    ctx["form"] = form
    for r in ctx["page"].object_list:  # a form in each row: ids of its own (a label names one field)
        r.decide_form = DecideForm(auto_id=f"id_decide_{r.pk}_%s")
    return render(request, "channels_registry/access_request_list.html", ctx)


@login_required
@require_POST
def access_request_decide(request, pk):
    access_request = get_object_or_404(selectors.access_requests_visible_to(request.user), pk=pk)
    form = DecideForm(request.POST)
    back = reverse("channels_registry:access_request_list")
    if not form.is_valid():
        if not permissions.can_decide_request(request.user, access_request):
            raise PermissionDenied
        messages.error(request, _("Choose grant or refuse, and say why."))
        return redirect(back)
    grant = form.cleaned_data["decision"] == "grant"
    return run_from_button(
        request,
        lambda: services.access_request_decide(
            actor=request.user, request=access_request, grant=grant, reason=form.cleaned_data["reason"]
        ),
        ok=_("Granted.") if grant else _("Refused."),
        back=back,
    )


@login_required
def recertification_list(request):
    ctx = filtered_page(request, RecertificationFilter, selectors.recertifications_visible_to(request.user))
    ctx.pop("rows")
    return render(request, "channels_registry/recertification_list.html", ctx)


@login_required
@require_POST
def recertification_decide(request, pk):
    item = get_object_or_404(selectors.recertifications_visible_to(request.user), pk=pk)
    form = RecertifyForm(request.POST)
    back = reverse("channels_registry:recertification_list")
    if not form.is_valid():
        messages.error(request, _("Confirm or revoke."))
        return redirect(back)
    confirm = form.cleaned_data["decision"] == "confirm"
    return run_from_button(
        request,
        lambda: services.recertification_decide(
            actor=request.user, recertification=item, confirm=confirm, note=form.cleaned_data["note"]
        ),
        ok=_("Confirmed for another 90 days.") if confirm else _("Revoked."),
        back=back,
    )


@login_required
def rotation_task_list(request):
    if not permissions.can_see_it_desk(request.user):
        raise PermissionDenied(_("Credential rotations are for IT security and auditors."))
    ctx = filtered_page(request, RotationTaskFilter, selectors.rotation_tasks())
    ctx.pop("rows")
    return render(request, "channels_registry/rotation_task_list.html", ctx)


@login_required
@require_POST
def rotation_task_close(request, pk):
    if not permissions.can_see_it_desk(request.user):
        raise Http404
    task = get_object_or_404(selectors.rotation_tasks(), pk=pk)
    back = reverse("channels_registry:rotation_task_list")
    form = NoteForm(request.POST)
    if form_refused(request, form):
        return redirect(back)
    return run_from_button(
        request,
        lambda: services.rotation_task_close(actor=request.user, task=task, note=form.cleaned_data["note"]),
        ok=_("Rotation recorded as done."),
        back=back,
    )


@login_required
def reported_account_list(request):
    form = ReportAccountForm(request.POST or None)
    if request.method == "POST":
        if not permissions.may_act(request.user):
            raise PermissionDenied("Auditors change nothing.")
        if form.is_valid():
            try:
                services.reported_account_create(actor=request.user, **form.cleaned_data)
            except DomainError as exc:
                errors_to_form(form, exc)
            else:
                messages.success(request, _("Thank you: IT security will look at it."))
                return redirect("channels_registry:reported_account_list")
    ctx = filtered_page(request, ReportedAccountFilter, selectors.reported_accounts_visible_to(request.user))
    ctx.pop("rows")
    ctx["form"] = form
    for r in ctx["page"].object_list:  # a form in each row: ids of its own (a label names one field)
        r.triage_form = TriageForm(auto_id=f"id_triage_{r.pk}_%s")
    ctx["can_triage"] = permissions.is_it_decider(request.user)
    return render(request, "channels_registry/reported_account_list.html", ctx)


@login_required
@require_POST
def reported_account_triage(request, pk):
    report = get_object_or_404(selectors.reported_accounts_visible_to(request.user), pk=pk)
    form = TriageForm(request.POST)
    back = reverse("channels_registry:reported_account_list")
    if not permissions.is_it_decider(request.user):
        raise PermissionDenied(_("Only IT security triages reported accounts."))
    if not form.is_valid():
        messages.error(request, _("Choose an outcome."))
        return redirect(back)
    channel = Channel.objects.filter(pk=form.cleaned_data["channel"]).first() if form.cleaned_data["channel"] else None
    return run_from_button(
        request,
        lambda: services.reported_account_triage(
            actor=request.user,
            report=report,
            outcome=form.cleaned_data["outcome"],
            note=form.cleaned_data["note"],
            channel=channel,
        ),
        ok=_("Triaged."),
        back=back,
    )
