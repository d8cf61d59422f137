"""Stored claim records (PostgreSQL): the API serves each claim's record as written once,
and after any change to what a record shows it serves the record as it is now.

Each test reads claims through the API (which stores their records), checks they were
stored, changes something through the services, the admin's ORM or SQL, and compares
what the API serves with RecordBuilder's record, which Python builds afresh from the
rows. Real transactions (the store only works outside one)."""

import io
import threading
import time
from contextlib import contextmanager

import orjson
import psycopg
import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from claims import record_store
from claims.models import Actor, ActorAlias, Claim, Figure, Mention, StoredRecord, Tag
from claims.records import RecordBuilder, SqlRecordWriter
from claims.services.actors import actor_merge, alias_add, alias_remove
from sources.models import Article, Outlet
from tests.api.conftest import client_for
from tests.factories import (
    ActorFactory,
    ActorRoleFactory,
    ArticleFactory,
    ClaimFactory,
    MentionFactory,
    TagFactory,
    UserFactory,
)

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.services]


@pytest.fixture(autouse=True)
def _on_postgres(postgres, settings):
    from conflictdesk.roles import roles_sync

    settings.STORED_RECORDS = True
    roles_sync()


@pytest.fixture
def reader():
    return client_for("analyst")


@pytest.fixture
def world():
    """Two claims with every part a record has: claimant, speaker with a role, reported
    via, targets, tags, a figure, mentions in two articles of two outlets (one mention
    attributed by a user)."""
    claimant = ActorFactory()
    speaker = ActorRoleFactory(organization=claimant).person
    via = ActorFactory(kind=Actor.Kind.MEDIA)
    target = ActorFactory()
    tag = TagFactory()
    editor = UserFactory(role="editor")
    first = ClaimFactory(claimant=claimant, speaker=speaker, reported_via=via)
    first.targets.add(target)
    first.tags.add(tag)
    second = ClaimFactory(claimant=target)
    second.targets.add(claimant)
    article = ArticleFactory()
    mention = MentionFactory(claim=first, article=article, attributed_by=editor)
    MentionFactory(claim=first, article=ArticleFactory())
    MentionFactory(claim=second, article=article)
    Figure.objects.create(claim=first, mention=mention, low=3, high=5, counts="killed")
    alias = ActorAlias.objects.create(actor=claimant, surface="الفصيل", normalized="الفصيل")
    ClaimFactory()  # a bystander
    return {
        "alias": alias,
        "claims": [first.pk, second.pk],
        "claimant": claimant,
        "speaker": speaker,
        "via": via,
        "target": target,
        "tag": tag,
        "editor": editor,
        "article": article,
        "mention": mention,
    }


def served(client, ids: list[int]) -> list[dict]:
    """The records the API serves for `ids`: each claim's detail, and the list."""
    details = []
    for claim_id in ids:
        response = client.get(f"/api/v1/claims/{claim_id}/")
        assert response.status_code == 200, response.content
        details.append(response.json())
    listed = {r["id"]: r for r in client.get("/api/v1/claims/?page_size=100").json()["results"]}
    assert [listed[claim_id] for claim_id in ids] == details
    return details


def built(ids: list[int]) -> list[dict]:
    """The records as Python makes them from the rows now (no SQL record, no store)."""
    return RecordBuilder(with_version=True).records(ids)


def stored(ids: list[int]) -> list[int]:
    return sorted(
        StoredRecord.objects.filter(claim_id__in=ids, json__isnull=False).values_list(
            "claim_id", flat=True
        )
    )


def read_and_check_stored(client, ids: list[int]) -> list[dict]:
    records = served(client, ids)
    assert records == built(ids)
    assert stored(ids) == sorted(ids), "the API should have stored these records"
    return records


def test_records_are_stored_on_first_read_and_served_from_the_store(reader, world):
    ids = world["claims"]
    assert stored(ids) == []
    with CaptureQueriesContext(connection) as first:
        read_and_check_stored(reader, ids)
    # Logged like any statement, with its values (the texts went as a binary array).
    logged = [q["sql"] for q in first if "UPDATE claims_storedrecord" in q["sql"]]
    assert logged
    assert "فصائل مسلحة" in logged[0]
    texts = [StoredRecord.objects.get(claim_id=i).json for i in ids]
    # Served from the store: one statement reads the page's records.
    with CaptureQueriesContext(connection) as queries:
        assert record_store.record_texts(ids) == texts
    assert len(queries) == 1, [q["sql"][:80] for q in queries]


