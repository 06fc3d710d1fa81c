"""History reads as sentences with the fields that changed; the raw data stays one click away."""

from types import SimpleNamespace

import pytest
from django.template.loader import render_to_string

from accounts.services import membership_set
from audit import services as audit
from audit.selectors import events_for
from audit.sentences import describe, humanise

A = "ann@example.com"


def event(action, data=None, *, target_type="channels_registry.channel", actor=A):
    return SimpleNamespace(action=action, details=data or {}, actor_label=actor, target_type=target_type)


SPECIFIC = [
    ("post.created", {"channel": 3, "revision": 1}, f"{A} created the post"),
    ("post.revised", {"revision": 2, "state": "draft"}, f"{A} revised the post (revision 2)"),
    ("post.submitted", {"revision": 1, "stages": 2}, f"{A} submitted the post for review"),
    ("post.resubmitted", {"revision": 2, "stages": 2}, f"{A} resubmitted the post for review"),
    (
        "post.stage_decided",
        {"stage": "Department review", "position": 1, "outcome": "approve", "on_behalf_of": None},
        f"{A} approved the Department review stage",
    ),
    (
        "post.stage_decided",
        {"stage": "Legal", "position": 2, "outcome": "request_changes", "on_behalf_of": 7},
        f"{A} asked for changes at the Legal stage on someone's behalf",
    ),
    ("post.stage_decided", {"stage": "Legal", "outcome": "reject"}, f"{A} rejected the Legal stage"),
    ("post.approved", {"scheduled_at": None}, f"{A} approved the post"),
    ("post.scheduled", {"scheduled_at": "2026-12-03T09:00:00Z"}, f"{A} approved the post, due “2026-12-03T09:00:00Z”"),
    ("post.withdrawn", {"reason": "typo"}, f"{A} withdrew the post: “typo”"),
    (
        "post.published",
        {"url": "https://x.test/1", "report": 1},
        f"{A} recorded the post as published at “https://x.test/1”",
    ),
    (
        "channel.registered",
        {"platform": "x", "handle": "@city", "department": "marketing", "custodians": [1, 2]},
        f"{A} registered the channel “@city” on “x” for the department “marketing”",
    ),
    ("channel.approved", {"note": ""}, f"{A} approved the channel"),
    ("channel.rejected", {"reason": "duplicate"}, f"{A} rejected the channel: “duplicate”"),
    ("channel.suspended", {"reason": "breach"}, f"{A} suspended the channel: “breach”"),
    ("channel.reinstated", {"state": "active"}, f"{A} reinstated the channel as “active”"),
    ("channel.retired", {"reason": "unused"}, f"{A} retired the channel: “unused”"),
    ("channel.security_reviewed", {"outcome": "passed", "review": 1}, f"{A} reviewed the channel's security: passed"),
    ("channel.activity_recorded", {"kind": "post", "activity": 4}, "Activity was recorded on the channel: “post”"),
    (
        "access.granted",
        {"reason": "ok", "requester": "bo@example.com"},
        f"{A} granted bo@example.com the access they asked for",
    ),
    ("access.refused", {"reason": "no"}, f"{A} refused [erased] the access they asked for"),
    (
        "access.granted_role",
        {"user": "bo@example.com", "role": "editor"},
        f"{A} gave bo@example.com the role “editor” on the channel",
    ),
    (
        "access.revoked",
        {"grant": 1, "user": "bo@example.com", "role": "editor", "reason": "left"},
        f"{A} revoked the “editor” access of bo@example.com: “left”",
    ),
    (
        "membership.set",
        {"user": "bo@example.com", "department": "marketing", "before": "member", "after": "reviewer"},
        f"{A} made bo@example.com “reviewer” in the department “marketing” (was “member”)",
    ),
    (
        "membership.removed",
        {"user": "bo@example.com", "department": "marketing", "role": "member"},
        f"{A} removed bo@example.com from the department “marketing”",
    ),
    ("policy.acknowledged", {"version": 3, "acknowledgement": 9}, f"{A} acknowledged version 3 of the policy"),
    ("policy.published", {"number": 2}, f"{A} published version 2 of the policy"),
    ("lockdown.started", {"scope": "all", "reason": "incident"}, f"{A} started a lockdown: “incident”"),
    ("lockdown.ended", {"automatic": False}, f"{A} ended the lockdown"),
    ("lockdown.ended", {"automatic": True}, "The lockdown ended at its set time"),
    (
        "user.roles_changed",
        {"added": ["auditor"], "removed": ["communications"]},
        f"{A} gave the role(s) “auditor” and took away the role(s) “communications”",
    ),
    (
        "admin.changed",
        {"model": "channels_registry.channel", "changes": {"display_name": ["A", "B"]}},
        f"{A} changed the channel's display name from “A” to “B”",
    ),
]


