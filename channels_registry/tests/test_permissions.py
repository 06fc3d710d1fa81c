"""Every page and endpoint of the registry and the platform catalogue, for every role (the table is in
permissions.py)."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, get_resolver

from channels_registry.tests.permissions import ROUTES
from socialgov.testing.permissions import table_tests

globals().update(table_tests(ROUTES))


def _names(patterns, namespace=""):
    for p in patterns:
        if isinstance(p, URLResolver):
            ns = f"{namespace}{p.namespace}:" if p.namespace else namespace
            yield from _names(p.url_patterns, ns)
        elif isinstance(p, URLPattern) and p.name:
            callback = p.callback
            module = getattr(getattr(callback, "cls", None), "__module__", None) or callback.__module__
            if module.startswith(("channels_registry", "policies")):
                yield f"{namespace}{p.name}"


def test_every_route_is_in_the_table():
    from policies.tests.permissions import (
        ROUTES as POLICY_ROUTES,  # policies, training and content rules keep their own table
    )

    routes = set(_names(get_resolver().url_patterns))
    covered = {r.name for r in ROUTES} | {r.name for r in POLICY_ROUTES}
    assert routes, "no route of the registry was found"
    assert routes - covered == set()
