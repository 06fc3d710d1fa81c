"""IT's platform decisions: recorded, changed and ended through the services (pages and API call the same)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from audit.duties import SeparationOfDuties
from audit.models import AuditEvent
from core.errors import Conflict, Forbidden, InvalidInput
from notifications.models import Notification
from policies import services
from policies.gates import decision_for, may_register_channel
from policies.tests.factories import PlatformDecisionFactory, platform

pytestmark = pytest.mark.django_db


@pytest.fixture
def second_it(groups):
    from accounts.tests.factories import UserFactory, enrol_totp

    return enrol_totp(UserFactory(email="itsec2@example.com", groups=["it_security"]))


def _block(actor, department, **more):
    return services.platform_decision_record(
        actor=actor,
        platform=platform("tiktok"),
        outcome="blocked",
        rationale="Data residency",
        departments=[department],
        **more,
    )


def test_a_decision_with_an_expiry_stops_applying_after_its_last_day(it_security, department):
    # given a block that expires in three days
    today = timezone.localdate()
    _block(it_security, department, expires_on=today + timedelta(days=3))
    # then it applies until its last day, and no longer after
    tiktok = platform("tiktok")
    assert not may_register_channel(department=department, platform=tiktok, on=today + timedelta(days=3)).allowed
    assert may_register_channel(department=department, platform=tiktok, on=today + timedelta(days=4)).allowed


def test_an_expiry_before_the_effective_date_is_refused(it_security, department):
    today = timezone.localdate()
    with pytest.raises(InvalidInput) as exc:
        _block(it_security, department, effective_from=today, expires_on=today - timedelta(days=1))
    assert "expires_on" in exc.value.fields


def test_changing_a_decision_rewrites_it_names_the_new_decider_and_audits_each_change(
    it_security, second_it, department, django_capture_on_commit_callbacks
):
    # given a block recorded by one IT security member
    decision = _block(it_security, department)
    # when another changes it to allowed with conditions
    with django_capture_on_commit_callbacks(execute=True):
        services.platform_decision_change(
            actor=second_it,
            decision=decision,
            outcome="conditional",
            conditions="Company phones only",
            rationale="The vendor moved the data to the EU.",
            departments=[department],
        )
    # then the gate applies the new outcome and names its decider
    decision.refresh_from_db()
    assert (decision.outcome, decision.decided_by) == ("conditional", second_it)
    gate = may_register_channel(department=department, platform=platform("tiktok"))
    assert gate.allowed and gate.conditions == "Company phones only"
    event = AuditEvent.objects.get(action="platform.decision_changed")
    assert event.data["changes"]["outcome"] == ["blocked", "conditional"]
    assert event.data["changes"]["decided_by"] == [it_security.pk, second_it.pk]
    assert "departments" not in event.data["changes"]
    # and the other IT security member is told
    assert Notification.objects.filter(event="platform.decision_changed", recipient=it_security).exists()


def test_changing_nothing_writes_nothing(it_security, department):
    decision = _block(it_security, department)
    services.platform_decision_change(
        actor=it_security, decision=decision, outcome="blocked", rationale="Data residency", departments=[department]
    )
    assert not AuditEvent.objects.filter(action="platform.decision_changed").exists()


def test_a_change_can_widen_the_decision_to_every_department(it_security, department):
    from accounts.tests.factories import DepartmentFactory

    other = DepartmentFactory(name="Training", slug="training")
    decision = _block(it_security, department)
    services.platform_decision_change(
        actor=it_security, decision=decision, outcome="blocked", rationale="Data residency", departments=[]
    )
    assert not may_register_channel(department=other, platform=platform("tiktok")).allowed
    event = AuditEvent.objects.get(action="platform.decision_changed")
    assert event.data["changes"]["departments"] == [["marketing"], ["all"]]


def test_only_it_changes_or_ends_and_bad_input_names_its_field(it_security, manager, department):
    decision = _block(it_security, department)
    with pytest.raises(Forbidden):
        services.platform_decision_change(actor=manager, decision=decision, outcome="allowed", rationale="x")
    with pytest.raises(Forbidden):
        services.platform_decision_end(actor=manager, decision=decision, reason="x")
    with pytest.raises(InvalidInput) as exc:
        services.platform_decision_change(actor=it_security, decision=decision, outcome="conditional", rationale="")
    assert {"rationale", "conditions"} <= set(exc.value.fields)
    with pytest.raises(InvalidInput) as exc:
        services.platform_decision_end(actor=it_security, decision=decision, reason=" ")
    assert "reason" in exc.value.fields


def test_ending_a_decision_falls_back_to_the_one_for_everyone(
    it_security, department, django_capture_on_commit_callbacks
):
    # given an allow for everyone and a block naming the department
    tiktok = platform("tiktok")
    everyone = PlatformDecisionFactory(platform=tiktok, decided_by=it_security, outcome="allowed")
    block = _block(it_security, department)
    assert decision_for(platform=tiktok, department=department) == block
    # when IT ends the block
    with django_capture_on_commit_callbacks(execute=True):
        services.platform_decision_end(actor=it_security, decision=block, reason="Pilot over")
    # then the decision for everyone applies again, and the end is on the record
    assert decision_for(platform=tiktok, department=department) == everyone
    block.refresh_from_db()
    assert (block.ended_by, block.end_reason, block.in_force()) == (it_security, "Pilot over", False)
    assert AuditEvent.objects.get(action="platform.decision_ended").data["reason"] == "Pilot over"


def test_an_ended_decision_is_neither_ended_again_nor_changed(it_security, department):
    decision = _block(it_security, department)
    services.platform_decision_end(actor=it_security, decision=decision, reason="Over")
    with pytest.raises(Conflict):
        services.platform_decision_end(actor=it_security, decision=decision, reason="Again")
    with pytest.raises(Conflict):
        services.platform_decision_change(actor=it_security, decision=decision, outcome="allowed", rationale="x")


def test_an_expired_decision_cannot_be_ended(it_security, department):
    today = timezone.localdate()
    decision = PlatformDecisionFactory(
        decided_by=it_security, effective_from=today - timedelta(days=9), expires_on=today - timedelta(days=1)
    )
    with pytest.raises(Conflict):
        services.platform_decision_end(actor=it_security, decision=decision, reason="Over")


def test_nobody_changes_or_ends_a_decision_that_granted_their_own_request(it_security, second_it, department):
    # given a platform allowed on second_it's request
    decision = services.platform_decision_record(
        actor=it_security,
        platform=platform("tiktok"),
        outcome="allowed",
        rationale="Pilot",
        departments=[department],
        requested_by=second_it,
    )
    # then the requester may neither change nor end it, and each refusal is on the record
    with pytest.raises(SeparationOfDuties):
        services.platform_decision_change(actor=second_it, decision=decision, outcome="allowed", rationale="Longer")
    with pytest.raises(SeparationOfDuties):
        services.platform_decision_end(actor=second_it, decision=decision, reason="Done")
    assert AuditEvent.objects.filter(action="access.self_decision_refused").count() == 2
    # nor record it for themselves
    with pytest.raises(SeparationOfDuties):
        services.platform_decision_record(
            actor=second_it, platform=platform("x"), outcome="allowed", rationale="Mine", requested_by=second_it
        )
    # while someone else may
    services.platform_decision_end(actor=it_security, decision=decision, reason="Pilot over")


def test_granting_a_platform_request_records_the_requester_on_the_decision(it_security, employee, department):
    from channels_registry import services as registry

    request = registry.access_request_create(
        actor=employee, kind="platform", platform=platform("tiktok"), department=department, reason="Launch"
    )
    registry.access_request_decide(actor=it_security, request=request, grant=True, reason="Fine")
    decision = decision_for(platform=platform("tiktok"), department=department)
    assert decision.requested_by == employee


# --- API ---------------------------------------------------------------------------------------------------------


def _post(client, url, data):
    return client.post(url, data, content_type="application/json")


def test_the_api_records_changes_and_ends_a_decision(client, it_security, department):
    client.force_login(it_security)
    created = _post(
        client,
        "/api/v1/platform-decisions/",
        {
            "platform": "tiktok",
            "departments": ["marketing"],
            "outcome": "blocked",
            "rationale": "Data residency",
            "expires_on": "2031-01-31",
        },
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert (body["expires_on"], body["in_force"], body["ended_at"]) == ("2031-01-31", True, None)
    url = f"/api/v1/platform-decisions/{body['id']}"
    changed = _post(client, f"{url}/change/", {"outcome": "allowed", "rationale": "Moved to the EU"})
    assert changed.status_code == 200 and changed.json()["outcome"] == "allowed"
    assert changed.json()["departments"] == [] and changed.json()["expires_on"] is None
    ended = _post(client, f"{url}/end/", {"reason": "Pilot over"})
    assert ended.status_code == 200
    assert (ended.json()["in_force"], ended.json()["ended_by"], ended.json()["end_reason"]) == (
        False,
        "itsec@example.com",
        "Pilot over",
    )


def test_the_api_answers_400_403_404_and_409(client, it_security, manager, department):
    decision = _block(it_security, department)
    url = f"/api/v1/platform-decisions/{decision.pk}"
    client.force_login(manager)
    assert _post(client, f"{url}/end/", {"reason": "x"}).status_code == 403
    client.force_login(it_security)
    bad = _post(client, f"{url}/change/", {"outcome": "conditional", "rationale": "No conditions"})
    assert bad.status_code == 400 and "conditions" in bad.json()["fields"]
    assert _post(client, f"{url}/end/", {}).status_code == 400
    assert _post(client, "/api/v1/platform-decisions/987654/end/", {"reason": "x"}).status_code == 404
    assert _post(client, f"{url}/end/", {"reason": "Over"}).status_code == 200
    conflict = _post(client, f"{url}/end/", {"reason": "Again"})
    assert conflict.status_code == 409 and conflict.json()["code"] == "invalid_state"
    assert _post(client, f"{url}/change/", {"outcome": "allowed", "rationale": "x"}).status_code == 409
