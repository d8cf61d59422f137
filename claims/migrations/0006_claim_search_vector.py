"""A stored search vector for claims (PostgreSQL only), indexed with GIN.

Migration 0004 indexed the expression `to_tsvector('arabic', normalized_text) ||
to_tsvector('simple', normalized_text)`. The index finds matches, but wherever the
planner walks the list's sort order instead (a broad word: a page of its matches is
found at once that way) it tests claim after claim by computing both vectors again,
about 38 µs a claim; read from a stored column the test costs about 1 µs
(docs/BENCH-WEB.md, section 5). The column is GENERATED from `normalized_text`, so
nothing writes it and the ORM never sees it (the model state does not change, and
`makemigrations --check` stays clean); claims.search reads it.

Adding the column rewrites the table under an exclusive lock: about half a minute per
million claims. The index is built CONCURRENTLY (no transaction: atomic = False).
SQLite searches by substring and has neither.
"""

from django.db import migrations

VECTOR = (
    "to_tsvector('arabic'::regconfig, normalized_text)"
    " || to_tsvector('simple'::regconfig, normalized_text)"
)


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(
        "ALTER TABLE claims_claim ADD COLUMN IF NOT EXISTS search_vector tsvector"
        f" GENERATED ALWAYS AS ({VECTOR}) STORED"
    )
    schema_editor.execute(
        "CREATE INDEX CONCURRENTLY IF NOT EXISTS claim_search_vector_gin"
        " ON claims_claim USING gin (search_vector)"
    )
    # A concurrent build that fails part way leaves an invalid index behind (seen once on
    # the 1M-claim benchmark database): build it again rather than search without it.
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(
            "SELECT indisvalid FROM pg_index WHERE indexrelid = 'claim_search_vector_gin'::regclass"
        )
        if not cursor.fetchone()[0]:
            schema_editor.execute("REINDEX INDEX CONCURRENTLY claim_search_vector_gin")
    schema_editor.execute("DROP INDEX CONCURRENTLY IF EXISTS claim_text_search_gin")
    # The rewrite cleared the visibility map: without a VACUUM the index-only scans (the
    # counts of claims per actor) read the table again, ten times slower.
    schema_editor.execute("VACUUM (ANALYZE) claims_claim")


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(
        "CREATE INDEX CONCURRENTLY IF NOT EXISTS claim_text_search_gin"
        f" ON claims_claim USING gin (({VECTOR}))"
    )
    schema_editor.execute("DROP INDEX CONCURRENTLY IF EXISTS claim_search_vector_gin")
    schema_editor.execute("ALTER TABLE claims_claim DROP COLUMN IF EXISTS search_vector")


class Migration(migrations.Migration):
    atomic = False

    dependencies = [("claims", "0005_accusation_status_index")]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
