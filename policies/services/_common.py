"""What the policies services share: the text limit and the model checks."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from core.errors import InvalidInput

MAX_TEXT = 5000
# Addresses under /policies/ (and /policies/training/) that are pages: no policy or course may take one as its slug.
RESERVED_POLICY_SLUGS = frozenset({"new", "mine", "rules", "training", "platforms"})
RESERVED_COURSE_SLUGS = frozenset({"new"})


def _full_clean(obj: Any, refusal: str, reserved: frozenset[str] = frozenset()) -> None:
    """The model's validation, and no slug that is a page's address, as field errors."""
    errors: dict[str, list[str]] = {}
    try:
        obj.full_clean()
    except ValidationError as exc:
        errors = dict(exc.message_dict)
    if getattr(obj, "slug", None) in reserved:
        errors.setdefault("slug", []).append(
            _("“%(slug)s” is the address of another page: choose another.") % {"slug": obj.slug}
        )
    if errors:
        raise InvalidInput(refusal, fields=errors)
