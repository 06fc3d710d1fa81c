"""Admin helpers shared by every app. A leaf module: it imports nothing from the apps."""

from collections.abc import Callable

from django.contrib import messages

from socialgov.errors import DomainError


def run_service(request, fn: Callable[[], object], ok_message: str) -> None:
    """Run one service call from an admin action; its refusal becomes an error message, not a 500."""
    try:
        fn()
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, ok_message)
