"""GET /api/v1/claims/ as a streamed file: ?format=csv|jsonl or the Accept header."""

import csv
import io
import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from claims.models import Actor, Claim
from claims.records import CSV_COLUMNS
from tests.api.conftest import client_for, error_of, token_client
from tests.factories import ClaimFactory, MentionFactory, TagFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/claims/"


def body(response) -> str:
    assert response.status_code == 200
    assert response.streaming
    return b"".join(response.streaming_content).decode("utf-8")


def csv_rows(response) -> list[list[str]]:
    text = body(response)
    assert text.startswith("\ufeff"), "spreadsheets need the byte-order mark to read Arabic"
    rows = list(csv.reader(io.StringIO(text[1:])))
    assert rows[0] == CSV_COLUMNS
    return rows[1:]


def json_lines(response) -> list[dict]:
    return [json.loads(line) for line in body(response).splitlines()]


def paged_results(client, **params) -> list[dict]:
    """Every claim the JSON endpoint gives for these filters, following `next`."""
    results, url, params = [], URL, {**params, "page_size": 2}
    while url:
        response = client.get(url, params)
        assert response.status_code == 200, response.json()
        page = response.json()
        results += page["results"]
        url, params = page["next"], None
    return results


@pytest.fixture
def claims():
    made = []
    for n in range(5):
        claim = ClaimFactory(text=f"هاجمت خلايا د1عـ.ـش القرية رقم {n}")
        MentionFactory(claim=claim)
        claim.tags.add(TagFactory())
        made.append(claim)
    made.append(ClaimFactory(type=Claim.Type.DENIAL, response_status="", text="نفى الخبر"))
    return made


def test_jsonl_holds_the_records_of_every_page_of_the_json_list(analyst, claims):
    streamed = json_lines(analyst.get(URL, {"format": "jsonl"}))
    assert streamed == paged_results(analyst)
    assert len(streamed) == len(claims)


def test_csv_has_one_row_per_claim_of_the_list_in_its_order(analyst, claims):
    rows = csv_rows(analyst.get(URL, {"format": "csv", "ordering": "created_at"}))
    assert [int(row[0]) for row in rows] == [c.pk for c in claims]
    first = rows[0]
    assert first[CSV_COLUMNS.index("text")] == claims[0].text
    assert first[CSV_COLUMNS.index("mention_count")] == "1"


def test_the_filters_apply_to_the_stream(analyst, claims):
    isis = Actor.objects.get(key="isis")
    by_isis = ClaimFactory(claimant=isis, text="تبنى التنظيم الهجوم")
    for params in (
        {"q": "داعش"},
        {"type": "denial"},
        {"q": "داعش", "type": "accusation", "ordering": "id"},
        {"claimant": "داعش"},
    ):
        expected = [record["id"] for record in paged_results(analyst, **params)]
        assert expected, params
        assert [r["id"] for r in json_lines(analyst.get(URL, {**params, "format": "jsonl"}))] == (
            expected
        )
        rows = csv_rows(analyst.get(URL, {**params, "format": "csv"}))
        assert [int(row[0]) for row in rows] == expected
    searched = {r["id"] for r in json_lines(analyst.get(URL, {"q": "داعش", "format": "jsonl"}))}
    assert searched == {c.pk for c in claims[:5]} | {by_isis.pk}


@pytest.mark.parametrize(
    ("accept", "content_type"),
    [("text/csv", "text/csv; charset=utf-8"), ("application/x-ndjson", "application/x-ndjson")],
)
def test_the_accept_header_chooses_the_format_too(analyst, claims, accept, content_type):
    response = analyst.get(URL, {"type": "denial"}, HTTP_ACCEPT=accept)
    assert response["Content-Type"].startswith(content_type)
    if accept == "text/csv":
        ids = [int(row[0]) for row in csv_rows(response)]
    else:
        ids = [record["id"] for record in json_lines(response)]
    assert ids == [claims[-1].pk]


def test_a_plain_request_still_gets_paginated_json(analyst, claims):
    response = analyst.get(URL)
    assert response["Content-Type"] == "application/json"
    assert set(response.json()) == {"next", "previous", "results"}


def test_a_streamed_file_names_itself(analyst, claims):
    response = analyst.get(URL, {"format": "csv"})
    assert response["Content-Disposition"] == 'attachment; filename="claims.csv"'
    response = analyst.get(URL, {"format": "jsonl"})
    assert response["Content-Disposition"] == 'attachment; filename="claims.jsonl"'


def test_a_read_only_token_may_stream(claims):
    client = token_client("analyst")
    assert len(json_lines(client.get(URL, {"format": "jsonl"}))) == len(claims)


@pytest.mark.parametrize("fmt", ["csv", "jsonl"])
def test_errors_keep_the_one_json_shape(claims, fmt):
    response = APIClient().get(URL, {"format": fmt})
    assert response.status_code == 401
    assert response["Content-Type"] == "application/json"
    assert error_of(response)["code"] == "not_authenticated"

    response = client_for(None).get(URL, {"format": fmt})
    assert response.status_code == 403
    assert error_of(response)["code"] == "permission_denied"

    response = client_for("analyst").get(URL, {"format": fmt, "type": "gossip"})
    assert response.status_code == 400
    assert error_of(response)["code"] == "validation_error"


def test_streaming_reads_in_a_fixed_number_of_queries(analyst):
    def queries_for_stream() -> int:
        with CaptureQueriesContext(connection) as context:
            json_lines(analyst.get(URL, {"format": "jsonl"}))
        return len(context.captured_queries)

    for _ in range(2):
        MentionFactory(claim=ClaimFactory())
    queries_for_stream()  # the user's permissions are read once, then cached
    few = queries_for_stream()
    for _ in range(10):
        MentionFactory(claim=ClaimFactory()).claim.tags.add(TagFactory())
    queries_for_stream()  # new users among the factories' rows make permissions re-read
    assert queries_for_stream() == few


@pytest.mark.parametrize("fmt", ["csv", "jsonl"])
def test_a_malformed_page_size_is_refused_for_a_file_too(analyst, fmt):
    # Found by schemathesis: a file has no pages, but the parameter's type still holds.
    response = analyst.get(URL, {"format": fmt, "page_size": "Amiri"})
    assert response.status_code == 400
    assert error_of(response)["details"]["page_size"]
    assert analyst.get(URL, {"format": fmt, "page_size": "20"}).status_code == 200


@pytest.mark.django_db(transaction=True)
def test_a_streamed_export_holds_a_transaction_only_where_it_is_a_snapshot(claims, monkeypatch):
    # PostgreSQL reads the whole file in one REPEATABLE READ snapshot. SQLite's
    # transactions take the write lock when they begin, so there an export that streams
    # for minutes must hold none, or every ingest and review would wait for it.
    monkeypatch.setattr("claims.selectors.EXPORT_LINES_PER_CHUNK", 1)
    response = client_for("analyst").get(URL, {"format": "jsonl"})
    chunks = iter(response.streaming_content)
    first = next(chunks)
    assert connection.in_atomic_block is (connection.vendor == "postgresql")
    lines = (first + b"".join(chunks)).decode("utf-8").splitlines()
    assert len(lines) == len(claims)
    assert not connection.in_atomic_block
