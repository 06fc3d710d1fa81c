"""IT's SCIM page: the tokens identity providers use, and the last requests they made with their results."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts import permissions
from core.errors import DomainError
from core.paging import CappedPaginator
from scim import selectors, services
from scim.forms import RequestFilterForm, ScimTokenForm
from scim.models import ScimToken

PER_PAGE = 50


def _readers_only(user) -> None:
    if not (permissions.is_it_security(user) or permissions.is_auditor(user)):
        raise PermissionDenied


@login_required
def provisioning(request):
    _readers_only(request.user)
    token_form = ScimTokenForm()
    if request.method == "POST":
        token_form = ScimTokenForm(request.POST)
        if token_form.is_valid():
            try:
                token, key = services.scim_token_create(actor=request.user, name=token_form.cleaned_data["name"])
            except DomainError as exc:
                if exc.status == 403:
                    raise PermissionDenied(exc.message) from None
                token_form.add_error(None, exc.message)
            else:
                request.session["new_scim_key"] = key  # shown once, on the next page
                messages.success(
                    request, f"SCIM token “{token.name}” created. Copy it now: it will not be shown again."
                )
                return redirect("scim_pages:provisioning")
    filters = RequestFilterForm(request.GET or None)
    result = filters.cleaned_data["result"] if filters.is_valid() else ""
    page = CappedPaginator(selectors.scim_requests(result=result), PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "scim/provisioning.html",
        {
            "tokens": selectors.scim_tokens(),
            "token_form": token_form,
            "new_key": request.session.pop("new_scim_key", None),
            "filters": filters,
            "page": page,
            "query": f"result={result}" if result else "",
            "base_url": request.build_absolute_uri(reverse("scim:users")).rsplit("/", 1)[0] + "/",
            "may_change": permissions.is_it_security(request.user),
        },
    )


@login_required
@require_POST
def token_revoke(request, pk):
    _readers_only(request.user)
    token = get_object_or_404(ScimToken, pk=pk)
    try:
        services.scim_token_revoke(actor=request.user, token=token)
    except DomainError as exc:
        raise PermissionDenied(exc.message) from None
    messages.success(
        request, _("SCIM token “%(name)s” revoked: its provider is refused from now on.") % {"name": token.name}
    )
    return redirect("scim_pages:provisioning")
