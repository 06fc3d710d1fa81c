"""Pickers by name: a filter that takes a channel, a person, a post... shows and accepts its name, never its number.

A *kind* (``Kind``: a slug, the noun people read, the rows a person may pick from, the fields searched by name) is
registered once (``register``; the project's kinds are in ``socialgov.pickers``) and serves three things:

- the search endpoint ``/search/<kind>/?q=`` (``socialgov.pickers.search``), which ``static/js/picker.js`` asks as
  the person types and whose answers it offers in an accessible combobox;
- ``PickerField`` / ``PickerFilter``: the form field and the FilterSet filter. The page's input shows the picked
  object's name; the script submits the picked object's id; without the script the input submits what was typed and
  the field resolves it (an exact name, else the one name containing it) or answers a form error that keeps it. An
  id (digits) is still accepted, so links and the API read as before;
- the scope: every lookup, by id or by name, runs on ``Kind.rows(user)``, so a person never finds by name what they
  may not see.

This module is kit: it imports no app (apps register their kinds into it).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import reduce
from operator import or_
from typing import Any

import django_filters
from django import forms
from django.contrib.auth.models import AnonymousUser
from django.db.models import Model, Q, QuerySet
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

LIMIT = 10  # suggestions per answer
MAX_QUERY = 100  # characters of a search read
MAX_ID = 2**63 - 1  # digits beyond a database's integer are a name, never an id (no overflow)


@dataclass(frozen=True)
class Kind:
    slug: str  # the search endpoint's path segment: /search/<slug>/
    noun: str  # "channel": the errors' and the list's word
    rows: Callable[[Any], QuerySet]  # what ``user`` may pick from (their scope), ordered
    fields: tuple[str, ...]  # the name fields: searched (contains) and resolved (exact)
    label: Callable[[Any], str] = str  # the name shown for one row
    model: str = ""  # the model's label (``app.model``), for the audit trail's targets
    plural: str = ""
    # the refusals, each one whole sentence with ``%(text)s`` (what was typed): a noun glued into a sentence would
    # not agree with it in German or French
    none_found: str = gettext_lazy("Nothing you may see is called “%(text)s”.")
    several: str = gettext_lazy("Several match “%(text)s”: type more of the name, or pick one from the list.")

    @property
    def nouns(self) -> str:
        return self.plural or f"{self.noun}s"

    def scope(self, user: Any) -> QuerySet:
        return self.rows(user if user is not None else AnonymousUser())

    def url(self) -> str:
        return reverse("search", args=[self.slug])

    def matching(self, user: Any, text: str) -> QuerySet:
        text = text.replace("\x00", "").strip()[:MAX_QUERY]  # no NUL: PostgreSQL refuses it in a query
        return self.scope(user).filter(reduce(or_, (Q(**{f"{f}__icontains": text}) for f in self.fields)))

    def suggestions(self, user: Any, text: str) -> list[dict[str, Any]]:
        """At most ``LIMIT`` rows whose name contains ``text``: ``{"id", "label"}`` each (one query)."""
        if not text.replace("\x00", "").strip():
            return []
        return [{"id": row.pk, "label": self.label(row)} for row in self.matching(user, text)[:LIMIT]]

    def resolve(self, rows: QuerySet, text: str) -> Model:
        """The one row of ``rows`` that ``text`` names: its id, else an exact name (any case), else the only name
        containing it; ``forms.ValidationError`` (saying what to do) when none or several do."""
        text = text.strip()
        if text.isdigit() and int(text) <= MAX_ID:
            found = rows.filter(pk=int(text)).first()
            if found is not None:
                return found
        text = text[:MAX_QUERY]
        exact = list(rows.filter(reduce(or_, (Q(**{f"{f}__iexact": text}) for f in self.fields)))[:2])
        if len(exact) == 1:
            return exact[0]
        if not exact:
            exact = list(rows.filter(reduce(or_, (Q(**{f"{f}__icontains": text}) for f in self.fields)))[:2])
            if len(exact) == 1:
                return exact[0]
        if not exact:
            raise forms.ValidationError(self.none_found, code="invalid_choice", params={"text": text})
        raise forms.ValidationError(self.several, code="ambiguous", params={"text": text})


KINDS: dict[str, Kind] = {}


def register(kind: Kind) -> Kind:
    KINDS[kind.slug] = kind
    return kind


def kind_named(slug: str) -> Kind:
    return KINDS[slug]


def kind_of_model(label: str) -> Kind | None:
    """The kind whose rows are ``label``'s model (``app.model``), if one is registered."""
    return next((k for k in KINDS.values() if k.model == label), None)


