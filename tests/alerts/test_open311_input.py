"""Open311 input from clients nobody on the project wrote: bodies in the charset they declare
(12345 platforms in China often send GBK), bodies that declare nothing and are not UTF-8,
impossible dates, odd paths. Each gets a clean answer in the spec's shape, never a 5xx."""

import logging
from typing import Any
from urllib.parse import quote

import pytest
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from alerts.open311.keys import IssuedKey
from config.counters import counters_all
from dispatch.models import Call
from gis.models import Premise
from tests.alerts import test_open311 as shared
from tests.alerts.test_open311 import BASE, at, state, xml

city = shared.city
issued = shared.issued
premise = shared.premise

DESCRIPTION = "厨房燃气灶漏气，请尽快派人"
FORM = "application/x-www-form-urlencoded"


def _form(fields: dict[str, Any], charset: str, *, percent: bool = True) -> bytes:
    """A form body in `charset`, percent-encoded as browsers do, or raw bytes as some
    hand-written clients send."""
    if percent:
        return "&".join(
            f"{k}={quote(str(v), encoding=charset)}" for k, v in fields.items()
        ).encode()
    return "&".join(f"{k}={v}" for k, v in fields.items()).encode(charset)


def _post(client: Client, body: bytes, content_type: str, fmt: str = "json") -> Any:
    """The body exactly as given (Client.post would re-encode it in the declared charset)."""
    return client.generic("POST", f"{BASE}/requests.{fmt}", body, content_type=content_type)


def _fields(issued: IssuedKey, premise: Premise) -> dict[str, Any]:
    return {
        "api_key": issued.raw,
        "service_code": "repair",
        "description": DESCRIPTION,
        "first_name": "王",
        **at(premise),
    }


def _spec_error(response: Any, status: int, *words: str) -> str:
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/json; charset=utf-8"
    errors = response.json()
    assert errors
    assert all(set(e) == {"code", "description"} and e["code"] == status for e in errors)
    text = " | ".join(e["description"] for e in errors)
    for word in words:
        assert word in text, text
    return text


@pytest.mark.parametrize(
    ("declared", "percent"),
    [
        ("GBK", True),
        ("GBK", False),
        ("gb18030", True),
        ("GB2312", False),
        ("utf-8", True),
        ("UTF-8", False),
        ("GB18030", False),
    ],
)
def test_a_form_post_in_its_declared_charset_is_stored_as_written(
    client: Client, issued: IssuedKey, premise: Premise, declared: str, percent: bool
) -> None:
    body = _form(_fields(issued, premise), declared, percent=percent)
    response = _post(client, body, f"{FORM}; charset={declared}")
    assert response.status_code == 200, response.content
    call = Call.objects.get()
    assert call.description == DESCRIPTION
    assert call.caller_name == "王"


@pytest.mark.parametrize("percent", [True, False])
def test_an_undeclared_body_that_is_not_utf8_is_refused_and_nothing_is_stored(
    client: Client,
    issued: IssuedKey,
    premise: Premise,
    percent: bool,
    caplog: pytest.LogCaptureFixture,
) -> None:
    before, counted = state(), counters_all().get("open311.refused.400", 0)
    body = _form(_fields(issued, premise), "gbk", percent=percent)
    with caplog.at_level(logging.WARNING, logger="alerts.open311"):
        response = _post(client, body, FORM)
    _spec_error(response, 400, "charset", "UTF-8")
    assert state() == before
    assert counters_all()["open311.refused.400"] == counted + 1
    assert any("refused (400)" in r.getMessage() for r in caplog.records)


def test_an_unknown_or_non_text_charset_is_refused_in_the_spec_shape(
    client: Client, issued: IssuedKey, premise: Premise
) -> None:
    before = state()
    body = _form(_fields(issued, premise), "utf-8")
    for charset in ("klingon-8", "base64", "rot13", "x-unknown"):
        response = _post(client, body, f"{FORM}; charset={charset}")
        _spec_error(response, 400, "charset")
    assert state() == before


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    body=st.binary(max_size=300),
    charset=st.one_of(
        st.none(),
        st.sampled_from(
            [
                "gbk",
                "gb18030",
                "utf-8",
                "utf-16",
                "latin-1",
                "idna",
                "punycode",
                "unicode_escape",
                "hex",
                "zlib",
                "uu",
                "x",
                "",
            ]
        ),
        # Header values as servers pass them on (no control characters: they refuse those).
        st.text(
            st.characters(min_codepoint=0x20, max_codepoint=0xFF, exclude_characters="\x7f"),
            max_size=12,
        ),
    ),
    fmt=st.sampled_from(["json", "xml"]),
)
def test_random_bytes_in_any_charset_never_give_a_5xx(
    client: Client, issued: IssuedKey, body: bytes, charset: str | None, fmt: str
) -> None:
    content_type = FORM if charset is None else f"{FORM}; charset={charset}"
    content_type = content_type.replace("\r", "").replace("\n", "")
    prefixed = f"api_key={issued.raw}&service_code=repair&".encode() + body
    response = _post(client, prefixed, content_type, fmt)
    assert response.status_code < 500, response.content


