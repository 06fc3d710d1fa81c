from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from accounts import permissions, selectors, services
from accounts.choices import Role
from accounts.forms import LanguageForm, MemberAddForm, MemberRoleForm, TokenCreateForm
from accounts.models import ApiToken, Department, Membership
from audit.selectors import events_for
from core.errors import DomainError
from core.pagekit import errors_to_form, paged, run_from_button
from notifications.forms import PreferenceForm
from notifications.selectors import preference_of


@login_required
def profile(request):
    """The person's own page: departments, API tokens, notification preference, security links."""
    new_key = request.session.pop("new_token_key", None)
    token_form = TokenCreateForm()
    if request.method == "POST":
        token_form = TokenCreateForm(request.POST)
        if token_form.is_valid():
            try:
                token, key = services.token_create(actor=request.user, **token_form.cleaned_data)
            except DomainError as exc:
                token_form.add_error(None, exc.message)
            else:
                # Shown once, on the next page, never stored in clear.
                request.session["new_token_key"] = key
                messages.success(
                    request,
                    _("Token “%(name)s” created. Copy it now: it will not be shown again.") % {"name": token.name},
                )
                return redirect("accounts:profile")
    return render(
        request,
        "accounts/profile.html",
        {
            "memberships": selectors.memberships_of(request.user),
            "tokens": selectors.tokens_of(request.user),
            "token_form": token_form,
            "new_key": new_key,
            "language_form": LanguageForm(initial={"language": request.user.language}),
            "pref_form": PreferenceForm(initial={"email_mode": preference_of(request.user)}),
            "events": events_for(request.user, limit=20),  # the history panel
        },
    )


@login_required
@require_POST
def token_revoke(request, pk):
    token = get_object_or_404(ApiToken, pk=pk, user=request.user)
    services.token_revoke(actor=request.user, token=token)
    messages.success(request, _("Token “%(name)s” revoked.") % {"name": token.name})
    return redirect("accounts:profile")


@login_required
@require_POST
def language_set(request):
    """The language chosen on the profile: kept on the person (their e-mails follow it) and in Django's language
    cookie, so the pages stay in it after they sign out; "as my browser asks" clears both."""
    form = LanguageForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose one of the languages offered."))
        return redirect("accounts:profile")
    try:
        user = services.user_language_set(actor=request.user, user=request.user, language=form.cleaned_data["language"])
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("accounts:profile")
    language = user.language or translation.get_language_from_request(request)
    translation.activate(language)
    messages.success(request, _("Your pages and e-mails are now in %(language)s.") % {"language": _language_name()})
    response = redirect("accounts:profile")
    if user.language:
        response.set_cookie(
            settings.LANGUAGE_COOKIE_NAME,
            user.language,
            max_age=settings.LANGUAGE_COOKIE_AGE,
            path=settings.LANGUAGE_COOKIE_PATH,
            domain=settings.LANGUAGE_COOKIE_DOMAIN,
            secure=settings.LANGUAGE_COOKIE_SECURE,
            httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
            samesite=settings.LANGUAGE_COOKIE_SAMESITE,
        )
    else:
        response.delete_cookie(settings.LANGUAGE_COOKIE_NAME, path=settings.LANGUAGE_COOKIE_PATH)
    return response


def _language_name() -> str:
    """The active language as named in itself ("Deutsch")."""
    return dict(settings.LANGUAGES).get(translation.get_language(), translation.get_language())


# --- Departments and their members -----------------------------------------------------------------------------


@login_required
@require_safe
def department_list(request):
    """The person's departments (every department for IT security, administrators and auditors), each with a link
    to its members where they may see them."""
    user = request.user
    roles = permissions.department_roles(user)
    rows = [
        {
            "department": department,
            "role": Role(roles[department.pk]).label if department.pk in roles else "",
            "members": permissions.can_read_members(user, department),
        }
        for department in selectors.departments_for(user)
    ]
    return render(request, "accounts/departments.html", {"rows": rows})


