"""Files go to the workers in chunks: one task reads many files, and each file still
succeeds or fails alone, once."""

import io
from unittest import mock

import pytest
from django.core.management import call_command

from sources.models import Article, ArticleFingerprint, IngestedFile, LshBucket, Story
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
