"""Streamed CSV, JSON and JSON Lines exports. A leaf module: any app may use it.

CSV cells that a spreadsheet would run as a formula (starting with ``=``, ``+``,
``-``, ``@``, tab or carriage return) are prefixed with an apostrophe.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.http import StreamingHttpResponse

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralise_cell(value: Any) -> Any:
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


class _Echo:
    def write(self, value: str) -> str:
        return value


def csv_rows(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> Iterator[str]:
    writer = csv.writer(_Echo())
    yield writer.writerow(header)
    for row in rows:
        yield writer.writerow([neutralise_cell("" if v is None else v) for v in row])


def jsonl_rows(items: Iterable[dict[str, Any]]) -> Iterator[str]:
    for item in items:
        yield json.dumps(item, cls=DjangoJSONEncoder, ensure_ascii=False) + "\n"


def json_array(items: Iterable[dict[str, Any]]) -> Iterator[str]:
    """One JSON array, written an element at a time (never built in memory)."""
    yield "["
    for i, item in enumerate(items):
        yield ("\n" if i == 0 else ",\n") + json.dumps(item, cls=DjangoJSONEncoder, ensure_ascii=False)
    yield "\n]\n"


def stream_csv(filename: str, header: Sequence[str], rows: Iterable[Sequence[Any]]) -> StreamingHttpResponse:
    response = StreamingHttpResponse(csv_rows(header, rows), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def stream_jsonl(filename: str, items: Iterable[dict[str, Any]]) -> StreamingHttpResponse:
    response = StreamingHttpResponse(jsonl_rows(items), content_type="application/x-ndjson; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def stream_json(filename: str, items: Iterable[dict[str, Any]]) -> StreamingHttpResponse:
    response = StreamingHttpResponse(json_array(items), content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def rows_of(items: Iterable[Any], columns: Sequence[tuple[str, Callable[[Any], Any]]]) -> Iterator[list[Any]]:
    for item in items:
        yield [get(item) for _, get in columns]