def _department_for_members(request, pk: int, *, manage: bool) -> Department:
    """The department, 404 when there is none; 403 unless the person manages it (``manage``) or may read its
    members (auditors)."""
    department = Department.objects.filter(pk=pk).first()
    if department is None:
        raise Http404(_("No such department."))
    allowed = permissions.can_manage_department if manage else permissions.can_read_members
    if not allowed(request.user, department):
        raise PermissionDenied(_("Only the department's managers or IT manage its members."))
    return department


def _membership_in(department: Department, pk: int) -> Membership:
    membership = Membership.objects.select_related("user", "department").filter(pk=pk, department=department).first()
    if membership is None:
        raise Http404(_("This person is not a member of the department."))
    return membership


def _manageable(actor, membership: Membership) -> str:
    """Why ``actor`` may not change this membership, or "" when they may (read from what the page holds)."""
    if membership.user_id == actor.pk:
        return _("Your own membership: someone else changes it.")
    if not permissions.can_grant_role(actor, membership.role):
        return _("Managers are changed by IT security.")
    return ""


@login_required
def department_members(request, pk):
    """A department's members and their roles; its managers (and IT) add people by e-mail, change roles and
    remove members. Every change goes through the membership services."""
    user = request.user
    department = _department_for_members(request, pk, manage=request.method == "POST")
    can_manage = permissions.can_manage_department(user, department)
    form = MemberAddForm(request.POST or None, actor=user)
    if request.method == "POST" and form.is_valid():
        try:
            membership = services.membership_add(actor=user, department=department, **form.cleaned_data)
        except DomainError as exc:  # an unknown address, a deactivated person, oneself: said on the form as typed
            errors_to_form(form, exc)
        else:
            messages.success(
                request,
                _("%(person)s is now %(role)s.")
                % {"person": membership.user, "role": membership.get_role_display().lower()},
            )
            return redirect("departments:members", pk=department.pk)
    page, query = paged(request, selectors.department_members(department.pk), per_page=25)
    rows = [
        {"membership": m, "locked": _manageable(user, m) if can_manage else _("read only")} for m in page.object_list
    ]
    return render(
        request,
        "accounts/members.html",
        {
            "department": department,
            "page": page,
            "query": query,
            "rows": rows,
            "form": form,
            "can_manage": can_manage,
            "role_choices": MemberRoleForm(actor=user).fields["role"].choices,
        },
    )


@login_required
@require_POST
def member_role(request, pk, membership_pk):
    department = _department_for_members(request, pk, manage=True)
    membership = _membership_in(department, membership_pk)
    form = MemberRoleForm(request.POST, actor=request.user)
    back = reverse("departments:members", args=[department.pk])
    if not form.is_valid():
        why = " ".join(form.errors.get("role", []))
        messages.error(request, _("Choose a role you may give: %(why)s") % {"why": why})
        return redirect(back)
    role = form.cleaned_data["role"]
    return run_from_button(
        request,
        lambda: services.membership_change_role(actor=request.user, membership=membership, role=role),
        ok=_("%(person)s is now %(role)s.") % {"person": membership.user, "role": Role(role).label.lower()},
        back=back,
    )


@login_required
@require_safe
def member_remove_confirm(request, pk, membership_pk):
    """Who would be removed, and the button that removes them (POST to member_remove)."""
    department = _department_for_members(request, pk, manage=True)
    membership = _membership_in(department, membership_pk)
    return render(
        request,
        "accounts/member_remove_confirm.html",
        {"department": department, "membership": membership, "locked": _manageable(request.user, membership)},
    )


@login_required
@require_POST
def member_remove(request, pk, membership_pk):
    department = _department_for_members(request, pk, manage=True)
    membership = _membership_in(department, membership_pk)
    return run_from_button(
        request,
        lambda: services.membership_remove(actor=request.user, membership=membership),
        ok=_("%(person)s is no longer a member of %(department)s.")
        % {"person": membership.user, "department": department.name},
        back=reverse("departments:members", args=[department.pk]),
    )
