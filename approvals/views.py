"""Pages: parse, authorize, call a service, answer. Forms work without JavaScript."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from accounts.models import Department
from accounts.permissions import is_it_security
from approvals import permissions, previews, selectors, services
from approvals.choices import PostState, StageState
from approvals.diff import diff_words
from approvals.filters import DelegationFilter, DriftFindingFilter, LockdownFilter, PostFilter, StageReviewFilter
from approvals.forms import (
    BulkDecideForm,
    ChannelStageForm,
    CommentForm,
    DecideForm,
    DelegationForm,
    LockdownForm,
    PostForm,
    PublishedForm,
    RouteSettingsForm,
    RouteStageForm,
)
from approvals.models import ApprovalRoute, Attachment, Lockdown, RouteStage
from channels_registry import selectors as registry_selectors
from channels_registry.models import Channel
from core import notices
from core.errors import DomainError, Forbidden, NotFound
from core.exports import rows_of, stream_csv
from core.pagekit import (
    errors_to_form,
    filtered_page,
    filtered_rows,
    form_refused,
    run_from_button,
)
from policies import gates


def _refused_text(request, *values: str) -> bool:
    """NUL cannot be stored (PostgreSQL refuses it): say so instead of reaching the database."""
    if any("\x00" in value for value in values):
        messages.error(request, _("Null characters are not allowed."))
        return True
    return False


def _post(request, pk):
    try:
        return selectors.post_for(request.user, pk)
    except NotFound as exc:
        raise Http404(exc.message) from exc


def _authorable_channels(user):
    return (
        Channel.objects.filter(state="active", memberships__user=user, memberships__ended_at__isnull=True)
        .select_related("platform")
        .distinct()
    )


# --- Compose ------------------------------------------------------------------------------


def _compose(request, *, post=None):
    user = request.user
    channels = _authorable_channels(user)
    if post is None and not channels.exists():
        raise PermissionDenied(_("You contribute to no active channel yet."))
    channel = post.channel if post else None
    if channel is None:
        wanted = request.POST.get("channel") or request.GET.get("channel")
        channel = channels.filter(pk=wanted).first() if wanted and str(wanted).isdigit() else channels.first()
    blockers = gates.author_blockers(user=user, channel=channel) if channel else []
    if post is not None:
        rev = post.current_revision
        initial = {
            "channel": post.channel_id,
            "body": rev.body,
            "links": "\n".join(rev.links),
            "tags": ", ".join(rev.tags),
            "scheduled_at": timezone.localtime(rev.scheduled_at) if rev.scheduled_at else None,
            "sponsored": rev.sponsored,
        }
    else:
        initial = {"channel": channel.pk if channel else None}
    form = PostForm(
        request.POST or None, request.FILES or None, channels=channels, editing=post is not None, initial=initial
    )
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            kwargs = form.service_kwargs()
            if post is None:
                post = services.post_create(actor=user, channel=form.cleaned_data["channel"], **kwargs)
            else:
                post = services.post_update(actor=user, post=post, **kwargs)
        except Forbidden as exc:
            if exc.code != "blocked":
                raise PermissionDenied(exc.message) from exc
            blockers = gates.author_blockers(user=user, channel=post.channel if post else channel)
            status = 403
            form.add_error(None, exc.message)
        except DomainError as exc:
            errors_to_form(form, exc)
        else:
            if "submit" not in request.POST or post.state not in (PostState.DRAFT, PostState.CHANGES_REQUESTED):
                messages.success(request, _("Saved."))
                return redirect("approvals:post_detail", pk=post.pk)
            try:
                services.post_submit(actor=user, post=post)
            except Forbidden as exc:
                raise PermissionDenied(exc.message) from exc
            except DomainError as exc:
                # The draft is saved; say what stops it and keep editing it (not a second draft).
                detail = " ".join(m for msgs in exc.fields.values() for m in msgs)
                reason = f"{exc.message} {detail}".strip()
                messages.error(request, _("Saved as a draft. %(reason)s") % {"reason": reason})
                return redirect("approvals:post_edit", pk=post.pk)
            messages.success(request, _("Saved and sent for review."))
            return redirect("approvals:post_detail", pk=post.pk)
    body = form["body"].value() or ""
    limit = channel.platform.char_limit if channel else None
    return render(
        request,
        "approvals/post_form.html",
        {
            "form": form,
            "post": post,
            "blockers": blockers,
            "char_count": len(body),
            "char_limit": limit,
            "limits": {c.pk: c.platform.char_limit or "" for c in channels},
            "preview": _preview_of(channel, body, form["links"].value()) if channel else None,
        },
        status=status,
    )


def _preview_of(channel, body, links="", images=()) -> dict:
    """The context of ``approvals/_preview.html``: ``body`` as ``channel``'s network shows it."""
    links = [line.strip() for line in (links or "").splitlines() if line.strip()]
    return {
        "p": previews.preview(platform=channel.platform, body=body, links=links, images=images),
        "name": channel.display_name,
    }