def _rename(model, pk, **fields):
    item = model.objects.get(pk=pk)
    for name, value in fields.items():
        setattr(item, name, value)
    item.save()


CHANGES = {
    "claim text and status (ORM save)": lambda w: _rename(
        Claim, w["claims"][0], text="نص آخر للادعاء", status="confirmed"
    ),
    "response status (queryset update)": lambda w: Claim.objects.filter(pk=w["claims"][1]).update(
        response_status="denied"
    ),
    "tag added": lambda w: Claim.objects.get(pk=w["claims"][1]).tags.add(TagFactory()),
    "tag removed": lambda w: Claim.objects.get(pk=w["claims"][0]).tags.clear(),
    "tag renamed": lambda w: _rename(Tag, w["tag"].pk, slug="renamed-tag"),
    "target added": lambda w: Claim.objects.get(pk=w["claims"][0]).targets.add(ActorFactory()),
    "target removed": lambda w: Claim.objects.get(pk=w["claims"][0]).targets.remove(w["target"]),
    "figure changed": lambda w: Figure.objects.update(high=9),
    "figure deleted": lambda w: Figure.objects.all().delete(),
    "mention added": lambda w: MentionFactory(claim_id=w["claims"][1], article=ArticleFactory()),
    "mention moved": lambda w: Mention.objects.filter(pk=w["mention"].pk).update(
        start=1, end=12, quote=w["article"].body[1:12]
    ),
    "mention deleted": lambda w: Mention.objects.filter(pk=w["mention"].pk).delete(),
    "claimant renamed": lambda w: _rename(Actor, w["claimant"].pk, name_en="Renamed claimant"),
    "target renamed": lambda w: _rename(Actor, w["target"].pk, name_ar="هدف بعد التسمية"),
    "speaker renamed": lambda w: _rename(Actor, w["speaker"].pk, name_en="Renamed speaker"),
    "claimant's kind changed": lambda w: _rename(Actor, w["claimant"].pk, kind=Actor.Kind.MILITIA),
    "reported-via renamed": lambda w: _rename(Actor, w["via"].pk, name_ar="منبر آخر"),
    "alias added (service)": lambda w: alias_add(
        actor_id=w["target"].pk, surface="اسم مستعار جديد", user=None
    ),
    "alias removed (service)": lambda w: alias_remove(
        actor_id=w["claimant"].pk, alias_id=w["alias"].pk, user=None
    ),
    "speaker's role deleted": lambda w: w["speaker"].roles.all().delete(),
    "speaker's role retitled": lambda w: w["speaker"].roles.update(title_ar="ناطق باسم"),
    "article retitled": lambda w: _rename(Article, w["article"].pk, title="عنوان مصحح"),
    "article moved to another outlet": lambda w: Article.objects.filter(pk=w["article"].pk).update(
        outlet=Outlet.objects.create(name_ar="منفذ آخر", name_en="Other outlet")
    ),
    "outlet renamed": lambda w: _rename(Outlet, w["article"].outlet_id, name_en="Renamed outlet"),
    "attributing user renamed": lambda w: _rename(
        get_user_model(), w["editor"].pk, username="renamed-editor"
    ),
    "actors merged (service)": lambda w: actor_merge(
        source_id=w["target"].pk, target_id=w["via"].pk, user=None
    ),
    "raw SQL": lambda w: _sql("UPDATE claims_claim SET cue = 'قالت' WHERE id = %s", w["claims"][0]),
}


def _sql(statement: str, *params) -> None:
    with connection.cursor() as cursor:
        cursor.execute(statement, params)


@pytest.mark.parametrize("change", CHANGES, ids=list(CHANGES))
def test_after_a_change_the_api_serves_the_record_as_it_is_now(reader, world, change):
    ids = world["claims"]
    before = read_and_check_stored(reader, ids)
    CHANGES[change](world)
    after = served(reader, ids)
    assert after == built(ids)
    assert after != before, "the change should show in a record"
    assert stored(ids) == sorted(ids), "read again, the records are stored again"


def test_changes_a_record_does_not_show_keep_it_stored(reader, world):
    ids = world["claims"]
    read_and_check_stored(reader, ids)
    Article.objects.filter(pk=world["article"].pk).update(
        story=None, dateline="دمشق", author="مراسل"
    )
    _rename(get_user_model(), world["editor"].pk, first_name="Ahmad")
    Claim.objects.create(claimant=world["claimant"], text="ادعاء جديد", type="accusation")
    assert stored(ids) == sorted(ids)


