"""Bulk decisions in the queue: the rows ticked, one outcome and one comment, each post decided on its own."""

from __future__ import annotations

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from accounts.tests.factories import DepartmentFactory, UserFactory, add_member, enrol_totp
from approvals import services
from approvals.choices import PostState, StageState
from approvals.models import Decision
from approvals.tests.factories import channel_for, open_stage, submitted
from audit.models import AuditEvent
from core.errors import InvalidInput

pytestmark = pytest.mark.django_db


@pytest.fixture
def posts(employee, reviewer, department):
    """Two posts of the employee in review, one of the reviewer's own, and another department's."""
    channel = channel_for(employee, reviewer, department=department)
    theirs = channel_for(UserFactory(), department=DepartmentFactory(name="Sales", slug="sales"))
    return {
        "first": submitted(employee, channel, body="First of the week"),
        "second": submitted(employee, channel, body="Second of the week"),
        "own": submitted(reviewer, channel, body="The reviewer's own"),
        "elsewhere": submitted(theirs.memberships.first().user, theirs, body="Sales news"),
    }


def _stages(posts, *names):
    return [open_stage(posts[name]).pk for name in names]


def test_each_ticked_post_is_decided_on_its_own_with_its_own_checks(reviewer, posts):
    # when the reviewer approves four rows at once, one of them their own post, one outside their scope
    results = services.stages_decide(
        actor=reviewer,
        stage_ids=_stages(posts, "first", "own", "second", "elsewhere"),
        outcome="approve",
        comment="Fine by me.",
    )

    # then each row has its own result, in the order ticked
    assert [(r.post_id, r.ok, r.status, r.code) for r in results] == [
        (posts["first"].pk, True, 200, ""),
        (posts["own"].pk, False, 403, "separation_of_duties"),
        (posts["second"].pk, True, 200, ""),
        (None, False, 404, "not_found"),
    ]
    assert "own post" in results[1].message
    assert results[0].summary == "First of the week"
    # the two others moved on to the brand stage with the comment; the reviewer's own and the other
    # department's are untouched, and the refusal is on the record as a single decision's would be
    for name in ("first", "second"):
        stage = posts[name].stage_reviews.get(position=1)
        assert stage.state == StageState.APPROVED
        assert stage.decisions.get().comment == "Fine by me."
    for name in ("own", "elsewhere"):
        assert open_stage(posts[name]).approvals == 0
    assert AuditEvent.objects.filter(action="post.stage_decided").count() == 2
    refused = AuditEvent.objects.get(action="post.self_decision_refused")
    assert refused.target_id == str(posts["own"].pk)


def test_asking_for_changes_in_bulk_needs_a_comment_and_decides_nothing_without_one(reviewer, posts):
    ids = _stages(posts, "first", "second")
    with pytest.raises(InvalidInput) as error:
        services.stages_decide(actor=reviewer, stage_ids=ids, outcome="request_changes", comment="  ")
    assert "comment" in error.value.fields
    assert not Decision.objects.exists()

    results = services.stages_decide(actor=reviewer, stage_ids=ids, outcome="request_changes", comment="Shorter.")
    assert all(r.ok for r in results)
    for name in ("first", "second"):
        posts[name].refresh_from_db()
        assert posts[name].state == PostState.CHANGES_REQUESTED


@pytest.mark.parametrize(
    ("ids", "outcome", "field"),
    [
        ([], "approve", "stages"),
        (list(range(1, services.BULK_LIMIT + 2)), "approve", "stages"),
        ([1], "reject", "outcome"),  # rejecting ends a post for good: one at a time
    ],
    ids=["none", "over the limit", "reject"],
)
def test_bulk_input_is_refused_as_a_whole(reviewer, ids, outcome, field):
    with pytest.raises(InvalidInput) as error:
        services.stages_decide(actor=reviewer, stage_ids=ids, outcome=outcome, comment="Why")
    assert field in error.value.fields


def test_the_same_row_ticked_twice_is_decided_once_and_a_decided_row_is_a_conflict(reviewer, posts):
    stage = open_stage(posts["first"]).pk
    assert [r.ok for r in services.stages_decide(actor=reviewer, stage_ids=[stage, stage], outcome="approve")] == [True]
    again = services.stages_decide(actor=reviewer, stage_ids=[stage], outcome="approve")
    assert [(r.ok, r.status) for r in again] == [(False, 409)]


# --- The queue page -----------------------------------------------------------------------------


