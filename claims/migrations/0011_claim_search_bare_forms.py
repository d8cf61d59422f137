"""The search vector also holds each Arabic word without its proclitics (PostgreSQL only).

Until now a query word was looked for in every form the press glues to it: "الحكومة" as
والحكومة، بالحكومة، للحكومة ... (claims.search.attached_forms: 26 forms, 52 with the
other spelling of a final ة), an OR of about a hundred lexemes for two words. Where the
planner walks the list's sort order (a broad search) that OR is tested claim after
claim: 2 of the 2.4 µs each claim cost, 11 of the 14 ms of a page of "طائرة مسيرة" on a
million claims (docs/BENCH-WEB.md, session 9).

Now the stored vector carries, for every Arabic word of the text, each word it is an
attached form of (`claim_search_bare_forms`: "وبالحكومة" → بالحكومة، الحكومة، حكومة ...),
so the query asks for the word itself and its other spelling: four lexemes for two
words. The function is the exact inverse of attached_forms (tests/claims/
test_search.py checks it pair by pair), so a search finds the same claims as before.

The generated column cannot change its expression in place (PostgreSQL 15): it is
dropped and added again in one ALTER TABLE (one rewrite of the table, under an exclusive
lock: about two minutes per million claims, most of it computing the forms), then its
GIN index is built CONCURRENTLY and the table vacuumed, as in 0006. Until the index is
built, searches read the table.
"""

from django.db import migrations

BARE_FORMS_FUNCTION = r"""
CREATE OR REPLACE FUNCTION claim_search_bare_forms(t text) RETURNS tsvector
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $fn$
-- Every word s that an Arabic word d of the text is an attached form of: d is
-- c + p + form, c in ('', و, ف), p in ('', ب, ك, ل), where form is s or ال + s (the
-- latter when s has no article of its own: it does when it starts with ال and has more
-- than three letters), and ل followed by ال is written لل. claims.search.attached_forms
-- is the same rule forwards.
SELECT array_to_tsvector(coalesce(array_agg(DISTINCT s.s), '{}'::text[]))
FROM unnest(tsvector_to_array(to_tsvector('simple'::regconfig, t))) AS d(d)
CROSS JOIN (VALUES (''), ('و'), ('ف')) AS c(c)
CROSS JOIN (VALUES (''), ('ب'), ('ك'), ('ل')) AS p(p)
CROSS JOIN LATERAL (SELECT substr(d.d, length(c.c || p.p) + 1) AS rest) AS r
CROSS JOIN LATERAL (
  VALUES
    -- after ل the article is never written out: لال... is not an attached form
    (CASE WHEN p.p <> 'ل' OR NOT starts_with(r.rest, 'ال') THEN r.rest END),
    -- لل + x is ل + ال + x
    (CASE WHEN p.p = 'ل' AND starts_with(r.rest, 'ل') THEN 'ا' || r.rest END)
) AS f(f)
CROSS JOIN LATERAL (VALUES (f.f), (CASE WHEN starts_with(f.f, 'ال') THEN substr(f.f, 3) END)) AS s(s)
WHERE d.d ~ '^[ء-ي]+$'
  AND starts_with(d.d, c.c || p.p)
  AND f.f <> ''
  AND s.s <> ''
  AND (s.s = f.f OR NOT (starts_with(s.s, 'ال') AND length(s.s) > 3))
$fn$
"""

VECTOR = (
    "to_tsvector('arabic'::regconfig, normalized_text)"
    " || to_tsvector('simple'::regconfig, normalized_text)"
    " || claim_search_bare_forms(normalized_text)"
)
OLD_VECTOR = (
    "to_tsvector('arabic'::regconfig, normalized_text)"
    " || to_tsvector('simple'::regconfig, normalized_text)"
)


def _vector_column(schema_editor, expression: str) -> None:
    schema_editor.execute(
        "ALTER TABLE claims_claim DROP COLUMN IF EXISTS search_vector,"
        f" ADD COLUMN search_vector tsvector GENERATED ALWAYS AS ({expression}) STORED"
    )
    schema_editor.execute(
        "CREATE INDEX CONCURRENTLY IF NOT EXISTS claim_search_vector_gin"
        " ON claims_claim USING gin (search_vector)"
    )
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(
            "SELECT indisvalid FROM pg_index WHERE indexrelid = 'claim_search_vector_gin'::regclass"
        )
        if not cursor.fetchone()[0]:
            schema_editor.execute("REINDEX INDEX CONCURRENTLY claim_search_vector_gin")
    schema_editor.execute("VACUUM (ANALYZE) claims_claim")


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(BARE_FORMS_FUNCTION)
    _vector_column(schema_editor, VECTOR)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    _vector_column(schema_editor, OLD_VECTOR)
    schema_editor.execute("DROP FUNCTION IF EXISTS claim_search_bare_forms(text)")


class Migration(migrations.Migration):
    atomic = False

    dependencies = [("claims", "0010_claimant_updated_index")]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
