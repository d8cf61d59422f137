"""Stored claim records (claims.record_store) and, on PostgreSQL, the triggers that keep
them exact.

A record is made from the claim and its targets, tags, figures and mentions, and from
the actors (names, kind, aliases, roles), tags, articles, outlets and users these name.
Every table among them gets an AFTER ... FOR EACH STATEMENT trigger that, in the
transaction making the change, deletes the stored row of every claim whose record it
touches. A reader first adds an empty row marked with its own transaction's id, and
keeps the JSON it wrote only where that very row is still there, empty, with the mark it
read with the data (one statement, one snapshot): a change committed between its read
and its write deleted the row, and the next reader starts again. (Deleting, rather than
emptying, costs a third: an actor named by 453k claims renamed in 5.8 s instead of 16.4
on the benchmark, with its page cache going.) Triggers rather than calls in the services: a writer the services
do not know (the admin, a shell, a migration, raw SQL) cannot leave a record stale.

Statement triggers with transition tables: one trigger run per statement, however many
rows it wrote (an ingest's bulk inserts, an actor merge's updates). Columns a record
does not show (an article's status or story, a user's last login) change nothing.

The table is UNLOGGED: no WAL for a cache that the next read rebuilds, and a crash
empties it. SQLite keeps the table and no triggers: records there are built on read.
"""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import migrations, models

STORE = "claims_storedrecord"

# The claims whose record names one of the actors `{ids}` selects.
ACTOR_CLAIMS = """
    SELECT c.id FROM claims_claim c WHERE c.claimant_id IN ({ids})
    UNION SELECT c.id FROM claims_claim c WHERE c.speaker_id IN ({ids})
    UNION SELECT c.id FROM claims_claim c WHERE c.reported_via_id IN ({ids})
    UNION SELECT t.claim_id FROM claims_claim_targets t WHERE t.actor_id IN ({ids})"""


def changed(columns: str) -> str:
    """The ids of updated rows where one of `columns` changed (n: new rows, o: old)."""
    new = ", ".join(f"n.{c}" for c in columns.split())
    old = ", ".join(f"o.{c}" for c in columns.split())
    return f"SELECT n.id FROM n JOIN o ON o.id = n.id WHERE ({new}) IS DISTINCT FROM ({old})"


def triggers(user_table: str, username: str) -> list[tuple[str, str, str]]:
    """(table, events, SQL selecting the claim ids to mark). `{rows}` stands for the rows
    written: the new ones, the old ones, or both on UPDATE."""
    own = "SELECT claim_id FROM {rows}"
    return [
        ("claims_claim", "UPDATE", "SELECT id FROM n"),
        ("claims_claim_targets", "INSERT UPDATE DELETE", own),
        ("claims_claim_tags", "INSERT UPDATE DELETE", own),
        ("claims_figure", "INSERT UPDATE DELETE", own),
        ("claims_mention", "INSERT UPDATE DELETE", own),
        (
            "claims_actoralias",
            "INSERT UPDATE DELETE",
            ACTOR_CLAIMS.format(ids="SELECT actor_id FROM {rows}"),
        ),
        (
            "claims_actorrole",
            "INSERT UPDATE DELETE",
            "SELECT c.id FROM claims_claim c WHERE c.speaker_id IN (SELECT person_id FROM {rows})",
        ),
        ("claims_actor", "UPDATE", ACTOR_CLAIMS.format(ids=changed("name_ar name_en kind"))),
        (
            "claims_tag",
            "UPDATE",
            f"SELECT ct.claim_id FROM claims_claim_tags ct WHERE ct.tag_id IN ({changed('slug')})",
        ),
        (
            "sources_article",
            "UPDATE",
            "SELECT m.claim_id FROM claims_mention m WHERE m.article_id IN"
            f" ({changed('source_file url outlet_id title published_at')})",
        ),
        (
            "sources_outlet",
            "UPDATE",
            f"""SELECT c.id FROM claims_claim c WHERE c.first_outlet_id IN ({changed("name_ar name_en")})
            UNION SELECT m.claim_id FROM claims_mention m
                JOIN sources_article a ON a.id = m.article_id
                WHERE a.outlet_id IN ({changed("name_ar name_en")})""",
        ),
        (
            user_table,
            "UPDATE",
            "SELECT m.claim_id FROM claims_mention m WHERE m.attributed_by_id IN"
            f" ({changed(username)})",
        ),
    ]


