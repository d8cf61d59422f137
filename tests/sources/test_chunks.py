"""Files go to the workers in chunks: one task reads many files, and each file still
succeeds or fails alone, once."""

import contextlib
import io
import json
import sys
import threading
from unittest import mock

import pytest
from django.core.management import call_command

from sources.models import (
    Article,
    ArticleFingerprint,
    ArticleOverlap,
    IngestedFile,
    LshBucket,
    Story,
    StorySegment,
)
from sources.services import ingest
from sources.tasks import process_ingested_files

pytestmark = pytest.mark.django_db(transaction=True)

REPORTS = [
    "نفت وزارة الدفاع ما نسب إليها من قصف لمواقع مدنية في ريف المدينة الشرقي.",
    "أعلنت قوات سوريا الديمقراطية اعتقال خلية تنشط في تهريب السلاح عبر النهر.",
    "قال المرصد إن ثلاثة مدنيين أصيبوا بانفجار لغم أرضي على طريق زراعي قديم.",
    "طالبت منظمات محلية بفتح تحقيق مستقل في ظروف وفاة معتقل داخل أحد السجون.",
]


def receive(name: str, content: bytes) -> int:
    """Record a file as a producer does, without handing it to the workers."""
    received = ingest.file_receive(
        name=name, content=content, origin=IngestedFile.Origin.COMMAND, enqueue=False
    )
    return received.file.pk


def article_file(number: int) -> int:
    return receive(f"{number}.txt", f"خبر رقم {number}\n{REPORTS[number]}\n".encode())


def statuses() -> dict[str, str]:
    return dict(IngestedFile.objects.values_list("original_name", "status"))


def test_a_chunk_with_a_poison_file_lets_the_others_in():
    ids = [article_file(0), receive("poison.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")]
    ids.append(article_file(1))

    process_ingested_files.apply(args=[ids])

    assert statuses() == {"0.txt": "done", "poison.txt": "failed", "1.txt": "done"}
    assert "binary" in IngestedFile.objects.get(original_name="poison.txt").error
    assert Article.objects.count() == 2
    assert set(IngestedFile.objects.values_list("attempts", flat=True)) == {1}


def test_an_error_reading_one_file_of_a_chunk_fails_that_file_alone():
    ids = [article_file(0), article_file(1), article_file(2)]
    real_clean = ingest.clean_article

    def clean(text, **kwargs):
        if REPORTS[1] in text:
            raise ValueError("a bug met by this file only")
        return real_clean(text, **kwargs)

    with mock.patch("sources.services.ingest.clean_article", side_effect=clean):
        process_ingested_files.apply(args=[ids])

    assert statuses() == {"0.txt": "done", "1.txt": "failed", "2.txt": "done"}
    failed = IngestedFile.objects.get(original_name="1.txt")
    assert failed.error.startswith("Processing failed (ValueError)")
    assert "a bug met by" not in failed.error, "details stay in the worker log"
    assert Article.objects.count() == 2


def test_an_error_storing_one_article_of_a_chunk_rolls_back_that_article_alone():
    ids = [article_file(0), article_file(1), article_file(2)]
    real_assign = ingest.stories.story_assign

    def assign(*, article, **kwargs):
        if article.title == "خبر رقم 1":
            raise RuntimeError("the story step broke on this article")
        return real_assign(article=article, **kwargs)

    with mock.patch.object(ingest.stories, "story_assign", side_effect=assign):
        process_ingested_files.apply(args=[ids])

    assert statuses() == {"0.txt": "done", "1.txt": "failed", "2.txt": "done"}
    failed = IngestedFile.objects.get(original_name="1.txt")
    assert "Processing failed (RuntimeError)" in failed.error
    # Its savepoint took back the article and its index rows; the others kept theirs.
    assert sorted(Article.objects.values_list("title", flat=True)) == ["خبر رقم 0", "خبر رقم 2"]
    stored = set(Article.objects.values_list("pk", flat=True))
    assert set(ArticleFingerprint.objects.values_list("article_id", flat=True)) == stored
    assert set(LshBucket.objects.values_list("article_id", flat=True)) == stored
    assert not Article.objects.filter(story__isnull=True).exists()


