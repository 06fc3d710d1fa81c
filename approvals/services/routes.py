"""Approval routes and their stages: a department's, a channel's own, and their changes."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import Department, User
from accounts.selectors import department_managers
from approvals import permissions
from approvals.choices import StageMode
from approvals.models import ApprovalRoute, RouteStage
from approvals.services.reviews import _route_for, default_route
from audit import services as audit
from channels_registry.models import Channel
from core.errors import Conflict, InvalidInput, ensure
from notifications.services import notify


@transaction.atomic
def route_stage_add(
    *,
    actor: User,
    department: Department,
    name: str,
    role: str = "",
    group: str = "",
    users: Sequence[User] = (),
    mode: str = StageMode.ANY,
    required: int = 1,
    sla_hours: int = 24,
    escalate_to: User | None = None,
    public_only: bool = False,
) -> RouteStage:
    """Add a stage at the end of the department's route (made from the company default the first time)."""
    ensure(permissions.can_manage_routes(actor, department.pk), _("Only the department's managers change its route."))
    errors: dict[str, list[str]] = {}
    if not (name or "").strip():
        errors["name"] = [_("Name the stage.")]
    if not (role or group or users):
        errors["role"] = [_("Say who reviews: a department role, a group or named people.")]
    if mode not in StageMode.values:
        errors["mode"] = [_("One of %(values)s.") % {"values": ", ".join(StageMode.values)}]
    if required < 1 or sla_hours < 1:
        errors["required"] = [_("At least one approval and one hour.")]
    if errors:
        raise InvalidInput(_("The stage was not added."), fields=errors)
    route = _department_route(department)
    last = route.stages.order_by("-position").values_list("position", flat=True).first() or 0
    stage = RouteStage.objects.create(
        route=route,
        position=last + 1,
        name=name.strip(),
        role=role,
        group=group,
        mode=mode,
        required=required,
        sla_hours=sla_hours,
        escalate_to=escalate_to,
        public_only=public_only,
    )
    stage.users.set(users)
    audit.record(
        actor=actor, action="route.stage_added", target=route, data={"stage": stage.name, "position": stage.position}
    )
    return stage


def _copy_stages(source: ApprovalRoute, route: ApprovalRoute) -> list[str]:
    """Copy ``source``'s stages (with their named reviewers) onto the new ``route``; their names, in order."""
    names = []
    for stage in source.stages.prefetch_related("users").order_by("position"):
        copy = RouteStage.objects.create(
            route=route,
            position=stage.position,
            name=stage.name,
            role=stage.role,
            group=stage.group,
            mode=stage.mode,
            required=stage.required,
            sla_hours=stage.sla_hours,
            escalate_to=stage.escalate_to,
            public_only=stage.public_only,
        )
        copy.users.set(stage.users.all())
        names.append(stage.name)
    return names


def _department_route(department: Department) -> ApprovalRoute:
    route = (
        ApprovalRoute.objects.select_for_update(of=("self",))
        .filter(department=department, channel__isnull=True)
        .first()
    )
    if route is None:
        route = ApprovalRoute.objects.create(name=f"{department.name} route", department=department)
        _copy_stages(default_route(), route)
    return route


