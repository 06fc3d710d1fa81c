import django_filters

from audit.models import AuditEvent


class AuditEventFilter(django_filters.FilterSet):
    action = django_filters.CharFilter(lookup_expr="startswith", label="Action starts with")
    # the actor's e-mail address lives in the actor's personal row (audit.selectors.with_people annotates it)
    actor = django_filters.CharFilter(field_name="actor_row__label", lookup_expr="icontains", label="Actor")
    target_type = django_filters.CharFilter(label="Target type (app.model)")
    target_id = django_filters.CharFilter(label="Target id")
    request_id = django_filters.CharFilter(label="Request id")
    since = django_filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="gte", label="Since")
    until = django_filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="lt", label="Until")

    class Meta:
        model = AuditEvent
        fields = ["action", "actor", "target_type", "target_id", "request_id", "since", "until"]