def test_a_redelivered_chunk_stores_nothing_twice():
    ids = [article_file(number) for number in range(3)]
    process_ingested_files.apply(args=[ids])
    articles = list(Article.objects.order_by("pk").values_list("pk", "ingested_file_id"))
    stories = Story.objects.count()
    # The worker died after committing but before acknowledging: the rows are finished,
    # the broker hands the task to another worker.
    process_ingested_files.apply(args=[ids])
    # Worse: the rows were left `processing` (as if marked again by a duplicate delivery).
    IngestedFile.objects.update(status=IngestedFile.Status.PROCESSING)
    process_ingested_files.apply(args=[ids])

    assert list(Article.objects.order_by("pk").values_list("pk", "ingested_file_id")) == articles
    assert Story.objects.count() == stories
    assert ArticleFingerprint.objects.count() == 3
    assert set(statuses().values()) == {"done"}


def test_a_chunk_whose_worker_died_before_committing_is_read_again_once():
    ids = [article_file(number) for number in range(3)]
    # Started (the attempt counted), then the worker died before the articles committed.
    IngestedFile.objects.update(status=IngestedFile.Status.PROCESSING, attempts=1)

    process_ingested_files.apply(args=[ids])

    assert set(statuses().values()) == {"done"}
    assert Article.objects.count() == 3
    assert set(IngestedFile.objects.values_list("attempts", flat=True)) == {2}


def test_a_file_that_keeps_killing_its_worker_holds_back_only_itself(settings):
    ids = [article_file(0), article_file(1), article_file(2)]
    # Each delivery of the chunk died on 1.txt; 0.txt and 2.txt were started once, in the
    # first delivery, and never again: the chunk is read one file at a time since.
    IngestedFile.objects.update(status=IngestedFile.Status.PROCESSING, attempts=1)
    IngestedFile.objects.filter(original_name="1.txt").update(
        attempts=settings.CONFLICTDESK_MAX_ATTEMPTS
    )

    process_ingested_files.apply(args=[ids])

    assert statuses() == {"0.txt": "done", "1.txt": "failed", "2.txt": "done"}
    assert "Gave up after" in IngestedFile.objects.get(original_name="1.txt").error
    assert Article.objects.count() == 2


def test_a_copy_in_the_same_chunk_as_its_original_is_linked_to_it():
    text = f"عنوان\n{REPORTS[0]}\n{REPORTS[1]}\n{REPORTS[2]}\n"
    ids = [receive("a.txt", text.encode()), receive("b.txt", text.replace("\n", "\r\n").encode())]
    process_ingested_files.apply(args=[ids])
    original, copy = Article.objects.order_by("pk")
    assert copy.duplicate_of == original
    assert copy.story == original.story
    assert statuses() == {"a.txt": "done", "b.txt": "duplicate"}


def test_manage_ingest_hands_files_over_a_chunk_at_a_time(tmp_path, settings):
    settings.CONFLICTDESK_INGEST_CHUNK = 2
    for number in range(4):
        (tmp_path / f"{number}.txt").write_text(
            f"خبر رقم {number}\n{REPORTS[number]}\n", encoding="utf-8"
        )
    (tmp_path / "4.pdf").write_bytes(b"%PDF-1.4")  # refused on arrival: never queued
    (tmp_path / "5.txt").write_text(f"خبر أخير\n{REPORTS[0]} {REPORTS[3]}\n", encoding="utf-8")
    with mock.patch.object(
        process_ingested_files, "delay", wraps=process_ingested_files.delay
    ) as delay:
        call_command("ingest", "--no-progress", str(tmp_path), stdout=io.StringIO())

    chunks = [call.args[0] for call in delay.call_args_list]
    assert [len(chunk) for chunk in chunks] == [2, 2, 1]
    queued = IngestedFile.objects.exclude(original_name="4.pdf").order_by("pk")
    assert [pk for chunk in chunks for pk in chunk] == list(queued.values_list("pk", flat=True))
    assert Article.objects.count() == 5


def test_requeue_sends_the_stalled_files_in_chunks(settings):
    from datetime import timedelta

    settings.CONFLICTDESK_INGEST_CHUNK = 2
    ids = [article_file(number) for number in range(3)]
    with mock.patch.object(
        process_ingested_files, "delay", wraps=process_ingested_files.delay
    ) as delay:
        assert ingest.files_requeue_stalled(older_than=timedelta(0)) == 3
    assert [call.args[0] for call in delay.call_args_list] == [ids[:2], ids[2:]]
    assert set(statuses().values()) == {"done"}