def _name(table: str, event: str) -> str:
    return f"stored_record_{table}_{event.lower()}"


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    user = get_user_model()._meta  # the model's USERNAME_FIELD: not in the historical one
    username = user.get_field(user.model.USERNAME_FIELD).column
    run = schema_editor.execute
    run(f"ALTER TABLE {STORE} SET UNLOGGED")
    for table, events, claims in triggers(user.db_table, username):
        for event in events.split():
            rows = {
                "INSERT": "n",
                "DELETE": "o",
                "UPDATE": "(SELECT * FROM n UNION ALL SELECT * FROM o) AS written",
            }[event]
            transition = {
                "INSERT": "NEW TABLE AS n",
                "DELETE": "OLD TABLE AS o",
                "UPDATE": "NEW TABLE AS n OLD TABLE AS o",
            }[event]
            name = _name(table, event)
            run(f"""
CREATE OR REPLACE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM {STORE} r
    USING ({claims.replace("{rows}", rows)}) AS stale(id)
    WHERE r.claim_id = stale.id;
    RETURN NULL;
END $$""")
            run(f"""
CREATE TRIGGER {name} AFTER {event} ON {table}
REFERENCING {transition} FOR EACH STATEMENT EXECUTE FUNCTION {name}()""")
    run(f"""
CREATE OR REPLACE FUNCTION stored_record_claim_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM {STORE};
    RETURN NULL;
END $$""")
    # A claim deleted takes its record along; any of the tables emptied, all of them.
    tables = sorted({table for table, _events, _claims in triggers(user.db_table, username)})
    for table in tables:
        run(f"""
CREATE TRIGGER stored_record_{table}_truncate AFTER TRUNCATE ON {table}
FOR EACH STATEMENT EXECUTE FUNCTION stored_record_claim_truncate()""")
    run(f"""
CREATE OR REPLACE FUNCTION stored_record_claim_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM {STORE} r USING o WHERE r.claim_id = o.id;
    RETURN NULL;
END $$""")
    run("""
CREATE TRIGGER stored_record_claim_delete AFTER DELETE ON claims_claim
REFERENCING OLD TABLE AS o FOR EACH STATEMENT EXECUTE FUNCTION stored_record_claim_delete()""")


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    user = get_user_model()._meta  # the model's USERNAME_FIELD: not in the historical one
    username = user.get_field(user.model.USERNAME_FIELD).column
    for table, events, _claims in triggers(user.db_table, username):
        for event in events.split():
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {_name(table, event)} ON {table}")
            schema_editor.execute(f"DROP FUNCTION IF EXISTS {_name(table, event)}()")
    for table in sorted({table for table, _events, _claims in triggers(user.db_table, username)}):
        schema_editor.execute(f"DROP TRIGGER IF EXISTS stored_record_{table}_truncate ON {table}")
    schema_editor.execute("DROP TRIGGER IF EXISTS stored_record_claim_delete ON claims_claim")
    # (the name of the claims' truncate trigger in this migration's first form)
    schema_editor.execute("DROP TRIGGER IF EXISTS stored_record_claim_truncate ON claims_claim")
    for name in ("stored_record_claim_delete", "stored_record_claim_truncate"):
        schema_editor.execute(f"DROP FUNCTION IF EXISTS {name}()")


class Migration(migrations.Migration):
    dependencies = [
        ("claims", "0008_claim_claimant_type_index"),
        ("sources", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="StoredRecord",
            fields=[
                ("claim_id", models.BigIntegerField(primary_key=True, serialize=False)),
                ("json", models.TextField(null=True)),
                ("mark", models.BigIntegerField(default=0)),
            ],
            options={
                "default_permissions": (),
            },
        ),
        migrations.RunPython(forwards, backwards),
    ]