@login_required
@require_POST
def draft_preview(request):
    """The composer's preview of the text being typed, under the chosen channel (a fragment composer.js shows).
    Nothing is stored; a channel the person does not write for is 404."""
    wanted = request.POST.get("channel", "")
    channel = _authorable_channels(request.user).filter(pk=wanted).first() if wanted.isdigit() else None
    if channel is None:
        raise Http404(_("No such channel."))
    return render(
        request,
        "approvals/_preview.html",
        _preview_of(channel, request.POST.get("body", ""), request.POST.get("links")),
    )


@login_required
@require_safe
def post_preview(request, pk):
    """A post's current text as its network shows it (the queue's expanded row fetches it)."""
    try:
        post, attachments = selectors.post_preview_for(request.user, pk)
    except NotFound as exc:
        raise Http404(exc.message) from exc
    return render(
        request,
        "approvals/_preview.html",
        _preview_of(post.channel, post.body, "\n".join(post.links), images=_images(attachments)),
    )


def _images(attachments) -> list[str]:
    return [reverse("approvals:attachment", args=[a.pk]) for a in attachments if a.content_type.startswith("image/")]


@login_required
def post_create(request):
    if not permissions.may_act(request.user):
        raise PermissionDenied(_("Auditors read; they do not write posts."))
    return _compose(request)


@login_required
def post_edit(request, pk):
    post = _post(request, pk)
    if not permissions.can_edit(request.user, post):
        raise PermissionDenied(_("Only the author edits a post, and not once it is decided or in review."))
    return _compose(request, post=post)


# --- Lists ----------------------------------------------------------------------------------


@login_required
def my_posts(request):
    # a long list: by keyset, newest first (as the API's)
    ctx = filtered_page(request, PostFilter, selectors.my_posts(request.user), order=("-created_at", "-pk"))
    ctx["title"] = _("My posts")
    ctx["can_write"] = permissions.may_act(request.user) and _authorable_channels(request.user).exists()
    return render(request, "approvals/post_list.html", ctx)


EXPORT_COLUMNS = [
    ("id", lambda p: p.pk),
    ("channel", lambda p: p.channel.display_name),
    ("platform", lambda p: p.channel.platform.name),
    ("department", lambda p: p.channel.department.name),
    ("author", lambda p: p.author.email),
    ("state", lambda p: p.state),
    ("body", lambda p: p.body),
    ("links", lambda p: " ".join(p.links)),
    ("tags", lambda p: ", ".join(p.tags)),
    ("scheduled_at", lambda p: p.scheduled_at.isoformat() if p.scheduled_at else ""),
    ("published_url", lambda p: p.published_url),
]


@login_required
def export(request):
    """The posts you may see (with the list's filters) as CSV; formula-like cells are neutralised."""
    filterset = PostFilter(request.GET or None, queryset=selectors.posts_visible_to(request.user), request=request)
    rows = filtered_rows(filterset, filterset.queryset)
    return stream_csv(
        "posts.csv", [c for c, _value in EXPORT_COLUMNS], rows_of(rows.order_by("id").iterator(), EXPORT_COLUMNS)
    )


@login_required
def drift_list(request):
    """Out of policy: what went out that its approval did not cover (publication reports and feeds)."""
    ctx = filtered_page(request, DriftFindingFilter, selectors.drift_findings_visible_to(request.user))
    return render(request, "approvals/drift_list.html", ctx)