def test_the_queue_decides_the_ticked_rows_and_says_what_each_came_to(client, reviewer, posts):
    client.force_login(reviewer)
    queue = reverse("approvals:queue") + "?department=marketing"
    page = client.get(queue).content.decode()
    assert 'form="bulk" name="bulk-stages"' in page

    response = client.post(
        queue,
        {"bulk-stages": _stages(posts, "first", "own"), "bulk-outcome": "approve", "bulk-comment": ""},
    )

    assert response.status_code == 302 and response["Location"] == queue
    said = [(m.level_tag, m.message) for m in get_messages(response.wsgi_request)]
    assert said[0] == ("success", "Approved: “First of the week”.")
    assert said[1][0] == "error"
    assert said[1][1].startswith("Not decided: “The reviewer's own”: ")
    posts["own"].refresh_from_db()
    assert posts["own"].state == PostState.IN_REVIEW


def test_a_refused_bulk_decision_keeps_what_was_typed_and_ticked(client, reviewer, posts):
    client.force_login(reviewer)
    ids = _stages(posts, "first", "second")
    response = client.post(
        reverse("approvals:queue"),
        {"bulk-stages": ids, "bulk-outcome": "request_changes", "bulk-comment": "   "},
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "A comment is required to ask for changes." in page
    for pk in ids:
        assert f'value="{pk}" id="tick-{pk}" aria-label="Tick “' in page
        assert f'id="tick-{pk}"' in page and page.split(f'id="tick-{pk}"')[1].split(">")[0].endswith(" checked")
    assert not Decision.objects.exists()


def test_a_typed_comment_comes_back_on_a_refused_bulk_decision(client, reviewer, posts):
    client.force_login(reviewer)
    response = client.post(
        reverse("approvals:queue"), {"bulk-stages": ["x"], "bulk-outcome": "approve", "bulk-comment": "<b>kept</b>"}
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "Tick posts of the queue." in page
    assert "&lt;b&gt;kept&lt;/b&gt;</textarea>" in page


# --- The API ------------------------------------------------------------------------------------


def test_the_api_decides_in_bulk_and_answers_each_stage(api_client, reviewer, posts):
    api_client.force_authenticate(reviewer)
    ids = _stages(posts, "first", "own", "elsewhere")
    response = api_client.post(
        "/api/v1/reviews/decide/", {"stage_ids": ids, "outcome": "approve", "comment": "ok"}, format="json"
    )
    assert response.status_code == 200
    results = response.json()["results"]
    assert [(r["stage"], r["ok"], r["status"]) for r in results] == [
        (ids[0], True, 200),
        (ids[1], False, 403),
        (ids[2], False, 404),
    ]
    assert results[0]["decision"]["outcome"] == "approve" and results[0]["decision"]["comment"] == "ok"
    assert results[2]["post"] is None and results[1]["decision"] is None


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"stage_ids": [], "outcome": "approve"}, "stages"),
        ({"stage_ids": ["x"], "outcome": "approve"}, "stage_ids"),
        ({"stage_ids": [1], "outcome": "reject"}, "outcome"),
        ({"stage_ids": [1], "outcome": "request_changes"}, "comment"),
    ],
    ids=["none", "not a number", "reject", "no comment"],
)
def test_the_api_refuses_bad_bulk_input_with_field_messages(api_client, reviewer, body, field):
    api_client.force_authenticate(reviewer)
    response = api_client.post("/api/v1/reviews/decide/", body, format="json")
    assert response.status_code == 400
    assert field in str(response.json())


def test_a_manager_of_another_department_decides_nothing_there(api_client, posts):
    sales_manager = enrol_totp(add_member(UserFactory(), DepartmentFactory(name="Ops", slug="ops"), "manager"))
    api_client.force_authenticate(sales_manager)
    response = api_client.post(
        "/api/v1/reviews/decide/",
        {"stage_ids": _stages(posts, "first"), "outcome": "approve"},
        format="json",
    )
    assert [r["status"] for r in response.json()["results"]] == [404]
    assert not Decision.objects.exists()


def test_a_read_only_role_is_refused_the_bulk_decision_as_a_whole(client, auditor, posts):
    from core.errors import Forbidden

    with pytest.raises(Forbidden):
        services.stages_decide(actor=auditor, stage_ids=_stages(posts, "first"), outcome="approve")
    client.force_login(auditor)
    response = client.post(
        reverse("approvals:queue"), {"bulk-stages": _stages(posts, "first"), "bulk-outcome": "approve"}
    )
    assert response.status_code == 403
    assert not Decision.objects.exists()
