import django_filters
from django.apps import apps
from django.db.models import CharField, Q
from django.db.models.functions import Cast

from audit.models import AuditEvent

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


class AuditEventFilter(django_filters.FilterSet):
    action = django_filters.CharFilter(lookup_expr="startswith", label="Action starts with")
    # the actor's e-mail address lives in the actor's personal row (audit.selectors.with_people annotates it)
    actor = django_filters.CharFilter(field_name="actor_row__label", lookup_expr="icontains", label="Actor")
    target_type = django_filters.CharFilter(label="Target type (app.model)")
    target_id = django_filters.CharFilter(label="Target id")
    channel = django_filters.NumberFilter(
        method="filter_channel", min_value=1, label="Channel (its posts, lockdowns and activity included)"
    )
    request_id = django_filters.CharFilter(label="Request id")
    since = django_filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="gte", label="Since")
    until = django_filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="lt", label="Until")

    class Meta:
        model = AuditEvent
        fields = ["action", "actor", "target_type", "target_id", "channel", "request_id", "since", "until"]

    def filter_channel(self, queryset, name, value):
        return queryset.filter(channel_trail_q(int(value))) if value is not None else queryset
