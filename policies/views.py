from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.choices import Role
from accounts.models import Membership
from core.errors import DomainError
from core.pagekit import errors_to_form, filtered_rows, paged, run_from_button, safe_next, with_next
from policies import gates, selectors, services
from policies.content import Severity, check_text
from policies.filters import ContentRuleFilter, PlatformDecisionFilter, PolicyFilter, TrainingCourseFilter
from policies.forms import (
    AttestForm,
    ContentCheckForm,
    ContentRuleForm,
    DecisionEndForm,
    PlatformDecisionForm,
    PolicyForm,
    PolicyVersionForm,
    RecordCompletionForm,
    TrainingCourseForm,
)
from policies.models import Acknowledgement, ContentRule, TrainingCourse
from policies.permissions import (
    can_decide_platforms,
    can_manage_policies,
    can_manage_rules,
    can_read_coverage,
    can_read_rules,
)

PAGE_SIZE = 50


def _paged(request, filterset, qs):
    return paged(request, filtered_rows(filterset, qs), per_page=PAGE_SIZE, paginator_class=Paginator)


@login_required
def platform_list(request):
    """The catalogue and IT's decisions: what may be registered where, and why."""
    filterset = PlatformDecisionFilter(request.GET or None, queryset=selectors.decisions())
    page, query = _paged(request, filterset, selectors.decisions())
    return render(
        request,
        "policies/platform_list.html",
        {
            "platforms": list(selectors.platforms()),
            "filter": filterset,
            "page": page,
            "query": query,
            "can_decide": can_decide_platforms(request.user),
            "today": timezone.localdate(),
        },
    )


def _may_decide(request) -> None:
    if not can_decide_platforms(request.user):
        raise PermissionDenied(_("Only IT security decides platforms."))


def _decision(pk: int):
    decision = selectors.decisions().filter(pk=pk).first()
    if decision is None:
        raise Http404(_("No such decision."))
    return decision


def _decided(form, call):
    """Run a deciding service for a form: 403 when not allowed, anything else refused on the form (as typed)."""
    try:
        return call()
    except DomainError as exc:
        if exc.status == 403:
            raise PermissionDenied(exc.message) from exc
        errors_to_form(form, exc)
        return None


def _decision_values(data) -> dict:
    return {
        "outcome": data["outcome"],
        "rationale": data["rationale"],
        "conditions": data.get("conditions", ""),
        "departments": list(data.get("departments") or []),
        "effective_from": data.get("effective_from"),
        "review_by": data.get("review_by"),
        "expires_on": data.get("expires_on"),
    }


def _back_to(platform) -> str:
    return reverse("policies:platform_list") + f"?platform={platform.slug}"


@login_required
def platform_decision_new(request):
    """IT security records a decision: allow, allow with conditions or block a platform for departments."""
    _may_decide(request)
    initial = {"platform": request.GET.get("platform", ""), "departments": request.GET.getlist("department")}
    form = PlatformDecisionForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        decision = _decided(
            form,
            lambda: services.platform_decision_record(
                actor=request.user, platform=data["platform"], **_decision_values(data)
            ),
        )
        if decision is not None:
            messages.success(request, _("Recorded: %(decision)s.") % {"decision": decision})
            return redirect(_back_to(decision.platform))
    return render(request, "policies/platform_decision_form.html", {"form": form, "decision": None})


@login_required
def platform_decision_change(request, pk):
    """IT security changes a decision in force (what it says, for whom, until when)."""
    decision = _decision(pk)
    _may_decide(request)
    initial = {
        "departments": [d.slug for d in decision.departments.all()],
        **{f: getattr(decision, f) for f in services.DECISION_FIELDS},
    }
    form = PlatformDecisionForm(request.POST or None, initial=initial, decision=decision)
    if request.method == "POST" and form.is_valid():
        changed = _decided(
            form,
            lambda: services.platform_decision_change(
                actor=request.user, decision=decision, **_decision_values(form.cleaned_data)
            ),
        )
        if changed is not None:
            messages.success(request, _("Changed: %(decision)s.") % {"decision": changed})
            return redirect(_back_to(decision.platform))
    return render(request, "policies/platform_decision_form.html", {"form": form, "decision": decision})


