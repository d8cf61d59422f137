"""PostgreSQL indexes for the claim list: full-text search and its sort orders.

They are expression indexes, built here on PostgreSQL only: SQLite searches by
substring (claims.search) and its embedded databases are small. The model state does not
change, so `makemigrations --check` stays clean. CONCURRENTLY, so that building them on a
large table does not block writes; that cannot run in a transaction (atomic = False).
"""

from django.db import migrations

INDEXES = [
    # claims.search: the stemmed `arabic` vector and the exact `simple` vector of the
    # folded text, side by side (claims.search.SEARCH_VECTOR_SQL: the same expression,
    # or the planner does not use the index).
    (
        "claim_text_search_gin",
        "USING gin ((to_tsvector('arabic'::regconfig, normalized_text)"
        " || to_tsvector('simple'::regconfig, normalized_text)))",
    ),
    # claims.filters.CLAIM_SORTS: "newest" and "oldest" pages, by (created_at, id).
    ("claim_created_id_idx", "(created_at, id)"),
    # "first_seen" pages: first appearance, or when the claim was found.
    ("claim_first_seen_id_idx", "((COALESCE(first_seen_at, created_at)), id)"),
]


def create_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    table = schema_editor.quote_name(apps.get_model("claims", "Claim")._meta.db_table)
    for name, definition in INDEXES:
        schema_editor.execute(
            f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {name} ON {table} {definition}"
        )


def drop_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, _definition in INDEXES:
        schema_editor.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {name}")


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("claims", "0003_proposed_aliases"),
    ]

    operations = [
        migrations.RunPython(create_indexes, drop_indexes, elidable=False),
    ]
