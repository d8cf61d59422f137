"""Stored claim records: the API's pages read the JSON text PostgreSQL wrote for each
claim once, instead of writing it again for every request.

Writing a page's 50 records is most of what an API page costs the database (about 3 of
its 4 ms, docs/BENCH-WEB.md); reading 50 stored texts costs a tenth of that. The texts
live in claims_storedrecord (claims.models.StoredRecord), with the version, as the API
serves them.

Exactness comes from the database, not from the code paths that write: triggers on
every table a record is made from (claims/migrations/0009_stored_record.py) delete a
claim's stored row in the very transaction that changes what the record shows. A reader

1. reads the stored texts of the page's claims (one statement); those found are served;
2. for claims with no row, inserts empty rows marked with its transaction's id and
   commits them, so that from then on a change to those claims deletes them;
3. writes the missing records with SqlRecordWriter's statement, reading each claim's
   mark in the same statement, hence the same snapshot, as the data; and the mark only
   if every transaction older than it had ended by that snapshot. A writer whose
   trigger ran before the row existed found nothing to delete, and it is older than the
   row's mark (transaction ids grow): were it still open, the record written would miss
   its change, so it is served but not stored;
4. stores each text only where that row is still there, empty, with the mark it read:
   a change committed in between deleted it (a row added again later has another
   mark), and a change not yet committed holds the row's lock (those rows are skipped,
   never waited for). Either way the next reader writes the record afresh.

So a stored record is always the one SqlRecordWriter would write now; the tests compare
the two after every kind of change (tests/claims/test_record_store.py).
STORED_RECORDS=false turns the store off (every read writes the records, as before).
"""

from collections.abc import Sequence
from functools import cache

import orjson
from django.conf import settings
from django.db import connections
from django.db.models import Expression, QuerySet, TextField

from claims.models import Claim, StoredRecord
from claims.records import (
    RECORD_BATCH,
    STORED_TEXTS_SQL,
    _batches,
    _records_sql,
    claim_record,
    claim_records_json,
)
from conflictdesk.db import prepared_cursor

# Rows for claims that exist and have none, marked with this transaction's id (unique:
# a row deleted by a change and added again is told apart): from their commit on,
# a change to those claims deletes them.
_ADD_ROWS = """
INSERT INTO claims_storedrecord (claim_id, json, mark)
SELECT c.id, NULL, txid_current() FROM claims_claim c WHERE c.id = ANY(%(ids)s::bigint[])
ON CONFLICT (claim_id) DO NOTHING
"""

# Keep a text where the row is empty with the mark read alongside the data; rows a
# writer holds are skipped (SKIP LOCKED), and the condition is checked again on the
# row's newest version (READ COMMITTED re-reads an updated row before locking it); the
# texts are read once (a CTE read on the inner side of a join was read again per row).
# The texts go as a binary array (%b): in text form psycopg escapes every quote of
# every JSON text with a regular expression, which took half a store's time.
_STORE = """
WITH free AS (
    SELECT r.claim_id, w.json
    FROM unnest(%(ids)s::bigint[], %(marks)s::bigint[], %(texts)b::text[]) AS w(id, mark, json)
    JOIN claims_storedrecord r ON r.claim_id = w.id
    WHERE r.json IS NULL AND r.mark = w.mark
    FOR UPDATE OF r SKIP LOCKED
)
UPDATE claims_storedrecord r SET json = f.json
FROM free f
WHERE r.claim_id = f.claim_id
"""


def available(using: str = "default") -> bool:
    """On PostgreSQL, when on, and outside a transaction: the rows a reader adds must be
    committed before it writes their records (otherwise a change committed meanwhile
    would not delete them), and each statement here commits on its own."""
    connection = connections[using]
    return (
        connection.vendor == "postgresql"
        and settings.STORED_RECORDS
        and connection.get_autocommit()
    )


def api_records_json(claim_ids: Sequence[int], *, using: str = "default") -> list:
    """The API records (with version) of `claim_ids` for FastJSONRenderer, in that order
    (ids with no claim left out): stored texts where available(), else written now."""
    if available(using):
        return [orjson.Fragment(text) for text in record_texts(claim_ids, using=using)]
    return claim_records_json(claim_ids, with_version=True, using=using)


