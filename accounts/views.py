from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from accounts import selectors, services
from accounts.forms import TokenCreateForm
from accounts.models import ApiToken
from audit.selectors import events_for
from notifications.forms import PreferenceForm
from notifications.selectors import preference_of
from socialgov.errors import DomainError


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
                messages.success(request, f"Token “{token.name}” created. Copy it now: it will not be shown again.")
                return redirect("accounts:profile")
    return render(
        request,
        "accounts/profile.html",
        {
            "memberships": selectors.memberships_of(request.user),
            "tokens": selectors.tokens_of(request.user),
            "token_form": token_form,
            "new_key": new_key,
            "pref_form": PreferenceForm(initial={"email_mode": preference_of(request.user)}),
            "events": events_for(request.user, limit=20),  # the history panel
        },
    )


@login_required
@require_POST
def token_revoke(request, pk):
    token = get_object_or_404(ApiToken, pk=pk, user=request.user)
    services.token_revoke(actor=request.user, token=token)
    messages.success(request, f"Token “{token.name}” revoked.")
    return redirect("accounts:profile")