@pytest.mark.parametrize(("action", "data", "expected"), SPECIFIC)
def test_common_actions_read_as_sentences(action, data, expected):
    assert describe(event(action, data)).sentence == expected


def test_any_other_action_reads_as_its_name_with_the_fields_that_changed():
    # route changes write top-level [before, after] pairs; platform changes a list of changed fields
    route = describe(event("route.changed", {"name": ["Old", "New"], "allow_repeat": [False, True]}))
    assert route.sentence == f"Route changed by {A}"
    assert route.changes == ["name from “Old” to “New”", "allow repeat from no to yes"]
    platform = describe(event("platform.changed", {"changed": ["dormancy_days", "name"], "dormancy_days": 90}))
    assert platform.sentence == f"Platform changed by {A}" and platform.changes == ["dormancy days", "name"]
    retention = describe(event("records.retention_set", {"record_type": "post", "before": 30, "after": 90}))
    assert retention.changes == ["from “30” to “90”"]
    stage = describe(event("route.stage_changed", {"stage": "Legal", "changes": {"mode": ["any", "all"]}}))
    assert stage.changes == ["mode from “any” to “all”"]
    assert humanise("post.stage_decided") == "Post stage decided"
    assert describe(event("x.y", {}, actor="system")).sentence == "X y by system"


@pytest.mark.django_db
def test_the_panel_shows_sentences_escapes_hostile_text_and_keeps_the_raw_data(employee, django_assert_num_queries):
    # given an event whose values are hostile
    hostile = "<script>alert(1)</script>"
    audit.record(actor=employee, action="channel.suspended", target=employee, data={"reason": hostile})
    audit.record(actor=employee, action="route.changed", target=employee, data={"name": [hostile, "B"]})

    # when the view reads the events (one query, as before) and the panel renders them (none)
    with django_assert_num_queries(1):
        events = events_for(employee)
    with django_assert_num_queries(0):
        html = render_to_string("audit/history_panel.html", {"events": events})

    # then each event is a sentence, the hostile text escaped, and the raw data in a <details> element
    assert f"{employee.email} suspended the channel: “&lt;script&gt;alert(1)&lt;/script&gt;”" in html
    assert f"Route changed by {employee.email}" in html
    assert "name from “&lt;script&gt;alert(1)&lt;/script&gt;” to “B”" in html
    assert hostile not in html
    assert html.count("<details>") == 2 and "<code>channel.suspended</code>" in html


@pytest.mark.django_db
def test_erased_values_read_as_erased(manager, employee, department, it_security):
    membership_set(actor=manager, user=employee, department=department, role="reviewer")
    audit.audit_erase_person(actor=it_security, person=employee)
    (shown,) = events_for(employee.memberships.get(department=department))
    sentence = describe(shown).sentence
    assert sentence == f"{manager.email} made [erased] “reviewer” in the department “marketing” (was “member”)"
    assert "employee" not in sentence


@pytest.mark.django_db
def test_the_trail_page_shows_sentences(client, auditor, employee):
    audit.record(actor=employee, action="lockdown.started", target=employee, data={"reason": "<b>now</b>"})
    client.force_login(auditor)
    body = client.get("/audit/").content.decode()
    assert f"{employee.email} started a lockdown: “&lt;b&gt;now&lt;/b&gt;”" in body
    assert "<b>now</b>" not in body