def test_a_chunk_out_of_time_goes_again_one_file_to_a_task():
    from celery.exceptions import SoftTimeLimitExceeded

    ids = [article_file(number) for number in range(3)]
    real_process = ingest.files_process
    calls = []

    def process(*, file_ids):
        calls.append(list(file_ids))
        if len(file_ids) == 1:
            return real_process(file_ids=file_ids)
        # The first file went through; the others were started when time ran out.
        real_process(file_ids=file_ids[:1])
        IngestedFile.objects.filter(pk__in=file_ids[1:]).update(
            status=IngestedFile.Status.PROCESSING, attempts=1
        )
        raise SoftTimeLimitExceeded()

    with mock.patch.object(ingest, "files_process", side_effect=process):
        process_ingested_files.apply(args=[ids])

    assert calls == [ids, ids[1:2], ids[2:]]
    assert set(statuses().values()) == {"done"}
    assert Article.objects.count() == 3


def test_a_json_record_holding_a_nul_character_fails_alone_with_its_reason():
    good = "أعلنت قوات سوريا الديمقراطية اعتقال خلية تنشط في تهريب السلاح عبر النهر."
    lines = [
        json.dumps({"title": "خبر أول", "body": REPORTS[0]}),
        json.dumps({"title": "خبر ثان", "body": REPORTS[2] + "\u0000"}),
        json.dumps({"title": "خبر ثالث", "body": good}),
    ]
    ingest.file_receive(
        name="feed.jsonl", content="\n".join(lines).encode(), origin=IngestedFile.Origin.API
    )

    assert statuses() == {
        "feed.jsonl": "done",
        "feed.jsonl#1": "done",
        "feed.jsonl#2": "failed",
        "feed.jsonl#3": "done",
    }
    error = IngestedFile.objects.get(original_name="feed.jsonl#2").error
    assert error == 'line 2: field "body" holds a NUL character (\\u0000), which is not text'
    assert sorted(Article.objects.values_list("title", flat=True)) == ["خبر أول", "خبر ثالث"]


def _bench_corpus():
    """bench/corpus.py: generated articles with re-publications and exact copies."""
    import importlib.util
    from pathlib import Path

    path = Path(__file__).resolve().parents[2] / "bench" / "corpus.py"
    if "bench_corpus" not in sys.modules:
        spec = importlib.util.spec_from_file_location("bench_corpus", path)
        module = importlib.util.module_from_spec(spec)
        sys.modules["bench_corpus"] = module  # its dataclasses look their module up
        spec.loader.exec_module(module)
    return sys.modules["bench_corpus"]


def _what_is_stored() -> dict:
    """Articles, duplicates, overlaps, stories and segments, named by source file (ids
    and clocks left out); a story is named by the first file that joined it."""
    names = dict(Article.objects.values_list("pk", "source_file"))
    members = {}
    for pk, story in Article.objects.order_by("pk").values_list("pk", "story"):
        members.setdefault(story, names[pk])
    stories = {
        members.get(story.pk, f"segment-only {story.title}"): (
            sorted(story.places),
            sorted(story.actors),
            story.keywords,
            sorted(story.keys.values_list("key", flat=True)),
        )
        for story in Story.objects.all()
    }
    segment_story = {}
    for segment in StorySegment.objects.select_related("story"):
        label = members.get(segment.story_id, f"segment-only {segment.story.title}")
        segment_story[names[segment.article_id]] = (label, segment.start, segment.end)
    return {
        "articles": {
            names[article.pk]: (
                article.title,
                article.content_hash,
                names.get(article.duplicate_of_id),
                members[article.story_id],
                segment_story.get(names[article.pk]),
            )
            for article in Article.objects.all()
        },
        "overlaps": sorted(
            (names[o.article_id], names[o.original_id], o.kind, o.containment, o.new_spans)
            for o in ArticleOverlap.objects.all()
        ),
        "stories": stories,
        "ledger": sorted(IngestedFile.objects.values_list("original_name", "status", "error")),
    }


