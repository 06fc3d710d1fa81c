"""Who will decide what someone asked for (``audit.duties.Route``), as the API answers it."""

from rest_framework import serializers


class DecidersSerializer(serializers.Serializer):
    level = serializers.CharField(help_text="Who decides: the usual deciders, or the level it went up to.")
    escalated = serializers.BooleanField(
        help_text="True when the usual deciders are all parties to it (a one-person department) and it went up."
    )
    people = serializers.ListField(child=serializers.EmailField(), help_text="Empty: no one may decide it yet.")


def deciders_of(obj) -> dict | None:
    route = getattr(obj, "deciders", None)
    return route.as_dict() if route is not None else None