def api_record(claim_id: int) -> dict:
    """One claim's API record (with version); Claim.DoesNotExist if there is none."""
    if available():
        texts = record_texts([claim_id])
        if not texts:
            raise Claim.DoesNotExist(f"no claim {claim_id}")
        return orjson.loads(texts[0])
    return claim_record(claim_id, with_version=True)


def record_texts(claim_ids: Sequence[int], *, using: str = "default") -> list[str]:
    """The API records (with version) of `claim_ids` as JSON text, in that order; ids
    with no claim are left out. PostgreSQL only, outside a transaction (available())."""
    return [text for _, text in _record_texts(claim_ids, using=using)]


def _record_texts(claim_ids: Sequence[int], *, using: str) -> list[tuple[int, str]]:
    out: list[tuple[int, str]] = []
    with prepared_cursor(using) as cursor:
        for batch in _batches(claim_ids, RECORD_BATCH):
            out += _texts(cursor, batch)
    return out


def with_stored_texts(rows: QuerySet) -> QuerySet:
    """`rows`, a values() queryset of claims, with each claim's stored record text (or
    None) as `stored_json`, read by the same statement, when available(). PostgreSQL
    computes it for the rows a LIMIT keeps only, after sorting them (an expensive
    expression in the select list of a sorted, limited query is evaluated last)."""
    if not available(rows.db):
        return rows
    return rows.annotate(stored_json=_StoredJson())


class _StoredJson(Expression):
    """`(SELECT json FROM claims_storedrecord WHERE claim_id = <the claim's id>)`, the
    same as Subquery(StoredRecord.objects.filter(claim_id=OuterRef("pk")).values("json"))
    without the cost of resolving a queryset (an eighth of an API page's Python time)."""

    output_field = TextField()

    def __init__(self, claim=None):
        super().__init__()
        self.claim = claim

    def get_source_expressions(self):
        return [self.claim]

    def set_source_expressions(self, exprs):
        (self.claim,) = exprs

    def resolve_expression(self, query=None, *args, **kwargs):
        return _StoredJson(query.resolve_ref("pk"))

    def as_sql(self, compiler, connection):
        claim_sql, params = compiler.compile(self.claim)
        quote = connection.ops.quote_name
        table = quote(StoredRecord._meta.db_table)
        json, claim_id = (
            quote(StoredRecord._meta.get_field(name).column) for name in ("json", "claim_id")
        )
        return (
            f"(SELECT {table}.{json} FROM {table} WHERE {table}.{claim_id} = {claim_sql})",
            params,
        )


def api_records_json_rows(rows: Sequence[dict], *, using: str = "default") -> list:
    """api_records_json() for claims read through with_stored_texts(): their stored texts
    as they came, the others read or written as api_records_json() does."""
    if not rows or "stored_json" not in rows[0]:
        return api_records_json([row["id"] for row in rows], using=using)
    missing = [row["id"] for row in rows if row["stored_json"] is None]
    written = dict(_record_texts(missing, using=using)) if missing else {}
    out = []
    for row in rows:
        text = row["stored_json"]
        if text is None:
            text = written.get(row["id"])
        if text is not None:
            out.append(orjson.Fragment(text))
    return out


def _texts(cursor, ids: list[int]) -> list[tuple[int, str]]:
    cursor.execute(STORED_TEXTS_SQL, {"ids": ids})
    rows = cursor.fetchall()
    missing = [claim_id for claim_id, text, _ in rows if text is None]
    if not missing:
        return [(claim_id, text) for claim_id, text, _ in rows]
    without_row = [claim_id for claim_id, _, has_row in rows if not has_row]
    if without_row:
        cursor.execute(_ADD_ROWS, {"ids": without_row})
    cursor.execute(_write_sql(), {"ids": missing})
    written = {claim_id: (mark, text) for claim_id, mark, text in cursor.fetchall()}
    keep = [(i, mark, text) for i, (mark, text) in written.items() if mark is not None]
    if keep:
        ids_, marks, texts = zip(*keep, strict=True)
        cursor.execute(_STORE, {"ids": list(ids_), "marks": list(marks), "texts": list(texts)})
    out = []
    for claim_id, text, _ in rows:
        if text is None:
            text = written.get(claim_id, (None, None))[1]
        if text is not None:
            out.append((claim_id, text))
    return out


@cache
def _write_sql() -> str:
    return _records_sql(True, with_mark=True)
