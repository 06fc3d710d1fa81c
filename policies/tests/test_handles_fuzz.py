"""Hypothesis: the handle and URL normalisers accept or refuse cleanly (InvalidInput), never crash."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.errors import InvalidInput
from policies.handles import normalise_handle, normalise_url
from policies.models import Platform
from policies.seed import PLATFORMS

CATALOGUE = [
    Platform(
        slug=s, name=name, kind=kind, handle_pattern=pattern, handle_hint=hint, strip_prefix=strip, url_hosts=hosts
    )
    for s, name, kind, pattern, hint, strip, hosts, _limit, _mfa in PLATFORMS
]
HOSTILE = st.sampled_from(
    ["\x00", "\u202e", "\u200b", "<script>", "=cmd|' /C calc'!A0", "\n", "@", "[", "]", ":", "%00", "😀", "İ", "ß"]
)
RAW = st.one_of(st.text(max_size=60), st.lists(st.one_of(HOSTILE, st.text(max_size=5)), max_size=8).map("".join))
URLS = st.one_of(
    RAW,
    st.builds(
        lambda scheme, host, port, path: f"{scheme}://{host}{port}/{path}",
        st.sampled_from(["http", "https", "HTTPS", "ftp", "javascript", ""]),
        st.one_of(st.sampled_from(["x.com", "www.linkedin.com", "[::1", "[::1]", "a..b", "", "xn--"]), st.text()),
        st.sampled_from(["", ":0", ":443", ":99999", ":-1", ":abc", ":"]),
        st.text(max_size=20),
    ),
)


@pytest.mark.parametrize("platform", CATALOGUE, ids=[p.slug for p in CATALOGUE])
@settings(max_examples=150, deadline=None)
@given(raw=RAW)
def test_a_handle_is_normalised_or_refused(platform, raw):
    try:
        handle = normalise_handle(platform, raw)
    except InvalidInput as exc:
        assert exc.fields["handle"]
        return
    # then: what is stored is clean, fits the pattern, and normalising again changes nothing
    assert handle and "\x00" not in handle and handle == handle.strip()
    assert normalise_handle(platform, handle) == handle


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("http://[::]", "http://[::]"),
        ("HTTPS://[::1]:8443/a", "https://[::1]:8443/a"),
        ("https://X.com/a", "https://x.com/a"),
    ],
)
def test_an_address_normalises_to_one_that_normalises_to_itself(raw, expected):
    # found by Hypothesis: an IPv6 host lost its brackets ("http://::"), which no longer parsed
    assert normalise_url(None, raw) == expected
    assert normalise_url(None, expected) == expected


@pytest.mark.parametrize("platform", [None, *CATALOGUE[:3]], ids=["any", *(p.slug for p in CATALOGUE[:3])])
@settings(max_examples=200, deadline=None)
@given(raw=URLS)
def test_a_url_is_normalised_or_refused(platform, raw):
    try:
        url = normalise_url(platform, raw)
    except InvalidInput as exc:
        assert exc.fields["url"]
        return
    assert url.startswith(("http://", "https://"))
    assert normalise_url(platform, url) == url
