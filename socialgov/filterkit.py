"""A filter's list of departments or platforms without a query on each request.

django-filter's ``ModelChoiceFilter`` reads its queryset every time its form is rendered (a server-side cursor on
PostgreSQL: ``.iterator()``) and again to validate a value (``queryset.get``). ``KeptModelChoiceFilter`` reads
the same queryset once and keeps its options with ``socialgov.cachekit.shared`` (until the next audited write
anywhere, at most a minute): the same options in the same order, the same labels (``label_from_instance``),
the same error for a value that is not one of them, and a model instance with the chosen option's id for the
filter. Only for tables that change through audited services alone (departments: ``department_save``;
platforms: ``platform_save``; neither is ever deleted).
"""

from __future__ import annotations

from typing import Any

import django_filters
from django.core.exceptions import ValidationError
from django_filters.fields import ModelChoiceField, ModelChoiceIterator

from socialgov import cachekit

Option = tuple[int, str, str]  # (primary key, value sent by the form, label)


class KeptModelChoiceIterator(ModelChoiceIterator):
    """``ModelChoiceIterator`` over the kept options: what the widget renders, with no query."""

    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        if self.field.null_label is not None:
            yield (self.field.null_value, self.field.null_label)
        for _pk, value, label in self.field.options():
            yield (value, label)

    def __len__(self):
        extra = (self.field.empty_label is not None) + (self.field.null_label is not None)
        return len(self.field.options()) + extra

    def __bool__(self):
        return self.field.empty_label is not None or bool(self.field.options())


class KeptModelChoiceField(ModelChoiceField):
    """django-filter's ``ModelChoiceField`` answering from options kept under ``kept_as`` (see the module)."""

    iterator = KeptModelChoiceIterator

    def __init__(self, *args: Any, kept_as: str, **kwargs: Any) -> None:
        self.kept_as = kept_as
        super().__init__(*args, **kwargs)
        if not self.to_field_name:
            raise ValueError("KeptModelChoiceField matches on to_field_name (a slug): give one")

    def __deepcopy__(self, memo):
        result = super().__deepcopy__(memo)
        result.__dict__.pop("_options", None)  # each form (each request) asks the cache again
        return result

    def options(self) -> list[Option]:
        """The options (read once per form): kept, or read from the queryset in its order."""
        if "_options" not in self.__dict__:
            self._options = cachekit.shared("filter-choices", self.kept_as, self._read_options)
        return self._options

    def _read_options(self) -> list[Option]:
        return [(obj.pk, str(self.prepare_value(obj)), self.label_from_instance(obj)) for obj in self.queryset]

    def to_python(self, value):
        """``ModelChoiceField.to_python`` against the kept options: the chosen object (its id and value set), or
        the same ``invalid_choice`` error."""
        if value in self.empty_values:
            return None
        if self.null_label is not None and value == self.null_value:
            return value
        self.validate_no_null_characters(value)
        model = self.queryset.model
        if isinstance(value, model):
            value = getattr(value, self.to_field_name)
        for pk, option, _label in self.options():
            if option == str(value):
                # an instance as the database gives it (its other fields deferred)
                return model.from_db(self.queryset.db, [model._meta.pk.attname, self.to_field_name], [pk, option])
        raise ValidationError(self.error_messages["invalid_choice"], code="invalid_choice", params={"value": value})


class KeptModelChoiceFilter(django_filters.ModelChoiceFilter):
    """``ModelChoiceFilter`` whose options are kept under ``kept_as`` (one name per queryset and field)."""

    field_class = KeptModelChoiceField