@login_required
def scheduled(request):
    ctx = filtered_page(request, PostFilter, selectors.scheduled_posts(request.user))
    page = ctx["page"]
    # the lockdowns the banner shows (kept in the cache): a post they hold says so, not "due"
    page.object_list = selectors.held_rows(page.object_list, selectors.lockdowns_for_banner())
    ctx["title"] = _("Scheduled and due")
    ctx["scheduled"] = True
    return render(request, "approvals/post_list.html", ctx)


BULK_DONE = {
    "approve": gettext_lazy("Approved: “%(summary)s”."),
    "request_changes": gettext_lazy("Sent back to the author: “%(summary)s”."),
}


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def queue(request):
    """The stages waiting for this person, oldest due first, and why they cannot review yet if they cannot.

    A POST is the bulk decision: the rows ticked, one outcome and one comment; each row is decided on its own
    and its own result is shown. Refused input comes back on the page with what was typed and ticked."""
    user = request.user
    bulk = BulkDecideForm(request.POST if request.method == "POST" else None, prefix="bulk")
    if bulk.is_bound and bulk.is_valid() and not _refused_text(request, bulk.cleaned_data["comment"]):
        try:
            results = services.stages_decide(
                actor=user,
                stage_ids=bulk.cleaned_data["stages"],
                outcome=bulk.cleaned_data["outcome"],
                comment=bulk.cleaned_data["comment"],
            )
        except Forbidden as exc:
            raise PermissionDenied(exc.message) from exc
        except DomainError as exc:
            errors_to_form(bulk, exc)
        else:
            for result in results:
                if result.ok:
                    messages.success(request, BULK_DONE[bulk.cleaned_data["outcome"]] % {"summary": result.summary})
                elif result.summary:
                    messages.error(
                        request,
                        _("Not decided: “%(summary)s”: %(reason)s")
                        % {"summary": result.summary, "reason": result.message},
                    )
                else:
                    messages.error(
                        request,
                        _("Not decided: Review %(id)s: %(reason)s") % {"id": result.stage_id, "reason": result.message},
                    )
            return redirect(request.get_full_path())
    ctx = filtered_page(request, StageReviewFilter, selectors.review_queue_for(user))
    page = ctx["page"]
    page.object_list = selectors.review_queue_rows(page.object_list, now=timezone.now())
    ctx["blockers"] = gates.review_blockers_shown(user=user)
    ctx["here"] = request.get_full_path()
    ctx["bulk"] = bulk
    ctx["ticked"] = bulk.cleaned_data.get("stages", []) if bulk.is_bound else []  # kept on a refusal
    return render(request, "approvals/queue.html", ctx)


# --- The post ------------------------------------------------------------------------------


@login_required
def post_detail(request, pk):
    """A post as this person may see it: its revisions, review, comments, attachments and history, and what this
    person may do on it."""
    user = request.user
    try:
        post = selectors.post_detail_for(user, pk)
    except NotFound as exc:
        raise Http404(exc.message) from exc
    revisions = post.revision_list
    numbers = [r.number for r in revisions]
    by_number = {r.number: r for r in revisions}
    to_n = _int(request.GET.get("to"), numbers[0] if numbers else 0)
    from_n = _int(request.GET.get("from"), to_n - 1)
    diff = None
    if from_n in by_number and to_n in by_number and from_n != to_n:
        diff = diff_words(by_number[from_n].body, by_number[to_n].body)
    decidable = []
    open_stages = [s for s in post.stage_list if s.state == StageState.OPEN]
    # who is named on the open stages is read only for someone who might decide one (can_decide asks the rest)
    if open_stages and post.state == PostState.IN_REVIEW and post.author_id != user.pk and permissions.may_act(user):
        named = selectors.named_reviewer_ids(open_stages)
        decidable = [s for s in open_stages if permissions.can_decide(user, s, named[s.pk])]
    # the lockdowns the banner shows (kept in the cache): the notice on this post says the same
    lockdown = selectors.lockdown_on(post.channel_id, post.channel.department_id, selectors.lockdowns_for_banner())
    can_publish = post.state in (PostState.APPROVED, PostState.SCHEDULED) and permissions.can_publish(
        user, post.channel
    )
    ctx = {
        "post": post,
        "revisions": revisions,
        "current": by_number.get(numbers[0]) if numbers else None,
        "diff": diff,
        "diff_from": from_n,
        "diff_to": to_n,
        "stages": post.stage_list,
        "comments": post.comment_list,
        "attachments": post.attachment_list,
        "drift": post.drift_list,
        "decidable": decidable,
        "lockdown": lockdown,
        "can": {
            "edit": permissions.can_edit(user, post),
            "submit": permissions.can_submit(user, post),
            "withdraw": permissions.can_withdraw(user, post),
            "publish": can_publish,
            "comment": permissions.may_act(user),
        },
        "published_form": PublishedForm() if can_publish else None,
        "comment_form": CommentForm(),
        "events": post.history,
        "preview": _preview_of(post.channel, post.body, "\n".join(post.links), images=_images(post.attachment_list)),
        "obj": post,
        **notices.for_object(post, user),
    }
    return render(request, "approvals/post_detail.html", ctx)