def _ingest_and_forget(folder, **patches) -> dict:
    """`manage.py ingest FOLDER`, then what is stored; the tables are emptied after."""
    # Extraction is a task of its own, not what is compared.
    with mock.patch.object(ingest, "articles_enqueue_extraction"), contextlib.ExitStack() as stack:
        for name, value in patches.items():
            target, attribute = name.rsplit(".", 1)
            stack.enter_context(mock.patch(f"{target}.{attribute}", value))
        call_command("ingest", "--no-progress", str(folder), stdout=io.StringIO())
    stored = _what_is_stored()
    Article.objects.all().delete()
    Story.objects.all().delete()
    IngestedFile.objects.all().delete()
    return stored


def test_a_chunk_stores_what_its_articles_stored_one_by_one_would(
    tmp_path, settings, shared_corpus
):
    """A chunk decides duplicates and stories in memory and writes them at the end; a
    chunk of one file writes each article before the next is read; a chunk whose write
    failed is stored one article at a time, straight to the database; a chunk too
    spread out to keep its stories in memory looks them up article by article. Same
    outcome every way."""
    for folder in ("seeds", "dev"):
        for path in sorted((shared_corpus / folder / "articles").glob("*.txt")):
            (tmp_path / f"{folder}-{path.name}").write_bytes(path.read_bytes())
    _bench_corpus().write_corpus(tmp_path / "generated", 160)
    fast_path_only = {
        "sources.services.ingest._chunk_store_one_by_one": mock.Mock(
            side_effect=AssertionError("the chunk was not stored together")
        )
    }
    settings.CONFLICTDESK_INGEST_CHUNK = 25
    chunked = _ingest_and_forget(tmp_path, **fast_path_only)
    stories_read_per_article = _ingest_and_forget(
        tmp_path, **fast_path_only, **{"sources.services.stories.ChunkStories.MAX_READ": 0}
    )
    one_by_one = _ingest_and_forget(
        tmp_path,
        **{"sources.services.ingest._chunk_store": mock.Mock(side_effect=RuntimeError("x"))},
    )
    settings.CONFLICTDESK_INGEST_CHUNK = 1
    chunks_of_one = _ingest_and_forget(tmp_path, **fast_path_only)

    assert len(chunked["articles"]) > 200
    assert sum(1 for a in chunked["articles"].values() if a[2]) > 10, "copies were linked"
    assert any(a[4] for a in chunked["articles"].values()), "a segment of another story"
    assert len(chunked["stories"]) > 20
    for other in (stories_read_per_article, one_by_one, chunks_of_one):
        for part in ("ledger", "articles", "overlaps", "stories"):
            assert chunked[part] == other[part], part


def test_a_chunk_is_stored_in_a_few_statements_whatever_its_size(settings):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    settings.CONFLICTDESK_INGEST_CHUNK = 25
    corpus = _bench_corpus()
    ids = [receive(name, data) for name, data in corpus.articles(25)]

    # Extraction is a task of its own, queued after the commit: not counted here.
    with (
        mock.patch.object(ingest, "articles_enqueue_extraction") as extraction,
        CaptureQueriesContext(connection) as queries,
    ):
        process_ingested_files.apply(args=[ids])
    assert len(extraction.call_args.kwargs["article_ids"]) == 25

    assert set(statuses().values()) <= {"done", "duplicate"}
    assert Article.objects.count() == 25
    # Marking the files, the registry and outlets read once, the lock, the lookups, one
    # insert per table, the stories' update, the files' outcome, and an insert per new
    # story (most of them here: the database was empty): not several per article.
    statements = [query["sql"] for query in queries]
    assert sum(sql.startswith('INSERT INTO "sources_story" ') for sql in statements) == (
        Story.objects.count()
    )
    assert len(statements) - Story.objects.count() < 40, "\n".join(s[:100] for s in statements)


