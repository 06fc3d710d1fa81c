"""Pages of the record: parse, authorize, call a service, answer. Compliance, IT security and auditors read them;
compliance and IT security keep the record (holds, periods, exports of a person's data); IT security erases."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from audit.selectors import events_for
from core.errors import DomainError, Forbidden, NotFound
from core.pagekit import errors_to_form, filtered_page, run_from_button
from records import bundles, permissions, selectors, services, subjects
from records.filters import LegalHoldFilter, SubjectRequestFilter
from records.forms import ArchiveForm, HoldForm, ReleaseForm, RetentionForm, SubjectForm
from records.models import LegalHold
from records.registry import RECORD_TYPES


def _readers_only(user) -> None:
    if not permissions.can_read_records(user):
        raise PermissionDenied(_("Only compliance, IT security and auditors read the record."))


def _keepers_only(user) -> None:
    if not permissions.can_keep_records(user):
        raise PermissionDenied(_("Only compliance and IT security change the record."))


def _refused(exc: DomainError) -> None:
    if isinstance(exc, Forbidden):
        raise PermissionDenied(exc.message) from exc
    if isinstance(exc, NotFound):
        raise Http404(exc.message) from exc


# --- Overview and retention ------------------------------------------------------------------------------------


@login_required
def index(request):
    user = request.user
    _readers_only(user)
    days = services.retention_days()
    kinds = [
        {"key": key, "label": kind.label, "days": days[key], "default": kind.default_days}
        for key, kind in RECORD_TYPES.items()
    ]
    return render(
        request,
        "records/index.html",
        {
            "kinds": kinds,
            "runs": selectors.retention_runs(),
            "active_holds": LegalHold.objects.filter(released_at__isnull=True).count(),
            "retention_form": RetentionForm(),
            "can_keep": permissions.can_keep_records(user),
        },
    )


@login_required
@require_POST
def retention_set(request):
    _keepers_only(request.user)
    form = RetentionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a kind of record and a period of 1 to 36,500 days."))
        return redirect("records:index")
    return run_from_button(
        request,
        lambda: services.retention_rule_set(actor=request.user, **form.cleaned_data),
        ok=_("Retention period set."),
        back=reverse("records:index"),
    )


@login_required
@require_POST
def retention_run(request):
    _keepers_only(request.user)
    return run_from_button(
        request,
        lambda: services.retention_apply(actor=request.user),
        ok=_("Retention applied: the run's counts are below."),
        back=reverse("records:index"),
    )


# --- Legal holds -----------------------------------------------------------------------------------------------


@login_required
def holds(request):
    user = request.user
    _readers_only(user)
    form = HoldForm(request.POST or None, user=user)
    if request.method == "POST":
        _keepers_only(user)
        if form.is_valid():
            try:
                hold = services.hold_set(actor=user, **form.cleaned_data)
            except DomainError as exc:
                _refused(exc)
                errors_to_form(form, exc)
            else:
                messages.success(request, _("Legal hold #%(number)s is in force.") % {"number": hold.pk})
                return redirect("records:hold_detail", pk=hold.pk)
    ctx = filtered_page(request, LegalHoldFilter, selectors.holds())
    ctx.update(form=form, can_keep=permissions.can_keep_records(user))
    return render(request, "records/holds.html", ctx)


@login_required
def hold_detail(request, pk):
    user = request.user
    _readers_only(user)
    hold = selectors.holds().filter(pk=pk).first()
    if hold is None:
        raise Http404(_("No such legal hold."))
    counts = selectors.covered_counts(hold)
    covered = [(RECORD_TYPES[k].label, n) for k, n in counts.items()]
    return render(
        request,
        "records/hold_detail.html",
        {
            "hold": hold,
            "covered": covered,
            "events": events_for(hold),
            "release_form": ReleaseForm(),
            "can_keep": permissions.can_keep_records(user),
        },
    )


@login_required
@require_POST
def hold_release(request, pk):
    _keepers_only(request.user)
    hold = LegalHold.objects.filter(pk=pk).first()
    if hold is None:
        raise Http404(_("No such legal hold."))
    form = ReleaseForm(request.POST)
    reason = form.cleaned_data["release_reason"] if form.is_valid() else ""
    return run_from_button(
        request,
        lambda: services.hold_release(actor=request.user, hold=hold, reason=reason),
        ok=_("Released: what it kept follows its retention period again."),
        back=reverse("records:hold_detail", args=[hold.pk]),
    )


# --- The archive -----------------------------------------------------------------------------------------------


@login_required
def archive(request):
    user = request.user
    _readers_only(user)
    form = ArchiveForm(request.GET or None, user=request.user)
    if form.is_bound and form.is_valid():
        try:
            export, bundle = bundles.archive_export(actor=user, **form.cleaned_data)
        except DomainError as exc:
            _refused(exc)
            errors_to_form(form, exc)
        else:
            return FileResponse(
                bundle, as_attachment=True, filename=bundles.bundle_name(export), content_type="application/zip"
            )
    return render(request, "records/archive.html", {"form": form, "exports": selectors.archive_exports()})


# --- Data-subject requests -------------------------------------------------------------------------------------


def _requests_page(request, *, export_form=None, erase_form=None, status=200):
    user = request.user
    ctx = filtered_page(request, SubjectRequestFilter, selectors.subject_requests())
    ctx.update(
        export_form=export_form or SubjectForm(prefix="export", user=request.user),
        erase_form=erase_form or SubjectForm(prefix="erase", user=request.user),
        can_keep=permissions.can_keep_records(user),
        can_erase=permissions.can_erase(user),
    )
    return render(request, "records/requests.html", ctx, status=status)


@login_required
def requests(request):
    _readers_only(request.user)
    return _requests_page(request)


@login_required
@require_POST
def request_export(request):
    user = request.user
    _keepers_only(user)
    form = SubjectForm(request.POST, prefix="export", user=request.user)
    if form.is_valid():
        try:
            entry, document = subjects.subject_access_export(actor=user, **form.cleaned_data)
        except DomainError as exc:
            _refused(exc)
            errors_to_form(form, exc)
        else:
            response = HttpResponse(document, content_type="application/json; charset=utf-8")
            response["Content-Disposition"] = f'attachment; filename="subject-access-{entry.pk}.json"'
            return response
    return _requests_page(request, export_form=form)


@login_required
@require_POST
def request_erase(request):
    user = request.user
    if not permissions.can_erase(user):
        raise PermissionDenied(_("Only IT security erases a person's data."))
    form = SubjectForm(request.POST, prefix="erase", user=request.user)
    if not form.is_valid():
        return _requests_page(request, erase_form=form)
    return run_from_button(
        request,
        lambda: subjects.subject_erase(actor=user, **form.cleaned_data),
        ok=_("Erased: the request is on the log."),
        back=reverse("records:requests"),
    )
