"""The API's router patterns grouped by prefix (socialgov.api.urls.by_prefix) resolve and reverse as the flat list."""

import re

from django.urls import resolve, reverse

from socialgov.api.urls import router

SAMPLES = {"pk": "7", "slug": "x-twitter", "format": "json"}


def _sample(regex: str) -> tuple[str, dict[str, str]]:
    """A path the pattern matches, and the arguments it gives."""
    kwargs = {name: SAMPLES[name] for name in re.findall(r"\(\?P<(\w+)>", regex)}
    path = re.sub(r"\(\?P<(\w+)>[^)]*\)", lambda m: SAMPLES[m.group(1)], regex)
    path = path.lstrip("^").rstrip("$").replace("/?", "").replace("\\.", ".")
    return path, kwargs


def test_every_router_pattern_resolves_and_reverses_as_before():
    flat = [url for url in router.urls if url.name != "api-root"]
    assert len(flat) > 100
    for url in flat:
        # given a path each of the router's own patterns matches
        path, kwargs = _sample(str(url.pattern))
        assert url.pattern.regex.search(path), (url.pattern, path)

        # when it is resolved, and the pattern's name reversed with the same arguments
        match = resolve(f"/api/v1/{path}")

        # then the same view, name and arguments; the same path back
        assert match.url_name == url.name, path
        assert match.kwargs == {**kwargs, **url.default_args}, path
        assert match.func.__name__ == url.callback.__name__, path
        assert getattr(match.func, "actions", None) == getattr(url.callback, "actions", None), path
        assert getattr(match.func, "cls", None) is getattr(url.callback, "cls", None), path
        assert reverse(url.name, kwargs=kwargs) == f"/api/v1/{path}", path


def test_the_api_root_resolves_as_before():
    assert resolve("/api/v1/").url_name == "api-root"
    assert resolve("/api/v1/.json").kwargs == {"format": "json"}
    assert reverse("api-root") == "/api/v1/"
