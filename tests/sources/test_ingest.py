"""`manage.py ingest` records every file, reads .txt articles and loses nothing."""

import codecs
import io
from unittest import mock

import pytest
from django.core.management import CommandError, call_command
from django.db import OperationalError

from sources.models import Article, IngestedFile
from sources.tasks import process_ingested_file
from tests.conftest import REPO

# Real commits, so that tasks are queued after commit exactly as in production.
pytestmark = pytest.mark.django_db(transaction=True)

ARTICLE = (
    "قسد تتهم فصائل بمهاجمة نقاطها\n\n"
    "اتهمت قوات سوريا الديمقراطية فصائل مسلحة بمهاجمة نقاطها.\n\n"
    "ولم تعلق الحكومة السورية.\n"
)


@pytest.fixture
def ingest():
    """Run `manage.py ingest` as an operator would, tasks in-process; return its output."""

    def run(*paths):
        out = io.StringIO()
        call_command("ingest", *map(str, paths), stdout=out)
        return out.getvalue()

    return run


def test_a_txt_file_becomes_an_article_titled_by_its_first_line(tmp_path, ingest):
    path = tmp_path / "raqqa.txt"
    path.write_text("\n\n" + ARTICLE, encoding="utf-8")
    output = ingest(path)

    article = Article.objects.get()
    assert article.title == "قسد تتهم فصائل بمهاجمة نقاطها"
    assert article.body.startswith("اتهمت قوات سوريا الديمقراطية")
    assert "\n\n" in article.body, "paragraphs are kept"
    assert article.source_file == "raqqa.txt"
    ledger = article.ingested_file
    assert (ledger.status, ledger.attempts, ledger.size) == ("done", 1, path.stat().st_size)
    assert "received 1 new file(s), 0 already received: 1 done" in output


def test_the_same_bytes_twice_are_one_file(tmp_path, ingest):
    (tmp_path / "a.txt").write_text(ARTICLE, encoding="utf-8")
    (tmp_path / "copy.txt").write_text(ARTICLE, encoding="utf-8")
    output = ingest(tmp_path)
    assert IngestedFile.objects.count() == 1
    assert Article.objects.count() == 1
    assert "1 already received" in output


def test_the_same_text_in_other_bytes_is_linked_as_a_duplicate(tmp_path, ingest):
    (tmp_path / "1.txt").write_text(ARTICLE, encoding="utf-8")
    # Diacritics, tatweel and CRLF line ends change the bytes, not the normalized text.
    variant = ARTICLE.replace("اتهمت", "اتّهمـت").replace("\n", "\r\n")
    (tmp_path / "2.txt").write_text(variant, encoding="utf-8")
    ingest(tmp_path / "1.txt")
    ingest(tmp_path / "2.txt")
    first, second = Article.objects.order_by("id")
    assert second.duplicate_of == first
    assert second.ingested_file.status == IngestedFile.Status.DUPLICATE
    assert "اتّهمـت" in second.body, "the stored body is the text as received"


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("empty.txt", b"", "empty"),
        ("blank.txt", b"  \n\n \t\n", "only white space"),
        ("binary.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary"),
        ("damaged.txt", ("عنوان\n" + "نص عربي سليم " * 9).encode() + b"\xff" + b"!", "damaged"),
        ("garbage.txt", b"\x01\x02\x03abc\x80\x81" * 10, "not valid UTF-8"),
        ("report.pdf", b"%PDF-1.4 ...", "not supported"),
    ],
)
def test_bad_input_is_recorded_as_failed_with_a_clear_reason(
    tmp_path, ingest, name, content, reason
):
    path = tmp_path / name
    path.write_bytes(content)
    output = ingest(path)
    ledger = IngestedFile.objects.get()
    assert ledger.status == IngestedFile.Status.FAILED
    assert reason in ledger.error
    assert f"failed: {name}: " in output
    assert not Article.objects.exists()


def test_a_one_line_file_is_its_own_text_titled_by_its_first_sentence(tmp_path, ingest):
    path = tmp_path / "flash.txt"
    path.write_text("نفت الوزارة الخبر جملة وتفصيلاً. وقالت إنه مختلق.\n", encoding="utf-8")
    ingest(path)
    article = Article.objects.get()
    assert article.title == "نفت الوزارة الخبر جملة وتفصيلاً"
    assert article.body == "نفت الوزارة الخبر جملة وتفصيلاً. وقالت إنه مختلق."