@login_required
def attachment(request, pk):
    """An attachment of a post you may see. Its type was checked by content at upload; images open inline."""
    found = Attachment.objects.filter(pk=pk).select_related("post").first()
    if found is None:
        raise Http404(_("No such attachment."))
    _post(request, found.post_id)  # 404 outside the post's scope
    inline = found.content_type.startswith("image/")
    response = FileResponse(
        found.file.open("rb"), content_type=found.content_type, as_attachment=not inline, filename=found.name
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "sandbox"
    return response


def _int(value, default: int) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


def _back(post) -> str:
    return reverse("approvals:post_detail", args=[post.pk])


@login_required
@require_POST
def post_submit(request, pk):
    post = _post(request, pk)
    submitted = []
    response = run_from_button(
        request,
        lambda: submitted.append(services.post_submit(actor=request.user, post=post)),
        ok=_("Sent for review."),
        back=_back(post),
    )
    deciders = getattr(submitted[0], "deciders", None) if submitted else None
    if deciders is not None and deciders.escalated:  # a one-person department: say who decides instead
        messages.info(request, deciders.told(_("its review")))
    return response


@login_required
@require_POST
def post_withdraw(request, pk):
    post = _post(request, pk)
    return run_from_button(
        request, lambda: services.post_withdraw(actor=request.user, post=post), ok=_("Withdrawn."), back=_back(post)
    )


@login_required
@require_POST
def post_published(request, pk):
    post = _post(request, pk)
    form = PublishedForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give a valid address and time."))
        return redirect(_back(post))
    return run_from_button(
        request,
        lambda: _report(
            actor=request.user,
            post=post,
            text=form.cleaned_data["text"],
            url=form.cleaned_data["url"],
            published_at=form.cleaned_data["published_at"],
        ),
        ok=_("Marked as published; the channel's activity is recorded."),
        back=_back(post),
    )


def _report(*, actor, post, **values):
    """A publisher on the page reports against the receipt of the revision they see approved."""
    receipt = post.receipts.filter(revision_id=post.current_revision_id).first()
    token = services.receipt_token(receipt) if receipt else ""
    report = services.publication_report(actor=actor, post=post, receipt=token, **values)
    refusal = services.publication_refusal(report)
    if refusal is not None:
        raise refusal
    return report


@login_required
@require_POST
def comment_add(request, pk):
    post = _post(request, pk)
    form = CommentForm(request.POST)
    form.fields["body"].required = False  # an empty comment is the service's to refuse, with its own message
    if form_refused(request, form):
        return redirect(_back(post) + "#comments")
    return run_from_button(
        request,
        lambda: services.comment_add(actor=request.user, post=post, body=form.cleaned_data["body"]),
        ok=_("Comment added."),
        back=_back(post) + "#comments",
    )


@login_required
@require_POST
def stage_decide(request, pk):
    try:
        stage = selectors.stage_for(request.user, pk)
    except NotFound as exc:
        raise Http404(exc.message) from exc
    # the queue's rows share one form: each row's comment is named after its stage
    comment = request.POST.get(f"comment-{stage.pk}") or request.POST.get("comment", "")
    form = DecideForm({"outcome": request.POST.get("outcome", ""), "comment": comment})
    back = request.POST.get("next") or _back(stage.post)
    if not url_has_allowed_host_and_scheme(back, allowed_hosts=None) or not back.startswith("/"):
        back = _back(stage.post)
    if form_refused(request, form):
        return redirect(back)
    outcome, comment = form.cleaned_data["outcome"], form.cleaned_data["comment"]
    labels = {"approve": _("Approved."), "request_changes": _("Sent back to the author."), "reject": _("Rejected.")}
    return run_from_button(
        request,
        lambda: services.stage_decide(actor=request.user, stage_review=stage, outcome=outcome, comment=comment),
        ok=labels.get(outcome, _("Decided.")),
        back=back,
    )


# --- Delegations ----------------------------------------------------------------------------------


@login_required
def delegations(request):
    user = request.user
    form = DelegationForm(request.POST or None)
    if request.method == "POST":
        if not permissions.may_act(user):
            raise PermissionDenied(_("Auditors read; they do not delegate."))
        if form.is_valid():
            try:
                services.delegation_create(actor=user, **form.cleaned_data)
            except DomainError as exc:
                errors_to_form(form, exc)
            else:
                messages.success(request, _("Your reviews are handed over for that period."))
                return redirect("approvals:delegations")
    ctx = filtered_page(request, DelegationFilter, selectors.delegations_visible_to(user))
    ctx.update(form=form, now=timezone.now())
    return render(request, "approvals/delegations.html", ctx)


@login_required
@require_POST
def delegation_revoke(request, pk):
    delegation = selectors.delegations_visible_to(request.user).filter(pk=pk).first()
    if delegation is None:
        raise Http404(_("No such delegation."))
    return run_from_button(
        request,
        lambda: services.delegation_revoke(actor=request.user, delegation=delegation),
        ok=_("Ended."),
        back=reverse("approvals:delegations"),
    )


# --- Lockdowns -------------------------------------------------------------------------------------


@login_required
def lockdowns(request):
    user = request.user
    can = permissions.can_lockdown(user)
    form = LockdownForm(request.POST or None)
    if request.method == "POST":
        if not can:
            raise PermissionDenied(_("Only communications reviewers and IT security start a lockdown."))
        if form.is_valid():
            try:
                services.lockdown_start(actor=user, **form.cleaned_data)
            except DomainError as exc:
                errors_to_form(form, exc)
            else:
                messages.success(request, _("Publishing is paused."))
                return redirect("approvals:lockdowns")
    ctx = filtered_page(request, LockdownFilter, selectors.lockdowns())
    ctx.update(form=form, can_lockdown=can)
    return render(request, "approvals/lockdowns.html", ctx)


@login_required
@require_safe
def lockdown_end_confirm(request, pk):
    """What ending a lockdown would resume, and the button that ends it (POST to lockdown_end)."""
    lockdown = selectors.lockdowns().filter(pk=pk).first()
    if lockdown is None:
        raise Http404(_("No such lockdown."))
    if not permissions.can_lockdown(request.user):
        raise PermissionDenied(_("Only communications reviewers and IT security end a lockdown."))
    return render(request, "approvals/lockdown_end_confirm.html", {"lockdown": lockdown})


@login_required
@require_POST
def lockdown_end(request, pk):
    lockdown = Lockdown.objects.filter(pk=pk).first()
    if lockdown is None:
        raise Http404(_("No such lockdown."))
    return run_from_button(
        request,
        lambda: services.lockdown_end(actor=request.user, lockdown=lockdown),
        ok=_("Lockdown ended: release resumes."),
        back=reverse("approvals:lockdowns"),
    )


# --- Routes ---------------------------------------------------------------------------------------------


def _managed_departments(user):
    if is_it_security(user):
        return Department.objects.all()
    return Department.objects.filter(memberships__user=user, memberships__role="manager")


@login_required
def routes(request):
    user = request.user
    departments = _managed_departments(user)
    form = RouteStageForm(request.POST or None, departments=departments)
    if request.method == "POST":
        if not departments.exists():
            raise PermissionDenied(_("Only department managers change routes."))
        if form.is_valid():
            data = dict(form.cleaned_data)
            try:
                services.route_stage_add(actor=user, **data)
            except DomainError as exc:
                errors_to_form(form, exc)
            else:
                messages.success(request, _("Stage added."))
                return redirect("approvals:routes")
    stages = Prefetch("stages", RouteStage.objects.select_related("escalate_to").prefetch_related("users"))
    all_routes = ApprovalRoute.objects.select_related("department", "channel").prefetch_related(stages)
    managed = set(departments.values_list("pk", flat=True))
    rows = list(all_routes)
    for route in rows:
        route.can_manage = route.department_id in managed or (
            route.channel_id and route.channel.department_id in managed
        )
    return render(request, "approvals/routes.html", {"routes": rows, "form": form, "can_manage": bool(managed)})


def _route_page(route: ApprovalRoute) -> str:
    """Where a route is managed: a channel's on the channel's route page, the others on the routes page."""
    if route.channel_id:
        return reverse("approvals:channel_route", args=[route.channel_id])
    return reverse("approvals:routes")


@login_required
@require_POST
def route_stage_remove(request, pk):
    stage = RouteStage.objects.select_related("route", "route__channel").filter(pk=pk).first()
    if stage is None:
        raise Http404(_("No such stage."))
    return run_from_button(
        request,
        lambda: services.route_stage_remove(actor=request.user, stage=stage),
        ok=_("Stage removed."),
        back=_route_page(stage.route),
    )


def _channel(request, pk) -> Channel:
    channel = registry_selectors.channels_visible_to(request.user).filter(pk=pk).first()
    if channel is None:
        raise Http404(_("No such channel."))
    return channel


@login_required
def channel_route(request, pk):
    """A channel's approval route: the one it follows (its own, its department's or the company default); its
    department's managers and IT security give it its own, add and remove its stages, or remove it (POST: a stage)."""
    channel = _channel(request, pk)
    may_manage = permissions.can_manage_routes(request.user, channel.department_id)
    own = ApprovalRoute.objects.filter(channel=channel).first()
    form = ChannelStageForm(request.POST or None)
    if request.method == "POST":
        if not may_manage:
            raise PermissionDenied(_("Only the department's managers and IT security change its channels' routes."))
        if own is None:
            raise Http404(_("This channel has no route of its own: give it one first."))
        if form.is_valid():
            data = dict(form.cleaned_data)
            users = data.pop("users") or []
            stage = RouteStage(route=own, **data)
            try:
                services.route_stage_save(actor=request.user, stage=stage, users=users)
            except DomainError as exc:
                if exc.status == 403:
                    raise PermissionDenied(exc.message) from exc
                errors_to_form(form, exc)
            else:
                messages.success(request, _("Stage “%(name)s” added.") % {"name": stage.name})
                return redirect("approvals:channel_route", pk=channel.pk)
    stages = Prefetch("stages", RouteStage.objects.select_related("escalate_to").prefetch_related("users"))
    route = (
        ApprovalRoute.objects.filter(pk=services.route_followed(channel).pk)
        .select_related("department", "channel")
        .prefetch_related(stages)
        .get()
    )
    return render(
        request,
        "approvals/channel_route.html",
        {
            "channel": channel,
            "route": route,
            "own": route.channel_id == channel.pk,
            "form": form,
            "can_manage": may_manage,
        },
    )


@login_required
@require_POST
def route_channel_create(request, pk):
    channel = _channel(request, pk)
    return run_from_button(
        request,
        lambda: services.route_channel_create(actor=request.user, channel=channel),
        ok=_("%(channel)s now has its own route, copied from the one it followed.") % {"channel": channel.display_name},
        back=reverse("approvals:channel_route", args=[channel.pk]),
    )


@login_required
@require_POST
def route_delete(request, pk):
    route = ApprovalRoute.objects.filter(pk=pk).first()
    if route is None:
        raise Http404(_("No such route."))
    return run_from_button(
        request,
        lambda: services.route_delete(actor=request.user, route=route),
        ok=_("Route removed: posts follow the department's route (or the company default) again."),
        back=_route_page(route),
    )


@login_required
@require_POST
def route_settings(request, pk):
    """A route's own settings: whether each of its stages needs a different person (separation of duties)."""
    route = ApprovalRoute.objects.filter(pk=pk).first()
    if route is None:
        raise Http404(_("No such route."))
    form = RouteSettingsForm(request.POST)
    form.is_valid()
    distinct = form.cleaned_data.get("distinct_reviewers", False)
    return run_from_button(
        request,
        lambda: services.route_update(actor=request.user, route=route, distinct_reviewers=distinct),
        ok=_("Each stage now needs a different person.")
        if distinct
        else _("One person may now decide several stages."),
        back=_route_page(route),
    )
