"""What the apps' FilterSets share: a filter left empty reads "Any".

Choice and model-choice filters take their empty label from ``FILTERS_EMPTY_CHOICE_LABEL`` (settings); a
boolean filter's select is Django's ``NullBooleanSelect``, whose empty choice says "Unknown": ``BooleanFilter``
here renders it as "Any", with the same values (``unknown``, ``true``, ``false``), so links and the API read
the same as before.
"""

from __future__ import annotations

import django_filters
from django.conf import settings
from django.forms import NullBooleanSelect

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