def test_a_file_over_the_size_limit_is_recorded_as_failed(tmp_path, ingest, settings):
    settings.CONFLICTDESK_MAX_FILE_BYTES = 100
    path = tmp_path / "long.txt"
    path.write_text(ARTICLE * 5, encoding="utf-8")
    ingest(path)
    ledger = IngestedFile.objects.get()
    assert ledger.status == IngestedFile.Status.FAILED
    assert "over the limit of 100 bytes" in ledger.error


@pytest.mark.parametrize(
    "encode",
    [
        lambda text: codecs.BOM_UTF8 + text.encode("utf-8"),
        lambda text: text.encode("utf-16"),
        lambda text: codecs.BOM_UTF16_BE + text.encode("utf-16-be"),
    ],
)
def test_unicode_with_a_byte_order_mark_decodes_to_the_same_arabic(tmp_path, ingest, encode):
    path = tmp_path / "bom.txt"
    path.write_bytes(encode(ARTICLE))
    ingest(path)
    article = Article.objects.get()
    assert article.title == "قسد تتهم فصائل بمهاجمة نقاطها"
    assert article.body == ARTICLE.split("\n", 1)[1].strip()


def test_a_redelivered_task_does_not_store_the_article_twice(tmp_path, ingest):
    path = tmp_path / "once.txt"
    path.write_text(ARTICLE, encoding="utf-8")
    ingest(path)
    ledger = IngestedFile.objects.get()
    # A worker died after writing the article but before acknowledging: the file is
    # still marked processing, and the broker hands the task to another worker.
    IngestedFile.objects.filter(pk=ledger.pk).update(status=IngestedFile.Status.PROCESSING)
    process_ingested_file.apply(args=[ledger.pk])
    process_ingested_file.apply(args=[ledger.pk])
    assert Article.objects.count() == 1
    ledger.refresh_from_db()
    assert ledger.status == IngestedFile.Status.DONE


def test_a_database_error_is_retried_and_then_recorded_on_the_ledger(tmp_path, ingest):
    path = tmp_path / "flaky.txt"
    path.write_text(ARTICLE, encoding="utf-8")
    with mock.patch(
        "sources.services.ingest.normalize", side_effect=OperationalError("server closed")
    ) as failing:
        ingest(path)
    ledger = IngestedFile.objects.get()
    assert failing.call_count == 6, "one try and five retries"
    assert ledger.attempts == 6
    assert ledger.status == IngestedFile.Status.FAILED
    assert "Processing failed (OperationalError) after 5 retries" in ledger.error
    assert "server closed" not in ledger.error, "database details stay in the log"


def test_a_missing_file_row_is_a_quiet_no_op():
    result = process_ingested_file.apply(args=[987654])
    assert result.successful()
    assert result.result == []


def test_a_path_that_does_not_exist_is_an_error():
    with pytest.raises(CommandError, match="No such file"):
        call_command("ingest", "/nonexistent/folder", stdout=io.StringIO())


def test_the_projects_sample_corpus_ingests_without_failures(ingest):
    output = ingest(REPO / "samples" / "articles")
    files = IngestedFile.objects.all()
    assert 8 <= files.count() <= 12
    assert not files.filter(status=IngestedFile.Status.FAILED).exists(), output
    assert Article.objects.count() == files.count()


def test_the_seed_articles_ingest(shared_corpus, ingest):
    ingest(shared_corpus / "seeds" / "articles")
    assert Article.objects.count() == 5
    statuses = dict(IngestedFile.objects.values_list("original_name", "status"))
    assert [name[:3] for name, status in sorted(statuses.items()) if status == "done"] == [
        "000", "001", "003", "004",
    ]  # fmt: skip
    assert statuses["002_ba21522a0145e088.txt"] == "duplicate"
    obfuscated = Article.objects.get(source_file__startswith="001_")
    assert "د1عـ.ـش" in obfuscated.title, "the stored title is the text as received"
    assert obfuscated.normalized.startswith('خفايا هجوم "داعش"')
