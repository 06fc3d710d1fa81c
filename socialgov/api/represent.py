"""Serializer output built directly, for lists whose fields are plain columns.

DRF's generic path builds every declared field for each request and walks them for each row: for a
page of 50 small rows that machinery costs more than the query. ``Direct`` keeps the serializer's
declaration (the schema reads it as before) and builds the same output from a model instance or a
``.values()`` row; each serializer that uses it has a test holding its output equal to the generic one.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

from rest_framework import ISO_8601, serializers
from rest_framework.settings import api_settings


def datetime_text() -> Callable[[Any], str | None]:
    """What DRF's ``DateTimeField`` gives for a value (ISO 8601 in the current time zone, UTC as ``Z``),
    without its per-call lookups; anything but an aware datetime goes through the field itself."""
    field = serializers.DateTimeField()
    tz = field.default_timezone()
    if tz is None or api_settings.DATETIME_FORMAT != ISO_8601:
        return field.to_representation
    # in UTC, a value the database gave in UTC reads the same without its conversion (the same wall time and
    # offset: isoformat writes "+00:00" for either tzinfo)
    in_utc = tz is datetime.UTC or getattr(tz, "key", None) in ("UTC", "Etc/UTC")

    def text(value):
        if value is None:
            return None
        zone = getattr(value, "tzinfo", None)
        if zone is datetime.UTC and in_utc:
            return value.isoformat()[:-6] + "Z"  # an offset of zero: always "+00:00"
        if zone is None:
            return field.to_representation(value)
        iso = value.astimezone(tz).isoformat()
        return iso[:-6] + "Z" if iso.endswith("+00:00") else iso

    return text


def _same_or_str(value):
    return value if value is None or value.__class__ is str else str(value)


def _same_or_int(value):
    return value if value is None or value.__class__ is int else int(value)


def _same(value):
    return value


class Direct:
    # A ``ModelSerializer`` mixin: the declared fields' output built directly (see the module).
    # Every declared field must read one attribute (no dotted source) and be a char, integer, JSON or
    # date-time field. ``values()`` names the columns a list reads into ``.values()`` rows.
    # (No docstring: the OpenAPI schema would take it for the serializer's description.)

    _plan: tuple[tuple[str, str, str], ...]

    @classmethod
    def plan(cls) -> tuple[tuple[str, str, str], ...]:
        """(output name, attribute, kind) for each declared field, worked out once a class."""
        if "_plan" not in cls.__dict__:
            plan = []
            for name, field in cls().fields.items():  # type: ignore[attr-defined]
                if "." in field.source or field.source == "*":
                    raise TypeError(f"{cls.__name__}.{name}: Direct reads plain attributes only.")
                if isinstance(field, serializers.DateTimeField):
                    kind = "datetime"
                elif isinstance(field, serializers.CharField):
                    kind = "str"
                elif isinstance(field, serializers.IntegerField):
                    kind = "int"
                elif isinstance(field, serializers.JSONField) and not field.binary:
                    kind = "same"
                else:
                    raise TypeError(f"{cls.__name__}.{name}: Direct does not build {type(field).__name__}.")
                plan.append((name, field.source, kind))
            cls._plan = tuple(plan)
        return cls._plan

    @classmethod
    def values(cls) -> list[str]:
        return [source for _, source, _ in cls.plan()]

    def to_representation(self, instance):
        steps = self.__dict__.get("_steps")
        if steps is None:  # once a serializer (a list's child: once a page), with the current time zone
            convert = {"datetime": datetime_text(), "str": _same_or_str, "int": _same_or_int, "same": _same}
            steps = self._steps = tuple((name, source, convert[kind]) for name, source, kind in self.plan())
        if isinstance(instance, dict):
            return {name: to(instance[source]) for name, source, to in steps}
        return {name: to(getattr(instance, source)) for name, source, to in steps}

    def generic_representation(self, instance):
        """DRF's own output of the declared fields (what ``to_representation`` must equal)."""
        return super().to_representation(instance)  # type: ignore[misc]