@login_required
def platform_decision_end(request, pk):
    """IT security ends a decision now: the confirmation (GET) and the end (POST)."""
    decision = _decision(pk)
    _may_decide(request)
    form = DecisionEndForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        ended = _decided(
            form,
            lambda: services.platform_decision_end(
                actor=request.user, decision=decision, reason=form.cleaned_data["reason"]
            ),
        )
        if ended is not None:
            messages.success(request, _("Ended: %(decision)s. It no longer applies.") % {"decision": ended})
            return redirect(_back_to(decision.platform))
    return render(request, "policies/platform_decision_end.html", {"form": form, "decision": decision})


# --- Policies ------------------------------------------------------------------------


@login_required
def policy_list(request):
    """Every policy, its current version, and whether you have acknowledged it."""
    filterset = PolicyFilter(request.GET or None, queryset=selectors.policies())
    page, query = _paged(request, filterset, selectors.policies())
    current = [p.current_version_id for p in page.object_list if p.current_version_id]
    mine = set(
        Acknowledgement.objects.filter(user=request.user, version__in=current).values_list("version_id", flat=True)
    )
    return render(
        request,
        "policies/policy_list.html",
        {
            "filter": filterset,
            "page": page,
            "query": query,
            "acknowledged": mine,
            "can_manage": can_manage_policies(request.user),
        },
    )


@login_required
def policy_detail(request, slug):
    policy = get_object_or_404(selectors.policies(), slug=slug)
    version = policy.current_version
    ack = Acknowledgement.objects.filter(user=request.user, version=version).first() if version else None
    manage = can_manage_policies(request.user)
    return render(
        request,
        "policies/policy_detail.html",
        {
            **_back(request),
            "policy": policy,
            "version": version,
            "ack": ack,
            "versions": list(selectors.versions_of(policy)) if manage or can_read_coverage(request.user) else [],
            "can_manage": manage,
            "can_read_coverage": can_read_coverage(request.user) or _managed_departments(request.user),
        },
    )


@login_required
@require_POST
def policy_acknowledge(request, slug):
    policy = get_object_or_404(selectors.policies(), slug=slug)
    if policy.current_version is None:
        messages.error(request, _("This policy has no published version yet."))
        return redirect("policies:policy_detail", slug=slug)
    try:
        services.acknowledgement_record(actor=request.user, version=policy.current_version)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            _("You acknowledged “%(title)s” (version %(number)s).")
            % {"title": policy.title, "number": policy.current_version.number},
        )
    return redirect(with_next(reverse("policies:policy_detail", args=[slug]), safe_next(request)))


def _back(request) -> dict:
    """Where the page was opened from (a safe ``next``) and the words of the link back there."""
    target = safe_next(request)
    registering = target.startswith(reverse("channels_registry:channel_register"))
    return {
        "next": target,
        "back_label": _("Back to your registration") if registering else _("Back to where you were"),
    }


def _managed_departments(user) -> set[int]:
    return set(Membership.objects.filter(user=user, role=Role.MANAGER).values_list("department_id", flat=True))


@login_required
def policy_coverage(request, slug):
    """Per department: who has and has not acknowledged the current version (managers see their own)."""
    policy = get_object_or_404(selectors.policies(), slug=slug)
    everything = can_read_coverage(request.user)
    managed = set() if everything else _managed_departments(request.user)
    if not everything and not managed:
        raise PermissionDenied
    rows = selectors.coverage(policy.current_version) if policy.current_version else []
    if not everything:
        rows = [r for r in rows if r.department is not None and r.department.pk in managed]
    return render(request, "policies/policy_coverage.html", {"policy": policy, "rows": rows})


# --- What I need ---------------------------------------------------------------------


@login_required
def my_requirements(request):
    """What stands between you and posting or reviewing, with where to fix each."""
    return render(
        request,
        "policies/my_requirements.html",
        {
            "pending": selectors.pending_acknowledgements(request.user),
            "training": selectors.training_due(request.user),
            "review_blockers": gates.review_blockers(user=request.user),
        },
    )


