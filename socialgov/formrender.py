"""Django's form renderer, with the few templates a list page's filter form uses written out in Python.

A filter form of seven fields cost ~a quarter of a list page: each label, widget, option and (empty) error
list is a template render. ``FilterFormRenderer`` gives back byte for byte what Django's templates give
(``django/forms/templates``, Django 5.2): Django still builds every widget's context (names, ids, values,
selected options, aria attributes); only turning that context into HTML is done here, with the same
escaping. Anything these functions do not know (another template, a value of another type, a non-empty error
list) goes to Django's own templates. ``socialgov/tests/test_formrender.py`` compares both for every filter
form of the project, with hostile input.
"""

from __future__ import annotations

from django.forms.renderers import DjangoTemplates
from django.utils.functional import Promise
from django.utils.html import conditional_escape, escape
from django.utils.safestring import SafeData


class _Unknown(Exception):
    """Something the Python templates do not reproduce: let Django's template render it."""


def _text(value) -> str:
    """``{{ value }}`` for a string: autoescaped unless already safe."""
    if isinstance(value, str):
        return conditional_escape(value)
    if isinstance(value, Promise):
        return conditional_escape(str(value))
    raise _Unknown  # numbers and dates are localized by the template


def _fmt(value) -> str:
    """``{{ value|stringformat:'s' }}``."""
    if isinstance(value, tuple):
        raise _Unknown
    return str(value) if isinstance(value, SafeData) else escape(value)


def _attrs(attrs) -> str:
    """``django/forms/widgets/attrs.html`` and ``django/forms/attrs.html``."""
    if not attrs:
        return ""
    out = []
    for name, value in attrs.items():
        if value is False:
            continue
        out.append(" " + _text(name))
        if value is not True:
            out.append('="' + _fmt(value) + '"')
    return "".join(out)


def _input(context) -> str:
    """``django/forms/widgets/input.html`` (``text.html``, ``number.html`` ... include it)."""
    w = context["widget"]
    value = "" if w["value"] is None else ' value="' + _fmt(w["value"]) + '"'
    return f'<input type="{_text(w["type"])}" name="{_text(w["name"])}"{value}{_attrs(w["attrs"])}>'


_OPTION = "django/forms/widgets/select_option.html"


def _option(option) -> str:
    """``django/forms/widgets/select_option.html``, as included by ``select.html`` (its closing newline kept)."""
    if option.get("template_name") != _OPTION:
        raise _Unknown
    return f'<option value="{_fmt(option["value"])}"{_attrs(option["attrs"])}>{_text(option["label"])}</option>\n'


def _select(context) -> str:
    """``django/forms/widgets/select.html``."""
    w = context["widget"]
    out = [f'<select name="{_text(w["name"])}"{_attrs(w["attrs"])}>']
    for group_name, group_choices, _index in w["optgroups"]:
        if group_name:
            out.append(f'\n  <optgroup label="{_text(group_name)}">')
        for option in group_choices:
            out.append("\n  " + _option(option))
        if group_name:
            out.append("\n  </optgroup>")
    out.append("\n</select>")
    return "".join(out)


def _label(context) -> str:
    """``django/forms/label.html``."""
    if not context["use_tag"]:
        return _text(context["label"])
    tag = _text(context["tag"])
    return f"<{tag}{_attrs(context['attrs'])}>{_text(context['label'])}</{tag}>"


def _errors(context) -> str:
    """``django/forms/errors/list/default.html`` when there is no error (a list of errors goes to the template)."""
    if context["errors"]:
        raise _Unknown
    return ""


_PYTHON = {
    "django/forms/widgets/input.html": _input,
    "django/forms/widgets/text.html": _input,
    "django/forms/widgets/number.html": _input,
    "django/forms/widgets/select.html": _select,
    "django/forms/label.html": _label,
    "django/forms/errors/list/default.html": _errors,
}


class FilterFormRenderer(DjangoTemplates):
    def render(self, template_name, context, request=None):
        python = _PYTHON.get(template_name)
        if python is not None:
            try:
                return python(context).strip()
            except _Unknown:
                pass
        return super().render(template_name, context, request=request)


filter_form_renderer = FilterFormRenderer()