@transaction.atomic
def route_channel_create(*, actor: User, channel: Channel) -> ApprovalRoute:
    """Give ``channel`` its own route, starting as a copy of the one it follows now (its department's, else the
    company default); its stages are then added and removed like any route's. 409 when it already has one."""
    ensure(
        permissions.can_manage_routes(actor, channel.department_id),
        _("Only the department's managers and IT security give a channel its own route."),
    )
    source = _route_for(channel)
    if source.channel_id == channel.pk:
        raise Conflict(_("This channel already has its own route."), code="route_exists")
    try:
        with transaction.atomic():
            route = ApprovalRoute.objects.create(
                name=f"{channel.display_name} route"[:100],
                channel=channel,
                distinct_reviewers=source.distinct_reviewers,
            )
    except IntegrityError:
        raise Conflict(_("This channel already has its own route."), code="route_exists") from None
    stages = _copy_stages(source, route)
    audit.record(
        actor=actor,
        action="route.created",
        target=route,
        data={"channel": channel.pk, "copied_from": source.pk, "stages": stages},
    )
    notify(
        event="route.changed",
        recipients=department_managers(channel.department_id).exclude(pk=actor.pk),
        title=format_lazy(gettext_lazy("{channel} now has its own approval route"), channel=channel.display_name),
        body=format_lazy(
            gettext_lazy("{person} copied it from “{route}”: {stages}.")
            if stages
            else gettext_lazy("{person} copied it from “{route}”: no stages."),
            person=actor,
            route=source.name,
            stages=", ".join(stages),
        ),
        url=reverse("approvals:channel_route", args=[channel.pk]),
        target=route,
    )
    return route


@transaction.atomic
def route_stage_remove(*, actor: User, stage: RouteStage) -> None:
    stage = RouteStage.objects.select_for_update(of=("self",)).select_related("route").get(pk=stage.pk)
    route = stage.route
    ensure(
        permissions.can_manage_routes(
            actor, route.department_id if not route.channel_id else route.channel.department_id
        ),
        "Only the department's managers change its route.",
    )
    name, position = stage.name, stage.position
    stage.delete()
    for later in route.stages.filter(position__gt=position).order_by("position"):
        later.position -= 1
        later.save(update_fields=["position"])
    audit.record(actor=actor, action="route.stage_removed", target=route, data={"stage": name, "position": position})


def _route_department_id(route: ApprovalRoute) -> int | None:
    if route.channel_id:
        return Channel.objects.filter(pk=route.channel_id).values_list("department_id", flat=True).first()
    return route.department_id


def _value(obj: Any, name: str) -> Any:
    field = obj._meta.get_field(name)
    return getattr(obj, field.attname)


ROUTE_FIELDS = ("name", "department", "channel", "distinct_reviewers")
STAGE_FIELDS = (
    "position",
    "name",
    "role",
    "group",
    "mode",
    "required",
    "sla_hours",
    "escalate_to",
    "public_only",
)


@transaction.atomic
def route_save(*, actor: User, route: ApprovalRoute) -> ApprovalRoute:
    """Create a route, or save the changes made to ``route`` (its name, whose route it is, whether one person may
    decide more than one stage of a revision): audited with each changed field's value before and after."""
    creating = route.pk is None
    before: dict[str, Any] = {}
    if not creating:
        stored = ApprovalRoute.objects.select_for_update(of=("self",)).get(pk=route.pk)
        before = {f: _value(stored, f) for f in ROUTE_FIELDS}
        ensure(
            permissions.can_manage_routes(actor, _route_department_id(stored)),
            _("Only the department's managers change its route."),
        )
    ensure(
        permissions.can_manage_routes(actor, _route_department_id(route)),
        _("Only the department's managers change its route."),
    )
    route.name = (route.name or "").strip()
    if not route.name:
        raise InvalidInput(_("The route was not saved."), fields={"name": [_("Name the route.")]})
    if route.department_id and route.channel_id:
        raise InvalidInput(
            _("A route is a department's or a channel's."), fields={"channel": [_("Choose one, not both.")]}
        )
    after = {f: _value(route, f) for f in ROUTE_FIELDS}
    changes = {f: [before.get(f), after[f]] for f in ROUTE_FIELDS if creating or before[f] != after[f]}
    if not changes:
        return route
    try:
        with transaction.atomic():
            route.save()
    except IntegrityError:
        raise Conflict(_("That department or channel already has its own route."), code="route_exists") from None
    audit.record(actor=actor, action="route.created" if creating else "route.changed", target=route, data=changes)
    return route