# --- Training ------------------------------------------------------------------------


@login_required
def course_list(request):
    filterset = TrainingCourseFilter(request.GET or None, queryset=selectors.courses())
    page, query = _paged(request, filterset, selectors.courses())
    until = selectors.latest_expiry(request.user, [c.pk for c in page.object_list])
    return render(
        request,
        "policies/course_list.html",
        {
            "filter": filterset,
            "page": page,
            "query": query,
            "rows": [(c, until.get(c.pk)) for c in page.object_list],
            "today": timezone.localdate(),
            "can_manage": can_manage_policies(request.user),
        },
    )


# the two forms on a course's page share "completed_on": the second's ids apart (a label names one field)
RECORD_IDS = "id_record_%s"


@login_required
def course_detail(request, slug):
    course = get_object_or_404(selectors.courses(), slug=slug)
    attest_form, record_form = AttestForm(), RecordCompletionForm(auto_id=RECORD_IDS)
    if request.method == "POST":
        recording = "user" in request.POST
        form = RecordCompletionForm(request.POST, auto_id=RECORD_IDS) if recording else AttestForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.training_completion_record(
                    actor=request.user,
                    user=data["user"] if recording else request.user,
                    course=course,
                    completed_on=data.get("completed_on"),
                    attested=data.get("attested", False),
                    note=data.get("note", ""),
                )
            except DomainError as exc:
                if exc.status == 403:
                    raise PermissionDenied(exc.message) from exc
                form.add_error(None, exc.message)
            else:
                messages.success(request, _("Completion of “%(title)s” recorded.") % {"title": course.title})
                return redirect(with_next(reverse("policies:course_detail", args=[slug]), safe_next(request)))
        if recording:
            record_form = form
        else:
            attest_form = form
    mine = list(selectors.completions().filter(user=request.user, course=course)[:10])
    return render(
        request,
        "policies/course_detail.html",
        {
            **_back(request),
            "course": course,
            "mine": mine,
            "attest_form": attest_form,
            "record_form": record_form,
            "may_record": course.trainers.filter(pk=request.user.pk).exists()
            or bool(_managed_departments(request.user))
            or can_manage_policies(request.user),
            "can_manage": can_manage_policies(request.user),
        },
    )


# --- Content rules -------------------------------------------------------------------


@login_required
def rule_list(request):
    if not can_read_rules(request.user):
        raise PermissionDenied
    filterset = ContentRuleFilter(request.GET or None, queryset=selectors.content_rules())
    page, query = _paged(request, filterset, selectors.content_rules())
    return render(
        request,
        "policies/rule_list.html",
        {"filter": filterset, "page": page, "query": query, "can_manage": can_manage_rules(request.user)},
    )


@login_required
def content_check(request):
    """Try a text against the content rules (the composer does the same as you type)."""
    form = ContentCheckForm(request.POST or None)
    findings = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        findings = check_text(
            text=data["text"],
            department=data["department"],
            platform=data["platform"],
            sponsored=data["sponsored"],
        )
    return render(
        request,
        "policies/content_check.html",
        {
            "form": form,
            "findings": findings,
            "blocked": bool(findings) and any(f.severity == Severity.BLOCK for f in findings),
        },
    )


# --- Writing policies, courses and rules (communications and IT security) ------------------------------------


def _may_manage(request, may=can_manage_policies) -> None:
    if not may(request.user):
        raise PermissionDenied(_("Only communications and IT security write these."))


@login_required
def policy_new(request):
    """A new policy (its text comes as a first version, drafted next)."""
    _may_manage(request)
    form = PolicyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        policy = _decided(form, lambda: services.policy_create(actor=request.user, **data))
        if policy is not None:
            messages.success(request, _("Created “%(title)s”. Now write its first version.") % {"title": policy.title})
            return redirect("policies:policy_version_new", slug=policy.slug)
    return render(request, "policies/policy_form.html", {"form": form, "policy": None})


