"""socialgov.api.represent.datetime_text writes what DRF's DateTimeField writes."""

import datetime
import zoneinfo

import pytest
from django.test import override_settings
from django.utils import timezone
from rest_framework import serializers

from socialgov.api.represent import datetime_text

VALUES = [
    None,
    datetime.datetime(2026, 11, 22, 10, 55, 23, 691888, tzinfo=datetime.UTC),
    datetime.datetime(2026, 11, 22, 10, 55, 23, tzinfo=datetime.UTC),  # no microseconds
    datetime.datetime(2026, 3, 29, 0, 30, tzinfo=zoneinfo.ZoneInfo("UTC")),
    datetime.datetime(2026, 3, 29, 3, 30, 1, 5, tzinfo=zoneinfo.ZoneInfo("Europe/Paris")),
    datetime.datetime(2026, 7, 1, 12, 0, tzinfo=datetime.timezone(datetime.timedelta(hours=5, minutes=30))),
]


@pytest.mark.parametrize("zone", ["UTC", "Etc/UTC", "America/New_York", "Asia/Kolkata"])
def test_datetime_text_equals_drf(zone):
    with timezone.override(zone):
        text, field = datetime_text(), serializers.DateTimeField()
        for value in VALUES:
            assert text(value) == field.to_representation(value), value


@override_settings(USE_TZ=False)
def test_datetime_text_without_time_zones_is_drf():
    naive = datetime.datetime(2026, 11, 22, 10, 55, 23, 691888)
    assert datetime_text()(naive) == serializers.DateTimeField().to_representation(naive)
