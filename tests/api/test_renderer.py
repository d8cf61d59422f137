"""The API's JSON as orjson writes it (conflictdesk.renderers.FastJSONRenderer): what
DRF's renderer promised stays true — compact UTF-8, U+2028/U+2029 escaped, indentation on
request, the browsable API, errors in the one shape."""

import json

import pytest

from tests.api.conftest import error_of, token_client
from tests.factories import ClaimFactory, MentionFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def claim():
    claim = MentionFactory(claim=ClaimFactory(text="قال\u2028ثم\u2029أضاف «داعش»")).claim
    claim.refresh_from_db()
    return claim


@pytest.mark.parametrize("path", ["/api/v1/claims/", "/api/v1/claims/{pk}/"])
def test_line_and_paragraph_separators_are_escaped_and_arabic_is_not(claim, path):
    response = token_client("analyst").get(path.format(pk=claim.pk))
    assert response.status_code == 200
    raw = response.content
    assert "\u2028".encode() not in raw
    assert "\u2029".encode() not in raw
    assert b"\\u2028" in raw
    assert b"\\u2029" in raw
    assert "«داعش»".encode() in raw  # UTF-8, not \u escapes
    assert b'": ' not in raw  # compact, as DRF's renderer writes it
    assert b'" : ' not in raw
    body = response.json()
    record = body["results"][0] if "results" in body else body
    assert record["text"] == claim.text
    assert record["updated_at"] == claim.updated_at.isoformat()


def test_an_indent_asked_for_is_given_and_reads_the_same(claim):
    client = token_client("analyst")
    compact = client.get("/api/v1/claims/").content
    indented = client.get("/api/v1/claims/", HTTP_ACCEPT="application/json; indent=4").content
    assert b"\n  " in indented
    assert b"\n" not in compact
    assert json.loads(indented) == json.loads(compact)


def test_the_browsable_api_shows_the_records(claim):
    response = token_client("analyst").get("/api/v1/claims/", HTTP_ACCEPT="text/html")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    assert "أضاف" in response.content.decode()


@pytest.mark.parametrize("query", ["", "?type=accusation"])
def test_the_browsable_api_offers_every_filter_whatever_the_request_names(claim, query):
    # A request is filtered by the filters it names only (FilterSet.with_filters); the
    # form the browsable API shows still has them all.
    response = token_client("analyst").get(f"/api/v1/claims/{query}", HTTP_ACCEPT="text/html")
    page = response.content.decode()
    for name in ("type", "claimant", "target", "tag", "outlet", "updated_since", "q"):
        assert f'name="{name}"' in page, name


def test_errors_keep_their_shape(claim):
    client = token_client("analyst")
    # DRF reads an empty ?format= as no format: the schema lists the formats, so a 400.
    empty_format = error_of(client.get("/api/v1/claims/?format="))
    assert empty_format["code"] == "validation_error"
    assert "format" in empty_format["details"]
    assert error_of(client.get("/api/v1/claims/999999999/"))["code"] == "not_found"
    assert error_of(client.get("/api/v1/claims/?page_size=x"))["code"] == "validation_error"