@login_required
def policy_edit(request, slug):
    """A policy's title, summary and what it is required for (its text changes by new versions)."""
    policy = get_object_or_404(selectors.policies(), slug=slug)
    _may_manage(request)
    form = PolicyForm(request.POST or None, instance=policy)
    if request.method == "POST" and form.is_valid():
        saved = _decided(
            form, lambda: services.policy_save(actor=request.user, policy=form.instance, changed=form.changed_data)
        )
        if saved is not None:
            messages.success(request, _("Saved “%(title)s”.") % {"title": saved.title})
            return redirect("policies:policy_detail", slug=saved.slug)
    policy.refresh_from_db()  # the heading names the policy as it is, not as typed
    return render(request, "policies/policy_form.html", {"form": form, "policy": policy})


@login_required
def policy_version_new(request, slug):
    """Draft a new version, starting from the current one's text and audience."""
    policy = get_object_or_404(selectors.policies(), slug=slug)
    _may_manage(request)
    base = policy.current_version
    initial = {}
    if base is not None:
        initial = {
            "body": base.body,
            "audience_everyone": base.audience_everyone,
            "audience_departments": [d.slug for d in base.audience_departments.all()],
            "audience_roles": base.audience_roles,
        }
    form = PolicyVersionForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        version = _decided(
            form, lambda: services.policy_version_draft(actor=request.user, policy=policy, **form.cleaned_data)
        )
        if version is not None:
            messages.success(
                request,
                _("Version %(number)s is a draft: it binds no one until you publish it below.")
                % {"number": version.number},
            )
            return redirect(reverse("policies:policy_detail", args=[slug]) + "#hist-h")
    return render(request, "policies/policy_version_form.html", {"form": form, "policy": policy, "base": base})


@login_required
@require_POST
def policy_version_publish(request, slug, number):
    """Publish a draft: it becomes current, and its audience is asked to acknowledge it."""
    policy = get_object_or_404(selectors.policies(), slug=slug)
    version = get_object_or_404(policy.versions.all(), number=number)
    _may_manage(request)
    return run_from_button(
        request,
        lambda: services.policy_version_publish(actor=request.user, version=version),
        ok=_("Published version %(number)s of “%(title)s”: its audience is asked to read it.")
        % {"number": number, "title": policy.title},
        back=reverse("policies:policy_detail", args=[slug]),
    )


@login_required
def course_new(request):
    _may_manage(request)
    return _course_form(request, TrainingCourse())


@login_required
def course_edit(request, slug):
    course = get_object_or_404(selectors.courses(), slug=slug)
    _may_manage(request)
    return _course_form(request, course)


def _course_form(request, course):
    creating = course.pk is None
    form = TrainingCourseForm(request.POST or None, instance=course)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        saved = _decided(
            form,
            lambda: services.course_save(
                actor=request.user,
                course=form.instance,
                departments=data["departments"],
                trainers=data["trainers"],
                changed=form.changed_data,
            ),
        )
        if saved is not None:
            messages.success(
                request,
                (_("Created the course “%(title)s”.") if creating else _("Saved the course “%(title)s”."))
                % {"title": saved.title},
            )
            return redirect("policies:course_detail", slug=saved.slug)
    if not creating:
        course.refresh_from_db()
    return render(request, "policies/course_form.html", {"form": form, "course": None if creating else course})


@login_required
def rule_new(request):
    _may_manage(request, can_manage_rules)
    return _rule_form(request, ContentRule())


@login_required
def rule_edit(request, pk):
    _may_manage(request, can_manage_rules)
    rule = get_object_or_404(selectors.content_rules(), pk=pk)
    return _rule_form(request, rule)


def _rule_form(request, rule):
    creating = rule.pk is None
    form = ContentRuleForm(request.POST or None, instance=rule)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        saved = _decided(
            form,
            lambda: services.content_rule_save(
                actor=request.user, rule=form.instance, departments=data["departments"], platforms=data["platforms"]
            ),
        )
        if saved is not None:
            messages.success(
                request,
                (_("Created the rule “%(name)s”.") if creating else _("Saved the rule “%(name)s”."))
                % {"name": saved.name},
            )
            return redirect("policies:rule_list")
    if not creating:
        rule.refresh_from_db()
    return render(request, "policies/rule_form.html", {"form": form, "rule": None if creating else rule})