def test_a_deleted_claim_leaves_the_store_and_is_404(reader, world):
    ids = world["claims"]
    read_and_check_stored(reader, ids)
    Claim.objects.filter(pk=ids[0]).delete()
    assert not StoredRecord.objects.filter(claim_id=ids[0]).exists()
    assert reader.get(f"/api/v1/claims/{ids[0]}/").status_code == 404
    assert served(reader, ids[1:]) == built(ids[1:])


def test_a_patch_through_the_api_is_served_at_once(reader, world):
    editor = client_for("editor")
    claim_id = world["claims"][0]
    etag = (
        read_and_check_stored(reader, [claim_id])
        and reader.get(f"/api/v1/claims/{claim_id}/")["ETag"]
    )
    response = editor.patch(
        f"/api/v1/claims/{claim_id}/",
        {"status": "rejected", "tags": []},
        format="json",
        HTTP_IF_MATCH=etag,
    )
    assert response.status_code == 200, response.content
    assert response.json() == built([claim_id])[0]
    assert (response.json()["status"], response.json()["tags"]) == ("rejected", [])
    assert served(reader, [claim_id]) == built([claim_id])


@contextmanager
def other_connection():
    """A second database session, as another web process or worker would have."""
    params = connection.get_connection_params()
    params.pop("cursor_factory", None)
    params.pop("context", None)
    params.pop("prepare_threshold", None)
    with psycopg.connect(**params) as other:
        yield other


def test_a_change_not_yet_committed_is_neither_waited_for_nor_stored(reader, world):
    ids = world["claims"]
    read_and_check_stored(reader, ids)
    old = built(ids)
    with other_connection() as writer:
        writer.execute(
            "UPDATE claims_actor SET name_en = 'Uncommitted' WHERE id = %s", [world["claimant"].pk]
        )
        # The writer holds the rows it deleted; the reader neither waits for them nor
        # stores over them: it serves what is committed.
        started = time.monotonic()
        assert served(reader, ids) == old
        assert time.monotonic() - started < 5
        assert stored(ids) == sorted(ids)  # the committed rows, as the reader sees them
        writer.commit()
    now = served(reader, ids)
    assert now == built(ids)
    assert now[0]["claimant"]["name_en"] == "Uncommitted"


def test_a_change_begun_before_the_reader_added_its_rows_is_not_stored_over(reader, world):
    """A writer whose trigger ran while a claim had no stored row deleted nothing and
    holds no lock on the row a reader adds later; while it is open, what the reader
    writes misses its change, so it must be served but not stored."""
    ids = world["claims"]
    Claim.objects.filter(pk__in=ids).update(cue="تجربة")  # no stored row left
    assert not StoredRecord.objects.filter(claim_id__in=ids).exists()
    old = built(ids)
    with other_connection() as writer:
        writer.execute(
            "UPDATE claims_actor SET name_en = 'Begun before' WHERE id = %s",
            [world["claimant"].pk],
        )
        started = time.monotonic()
        assert served(reader, ids) == old
        assert stored(ids) == []
        # Again, with the reader's empty rows there and a second writer holding them.
        with other_connection() as second:
            second.execute("UPDATE claims_claim SET cue = 'ثانية' WHERE id = ANY(%s)", [ids])
            assert served(reader, ids) == old
            assert stored(ids) == []
            second.rollback()
        assert time.monotonic() - started < 10
        writer.commit()
    now = served(reader, ids)
    assert now == built(ids)
    assert now[0]["claimant"]["name_en"] == "Begun before"
    assert stored(ids) == sorted(ids)


def test_inside_a_transaction_records_are_written_and_nothing_is_stored(world):
    from django.db import transaction

    ids = world["claims"]
    with transaction.atomic():
        records = [orjson.loads(text) for text in SqlRecordWriter(with_version=True).texts(ids)]
        assert not record_store.available()
        assert orjson.loads(orjson.dumps(record_store.api_records_json(ids))) == records
    assert records == built(ids)
    assert stored(ids) == []


