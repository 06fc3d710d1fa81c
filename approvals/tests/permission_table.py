"""The approvals rows of the permission table (``socialgov.tests.test_permissions.all_tables`` includes them).

The objects: a post by the employee on a Marketing channel, in review at the department stage;
a delegation from the reviewer to the employee; a lockdown in force; Marketing's own route.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

ROLES = [
    "anonymous",
    "outsider",
    "employee",
    "reviewer",
    "manager",
    "communications",
    "it_security",
    "auditor",
    "superuser",
]
SIGNED_IN = ROLES[1:]


@dataclass
class Row:
    name: str
    method: str
    url: Callable[[dict[str, Any]], str]
    expect: dict[str, int]
    data: Callable[[dict[str, Any]], dict[str, Any]] = field(default=lambda o: {})
    api: bool = False


def statuses(ok=200, anon=302, **overrides) -> dict[str, int]:
    result = {"anonymous": anon, **{r: ok for r in SIGNED_IN}}
    result.update(overrides)
    return result


def api(ok=200, **overrides) -> dict[str, int]:
    return statuses(ok=ok, anon=401, **overrides)


LOCKDOWN_DECIDERS = {"communications": 302, "it_security": 302, "superuser": 302}
ROUTE_MANAGERS = {"manager": 302, "it_security": 302, "superuser": 302}
DELEGATION = {"starts_at": "2030-01-01T09:00", "ends_at": "2030-01-05T09:00", "reason": "Holiday"}
API_DELEGATION = {"starts_at": "2030-01-01T09:00:00Z", "ends_at": "2030-01-05T09:00:00Z"}


def _post(o):
    return o["post"].pk


ROWS: list[Row] = [
    # Pages
    Row("approvals:my_posts", "get", lambda o: "/posts/", statuses()),
    Row("approvals:post_create", "get", lambda o: "/posts/new/", statuses(ok=403, employee=200)),
    Row(
        "approvals:post_create",
        "post",
        lambda o: "/posts/new/",
        statuses(ok=403, employee=302),
        data=lambda o: {"channel": o["channel"].pk, "body": "Hello <script>alert(1)</script>"},
    ),
    Row("approvals:export", "get", lambda o: "/posts/export.csv", statuses()),
    Row("approvals:queue", "get", lambda o: "/posts/queue/", statuses()),
    Row("approvals:scheduled", "get", lambda o: "/posts/scheduled/", statuses()),
    Row("approvals:post_detail", "get", lambda o: f"/posts/{_post(o)}/", statuses(outsider=404)),
    Row(
        "approvals:attachment",
        "get",
        lambda o: f"/posts/attachments/{o['attachment'].pk}/",
        statuses(outsider=404),
    ),
    Row("approvals:post_edit", "get", lambda o: f"/posts/{_post(o)}/edit/", statuses(ok=403, outsider=404)),
    Row(
        "approvals:post_submit",
        "post",
        lambda o: f"/posts/{_post(o)}/submit/",
        statuses(ok=403, outsider=404, employee=302),
    ),
    Row(
        "approvals:post_withdraw",
        "post",
        lambda o: f"/posts/{_post(o)}/withdraw/",
        statuses(ok=403, outsider=404, employee=302),
    ),
    Row(
        "approvals:post_published",
        "post",
        lambda o: f"/posts/{_post(o)}/published/",
        statuses(ok=403, outsider=404, it_security=302, superuser=302),
    ),
    Row(
        "approvals:comment_add",
        "post",
        lambda o: f"/posts/{_post(o)}/comments/",
        statuses(ok=302, outsider=404, auditor=403),
        data=lambda o: {"body": '=HYPERLINK("http://evil")'},
    ),
    # No one decides on their own post; only eligible reviewers decide: the department stage is the
    # department's reviewers and managers (a superuser is not one).
    Row(
        "approvals:stage_decide",
        "post",
        lambda o: f"/posts/reviews/{o['stage'].pk}/decide/",
        statuses(ok=403, outsider=404, reviewer=302, manager=302),
        data=lambda o: {"outcome": "approve"},
    ),
    Row("approvals:delegations", "get", lambda o: "/posts/delegations/", statuses()),
    Row(
        "approvals:delegations",
        "post",
        lambda o: "/posts/delegations/",
        statuses(ok=302, auditor=403, reviewer=200),  # the reviewer names themself: the form says no
        data=lambda o: {"delegate": "reviewer@example.com", **DELEGATION},
    ),
    Row(
        "approvals:delegation_revoke",
        "post",
        lambda o: f"/posts/delegations/{o['delegation'].pk}/end/",
        statuses(ok=404, reviewer=302, it_security=302, superuser=302, employee=403, auditor=403),
    ),
    Row("approvals:lockdowns", "get", lambda o: "/posts/lockdowns/", statuses()),
    Row(
        "approvals:lockdowns",
        "post",
        lambda o: "/posts/lockdowns/",
        statuses(ok=403, **LOCKDOWN_DECIDERS),
        data=lambda o: {"scope": "all", "reason": "Crisis"},
    ),
    Row(
        "approvals:lockdown_end",
        "post",
        lambda o: f"/posts/lockdowns/{o['lockdown'].pk}/end/",
        statuses(ok=403, **LOCKDOWN_DECIDERS),
    ),
    Row("approvals:routes", "get", lambda o: "/posts/routes/", statuses()),
    Row(
        "approvals:routes",
        "post",
        lambda o: "/posts/routes/",
        statuses(ok=403, **ROUTE_MANAGERS),
        data=lambda o: {
            "department": o["department"].pk,
            "name": "Legal",
            "role": "manager",
            "mode": "any",
            "required": 1,
            "sla_hours": 8,
        },
    ),
    Row(
        "approvals:route_stage_remove",
        "post",
        lambda o: f"/posts/routes/stages/{o['route_stage'].pk}/remove/",
        statuses(ok=403, **ROUTE_MANAGERS),
    ),
    # API
    Row("post-list", "get", lambda o: "/api/v1/posts/", api(), api=True),
    Row(
        "post-list",
        "post",
        lambda o: "/api/v1/posts/",
        api(ok=403, employee=201),
        data=lambda o: {"channel": o["channel"].pk, "body": "Hello"},
        api=True,
    ),
    Row("post-detail", "get", lambda o: f"/api/v1/posts/{_post(o)}/", api(outsider=404), api=True),
    Row(
        "post-detail",
        "patch",
        lambda o: f"/api/v1/posts/{_post(o)}/",
        api(ok=403, outsider=404, employee=409),
        data=lambda o: {"body": "Changed"},
        api=True,
    ),
    Row("post-revisions", "get", lambda o: f"/api/v1/posts/{_post(o)}/revisions/", api(outsider=404), api=True),
    Row(
        "post-submit",
        "post",
        lambda o: f"/api/v1/posts/{_post(o)}/submit/",
        api(ok=403, outsider=404, employee=409),
        api=True,
    ),
    Row(
        "post-withdraw",
        "post",
        lambda o: f"/api/v1/posts/{_post(o)}/withdraw/",
        api(ok=403, outsider=404, employee=200),
        api=True,
    ),
    Row(
        "post-decide",
        "post",
        lambda o: f"/api/v1/posts/{_post(o)}/decide/",
        api(ok=403, outsider=404, reviewer=200, manager=200),
        data=lambda o: {"outcome": "approve"},
        api=True,
    ),
    Row(
        "post-published",
        "post",
        lambda o: f"/api/v1/posts/{_post(o)}/published/",
        api(ok=403, outsider=404, it_security=409, superuser=409),
        api=True,
    ),
    Row(
        "post-release",
        "post",
        lambda o: f"/api/v1/posts/{_post(o)}/release/",
        api(ok=403, outsider=404, it_security=409, superuser=409),
        api=True,
    ),
    Row("post-due", "get", lambda o: "/api/v1/posts/due/", api(), api=True),
    Row("review-list", "get", lambda o: "/api/v1/reviews/", api(), api=True),
    Row("approvalroute-list", "get", lambda o: "/api/v1/approval-routes/", api(), api=True),
    Row("approvalroute-detail", "get", lambda o: f"/api/v1/approval-routes/{o['route'].pk}/", api(), api=True),
    Row(
        "approvalroute-stages",
        "post",
        lambda o: f"/api/v1/approval-routes/{o['route'].pk}/stages/",
        api(ok=403, manager=201, it_security=201, superuser=201),
        data=lambda o: {"name": "Legal", "role": "manager"},
        api=True,
    ),
    Row("delegation-list", "get", lambda o: "/api/v1/delegations/", api(), api=True),
    Row(
        "delegation-list",
        "post",
        lambda o: "/api/v1/delegations/",
        api(ok=201, auditor=403, reviewer=400),
        data=lambda o: {"delegate": "reviewer@example.com", **API_DELEGATION},
        api=True,
    ),
    Row(
        "delegation-detail",
        "get",
        lambda o: f"/api/v1/delegations/{o['delegation'].pk}/",
        api(ok=404, reviewer=200, employee=200, it_security=200, auditor=200, superuser=200),
        api=True,
    ),
    Row(
        "delegation-revoke",
        "post",
        lambda o: f"/api/v1/delegations/{o['delegation'].pk}/revoke/",
        api(ok=404, reviewer=200, it_security=200, superuser=200, employee=403, auditor=403),
        api=True,
    ),
    Row("lockdown-list", "get", lambda o: "/api/v1/lockdowns/", api(), api=True),
    Row(
        "lockdown-list",
        "post",
        lambda o: "/api/v1/lockdowns/",
        api(ok=403, communications=201, it_security=201, superuser=201),
        data=lambda o: {"scope": "department", "department": "marketing", "reason": "Crisis"},
        api=True,
    ),
    Row("lockdown-detail", "get", lambda o: f"/api/v1/lockdowns/{o['lockdown'].pk}/", api(), api=True),
    Row(
        "lockdown-end",
        "post",
        lambda o: f"/api/v1/lockdowns/{o['lockdown'].pk}/end/",
        api(ok=403, communications=200, it_security=200, superuser=200),
        api=True,
    ),
]