def route_update(*, actor: User, route: ApprovalRoute, **values: Any) -> ApprovalRoute:
    """Change a route's own settings (``name``, ``distinct_reviewers``) from a page or the API."""
    route = ApprovalRoute.objects.get(pk=route.pk)
    for name, value in values.items():
        if name not in ("name", "distinct_reviewers"):
            raise InvalidInput(_("Unknown setting."), fields={name: [_("Not a setting of a route.")]})
        setattr(route, name, value)
    return route_save(actor=actor, route=route)


@transaction.atomic
def route_delete(*, actor: User, route: ApprovalRoute) -> None:
    """Remove a department's or channel's own route (posts then follow the department's or the company default)."""
    route = ApprovalRoute.objects.select_for_update(of=("self",)).get(pk=route.pk)
    ensure(
        permissions.can_manage_routes(actor, _route_department_id(route)),
        _("Only the department's managers change its route."),
    )
    ensure(route.department_id or route.channel_id, _("The company default route stays; change its stages instead."))
    stages = list(route.stages.order_by("position").values_list("name", flat=True))
    audit.record(
        actor=actor,
        action="route.deleted",
        target=route,
        data={"department": route.department_id, "channel": route.channel_id, "stages": stages},
    )
    route.delete()


@transaction.atomic
def route_stage_save(*, actor: User, stage: RouteStage, users: Sequence[User] | None = None) -> RouteStage:
    """Add ``stage`` to its route, or save the changes made to it (who reviews, mode, SLA, escalation ...):
    audited with each changed field's value before and after. ``users`` (when given) are its named reviewers."""
    route = ApprovalRoute.objects.select_for_update(of=("self",)).get(pk=stage.route_id)
    ensure(
        permissions.can_manage_routes(actor, _route_department_id(route)),
        _("Only the department's managers change its route."),
    )
    creating = stage.pk is None
    before: dict[str, Any] = {}
    before_users: list[str] = []
    if not creating:
        stored = RouteStage.objects.select_for_update(of=("self",)).get(pk=stage.pk)
        ensure(stored.route_id == route.pk, _("A stage stays on its route."))
        before = {f: _value(stored, f) for f in STAGE_FIELDS}
        before_users = sorted(stored.users.values_list("email", flat=True))
    errors: dict[str, list[str]] = {}
    stage.name = (stage.name or "").strip()
    if not stage.name:
        errors["name"] = [_("Name the stage.")]
    named = list(users) if users is not None else ([] if creating else list(stage.users.all()))
    if not (stage.role or stage.group or named):
        errors["role"] = [_("Say who reviews: a department role, a group or named people.")]
    if stage.mode not in StageMode.values:
        errors["mode"] = [_("One of %(values)s.") % {"values": ", ".join(StageMode.values)}]
    if (stage.required or 0) < 1 or (stage.sla_hours or 0) < 1:
        errors["required"] = [_("At least one approval and one hour.")]
    if errors:
        raise InvalidInput(_("The stage was not saved."), fields=errors)
    if not stage.position:
        last = route.stages.order_by("-position").values_list("position", flat=True).first() or 0
        stage.position = last + 1
    taken = route.stages.filter(position=stage.position).exclude(pk=stage.pk).first()
    if taken is not None:  # moving onto another stage's place: that one takes this one's old place (or the end)
        last = route.stages.order_by("-position").values_list("position", flat=True).first() or 0
        taken.position = before.get("position") or last + 1
        RouteStage.objects.filter(pk=taken.pk).update(position=0)
    stage.save()
    if taken is not None:
        RouteStage.objects.filter(pk=taken.pk).update(position=taken.position)
    if users is not None:
        stage.users.set(users)
    after = {f: _value(stage, f) for f in STAGE_FIELDS}
    after_users = sorted(stage.users.values_list("email", flat=True))
    changes = {f: [before.get(f), after[f]] for f in STAGE_FIELDS if creating or before[f] != after[f]}
    if before_users != after_users:
        changes["users"] = [before_users, after_users]
    if changes:
        audit.record(
            actor=actor,
            action="route.stage_added" if creating else "route.stage_changed",
            target=route,
            data={"stage": stage.name, "position": stage.position, "changes": changes},
        )
    return stage
