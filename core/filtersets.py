"""What the apps' FilterSets share: a filter left empty reads "Any".

Choice and model-choice filters take their empty label from ``FILTERS_EMPTY_CHOICE_LABEL`` (settings); a
boolean filter's select is Django's ``NullBooleanSelect``, whose empty choice says "Unknown": ``BooleanFilter``
here renders it as "Any", with the same values (``unknown``, ``true``, ``false``), so links and the API read
the same as before.
"""

from __future__ import annotations

import copy

import django_filters
from django.conf import settings
from django.db.models import Q
from django.forms import NullBooleanSelect
from django.utils.translation import gettext_lazy

ANY = settings.FILTERS_EMPTY_CHOICE_LABEL  # "Any", in the reader's language (lazy)


class AnyBooleanSelect(NullBooleanSelect):
    """Yes, no or any: Django's select with its first choice labelled "Any"."""

    def __init__(self, attrs=None):
        super().__init__(attrs)
        self.choices = [("unknown", ANY), *self.choices[1:]]


class BooleanFilter(django_filters.BooleanFilter):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", AnyBooleanSelect)
        super().__init__(*args, **kwargs)


class SearchFilterSet(django_filters.FilterSet):
    """A list's filters with one text search, ``q``: a row matches when any of ``search_fields`` contains the text
    (any case), as the admin's ``search_fields`` reads; ``search_label`` names the box ("Search", "Name" ...)."""

    search_fields: tuple[str, ...] = ()
    search_label = gettext_lazy("Search")

    q = django_filters.CharFilter(method="filter_q")

    @classmethod
    def get_filters(cls):
        """The declared filters, ``q`` labelled with this list's ``search_label`` (the form and the API schema)."""
        filters = super().get_filters()
        filters["q"] = copy.deepcopy(filters["q"])
        filters["q"].label = cls.search_label
        return filters

    def filter_q(self, qs, name, value):
        if not value:
            return qs
        match = Q()
        for field in self.search_fields:
            match |= Q(**{f"{field}__icontains": value})
        return qs.filter(match)
