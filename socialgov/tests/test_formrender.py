"""The list pages' filter forms render through ``socialgov.formrender``: the same HTML as Django's templates,
byte for byte, for every filter form of the project, with no data, good data and hostile data."""

from __future__ import annotations

import importlib

import django_filters
import pytest
from django.apps import apps
from django.forms.renderers import get_default_renderer
from django.template.loader import render_to_string

from accounts.tests.factories import DepartmentFactory
from policies.tests.factories import PlatformFactory
from socialgov.formrender import filter_form_renderer

pytestmark = pytest.mark.django_db

HOSTILE = "<script>alert(1)</script>\"'&amp; \u202e"


def _filtersets() -> list[type[django_filters.FilterSet]]:
    for app in apps.get_app_configs():
        try:
            importlib.import_module(f"{app.name}.filters")
        except ModuleNotFoundError:
            continue
    found, todo = [], [django_filters.FilterSet]
    while todo:
        cls = todo.pop()
        for sub in cls.__subclasses__():
            todo.append(sub)
            if sub.__module__.split(".")[0] in {a.name.split(".")[0] for a in apps.get_app_configs()} and (
                sub._meta.model is not None
            ):
                found.append(sub)
    return sorted(set(found), key=lambda c: f"{c.__module__}.{c.__name__}")


FILTERSETS = _filtersets()


def _datas(filterset_class) -> list[dict | None]:
    names = list(filterset_class.base_filters)
    hostile = {name: HOSTILE for name in names}
    good = {}
    for name, f in filterset_class.base_filters.items():
        field = f.field
        choices = list(getattr(field, "choices", []) or [])
        good[name] = str(choices[-1][0]) if choices else "7"
    return [None, {}, hostile, good, {names[0]: "", "page": "2"}]


@pytest.fixture
def reference_data():
    DepartmentFactory(name="R&D <b>", slug="r-and-d")
    DepartmentFactory(name="Marketing", slug="marketing")
    PlatformFactory(slug="hostile", name='X "Twitter" <i>')


def _rendered(form) -> list[str]:
    return [f"{f.label_tag()}|{f}|{f.errors}" for f in form] + [str(form.non_field_errors())]


def test_every_filterset_of_the_project_is_compared():
    names = {c.__name__ for c in FILTERSETS}
    assert {"ChannelFilter", "StageReviewFilter", "PostFilter", "LockdownFilter"} <= names


@pytest.mark.parametrize("filterset_class", FILTERSETS, ids=lambda c: c.__name__)
def test_the_filter_form_renders_as_django_renders_it(filterset_class, reference_data):
    for data in _datas(filterset_class):
        # given: the same filter twice, once through Django's templates and once through the Python ones
        django_form = filterset_class(data, queryset=filterset_class._meta.model.objects.all()).form
        fast_form = filterset_class(data, queryset=filterset_class._meta.model.objects.all()).form
        fast_form.renderer = filter_form_renderer
        django_form.is_valid(), fast_form.is_valid()

        # then
        assert django_form.renderer is get_default_renderer()
        assert _rendered(fast_form) == _rendered(django_form), data
        page = render_to_string("channels_registry/_filters.html", {"filter": type("F", (), {"form": fast_form})})
        assert page == render_to_string(
            "channels_registry/_filters.html", {"filter": type("F", (), {"form": django_form})}
        )


def test_hostile_values_are_escaped(reference_data):
    from channels_registry.filters import ChannelFilter

    form = ChannelFilter({"q": HOSTILE, "platform": "hostile"}).form
    form.renderer = filter_form_renderer
    html = "".join(_rendered(form))
    assert "<script>" not in html and "<b>" not in html and "<i>" not in html
    assert 'value="&lt;script&gt;alert(1)&lt;/script&gt;&quot;&#x27;&amp;amp; \u202e"' in html
    assert '<option value="hostile" selected>X &quot;Twitter&quot; &lt;i&gt;</option>' in html
    assert "R&amp;D &lt;b&gt;" in html


def test_anything_else_goes_to_django_templates(reference_data):
    from django import forms

    class Other(forms.Form):
        when = forms.DateField(widget=forms.DateInput)
        pick = forms.MultipleChoiceField(choices=[(1, 1), (2, "two")], widget=forms.CheckboxSelectMultiple)
        number = forms.ChoiceField(choices=[(1, 1000), ("g", (("a", "A"), ("b", 2.5)))])

    django_form, fast_form = Other({"when": "x"}), Other({"when": "x"})
    fast_form.renderer = filter_form_renderer
    assert _rendered(fast_form) == _rendered(django_form)
    assert str(fast_form) == str(django_form)


@pytest.mark.parametrize("data", [None, {"q": HOSTILE, "platform": "hostile", "dormant": "true"}])
def test_a_filter_form_needs_no_template(reference_data, monkeypatch, data):
    from django.forms.renderers import BaseRenderer

    from channels_registry.filters import ChannelFilter

    # given: any template render fails the test
    monkeypatch.setattr(BaseRenderer, "render", lambda *args, **kwargs: pytest.fail("a template was rendered"))
    form = ChannelFilter(data).form
    form.renderer = filter_form_renderer

    # when / then
    assert 'name="platform"' in "".join(_rendered(form))
