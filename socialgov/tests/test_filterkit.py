"""``KeptModelChoiceFilter`` renders, validates and filters as django-filter's ``ModelChoiceFilter``, from options
kept until the next audited write."""

from __future__ import annotations

import django_filters
import pytest

from accounts.models import Department
from accounts.services import department_save
from accounts.tests.factories import DepartmentFactory
from channels_registry.models import Channel
from socialgov.filterkit import KeptModelChoiceFilter

pytestmark = pytest.mark.django_db


class Kept(django_filters.FilterSet):
    department = KeptModelChoiceFilter(queryset=Department.objects.all(), to_field_name="slug", kept_as="test-depts")

    class Meta:
        model = Channel
        fields = ["department"]


class Plain(django_filters.FilterSet):
    department = django_filters.ModelChoiceFilter(queryset=Department.objects.all(), to_field_name="slug")

    class Meta:
        model = Channel
        fields = ["department"]


@pytest.mark.parametrize("data", [None, {"department": ""}, {"department": "labs"}, {"department": "nope"}])
def test_the_same_form_errors_and_rows_as_a_model_choice_filter(department, data, django_assert_num_queries):
    # given departments with text to escape
    DepartmentFactory(name='<R&D> "labs"', slug="labs")
    Kept(data).form.as_p()  # the options read once (and kept)

    # when
    with django_assert_num_queries(0):
        kept = Kept(data)
        html, valid, errors = kept.form.as_p(), kept.is_valid(), kept.errors
    plain = Plain(data)

    # then
    assert html == plain.form.as_p()
    assert (valid, errors) == (plain.is_valid(), plain.errors)
    if valid:
        assert str(kept.qs.query) == str(plain.qs.query)
        assert list(kept.qs) == list(plain.qs)


def test_a_department_saved_through_the_service_is_offered_at_once(department, it_security):
    # given the options kept
    assert [v for v, _ in Kept().form.fields["department"].choices] == ["", "marketing"]

    # when a department is added and one renamed, through the audited service
    department_save(actor=it_security, department=Department(name="Legal", slug="legal"))
    department.name = "Brand & Marketing"
    department_save(actor=it_security, department=department, changed=["name"])

    # then the next form offers them, and takes the new one
    kept = list(Kept().form.fields["department"].choices)
    assert kept == [(str(value), label) for value, label in Plain().form.fields["department"].choices]
    assert ("legal", "Legal") in kept and ("marketing", "Brand & Marketing") in kept
    assert Kept({"department": "legal"}).is_valid()
