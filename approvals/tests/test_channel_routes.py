"""A channel's own approval route, given and shaped from pages and the API through the route services."""

import pytest

from approvals import services
from approvals.models import ApprovalRoute, RouteStage
from approvals.tests.factories import channel_for
from audit.models import AuditEvent
from core.errors import Conflict, Forbidden
from notifications.models import Notification

pytestmark = pytest.mark.django_db


@pytest.fixture
def channel(employee, department):
    return channel_for(employee, department=department)


def _page(channel):
    return f"/posts/routes/channels/{channel.pk}/"


def test_a_channel_gets_a_copy_of_its_departments_route(
    it_security, manager, department, channel, django_capture_on_commit_callbacks
):
    # given Marketing's route with a legal stage
    services.route_stage_add(actor=manager, department=department, name="Legal", role="manager")
    marketing = ApprovalRoute.objects.get(department=department)
    # when IT security gives the channel its own route
    with django_capture_on_commit_callbacks(execute=True):
        route = services.route_channel_create(actor=it_security, channel=channel)
    # then it starts as the department's stages, its posts follow it, and the managers are told
    names = list(route.stages.order_by("position").values_list("name", flat=True))
    assert names == list(marketing.stages.order_by("position").values_list("name", flat=True))
    assert "Legal" in names and services.route_followed(channel) == route
    event = AuditEvent.objects.get(action="route.created", target_id=str(route.pk))
    assert event.data["copied_from"] == marketing.pk and event.data["stages"] == names
    assert Notification.objects.filter(event="route.changed", recipient=manager).exists()


def test_a_channel_has_one_route_and_only_managers_and_it_give_it(employee, it_security, channel):
    with pytest.raises(Forbidden):
        services.route_channel_create(actor=employee, channel=channel)
    services.route_channel_create(actor=it_security, channel=channel)
    with pytest.raises(Conflict):
        services.route_channel_create(actor=it_security, channel=channel)


def test_it_gives_a_channel_its_own_route_from_its_page(client, it_security, channel):
    client.force_login(it_security)
    body = client.get(_page(channel)).content.decode()
    assert "It follows the company default" in body and "Give it its own route" in body
    response = client.post(f"/posts/routes/channels/{channel.pk}/own/")
    assert response.status_code == 302 and response["Location"] == _page(channel)
    body = client.get(_page(channel)).content.decode()
    assert "Its own route" in body and "Add a stage to this channel" in body


def test_a_stage_added_on_the_page_goes_to_the_channels_route_alone(client, it_security, department, channel):
    route = services.route_channel_create(actor=it_security, channel=channel)
    client.force_login(it_security)
    response = client.post(
        _page(channel),
        {"name": "Security", "group": "it_security", "mode": "any", "required": 1, "sla_hours": 4},
    )
    assert response.status_code == 302
    stage = route.stages.order_by("-position").first()
    assert (stage.name, stage.group, stage.sla_hours) == ("Security", "it_security", 4)
    assert not RouteStage.objects.filter(name="Security").exclude(route=route).exists()
    assert AuditEvent.objects.filter(action="route.stage_added", target_id=str(route.pk)).exists()


def test_a_refused_stage_keeps_what_was_typed(client, it_security, channel):
    services.route_channel_create(actor=it_security, channel=channel)
    client.force_login(it_security)
    response = client.post(_page(channel), {"name": "Nobody <reviews>", "mode": "any", "required": 1, "sla_hours": 7})
    body = response.content.decode()
    assert response.status_code == 200 and "Say who reviews" in body
    assert 'value="Nobody &lt;reviews&gt;"' in body and 'value="7"' in body


def test_removing_a_stage_and_the_route_come_back_to_the_channels_page(client, it_security, channel):
    route = services.route_channel_create(actor=it_security, channel=channel)
    first = route.stages.order_by("position").first()
    client.force_login(it_security)
    response = client.post(f"/posts/routes/stages/{first.pk}/remove/")
    assert response.status_code == 302 and response["Location"] == _page(channel)
    assert not RouteStage.objects.filter(pk=first.pk).exists()
    response = client.post(f"/posts/routes/{route.pk}/delete/")
    assert response.status_code == 302 and response["Location"] == _page(channel)
    assert not ApprovalRoute.objects.filter(channel=channel).exists()
    assert AuditEvent.objects.filter(action="route.deleted").exists()


def test_others_see_the_route_but_change_nothing(client, employee, auditor, it_security, channel):
    route = services.route_channel_create(actor=it_security, channel=channel)
    for person in (employee, auditor):
        client.force_login(person)
        body = client.get(_page(channel)).content.decode()
        assert "Its own route" in body and "Add a stage" not in body and "remove" not in body
        assert client.post(_page(channel), {"name": "X", "role": "manager", "mode": "any"}).status_code == 403
        assert client.post(f"/posts/routes/{route.pk}/delete/").status_code == 403
    assert ApprovalRoute.objects.filter(channel=channel).exists()


def test_adding_a_stage_before_the_channel_has_its_own_route_is_404(client, it_security, channel):
    client.force_login(it_security)
    response = client.post(_page(channel), {"name": "X", "role": "manager", "mode": "any", "sla_hours": 1})
    assert response.status_code == 404


def test_the_channel_route_page_costs_the_same_with_3_or_30_stages(
    client, it_security, channel, django_assert_num_queries
):
    route = services.route_channel_create(actor=it_security, channel=channel)
    client.force_login(it_security)
    assert client.get(_page(channel)).status_code == 200
    for n in (3, 27):
        for _ in range(n):
            services.route_stage_save(
                actor=it_security, stage=RouteStage(route=route, name="Extra", role="reviewer"), users=[it_security]
            )
        with django_assert_num_queries(CHANNEL_ROUTE_QUERIES):
            assert client.get(_page(channel)).status_code == 200


# the user; the channel; its own route (the page's forms); the route it follows (here its own, found first); that
# route; its stages with their escalation; their named reviewers
CHANNEL_ROUTE_QUERIES = 7


def test_the_api_gives_a_channel_its_route_adds_and_removes_stages_and_removes_it(client, manager, department, channel):
    client.force_login(manager)
    response = client.post("/api/v1/approval-routes/", {"channel": channel.pk}, content_type="application/json")
    assert response.status_code == 201, response.content
    route_id = response.json()["id"]
    assert response.json()["channel"] == channel.pk
    again = client.post("/api/v1/approval-routes/", {"channel": channel.pk}, content_type="application/json")
    assert again.status_code == 409
    response = client.post(
        f"/api/v1/approval-routes/{route_id}/stages/", {"name": "Legal", "role": "manager"}, "application/json"
    )
    assert response.status_code == 201
    stage_id = response.json()["id"]
    assert RouteStage.objects.get(pk=stage_id).route_id == route_id
    assert client.delete(f"/api/v1/approval-routes/{route_id}/stages/{stage_id}/").status_code == 204
    assert client.delete(f"/api/v1/approval-routes/{route_id}/stages/{stage_id}/").status_code == 404
    bad = client.post(f"/api/v1/approval-routes/{route_id}/stages/", {"name": ""}, "application/json")
    assert bad.status_code == 400 and "name" in bad.json()["fields"]
    assert client.delete(f"/api/v1/approval-routes/{route_id}/").status_code == 204
    assert not ApprovalRoute.objects.filter(channel=channel).exists()
