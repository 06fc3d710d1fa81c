from functools import cache
from json import dumps

import django_filters
from django import forms
from django.apps import apps
from django.db.models import CharField, Q
from django.db.models.functions import Cast
from django.utils import translation

from audit.models import AuditEvent
from socialgov.filterkit import KINDS, MAX_ID, PickerFilter, PickerWidget, kind_of_model

CHANNEL = "channels_registry.channel"
# What belongs to a channel and is the target of events of its own (model label, its foreign key to the channel):
# a channel's whole trail is its own events and theirs. Named by label, as events name their targets, so that the
# audit app imports none of the apps it records.
CHANNEL_PARTS = (
    ("approvals.post", "channel"),
    ("approvals.lockdown", "channel"),
    ("approvals.approvalroute", "channel"),
    ("channels_registry.channelactivity", "channel"),
    ("channels_registry.accessrequest", "channel"),
)


def channel_trail_q(channel_id: int) -> Q:
    """Events targeting the channel or one of its parts: one condition per part, each an indexed
    (target_type, target_id) lookup against a subquery of the part's ids by its channel foreign key."""
    q = Q(target_type=CHANNEL, target_id=str(channel_id))
    for label, fk in CHANNEL_PARTS:
        ids = apps.get_model(label).objects.filter(**{f"{fk}_id": channel_id})
        q |= Q(target_type=label, target_id__in=ids.annotate(key=Cast("pk", CharField())).values("key"))
    return q


# The apps whose records events name as their targets (the admin's changes name any model it edits, hence the
# groups and the periodic tasks). Named by label: the audit app imports none of them.
TARGET_APPS = (
    "accounts",
    "policies",
    "channels_registry",
    "approvals",
    "records",
    "reports",
    "notifications",
    "sso",
    "scim",
    "audit",
    "auth",
    "django_celery_beat",
)
TARGET_NAMES = {"accounts.user": "Person"}


def target_types() -> list[tuple[str, str]]:
    """Every kind of record an event can target, ``(app.model, "Post")``, by the name people read (the models'
    verbose names, in the active language)."""
    return _target_types(translation.get_language())


@cache
def _target_types(language: str) -> list[tuple[str, str]]:
    """``target_types`` in ``language`` (the active one): each language its own list, kept once built."""
    found = []
    for app in TARGET_APPS:
        if app not in apps.app_configs:
            continue
        for model in apps.get_app_config(app).get_models():
            label = model._meta.label_lower
            found.append((label, TARGET_NAMES.get(label) or _capitalized(str(model._meta.verbose_name))))
    names = [name for _, name in found]
    # the same name in two apps (a "Decision"): say whose
    found = [
        (label, f"{name} ({apps.get_app_config(label.split('.')[0]).verbose_name})" if names.count(name) > 1 else name)
        for label, name in found
    ]
    return sorted(found, key=lambda pair: pair[1].lower())


def _capitalized(text: str) -> str:
    return text[:1].upper() + text[1:]


class TargetWidget(PickerWidget):
    """The target's picker: it asks the search of the kind chosen in the target type's select (none: typed text)."""

    def __init__(self, attrs=None):
        super().__init__(attrs, kind="")
        self.chosen_kind = None

    def chosen_label(self) -> str | None:
        if self.chosen is None or self.chosen_kind is None:
            return None
        return self.chosen_kind.label(self.chosen)

    def get_context(self, name, value, attrs):
        context = forms.TextInput.get_context(self, name, value, attrs)
        widget = context["widget"]
        if self.chosen is not None and self.chosen_kind is not None:
            widget["value"] = self.chosen_label()
        urls = {k.model: k.url() for k in KINDS.values() if k.model}
        widget.update(
            picked_id=self.chosen.pk if self.chosen is not None else "",
            url="",
            urls_json=dumps(urls),
            kind_from=attrs.get("id", "id_target_id").removesuffix("_id") + "_type",
            noun="target",
        )
        widget["attrs"].setdefault("autocomplete", "off")
        return context


class AuditEventForm(forms.Form):
    """The trail's filters: a target is typed by name within its type, resolved in the asker's scope."""

    request = None

    def clean(self):
        data = super().clean()
        text = (data.get("target_id") or "").strip()
        if not text:
            return data
        type_ = data.get("target_type") or ""
        kind = kind_of_model(type_)
        widget = self.fields["target_id"].widget
        if kind is not None:
            rows = kind.scope(getattr(self.request, "user", None))
            if text.isdigit():  # an id (links, the API): kept as given, even for a record since deleted
                if int(text) <= MAX_ID:
                    widget.chosen, widget.chosen_kind = rows.filter(pk=int(text)).first(), kind
                return data
            try:
                chosen = kind.resolve(rows, text)
            except forms.ValidationError as exc:
                self.add_error("target_id", exc)
                return data
            widget.chosen, widget.chosen_kind = chosen, kind
            data["target_id"] = str(chosen.pk)
        elif not text.isdigit():
            if not type_:
                self.add_error("target_id", "Choose the target's type first, then type its name.")
            else:
                data["target_named"] = text  # a type without a search: the name the trail recorded
        return data


class AuditEventFilter(django_filters.FilterSet):
    action = django_filters.CharFilter(lookup_expr="startswith", label="Action starts with")
    # the actor's e-mail address lives in the actor's personal row (audit.selectors.with_people annotates it)
    actor = django_filters.CharFilter(field_name="actor_row__label", lookup_expr="icontains", label="Actor")
    target_type = django_filters.ChoiceFilter(choices=target_types, label="Target type")
    # the target by name within its type (an id still reads, for links and the API)
    target_id = django_filters.CharFilter(method="filter_target", label="Target", widget=TargetWidget)
    channel = PickerFilter(
        "channel", method="filter_channel", label="Channel (its posts, lockdowns and activity included)"
    )
    request_id = django_filters.CharFilter(label="Request reference")
    since = django_filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="gte", label="Since")
    until = django_filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="lt", label="Until")

    class Meta:
        model = AuditEvent
        form = AuditEventForm
        fields = ["action", "actor", "target_type", "target_id", "channel", "request_id", "since", "until"]

    @property
    def form(self):
        form = super().form
        form.request = self.request
        return form

    def filter_target(self, queryset, name, value):
        named = self.form.cleaned_data.get("target_named")
        if named:
            return queryset.filter(target_label__icontains=named)
        return queryset.filter(target_id=value) if value else queryset

    def filter_channel(self, queryset, name, value):
        return queryset.filter(channel_trail_q(value.pk)) if value is not None else queryset
