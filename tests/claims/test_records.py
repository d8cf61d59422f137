"""The claim record (DESIGN.md) as exports and the API give it: every field, read back
from the rows written here, and built in a fixed number of queries however many claims."""

import json
from datetime import UTC, datetime

import orjson
import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from claims.models import Actor, Claim, Figure
from claims.records import RecordBuilder, SqlRecordWriter, claim_record, claim_records_json
from tests.factories import (
    ActorAliasFactory,
    ActorFactory,
    ActorRoleFactory,
    ArticleFactory,
    ClaimFactory,
    MentionFactory,
    OutletFactory,
    TagFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def full_claim():
    """An accusation with every part of the record filled in."""
    sdf = ActorFactory(name_ar="قوات سوريا الديمقراطية", name_en="SDF", kind=Actor.Kind.ARMED_GROUP)
    ActorAliasFactory(actor=sdf, surface="قسد")
    ActorAliasFactory(actor=sdf, surface="SDF")
    spokesman = ActorFactory(name_ar="فرهاد شامي", name_en="Farhad Shami", kind=Actor.Kind.PERSON)
    other_org = ActorFactory()
    ActorRoleFactory(person=spokesman, organization=other_org, title_ar="عضو")
    ActorRoleFactory(person=spokesman, organization=sdf, title_ar="مدير المركز الإعلامي")
    agency = ActorFactory(name_ar="نورث برس", name_en="North Press", kind=Actor.Kind.MEDIA)
    first_target, second_target = ActorFactory(), ActorFactory()
    ActorAliasFactory(actor=second_target, surface="الفصائل")
    outlet = OutletFactory(name_ar="وكالة الاختبار", name_en="")
    claim = ClaimFactory(
        claimant=sdf,
        speaker=spokesman,
        speaker_description="مصدر عسكري",
        reported_via=agency,
        rule="accuse.verb",
        cue="اتهمت",
        first_seen_at=datetime(2026, 3, 1, 9, 30, tzinfo=UTC),
        first_outlet=outlet,
    )
    claim.targets.add(second_target, first_target)
    claim.tags.add(TagFactory(slug="zeta"), TagFactory(slug="alpha"))
    Figure.objects.create(claim=claim, low=3, high=5, approx=True, counts="killed", subject="")
    editor = UserFactory(username="edith")
    late = ArticleFactory(
        outlet=outlet, url="https://example.org/a", published_at=datetime(2026, 3, 2, tzinfo=UTC)
    )
    early = ArticleFactory(outlet=None, url="")
    MentionFactory(claim=claim, article=late, start=5, attributed_by=editor, direct=True)
    MentionFactory(claim=claim, article=early)
    parts = {"sdf": sdf, "spokesman": spokesman, "agency": agency, "outlet": outlet}
    return claim, {**parts, "targets": (first_target, second_target), "articles": (early, late)}


def test_every_field_of_the_record_comes_from_the_claims_rows(full_claim):
    claim, parts = full_claim
    record = claim_record(claim)
    sdf, spokesman, agency = parts["sdf"], parts["spokesman"], parts["agency"]
    first_target, second_target = sorted(parts["targets"], key=lambda actor: actor.pk)
    assert record["claimant"] == {
        "id": sdf.pk,
        "name_ar": "قوات سوريا الديمقراطية",
        "name_en": "SDF",
        "kind": "armed_group",
        "aliases": ["SDF", "قسد"],
    }
    # The speaker's role is the one they hold in the claimant, not their first role.
    assert record["speaker"] == {
        "id": spokesman.pk,
        "name_ar": "فرهاد شامي",
        "name_en": "Farhad Shami",
        "role": "مدير المركز الإعلامي",
        "aliases": [],
    }
    assert record["reported_via"] == {
        "id": agency.pk, "name_ar": "نورث برس", "name_en": "North Press", "aliases": []
    }  # fmt: skip
    assert [t["id"] for t in record["targets"]] == [first_target.pk, second_target.pk]
    assert "kind" not in record["targets"][0]
    assert record["targets"][1]["aliases"] == ["الفصائل"]
    assert record["speaker_description"] == "مصدر عسكري"
    assert record["tags"] == ["alpha", "zeta"]
    assert record["figures"] == [
        {"low": 3, "high": 5, "approx": True, "counts": "killed", "subject": ""}
    ]
    # An outlet without an English name is given by its Arabic one.
    assert record["first_seen"] == {"at": "2026-03-01T09:30:00+00:00", "outlet": "وكالة الاختبار"}
    assert (record["rule"], record["cue"], record["type"], record["status"]) == (
        "accuse.verb", "اتهمت", "accusation", "proposed"
    )  # fmt: skip
    assert record["response_status"] == "unanswered"
    assert record["responds_to"] is None
    assert record["story"] is None
    assert "version" not in record
    assert claim_record(claim, with_version=True)["version"] == claim.version


def test_mentions_come_in_article_order_with_their_article_and_who_attributed_them(full_claim):
    claim, parts = full_claim
    early, late = parts["articles"]
    mentions = claim_record(claim.pk)["mentions"]
    # Ordered by article (ids: `late` was stored first), then headline first, then offset.
    assert [m["article"]["id"] for m in mentions] == [late.pk, early.pk]
    by_hand, machine = mentions
    assert machine["attributed_by"] == "machine"
    assert machine["article"]["outlet"] is None
    assert machine["article"]["url"] is None
    assert by_hand["attributed_by"] == "edith"
    assert by_hand["direct"] is True
    assert by_hand["article"] == {
        "id": late.pk,
        "source_file": late.source_file,
        "url": "https://example.org/a",
        "outlet": "وكالة الاختبار",
        "title": late.title,
        "published_at": "2026-03-02T00:00:00+00:00",
    }
    assert by_hand["quote"] == late.body[by_hand["start"] : by_hand["end"]]


def test_records_keep_the_order_asked_and_skip_missing_ids():
    claims = [MentionFactory().claim for _ in range(3)]
    ids = [claims[2].pk, claims[0].pk, 10**9, claims[1].pk]
    records = RecordBuilder().records(ids)
    assert [r["id"] for r in records] == [claims[2].pk, claims[0].pk, claims[1].pk]


def test_records_take_a_fixed_number_of_queries_however_many_claims():
    def queries_for(count: int) -> int:
        ids = []
        for _ in range(count):
            claim = MentionFactory(claim=ClaimFactory(speaker=ActorRoleFactory().person)).claim
            claim.targets.add(ActorFactory())
            claim.tags.add(TagFactory())
            ids.append(claim.pk)
        with CaptureQueriesContext(connection) as context:
            records = RecordBuilder().records(ids)
        assert len(records) == count
        return len(context.captured_queries)

    assert queries_for(40) == queries_for(2)


def test_export_claims_writes_one_record_per_claim_in_id_order(full_claim, tmp_path):
    claim, _ = full_claim
    others = [MentionFactory().claim for _ in range(3)]
    out = tmp_path / "claims.jsonl"
    call_command("export_claims", "--format", "jsonl", "--output", str(out))
    lines = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [r["id"] for r in lines] == sorted([claim.pk, *(o.pk for o in others)])
    assert lines[0] == json.loads(json.dumps(claim_record(claim)))


@pytest.mark.parametrize("microsecond", [0, 500000, 120, 999999])
def test_timestamps_are_written_as_isoformat_writes_them(microsecond):
    # PostgreSQL's text form drops trailing zeros of the fraction ("…:00.5+00"); the
    # record keeps Python's six digits, or none for a whole second.
    seen = datetime(2026, 3, 1, 9, 30, 7, microsecond, tzinfo=UTC)
    claim = MentionFactory(claim=ClaimFactory(first_seen_at=seen), article__published_at=seen).claim
    claim.refresh_from_db()
    record = claim_record(claim)
    assert record["first_seen"]["at"] == seen.isoformat()
    assert record["mentions"][0]["article"]["published_at"] == seen.isoformat()
    assert record["created_at"] == claim.created_at.isoformat()
    assert record["updated_at"] == claim.updated_at.isoformat()


# PostgreSQL writes the same records itself (SqlRecordWriter): the exports and the API's
# lists use it there. Claim by claim, its JSON must read back as RecordBuilder's record.


def _assorted_claims(full_claim) -> list[int]:
    claim, _ = full_claim
    bare = ClaimFactory(speaker=None, reported_via=None, first_outlet=None, first_seen_at=None)
    roles_elsewhere = ActorFactory(kind=Actor.Kind.PERSON)
    ActorRoleFactory(person=roles_elsewhere, title_ar="الثاني")  # a later role, elsewhere
    ActorRoleFactory(person=roles_elsewhere, title_ar="الأول")
    no_role = ActorFactory(kind=Actor.Kind.PERSON)
    answered = MentionFactory(
        claim=ClaimFactory(
            speaker=roles_elsewhere,
            responds_to=claim,
            first_seen_at=datetime(2026, 3, 4, 1, 2, 3, 450, tzinfo=UTC),
        ),
        article__published_at=datetime(2026, 3, 5, 6, 7, 8, 999999, tzinfo=UTC),
        article__body='قال "إن" ما\\ جرى\t<script> ثم مضى في حديثه عن المعارك الأخيرة',
    ).claim
    answered.tags.add(TagFactory(slug="ب-عربي"), TagFactory(slug="Z-latin"), TagFactory(slug="a"))
    Figure.objects.create(claim=answered, low=7, high=None, counts="arrested", subject="شخصا")
    voiced = MentionFactory(claim=ClaimFactory(speaker=no_role)).claim
    MentionFactory(claim=voiced, in_title=True, start=0)
    return [claim.pk, bare.pk, answered.pk, voiced.pk]


@pytest.mark.services
@pytest.mark.parametrize("with_version", [False, True])
def test_postgresql_writes_the_same_records_as_the_builder(full_claim, with_version):
    ids = _assorted_claims(full_claim)
    ids = [ids[2], 10**9, *ids]  # an order of its own, and an id that is not there
    texts = SqlRecordWriter(with_version=with_version).texts(ids)
    expected = RecordBuilder(with_version=with_version).records(ids)
    assert [orjson.loads(text) for text in texts] == expected
    # Byte for byte what orjson writes: an export is the same file on either database.
    assert texts == [orjson.dumps(record).decode() for record in expected]
    assert [record["id"] for record in expected] == [ids[0], *ids[2:]]
    assert "version" in expected[0] if with_version else "version" not in expected[0]


@pytest.mark.services
@pytest.mark.parametrize("microsecond", [0, 500000, 120, 999999])
def test_postgresql_writes_timestamps_as_isoformat_does(microsecond):
    seen = datetime(2026, 3, 1, 9, 30, 7, microsecond, tzinfo=UTC)
    claim = MentionFactory(claim=ClaimFactory(first_seen_at=seen), article__published_at=seen).claim
    (text,) = SqlRecordWriter().texts([claim.pk])
    record = orjson.loads(text)
    assert record["first_seen"]["at"] == seen.isoformat()
    assert record["mentions"][0]["article"]["published_at"] == seen.isoformat()
    assert record == claim_record(claim)


@pytest.mark.services
def test_postgresql_writes_a_page_of_records_in_one_query(full_claim):
    ids = _assorted_claims(full_claim)
    with CaptureQueriesContext(connection) as context:
        records = claim_records_json(ids)
    assert len(context.captured_queries) == 1
    assert all(isinstance(record, orjson.Fragment) for record in records)


def _prepared_record_statements() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements WHERE NOT from_sql")
        return [row[0] for row in cursor.fetchall() if "WITH ORDINALITY" in row[0]]


@pytest.mark.services
def test_postgresql_prepares_the_records_statement_once_per_connection(full_claim):
    # Planning the records' statement costs about as much as running it for a page of
    # 50: it is prepared on the connection's first page and only executed after that.
    ids = _assorted_claims(full_claim)
    expected = RecordBuilder().records(ids)
    for _ in range(3):
        texts = SqlRecordWriter().texts(ids)
        assert [orjson.loads(text) for text in texts] == expected
    assert SqlRecordWriter().texts([ids[1], ids[0]]) == [
        orjson.dumps(record).decode() for record in (expected[1], expected[0])
    ]
    statements = _prepared_record_statements()
    assert len(statements) == 1
    assert "unnest($1::bigint[])" in statements[0]  # the ids are sent apart
    with CaptureQueriesContext(connection) as context:
        SqlRecordWriter().texts(ids)
    # Logged with its values, as Django logs its own statements.
    (logged,) = context.captured_queries
    assert "unnest('{" + ",".join(map(str, ids)) + "}'" in logged["sql"]


# Exports on PostgreSQL: two connections in one snapshot (claims.records.export_snapshot).


def _export_fixture(monkeypatch, count: int = 11) -> tuple[list[int], list]:
    import threading

    from claims import records

    monkeypatch.setattr(records, "RECORD_BATCH", 3)
    ids = []
    for index in range(count):
        claim = MentionFactory(claim=ClaimFactory(text=f"نص الادعاء رقم {index}")).claim
        claim.tags.add(TagFactory())
        ids.append(claim.pk)
    handled = []
    original = records.SqlRecordWriter._texts_on

    def spy(self, cursor, batch):
        handled.append((threading.current_thread().name, tuple(batch)))
        return original(self, cursor, batch)

    monkeypatch.setattr(records.SqlRecordWriter, "_texts_on", spy)
    return sorted(ids), handled


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_an_export_of_one_batch_needs_no_second_connection(monkeypatch, tmp_path):
    ids, handled = _export_fixture(monkeypatch, count=3)
    out = tmp_path / "claims.jsonl"
    call_command("export_claims", "--format", "jsonl", "--output", str(out))
    lines = [orjson.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert lines == RecordBuilder().records(ids)
    assert handled == [("MainThread", tuple(ids))]


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_an_export_written_by_two_connections_is_whole_and_in_order(monkeypatch, tmp_path):
    ids, handled = _export_fixture(monkeypatch)
    out = tmp_path / "claims.jsonl"
    call_command("export_claims", "--format", "jsonl", "--output", str(out))
    lines = [orjson.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert lines == RecordBuilder().records(ids)
    # Batches of 3 claims, every other one written by the helper's connection.
    assert sorted(claim_id for _, batch in handled for claim_id in batch) == ids
    assert {name for name, _ in handled} == {"record-writer", "MainThread"}
    assert len(handled) == 4


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_an_export_is_one_view_of_the_data_even_across_its_two_connections(monkeypatch):
    import threading

    from django.db import connections

    from claims.models import Claim
    from claims.records import export_snapshot, record_lines

    ids, handled = _export_fixture(monkeypatch)

    def change_everything() -> None:  # another user, committing while the file streams
        Claim.objects.filter(pk__in=ids).update(text="تغير بعد بدء التصدير")
        ClaimFactory()
        connections["default"].close()

    with export_snapshot() as snapshot:
        assert snapshot
        lines = record_lines(iter(ids), fmt="jsonl", snapshot=snapshot)
        first = orjson.loads(next(lines))
        changer = threading.Thread(target=change_everything)
        changer.start()
        changer.join()
        rest = [orjson.loads(line) for line in lines]
    records = [first, *rest]
    assert [record["id"] for record in records] == ids
    assert [record["text"] for record in records] == [f"نص الادعاء رقم {i}" for i in range(11)]
    assert {name for name, _ in handled} == {"record-writer", "MainThread"}
    assert Claim.objects.filter(text="تغير بعد بدء التصدير").count() == 11


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_the_api_streams_a_file_through_two_connections(monkeypatch):
    from conflictdesk.roles import roles_sync
    from tests.api.conftest import token_client

    roles_sync()  # the groups (a transactional test starts from empty tables)
    ids, handled = _export_fixture(monkeypatch)
    response = token_client("analyst").get("/api/v1/claims/", {"format": "jsonl"})
    assert response.status_code == 200
    lines = [orjson.loads(line) for line in b"".join(response.streaming_content).splitlines()]
    assert sorted(record["id"] for record in lines) == ids
    assert lines == RecordBuilder(with_version=True).records([r["id"] for r in lines])
    assert {name for name, _ in handled} == {"record-writer", "MainThread"}


@pytest.mark.services
def test_postgresql_writes_the_same_csv_rows_as_the_builder(full_claim):
    import csv

    from claims import records

    ids = _assorted_claims(full_claim)
    claim = Claim.objects.get(pk=ids[1])
    for low, high in ((2, 2), (0, 0), (0, None), (7, 9)):
        Figure.objects.create(claim=claim, low=low, high=high, counts="killed", subject="")
    rows = list(records.record_lines(iter([ids[3], *ids[:3]]), fmt="csv"))
    writer = csv.writer(records._Echo())
    expected = ["\ufeff" + writer.writerow(records.CSV_COLUMNS)] + [
        writer.writerow(records.claim_csv_row(record))
        for record in RecordBuilder().records([ids[3], *ids[:3]])
    ]
    assert rows == expected
    assert "2 killed | 0 killed | 0- killed | 7-9 killed" in rows[3]


def test_a_record_read_while_its_claimant_is_merged_away_comes_out_whole(monkeypatch):
    # The builder reads a batch in several statements; an editor's merge that lands
    # between them must not break the record (it is read again, after the merge).
    from claims.services.actors import actor_merge

    claim = MentionFactory().claim
    source, kept = claim.claimant, ActorFactory(name_ar="الجهة الباقية")
    original = RecordBuilder._load_actors
    merged = []

    def merge_first(self, ids):
        if not merged:
            merged.append(actor_merge(source_id=source.pk, target_id=kept.pk, user=None))
        return original(self, ids)

    monkeypatch.setattr(RecordBuilder, "_load_actors", merge_first)
    (record,) = RecordBuilder().records([claim.pk])
    assert merged
    assert record["claimant"]["id"] == kept.pk
    assert record["claimant"]["name_ar"] == "الجهة الباقية"
