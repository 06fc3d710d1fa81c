"""The policies rows of the permission table (socialgov/tests/test_permissions.py reads them)."""

from __future__ import annotations

from socialgov.tests.test_permissions import Route, page

RULE_READERS = {"it_security", "auditor", "superuser", "communications"}
RULE_WRITERS = {"it_security", "superuser", "communications"}


def only(roles: set[str], ok: int = 200, anon: int = 401, denied: int = 403) -> dict[str, int]:
    statuses = page(ok=denied, anon=anon)
    statuses.update({r: ok for r in roles})
    return statuses


POLICY_ROUTES: list[Route] = [
    Route("content-check", "post", lambda o: "/api/v1/content-check/", page(anon=401), data={"text": "hi"}, api=True),
    Route("contentrule-list", "get", lambda o: "/api/v1/content-rules/", only(RULE_READERS), api=True),
    Route(
        "contentrule-list",
        "post",
        lambda o: "/api/v1/content-rules/",
        only(RULE_WRITERS, ok=201),
        data={"name": "n", "kind": "lexicon", "severity": "warn", "message": "m", "terms": "x"},
        api=True,
    ),
    Route(
        "contentrule-detail", "get", lambda o: f"/api/v1/content-rules/{o['rule'].pk}/", only(RULE_READERS), api=True
    ),
    Route(
        "contentrule-detail",
        "patch",
        lambda o: f"/api/v1/content-rules/{o['rule'].pk}/",
        only(RULE_WRITERS),
        data={"message": "changed"},
        api=True,
    ),
]