def test_the_files_of_a_chunk_are_recorded_together_with_the_ledgers_rules(tmp_path):
    before = receive("before.txt", f"خبر قديم\n{REPORTS[3]}\n".encode())
    paths = []
    for name, content in [
        ("a.txt", f"خبر\n{REPORTS[0]}\n".encode()),
        ("same-as-a.txt", f"خبر\n{REPORTS[0]}\n".encode()),
        ("again.txt", f"خبر قديم\n{REPORTS[3]}\n".encode()),
        ("empty.txt", b""),
        ("picture.png", b"\x89PNG\r\n"),
        ("b.txt", f"خبر\n{REPORTS[1]}\n".encode()),
    ]:
        path = tmp_path / name
        path.write_bytes(content)
        paths.append(path)

    results = ingest.files_receive_paths(paths=paths, origin=IngestedFile.Origin.COMMAND)

    assert [result.created for result in results] == [True, False, False, True, True, True]
    a, same, again, empty, picture, b = (result.file for result in results)
    assert same.pk == a.pk
    assert again.pk == before
    assert (a.status, b.status, b.original_name) == ("queued", "queued", "b.txt")
    assert (empty.status, empty.error) == ("failed", "The file is empty (0 bytes).")
    assert picture.status == "failed"
    assert "not supported" in picture.error
    assert IngestedFile.objects.count() == 5
    assert bytes(IngestedFile.objects.get(pk=a.pk).content) == paths[0].read_bytes()
    # Names as sent (an upload's) lose any directory part.
    (sent,) = ingest.files_receive(
        files=[("../../c.txt", f"خبر\n{REPORTS[2]}\n".encode(), "")],
        origin=IngestedFile.Origin.UPLOAD,
    )
    assert (sent.created, sent.file.original_name) == (True, "c.txt")


@pytest.mark.services
def test_bytes_recorded_by_another_producer_meanwhile_are_one_file(tmp_path, postgres):
    from django.db import connections

    paths = []
    for number in range(3):
        paths.append(tmp_path / f"{number}.txt")
        paths[-1].write_text(f"خبر رقم {number}\n{REPORTS[number]}\n", encoding="utf-8")
    real_bulk_create = IngestedFile.objects.bulk_create

    def other_producer():
        try:
            ingest.file_receive(
                name="other.txt",
                content=paths[1].read_bytes(),
                origin=IngestedFile.Origin.API,
                enqueue=False,
            )
        finally:
            connections.close_all()

    def meanwhile(rows, *args, **kwargs):
        # Another producer, on a connection of its own, records and commits the bytes
        # of 1.txt between this batch's lookup and its insert.
        thread = threading.Thread(target=other_producer)
        thread.start()
        thread.join()
        return real_bulk_create(rows, *args, **kwargs)

    with mock.patch.object(IngestedFile.objects, "bulk_create", side_effect=meanwhile):
        results = ingest.files_receive_paths(paths=paths, origin=IngestedFile.Origin.COMMAND)

    assert [result.created for result in results] == [True, False, True]
    assert results[1].file.original_name == "other.txt"
    assert sorted(IngestedFile.objects.values_list("original_name", flat=True)) == [
        "0.txt",
        "2.txt",
        "other.txt",
    ]


def test_files_are_recorded_together_up_to_a_bound_on_the_bytes_held(tmp_path, settings):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    settings.CONFLICTDESK_MAX_FILE_BYTES = 3000
    paths = []
    for number in range(4):
        paths.append(tmp_path / f"{number}.txt")
        # ~1 KB each, one of them over the limit.
        paths[-1].write_text(
            f"خبر رقم {number}\n" + REPORTS[number] * (30 if number == 2 else 5), encoding="utf-8"
        )
    with (
        mock.patch.object(ingest, "RECEIVE_BATCH_BYTES", 2 * paths[0].stat().st_size + 10),
        mock.patch.object(ingest, "files_receive", wraps=ingest.files_receive) as together,
        CaptureQueriesContext(connection) as queries,
    ):
        results = ingest.files_receive_paths(paths=paths, origin=IngestedFile.Origin.COMMAND)

    # 0 and 1 together, 2 alone (over the limit), 3 in a batch of its own.
    assert [len(call.kwargs["files"]) for call in together.call_args_list] == [2, 1]
    inserts = [
        q["sql"] for q in queries if q["sql"].startswith('INSERT INTO "sources_ingestedfile"')
    ]
    assert len(inserts) == 3
    assert [result.file.original_name for result in results] == [p.name for p in paths]
    assert [result.file.status for result in results] == ["queued", "queued", "failed", "queued"]
    assert "over the limit" in results[2].file.error
