"""The approvals rows of the permission table, and the objects their URLs point at.

The objects: a post by the employee on a Marketing channel, in review at the department stage;
a delegation from the reviewer to the employee; a lockdown in force; Marketing's own route.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from approvals import services
from approvals.tests.factories import PNG, channel_for, draft, open_stage, submitted
from socialgov.testing.permissions import Route, api, page

LOCKDOWN_DECIDERS = {"communications": 302, "it_security": 302, "superuser": 302}
ROUTE_MANAGERS = {"manager": 302, "it_security": 302, "superuser": 302}
DELEGATION = {"starts_at": "2030-01-01T09:00", "ends_at": "2030-01-05T09:00", "reason": "Holiday"}
API_DELEGATION = {"starts_at": "2030-01-01T09:00:00Z", "ends_at": "2030-01-05T09:00:00Z"}


def _post(o):
    return o["post"].pk


ROUTES: list[Route] = [
    # Pages
    Route("approvals:my_posts", "get", lambda o: "/posts/", page()),
    Route("approvals:drift_list", "get", lambda o: "/posts/out-of-policy/", page()),
    # another department's post in review: outside Marketing's scope (404); those who read everything,
    # and the brand reviewers (communications: the brand stage of every public channel), see it
    Route(
        "approvals:post_detail",
        "get",
        lambda o: f"/posts/{o['their_stage'].post_id}/",
        page(ok=404, communications=200, it_security=200, auditor=200, superuser=200),
        id="another department's post",
    ),
    Route(
        "approvals:stage_decide",
        "post",
        lambda o: f"/posts/reviews/{o['their_stage'].pk}/decide/",
        page(ok=404, communications=403, it_security=403, auditor=403, superuser=403),
        data=lambda o: {"outcome": "approve"},
        id="decide another department's post",
    ),
    Route(
        "post-detail",
        "get",
        lambda o: f"/api/v1/posts/{o['their_stage'].post_id}/",
        api(ok=404, communications=200, it_security=200, auditor=200, superuser=200),
        api=True,
        id="api another department's post",
    ),
    Route(
        "review-decide",
        "post",
        lambda o: "/api/v1/reviews/decide/",
        api(auditor=403),  # each stage's own refusal is in its result; a read-only role is refused as a whole
        data=lambda o: {"stage_ids": [o["their_stage"].pk], "outcome": "approve"},
        api=True,
        id="api bulk decision",
    ),
    Route(
        "post-decide",
        "post",
        lambda o: f"/api/v1/posts/{o['their_stage'].post_id}/decide/",
        api(ok=404, communications=403, it_security=403, auditor=403, superuser=403),
        data=lambda o: {"outcome": "approve"},
        api=True,
        id="api decide another department's post",
    ),
    Route("approvals:post_create", "get", lambda o: "/posts/new/", page(ok=403, employee=200)),
    Route(
        "approvals:post_create",
        "post",
        lambda o: "/posts/new/",
        page(ok=403, employee=302),
        data=lambda o: {"channel": o["channel"].pk, "body": "Hello <script>alert(1)</script>"},
    ),
    Route("approvals:export", "get", lambda o: "/posts/export.csv", page()),
    Route("approvals:post_preview", "get", lambda o: f"/posts/{_post(o)}/preview/", page(outsider=404)),
    # the composer's preview of the text being typed: only under a channel the person writes for
    Route(
        "approvals:draft_preview",
        "post",
        lambda o: "/posts/preview/",
        page(ok=404, employee=200),
        data=lambda o: {"channel": o["channel"].pk, "body": "Hello <script>alert(1)</script> #launch"},
    ),
    Route("approvals:queue", "get", lambda o: "/posts/queue/", page()),
    # the bulk decision: each ticked row is decided (or refused) on its own, and the queue says which
    Route(
        "approvals:queue",
        "post",
        lambda o: "/posts/queue/",
        page(ok=302, auditor=403),  # a read-only role is refused as a whole
        data=lambda o: {"bulk-stages": [o["stage"].pk], "bulk-outcome": "approve"},
        id="bulk decision",
    ),
    Route("approvals:scheduled", "get", lambda o: "/posts/scheduled/", page()),
    Route("approvals:post_detail", "get", lambda o: f"/posts/{_post(o)}/", page(outsider=404)),
    Route(
        "approvals:attachment",
        "get",
        lambda o: f"/posts/attachments/{o['attachment'].pk}/",
        page(outsider=404),
    ),
    Route("approvals:post_edit", "get", lambda o: f"/posts/{_post(o)}/edit/", page(ok=403, outsider=404)),
    Route(
        "approvals:post_edit",
        "post",
        lambda o: f"/posts/{_post(o)}/edit/",
        page(ok=403, outsider=404),
        data=lambda o: {"channel": o["channel"].pk, "body": "Changed while in review"},
        id="edit a post in review",
    ),
    Route(
        "approvals:post_edit",
        "post",
        lambda o: f"/posts/{o['draft'].pk}/edit/",
        # a draft is its author's; those who read everything see it, and may not change it
        page(ok=404, employee=302, it_security=403, auditor=403, superuser=403),
        data=lambda o: {"channel": o["channel"].pk, "body": "A better draft"},
        id="edit a draft",
    ),
    Route(
        "approvals:post_submit",
        "post",
        lambda o: f"/posts/{_post(o)}/submit/",
        page(ok=403, outsider=404, employee=302),
    ),
    Route(
        "approvals:post_withdraw",
        "post",
        lambda o: f"/posts/{_post(o)}/withdraw/",
        page(ok=403, outsider=404, employee=302),
    ),
    Route(
        "approvals:post_published",
        "post",
        lambda o: f"/posts/{_post(o)}/published/",
        page(ok=403, outsider=404, it_security=302, superuser=302),
    ),
    Route(
        "approvals:comment_add",
        "post",
        lambda o: f"/posts/{_post(o)}/comments/",
        page(ok=302, outsider=404, auditor=403),
        data=lambda o: {"body": '=HYPERLINK("http://evil")'},
    ),
    # No one decides on their own post; only eligible reviewers decide: the department stage is the
    # department's reviewers and managers (a superuser is not one).
    Route(
        "approvals:stage_decide",
        "post",
        lambda o: f"/posts/reviews/{o['stage'].pk}/decide/",
        page(ok=403, outsider=404, reviewer=302, manager=302),
        data=lambda o: {"outcome": "approve"},
    ),
    Route("approvals:delegations", "get", lambda o: "/posts/delegations/", page()),
    Route(
        "approvals:delegations",
        "post",
        lambda o: "/posts/delegations/",
        page(ok=302, auditor=403, reviewer=200),  # the reviewer names themself: the form says no
        data=lambda o: {"delegate": "reviewer@example.com", **DELEGATION},
    ),
    Route(
        "approvals:delegation_revoke",
        "post",
        lambda o: f"/posts/delegations/{o['delegation'].pk}/end/",
        page(ok=404, reviewer=302, it_security=302, superuser=302, employee=403, auditor=403),
    ),
    Route("approvals:lockdowns", "get", lambda o: "/posts/lockdowns/", page()),
    Route(
        "approvals:lockdowns",
        "post",
        lambda o: "/posts/lockdowns/",
        page(ok=403, **LOCKDOWN_DECIDERS),
        data=lambda o: {"scope": "all", "reason": "Crisis"},
    ),
    # the confirmation page before ending: the same people as ending it
    Route(
        "approvals:lockdown_end_confirm",
        "get",
        lambda o: f"/posts/lockdowns/{o['lockdown'].pk}/end/confirm/",
        page(ok=403, **dict.fromkeys(LOCKDOWN_DECIDERS, 200)),
    ),
    Route(
        "approvals:lockdown_end",
        "post",
        lambda o: f"/posts/lockdowns/{o['lockdown'].pk}/end/",
        page(ok=403, **LOCKDOWN_DECIDERS),
    ),
    Route("approvals:routes", "get", lambda o: "/posts/routes/", page()),
    Route(
        "approvals:routes",
        "post",
        lambda o: "/posts/routes/",
        page(ok=403, **ROUTE_MANAGERS),
        data=lambda o: {
            "department": o["department"].pk,
            "name": "Legal",
            "role": "manager",
            "mode": "any",
            "required": 1,
            "sla_hours": 8,
        },
    ),
    Route(
        "approvals:route_stage_remove",
        "post",
        lambda o: f"/posts/routes/stages/{o['route_stage'].pk}/remove/",
        page(ok=403, **ROUTE_MANAGERS),
    ),
    Route(
        "approvals:route_settings",
        "post",
        lambda o: f"/posts/routes/{o['route'].pk}/settings/",
        page(ok=403, **ROUTE_MANAGERS),
        data=lambda o: {"distinct_reviewers": "on"},
    ),
    Route("approvals:channel_route", "get", lambda o: f"/posts/routes/channels/{o['channel'].pk}/", page()),
    Route(
        "approvals:channel_route",
        "get",
        lambda o: "/posts/routes/channels/987654/",
        page(ok=404),
        id="the route of a channel that does not exist",
    ),
    Route(
        "approvals:channel_route",
        "post",
        lambda o: f"/posts/routes/channels/{o['channel_route'].channel_id}/",
        page(ok=403, **ROUTE_MANAGERS),
        data=lambda o: {"name": "Legal", "role": "manager", "mode": "any", "required": 1, "sla_hours": 8},
    ),
    Route(
        "approvals:route_channel_create",
        "post",
        lambda o: f"/posts/routes/channels/{o['channel'].pk}/own/",
        page(ok=403, **ROUTE_MANAGERS),
    ),
    Route(
        "approvals:route_delete",
        "post",
        lambda o: f"/posts/routes/{o['channel_route'].pk}/delete/",
        page(ok=403, **ROUTE_MANAGERS),
    ),
    # API
    Route("post-list", "get", lambda o: "/api/v1/posts/", api(), api=True),
    Route(
        "post-list",
        "post",
        lambda o: "/api/v1/posts/",
        api(ok=403, employee=201),
        data=lambda o: {"channel": o["channel"].pk, "body": "Hello"},
        api=True,
    ),
    Route("post-detail", "get", lambda o: f"/api/v1/posts/{_post(o)}/", api(outsider=404), api=True),
    Route(
        "post-detail",
        "patch",
        lambda o: f"/api/v1/posts/{_post(o)}/",
        api(ok=403, outsider=404, employee=409),
        data=lambda o: {"body": "Changed"},
        api=True,
    ),
    Route("post-revisions", "get", lambda o: f"/api/v1/posts/{_post(o)}/revisions/", api(outsider=404), api=True),
    Route(
        "post-submit",
        "post",
        lambda o: f"/api/v1/posts/{_post(o)}/submit/",
        api(ok=403, outsider=404, employee=409),
        api=True,
    ),
    Route(
        "post-withdraw",
        "post",
        lambda o: f"/api/v1/posts/{_post(o)}/withdraw/",
        api(ok=403, outsider=404, employee=200),
        api=True,
    ),
    Route(
        "post-decide",
        "post",
        lambda o: f"/api/v1/posts/{_post(o)}/decide/",
        api(ok=403, outsider=404, reviewer=200, manager=200),
        data=lambda o: {"outcome": "approve"},
        api=True,
    ),
    Route(
        "post-published",
        "post",
        lambda o: f"/api/v1/posts/{_post(o)}/published/",
        # a publication of a post in review is recorded as a "published before approval" finding
        api(ok=403, outsider=404, it_security=201, superuser=201),
        api=True,
    ),
    # the post is in review: no receipt yet (404 for everyone, in scope or not)
    Route("post-receipt", "get", lambda o: f"/api/v1/posts/{_post(o)}/receipt/", api(ok=404), api=True),
    Route(
        "post-release",
        "post",
        lambda o: f"/api/v1/posts/{_post(o)}/release/",
        api(ok=403, outsider=404, it_security=409, superuser=409),
        api=True,
    ),
    Route("post-due", "get", lambda o: "/api/v1/posts/due/", api(), api=True),
    Route("review-list", "get", lambda o: "/api/v1/reviews/", api(), api=True),
    Route("approvalroute-list", "get", lambda o: "/api/v1/approval-routes/", api(), api=True),
    Route("approvalroute-detail", "get", lambda o: f"/api/v1/approval-routes/{o['route'].pk}/", api(), api=True),
    Route(
        "approvalroute-detail",
        "patch",
        lambda o: f"/api/v1/approval-routes/{o['route'].pk}/",
        api(ok=403, manager=200, it_security=200, superuser=200),
        data=lambda o: {"distinct_reviewers": False},
        api=True,
    ),
    Route(
        "approvalroute-stages",
        "post",
        lambda o: f"/api/v1/approval-routes/{o['route'].pk}/stages/",
        api(ok=403, manager=201, it_security=201, superuser=201),
        data=lambda o: {"name": "Legal", "role": "manager"},
        api=True,
    ),
    Route(
        "approvalroute-list",
        "post",
        lambda o: "/api/v1/approval-routes/",
        api(ok=403, manager=201, it_security=201, superuser=201),
        data=lambda o: {"channel": o["channel"].pk},
        api=True,
    ),
    Route(
        "approvalroute-detail",
        "delete",
        lambda o: f"/api/v1/approval-routes/{o['channel_route'].pk}/",
        api(ok=403, manager=204, it_security=204, superuser=204),
        api=True,
    ),
    Route(
        "approvalroute-stages",
        "post",
        lambda o: f"/api/v1/approval-routes/{o['channel_route'].pk}/stages/",
        api(ok=403, manager=201, it_security=201, superuser=201),
        data=lambda o: {"name": "Legal", "role": "manager"},
        api=True,
        id="api add a stage to a channel's route",
    ),
    Route(
        "approvalroute-stage",
        "delete",
        lambda o: f"/api/v1/approval-routes/{o['channel_route'].pk}/stages/{o['channel_route_stage'].pk}/",
        api(ok=403, manager=204, it_security=204, superuser=204),
        api=True,
    ),
    Route("delegation-list", "get", lambda o: "/api/v1/delegations/", api(), api=True),
    Route(
        "delegation-list",
        "post",
        lambda o: "/api/v1/delegations/",
        api(ok=201, auditor=403, reviewer=400),
        data=lambda o: {"delegate": "reviewer@example.com", **API_DELEGATION},
        api=True,
    ),
    Route(
        "delegation-detail",
        "get",
        lambda o: f"/api/v1/delegations/{o['delegation'].pk}/",
        api(ok=404, reviewer=200, employee=200, it_security=200, auditor=200, superuser=200),
        api=True,
    ),
    Route(
        "delegation-revoke",
        "post",
        lambda o: f"/api/v1/delegations/{o['delegation'].pk}/revoke/",
        api(ok=404, reviewer=200, it_security=200, superuser=200, employee=403, auditor=403),
        api=True,
    ),
    Route("lockdown-list", "get", lambda o: "/api/v1/lockdowns/", api(), api=True),
    Route(
        "lockdown-list",
        "post",
        lambda o: "/api/v1/lockdowns/",
        api(ok=403, communications=201, it_security=201, superuser=201),
        data=lambda o: {"scope": "department", "department": "marketing", "reason": "Crisis"},
        api=True,
    ),
    Route("lockdown-detail", "get", lambda o: f"/api/v1/lockdowns/{o['lockdown'].pk}/", api(), api=True),
    Route(
        "lockdown-end",
        "post",
        lambda o: f"/api/v1/lockdowns/{o['lockdown'].pk}/end/",
        api(ok=403, communications=200, it_security=200, superuser=200),
        api=True,
    ),
]


def _their_post():
    """A post in review in another department (Training): outside Marketing's scope."""
    from accounts.tests.factories import DepartmentFactory, UserFactory, add_member

    training = DepartmentFactory(name="Training", slug="training")
    trainer = add_member(UserFactory(email="trainer@example.com"), training, "member")
    return submitted(trainer, channel_for(trainer, department=training))


@pytest.fixture
def objects(employee, reviewer, manager, department, communications, groups):
    channel = channel_for(employee, department=department)
    post = submitted(employee, channel, attachments=[SimpleUploadedFile("photo.png", PNG)])
    now = timezone.now()
    delegation = services.delegation_create(
        actor=reviewer, delegate=employee, starts_at=now + timedelta(days=30), ends_at=now + timedelta(days=40)
    )
    lockdown = services.lockdown_start(actor=communications, scope="channel", channel=channel, reason="A crisis.")
    stage = services.route_stage_add(actor=manager, department=department, name="Legal", role="manager")
    # a second Marketing channel with its own route (a copy of Marketing's)
    channel_route = services.route_channel_create(actor=manager, channel=channel_for(employee, department=department))
    return {
        "channel_route": channel_route,
        "channel_route_stage": channel_route.stages.order_by("position").first(),
        "channel": channel,
        "post": post,
        "draft": draft(employee, channel, "Still a draft."),
        "their_stage": open_stage(_their_post()),
        "stage": open_stage(post),
        "attachment": post.attachments.get(),
        "delegation": delegation,
        "lockdown": lockdown,
        "department": department,
        "route": stage.route,
        "route_stage": stage,
    }
