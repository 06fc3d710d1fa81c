from __future__ import annotations

from datetime import date, timedelta

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Department
from core.filterkit import PickerField

DEFAULT_DAYS = 182
MAX_DAYS = 366 * 5


class ReportFilterForm(forms.Form):
    start = forms.DateField(required=False, label=_("From"), widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(required=False, label=_("To"), widget=forms.DateInput(attrs={"type": "date"}))
    department = forms.ModelChoiceField(
        queryset=Department.objects.none(), to_field_name="slug", required=False, empty_label=_("All my departments")
    )

    def __init__(self, *args, department_ids=None, **kwargs):
        super().__init__(*args, **kwargs)
        qs = Department.objects.order_by("name")
        if department_ids is not None:
            qs = qs.filter(pk__in=department_ids)
        self.fields["department"].queryset = qs

    def clean(self):
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if start and end and start > end:
            raise forms.ValidationError("The start comes after the end.")
        if start and end and (end - start).days > MAX_DAYS:
            raise forms.ValidationError("Choose a range of at most five years.")
        return data


def period(values: dict) -> tuple[date, date]:
    today = timezone.localdate()
    end = values.get("end") or today
    start = values.get("start") or end - timedelta(days=DEFAULT_DAYS)
    return start, end


class CalendarFilterForm(forms.Form):
    month = forms.DateField(required=False, input_formats=["%Y-%m"], label=_("Month (YYYY-MM)"))
    week = forms.DateField(required=False, label=_("Only the week of"), widget=forms.DateInput(attrs={"type": "date"}))
    department = forms.ModelChoiceField(
        queryset=Department.objects.order_by("name"),
        to_field_name="slug",
        required=False,
        empty_label=_("Any department"),
    )
    channel = PickerField("channel", required=False, label=_("Channel"))

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["channel"].for_user(user)