def test_a_change_committed_while_a_reader_writes_the_record_is_not_lost(
    reader, world, monkeypatch
):
    """The reader writes a record from the data as it was; a writer commits a change
    before the reader stores it: the reader serves what it read, but does not store it,
    and the next read serves the change."""
    ids = world["claims"]
    served(reader, ids)  # rows made and stored
    Claim.objects.filter(pk__in=ids).update(cue="تجربة")  # deletes both rows
    claimant = world["claimant"].pk
    real = record_store.prepared_cursor

    @contextmanager
    def cursor_with_a_writer_in_between(using="default"):
        with real(using) as cursor:
            execute = cursor.execute

            def execute_(sql, params=None):
                if sql is record_store._STORE:
                    with other_connection() as writer:
                        writer.execute(
                            "UPDATE claims_actor SET name_en = 'Meanwhile' WHERE id = %s",
                            [claimant],
                        )
                return execute(sql, params)

            cursor.execute = execute_
            yield cursor

    monkeypatch.setattr(record_store, "prepared_cursor", cursor_with_a_writer_in_between)
    first = reader.get(f"/api/v1/claims/{ids[0]}/").json()
    assert first["claimant"]["name_en"] != "Meanwhile"  # written before the change
    assert stored(ids[:1]) == []  # and not stored
    monkeypatch.setattr(record_store, "prepared_cursor", real)
    assert served(reader, ids) == built(ids)
    assert served(reader, ids)[0]["claimant"]["name_en"] == "Meanwhile"


def test_concurrent_readers_and_writers_end_with_every_record_right(world):
    """Readers in four threads while a writer renames, retags and re-attributes."""
    ids = world["claims"]
    errors: list[BaseException] = []
    stop = threading.Event()

    def read():
        from django.db import connections

        try:
            while not stop.is_set():
                record_store.record_texts(ids)
        except BaseException as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=read) for _ in range(4)]
    for thread in threads:
        thread.start()
    try:
        for round_ in range(30):
            _rename(Actor, world["claimant"].pk, name_en=f"Claimant {round_}")
            Claim.objects.get(pk=ids[1]).tags.set([TagFactory()])
            Mention.objects.filter(pk=world["mention"].pk).update(
                end=10 + round_, quote=world["article"].body[: 10 + round_]
            )
    finally:
        stop.set()
        for thread in threads:
            thread.join()
    assert not errors, errors
    assert [orjson.loads(text) for text in record_store.record_texts(ids)] == built(ids)


def test_a_jsonl_export_reads_the_stored_records_and_writes_the_others(reader, world):
    ids = sorted(Claim.objects.values_list("pk", flat=True))
    record_store.record_texts([world["claims"][0]])  # one stored, the others not
    assert stored(ids) == [world["claims"][0]]

    def exported() -> dict[int, dict]:
        response = reader.get("/api/v1/claims/?format=jsonl&ordering=id")
        assert response.status_code == 200
        lines = b"".join(response.streaming_content).decode().splitlines()
        return {record["id"]: record for record in map(orjson.loads, lines)}

    assert list(exported().values()) == built(ids)
    # The stored text is what the export sends (made visible here by changing it behind
    # the triggers' back, which no writer can do), and nothing is stored by an export.
    marked = orjson.loads(StoredRecord.objects.get(claim_id=world["claims"][0]).json)
    marked["text"] = "from the store"
    StoredRecord.objects.filter(claim_id=world["claims"][0]).update(
        json=orjson.dumps(marked).decode()
    )
    assert exported()[world["claims"][0]]["text"] == "from the store"
    assert stored(ids) == [world["claims"][0]]


def test_store_records_writes_every_missing_record_once(world):
    ids = list(Claim.objects.values_list("pk", flat=True))
    out = io.StringIO()
    call_command("store_records", "--since", "2000-01-01", stdout=out)
    assert out.getvalue().startswith(f"{len(ids)} records written")
    assert stored(ids) == sorted(ids)
    texts = record_store.record_texts(sorted(ids))
    assert [orjson.loads(text) for text in texts] == built(sorted(ids))
    Claim.objects.filter(pk=ids[0]).update(status="rejected")
    out = io.StringIO()
    call_command("store_records", stdout=out)
    assert out.getvalue().startswith("1 records written")
    with pytest.raises(CommandError, match="not an ISO date"):
        call_command("store_records", "--since", "yesterday")


def test_the_store_is_off_with_stored_records_false(reader, world, settings):
    settings.STORED_RECORDS = False
    ids = world["claims"]
    assert served(reader, ids) == built(ids)
    assert not StoredRecord.objects.exists()
    with pytest.raises(CommandError, match="PostgreSQL and STORED_RECORDS"):
        call_command("store_records")