class PickerWidget(forms.TextInput):
    """A text input that shows a name and, with ``picker.js``, becomes a combobox asking ``data-picker-url``.

    It renders the visible input (named, so the form works without the script) beside a hidden one that the script
    names instead and fills with the picked id. ``chosen`` is the object the field resolved (set by ``PickerField``),
    whose name the input shows in place of the id it was given."""

    template_name = "widgets/picker.html"

    def __init__(self, attrs=None, kind: str = ""):
        super().__init__(attrs)
        self.kind = kind
        self.chosen: Model | None = None

    def chosen_label(self) -> str | None:
        """The resolved object's name (None when nothing was resolved)."""
        return kind_named(self.kind).label(self.chosen) if self.chosen is not None else None

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        kind = kind_named(self.kind)
        widget = context["widget"]
        if self.chosen is not None:  # what it was given (an id or a name), resolved: show the name
            widget["value"] = self.chosen_label()
        widget.update(picked_id=self.chosen.pk if self.chosen is not None else "", url=kind.url(), noun=kind.noun)
        widget["attrs"].setdefault("autocomplete", "off")
        return context


class PickerField(forms.ModelChoiceField):
    """A model choice by name (or id) among a kind's rows, rendered as a picker."""

    widget = PickerWidget

    def __init__(self, kind: str, *, queryset=None, **kwargs):
        self.kind = kind
        kwargs.setdefault("widget", PickerWidget(kind=kind))
        super().__init__(queryset=queryset, **kwargs)

    def __deepcopy__(self, memo):
        result = super().__deepcopy__(memo)
        result.widget.chosen = None
        return result

    def for_user(self, user: Any) -> PickerField:
        """Scope the field to what ``user`` may pick."""
        self.queryset = kind_named(self.kind).scope(user)
        return self

    def to_python(self, value):
        if value in self.empty_values or not str(value).strip():
            return None
        if "\x00" in str(value):
            raise forms.ValidationError(_("Null characters are not allowed."), code="null_characters_not_allowed")
        kind = kind_named(self.kind)
        rows = self.queryset if self.queryset is not None else kind.scope(None)
        chosen = kind.resolve(rows, str(value))
        self.widget.chosen = chosen
        return chosen

    def validate(self, value):
        forms.Field.validate(self, value)

    def has_changed(self, initial, data):
        return str(initial or "") != str(data or "")


@extend_schema_field(OpenApiTypes.STR)  # a name or an id
class PickerFilter(django_filters.filters.QuerySetRequestMixin, django_filters.Filter):
    """A FilterSet filter picked by name: its rows are the kind's scope for the request's person."""

    field_class = PickerField

    def __init__(self, kind: str, *args, **kwargs):
        kwargs.setdefault("queryset", lambda request: kind_named(kind).scope(getattr(request, "user", None)))
        super().__init__(*args, **kwargs)
        self.extra["kind"] = kind


def filter_summary(form) -> list[tuple[str, str]]:
    """What a bound filter form is set to, as the person reads it: ``(label, value)`` for each field given,
    names for pickers and labels for choices, never an id."""
    if not form.is_bound:
        return []
    cleaned = getattr(form, "cleaned_data", None)
    if cleaned is None:
        form.is_valid()
        cleaned = getattr(form, "cleaned_data", {})
    shown = []
    for name, f in form.fields.items():
        value = cleaned.get(name)
        if value in (None, "", [], ()) or name in form.errors:
            continue
        if isinstance(f.widget, PickerWidget) and f.widget.chosen is not None:
            text = f.widget.chosen_label()
        elif isinstance(f, forms.NullBooleanField) or isinstance(value, bool):
            text = _("Yes") if value else _("No")
        elif hasattr(f, "choices") and not isinstance(value, Model):
            text = str(dict((str(k), v) for k, v in f.choices).get(str(value), value))
        else:
            text = str(value)
        shown.append((str(f.label or name), text))
    return shown
