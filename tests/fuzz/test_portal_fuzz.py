"""Every portal URL in the permission matrix, fuzzed: as a person allowed there, its query string (GET)
or form (POST) filled with hostile values (huge numbers, far-off and impossible dates, NaN, markup,
NUL, very long text), drawn from a fixed seed, a bounded number of times a URL. Field names are the
page's own inputs (and its filters), so every filter and form field gets bad values. No answer is a
server error."""

from __future__ import annotations

import random
import re
from urllib.parse import urlsplit

import pytest
from django.test import Client
from django.urls import resolve, reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.permission_matrix import ROUTES, Route

pytestmark = pytest.mark.fuzz

EXAMPLES = 6  # a URL: the suite's time stays bounded
PREFERENCE = ["supervisor", "admin", "compliance", "analyst", "auditor"]
PORTAL = [r for r in ROUTES if r.kind == "public" or (r.kind == "portal" and any(x in r.allowed for x in PREFERENCE))]
# The sign-in forms every visitor reaches (the matrix leaves allauth's pages to their own tests).
PORTAL += [
    Route("account_login", frozenset(), kind="public"),
    Route("account_login", frozenset(), kind="public", method="post", data=lambda w: {"login": "", "password": ""}),
    Route("account_reset_password", frozenset(), kind="public", method="post", data=lambda w: {"email": ""}),
]
FIXED = ["", "0", "-1", "1e400", "-1e400", "NaN", "Infinity", "9" * 60, "99999999999", "123456789012",
         "9999-12-31", "0001-01-01", "2026-02-30", "2026-13-01T25:61", "9999-12-31T23:59:59", "me", "none",
         "<script>x</script>", "' OR 1=1 --", "x\x00y", "é" * 300, "1,234.56", "₹ 1,00,000"]  # fmt: skip
PER_FIELD = 4  # hostile values each field gets on its own, drawn from FIXED with the URL as the seed
HOSTILE = st.one_of(
    st.text(max_size=40),
    st.integers(min_value=-(10**30), max_value=10**30).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(str),
    st.sampled_from(FIXED),
)
_NAMES = re.compile(r'<(?:input|select|textarea)[^>]*\bname="([^"]+)"')


def _role(route) -> str | None:
    """Who sends the requests: a person allowed there; nobody signed in for a public URL."""
    return None if route.kind == "public" else next(role for role in PREFERENCE if role in route.allowed)


def _field_names(client: Client, url: str) -> list[str]:
    """The names of the page's inputs, and of its view's filters (exports stream, with no form)."""
    page = client.get(url)
    if page.streaming:
        b"".join(page.streaming_content)
        names = set()
    else:
        names = set(_NAMES.findall(page.content.decode(errors="replace"))) if page.status_code == 200 else set()
    filterset = getattr(getattr(resolve(urlsplit(url).path).func, "view_class", None), "filterset_class", None)
    names |= set(filterset.base_filters) if filterset else set()
    return sorted(names - {"csrfmiddlewaretoken"}) or ["q"]


@pytest.mark.parametrize("route", PORTAL, ids=[f"{r.method}-{r.name}" for r in PORTAL])
def test_no_portal_input_makes_a_server_error(world, route):
    client = Client(raise_request_exception=False)
    if _role(route):
        client.force_login(world["users"][_role(route)])
    url = reverse(route.name, kwargs=route.kwargs(world) if route.kwargs else None)
    names = _field_names(client, url) if route.method == "get" else sorted(route.data(world)) if route.data else []
    names = [*names, "page", "q", "ordering", "unknown"]

    def send(fields):
        response = client.get(url, fields) if route.method == "get" else client.post(url, fields)
        if response.streaming:
            b"".join(response.streaming_content)  # an export fails while it streams, if it fails
        assert response.status_code < 500, f"{route.method.upper()} {url} {fields!r}: {response.status_code}"

    seeded = random.Random(f"{route.method} {route.name}")
    for name in names:  # each field alone, with hostile values
        for value in seeded.sample(FIXED, PER_FIELD):
            send({name: value})

    @given(fields=st.dictionaries(st.sampled_from(names), HOSTILE, max_size=5))
    @settings(max_examples=EXAMPLES, derandomize=True, deadline=None, database=None,
              suppress_health_check=list(HealthCheck))  # fmt: skip
    def fuzz(fields):  # fields together, with values drawn from the seed
        send(fields)

    fuzz()
