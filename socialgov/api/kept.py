"""A list endpoint's page kept per person until the next audited write (``socialgov.cachekit``).

What is kept is the page's rows as the serializer gave them, rendered as JSON (``socialgov.api.renderers``: the JSON
renderer puts them in place as they are, another renderer is given them decoded), and its next and previous links,
keyed by the resource, the person, what the scope depends on besides audited writes (``kept_scope``)
and the request's query (filters, cursor, page size). The links are kept with the URL they were built for; a request
under another host or scheme has them built again, as DRF's cursor pagination builds them (its own URL with the
``cursor`` parameter replaced). Authentication, permissions and throttles run on every request,
before the list; only what the list reads and builds is kept. An endpoint that keeps its page must show only what
audited writes change (or what changes with time alone within ``cachekit.TTL``): the view says which, next to
``kept_name``.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlsplit

from rest_framework.response import Response
from rest_framework.utils.urls import replace_query_param

from socialgov import cachekit
from socialgov.api.pagination import CursorPagination
from socialgov.api.renderers import JSONRenderer, Spliced

_RENDERER = JSONRenderer()


def _cursor_of(link: str | None, param: str) -> str | None:
    """The ``param`` value of a link DRF's cursor pagination built (None for no link)."""
    if link is None:
        return None
    return parse_qs(urlsplit(link).query, keep_blank_values=True)[param][0]


class KeptPageMixin:
    """For a ``ListModelMixin`` viewset paginated by ``socialgov.api.pagination.CursorPagination``: ``list`` keeps its
    page (see the module). ``kept_name`` names the resource; ``kept_scope`` returns what else the person's scope
    depends on that audited writes do not change (default: nothing)."""

    kept_name: str

    def kept_scope(self) -> str:
        return ""

    def list(self, request, *args: Any, **kwargs: Any) -> Response:
        paginator = self.paginator  # type: ignore[attr-defined]
        if not isinstance(paginator, CursorPagination):
            return super().list(request, *args, **kwargs)  # type: ignore[misc]
        param = paginator.cursor_query_param
        generic = super().list  # type: ignore[misc]
        fresh: list[Response] = []

        def compute() -> tuple[bytes, str, dict[str, str | None]]:
            response = generic(request, *args, **kwargs)
            fresh.append(response)
            data = response.data
            results = _RENDERER.results_json(list(data["results"]))
            return results, request.build_absolute_uri(), {"next": data["next"], "previous": data["previous"]}

        name = f"api:{self.kept_name}:{cachekit.query_key(request.query_params, self.kept_scope())}"
        results, kept_url, links = cachekit.per_person(name, request.user, compute)
        if fresh:
            return fresh[0]  # DRF's own response, as computed
        url = request.build_absolute_uri()
        if url != kept_url:  # asked under another host or scheme: its own links, as DRF builds them
            links = {
                rel: None if link is None else replace_query_param(url, param, _cursor_of(link, param))
                for rel, link in links.items()
            }
        page = Spliced(links, results)
        # the results as they were rendered, for the JSON renderer; the data itself for another (the browsable API)
        return Response(page if isinstance(request.accepted_renderer, JSONRenderer) else page.data())
