"""The API's JSON renderer: DRF's, which also writes out a list's results rendered once and kept (``Spliced``)."""

from __future__ import annotations

import json
from typing import Any

from rest_framework import renderers


class Spliced:
    """A page's response data whose results are already JSON (``JSONRenderer.results_json`` of the same rows):
    ``head`` is the rest of the data (the links), in the order the response gives them, before ``results``."""

    __slots__ = ("head", "results_json")

    def __init__(self, head: dict[str, Any], results_json: bytes):
        self.head = head
        self.results_json = results_json

    def data(self) -> dict[str, Any]:
        """The response data itself (what any other renderer, or an indented rendering, is given)."""
        return {**self.head, "results": json.loads(self.results_json)}


class JSONRenderer(renderers.JSONRenderer):
    """DRF's ``JSONRenderer``; given ``Spliced`` data, it renders the links and puts the kept results in place
    as they are: the same bytes as rendering the whole (a dict is written ``{`` key ``:`` value, ``,`` ... ``}``
    with the compact separators, each value as it is written alone), without encoding the rows again."""

    def render(self, data, accepted_media_type=None, renderer_context=None):
        if not isinstance(data, Spliced):
            return super().render(data, accepted_media_type, renderer_context)
        if not self.compact or self.get_indent(accepted_media_type, renderer_context or {}) is not None:
            return super().render(data.data(), accepted_media_type, renderer_context)
        head = super().render(data.head, accepted_media_type, renderer_context)  # b'{"next":...,"previous":...}'
        return b"".join((head[:-1], b',"results":' if data.head else b'"results":', data.results_json, b"}"))

    def results_json(self, results: list) -> bytes:
        """``results`` as this renderer writes them in a compact response (what ``Spliced`` takes)."""
        return super().render(results)