BAD_DATES = [
    {"end_date": "2026-12-06T00:00:00-23:59"},
    {"start_date": "2026-12-06T00:00:00+23:59"},
    {"start_date": "2026-12-01T00:00:00+15:00", "end_date": "2026-12-06T00:00:00-15:00"},
    {"end_date": "9999-12-31T23:59:59-12:00"},
    {"start_date": "0001-01-01T00:00:00+14:00"},
    {"start_date": "2026-12-06T00:00:00+08:00:30.5"},
    {"end_date": "2026-12-06\x00"},
]


@pytest.mark.parametrize("query", BAD_DATES)
def test_an_impossible_date_is_a_400_in_the_spec_shape(
    client: Client, city: None, query: dict[str, str]
) -> None:
    name = next(iter(query))
    _spec_error(client.get(f"{BASE}/requests.json", query), 400, name)
    response = client.get(f"{BASE}/requests.xml", query)
    assert response.status_code == 400
    root = xml(response)
    assert root.tag == "errors"
    assert [e.findtext("code") for e in root] == ["400"] * len(root)


def test_a_real_offset_is_accepted(client: Client, city: None) -> None:
    for query in (
        {"end_date": "2026-12-06T00:00:00-12:00"},
        {"end_date": "2026-12-06T00:00:00+14:00"},
        {"start_date": "2026-12-01T00:00:00+05:45", "end_date": "2026-12-06 08:00"},
    ):
        assert client.get(f"{BASE}/requests.json", query).status_code == 200


@settings(
    max_examples=80,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    params=st.dictionaries(
        st.sampled_from(
            [
                "start_date",
                "end_date",
                "status",
                "service_code",
                "service_request_id",
                "page_size",
                "page",
                "lat",
                "long",
                "radius",
                "locale",
                "jurisdiction_id",
            ]
        ),
        st.one_of(
            st.text(max_size=40),
            st.datetimes().map(lambda d: d.isoformat()),
            st.builds(
                lambda d, h, m: f"{d.isoformat()}{'+' if h >= 0 else '-'}{abs(h):02d}:{m:02d}",
                st.datetimes(),
                st.integers(-23, 23),
                st.integers(0, 59),
            ),
        ),
    ),
    path=st.sampled_from(["requests.json", "requests.xml", "services.json", "discovery.xml"]),
)
def test_any_query_never_gives_a_5xx(
    client: Client, city: None, params: dict[str, str], path: str
) -> None:
    response = client.get(f"{BASE}/{path}", params)
    assert response.status_code in (200, 400), response.content


ODD_PATHS = [
    ("services/gas.leak.json", "json", "gas.leak"),
    ("services/gas.leak.xml", "xml", "gas.leak"),
    ("services/..json", "json", ""),
    ("requests/GX-1.2.json", "json", "GX-1.2"),
    ("tokens/a.b.xml", "xml", "a.b"),
    ("nothing-here.json", "json", ""),
    ("services/leak_outdoor/extra.json", "json", ""),
    ("requests", "json", ""),
    ("", "json", ""),
    ("requests.json/", "json", ""),
    ("%E4%BD%A0.xml", "xml", ""),
    # A line break in the path (schemathesis sends them): no route's "." reads past it.
    ("line%0Abreak.xml", "xml", ""),
    ("request/%07%0A.%21", "json", ""),
]


@pytest.mark.parametrize(("path", "fmt", "words"), ODD_PATHS)
def test_any_path_under_open311_that_resolves_to_nothing_is_the_spec_404(
    client: Client, city: None, path: str, fmt: str, words: str
) -> None:
    response = client.get(f"{BASE}/{path}")
    if fmt == "json":
        _spec_error(response, 404, words)
    else:
        assert response.status_code == 404
        root = xml(response)
        assert root.tag == "errors"
        assert root.findtext("error/code") == "404"
        assert words in (root.findtext("error/description") or "")
