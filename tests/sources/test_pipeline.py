"""The whole ingest pipeline through its public entry points: every format, cleaning,
duplicates, stories, export, the inbox, uploads on the page and the API, retries."""

import io
import json
import os

import pytest
from django.core.management import call_command
from django.urls import reverse

from sources.models import Article, ArticleOverlap, IngestedFile, StorySegment
from sources.services import inbox
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db(transaction=True)

TXT = (
    "قسد تتهم فصائل بمهاجمة نقاطها قرب الرقة\n\n"
    "الرقة – نورث برس\n\n"
    "اتهمت قوات سوريا الديمقراطية فصائل موالية لدمشق بمهاجمة نقاطها في قرية السلحبية.\n\n"
    "اقرأ أيضاً: اشتباكات متقطعة على خطوط التماس\n\n"
    "ولم تعلق الحكومة السورية على الاتهامات حتى الآن.\n\n"
    "Facebook Twitter WhatsApp Telegram\n"
)


def ingest(*paths) -> str:
    out = io.StringIO()
    call_command("ingest", "--no-progress", *map(str, paths), stdout=out)
    return out.getvalue()


def test_a_txt_article_is_cleaned_and_its_outlet_recognised(tmp_path):
    path = tmp_path / "raqqa.txt"
    path.write_text(TXT, encoding="utf-8")
    ingest(path)
    article = Article.objects.get()
    assert article.body.startswith("اتهمت قوات سوريا الديمقراطية")
    assert "اقرأ أيضاً" not in article.body
    assert "Facebook" not in article.body
    assert "ولم تعلق الحكومة السورية" in article.body
    assert article.dateline == "الرقة"
    assert article.outlet is not None
    assert article.outlet.name_en == "North Press Agency"


@pytest.mark.parametrize("encoding", ["cp1256", "iso8859_6", "utf-16"])
def test_arabic_in_legacy_encodings_decodes_to_the_same_text(tmp_path, encoding):
    text = (
        "نفت الوزارة الاتهامات\n\n"
        "نفت وزارة الدفاع السورية ما نسب إليها من اتهامات بالتنسيق مع التنظيم."
    )
    path = tmp_path / f"{encoding}.txt"
    path.write_bytes(text.encode(encoding))
    ingest(path)
    article = Article.objects.get()
    assert article.title == "نفت الوزارة الاتهامات"
    assert article.body == text.split("\n\n", 1)[1]
    assert article.ingested_file.encoding


def test_an_html_page_gives_its_article_text_and_nothing_executable(tmp_path):
    html = """<!doctype html><html><head><title>الدفاع تنفي الاتهامات</title>
    <script>alert('head')</script></head><body>
    <nav><a href="/">الرئيسية</a> <a href="/news">أخبار</a></nav>
    <article><h1>الدفاع تنفي الاتهامات</h1>
    <p>نفت وزارة الدفاع السورية اليوم الاتهامات التي وجهتها قوات سوريا الديمقراطية إليها.</p>
    <p>وقالت الوزارة في بيان إن عناصر قسد هم من بدأوا الهجوم على مواقع الجيش قرب النهر.</p>
    <p>وأضافت أن اثنين من عناصرها قتلا في الاشتباكات <img src=x onerror="alert(1)"></p>
    <script>alert('body')</script></article>
    <footer>اترك رداً — لن يتم نشر عنوان بريدك الإلكتروني</footer></body></html>"""
    path = tmp_path / "page.html"
    path.write_text(html, encoding="utf-8")
    ingest(path)
    article = Article.objects.get()
    assert "نفت وزارة الدفاع السورية" in article.body
    assert "قتلا في الاشتباكات" in article.body
    for inert in ("alert(", "onerror", "<script", "الرئيسية"):
        assert inert not in article.body
        assert inert not in article.title


def test_a_jsonl_file_with_one_bad_line_lets_the_others_in(tmp_path):
    good = {
        "title": "مقتل عنصرين في هجوم",
        "body": "قالت مصادر محلية إن عنصرين قتلا في هجوم على حاجز قرب الميادين.",
        "url": "https://example.org/a/1",
        "outlet": "نورث برس",
        "published_at": "2026-03-02T10:00:00+03:00",
    }
    other = dict(good, title="اعتقال سبعة", body="أعلنت قسد اعتقال سبعة عناصر من خلية تابعة لداعش.")
    lines = [
        json.dumps(good, ensure_ascii=False),
        "{not json",
        json.dumps(other, ensure_ascii=False),
    ]
    path = tmp_path / "feed.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    output = ingest(path)

    assert Article.objects.count() == 2
    first = Article.objects.get(title="مقتل عنصرين في هجوم")
    assert first.url == "https://example.org/a/1"
    assert first.published_at.isoformat() == "2026-03-02T07:00:00+00:00"
    assert first.source_file == "feed.jsonl"
    bad = IngestedFile.objects.get(parent__isnull=False, status=IngestedFile.Status.FAILED)
    assert bad.line == 2
    assert "line 2" in bad.error
    assert IngestedFile.objects.get(parent__isnull=True).status == IngestedFile.Status.DONE
    assert "2 done, 0 duplicate, 1 failed" in output


def test_a_malformed_json_file_fails_with_the_position(tmp_path):
    path = tmp_path / "broken.json"
    path.write_text('[{"title": "عنوان", "body": "نص"', encoding="utf-8")
    ingest(path)
    ledger = IngestedFile.objects.get()
    assert ledger.status == IngestedFile.Status.FAILED
    assert "JSON" in ledger.error


def test_seed_002_is_linked_to_000_and_its_own_news_counts_as_a_second_story(shared_corpus):
    call_command("ingest", "--no-progress", str(shared_corpus / "seeds" / "articles"),
                 stdout=io.StringIO())  # fmt: skip
    articles = {a.source_file[:3]: a for a in Article.objects.all()}
    copy, original = articles["002"], articles["000"]
    assert copy.duplicate_of == original
    overlap = ArticleOverlap.objects.get(article=copy)
    assert overlap.original == original
    assert 0.4 <= overlap.containment <= 0.9
    assert overlap.new_spans, "002's own opening paragraphs are new evidence"
    first_new = copy.body[overlap.new_spans[0][0] : overlap.new_spans[0][1]]
    assert first_new not in original.body

    # 000, 001 and 002 tell one story; 003 and 004 each another.
    assert articles["000"].story == articles["001"].story == articles["002"].story
    assert articles["003"].story not in (articles["000"].story, articles["004"].story)
    # 002's added news (the raid in Deir ez-Zor) is a segment of another story.
    segment = StorySegment.objects.get(article=copy)
    assert segment.story != copy.story


def test_dev_near_duplicates_are_all_linked(shared_corpus):
    call_command("ingest", "--no-progress", str(shared_corpus / "dev" / "articles"),
                 stdout=io.StringIO())  # fmt: skip
    expected = {}
    for line in (shared_corpus / "dev" / "sources.tsv").read_text().splitlines()[1:]:
        fields = line.split("\t")
        if len(fields) > 4 and fields[4]:
            expected[fields[0]] = fields[4]
    found = {
        o.article.source_file: o.original.source_file
        for o in ArticleOverlap.objects.select_related("article", "original")
    }
    for copy, original in expected.items():
        assert found.get(copy) == original, f"{copy} should be linked to {original}"


def test_export_articles_writes_one_json_line_per_article(tmp_path):
    (tmp_path / "one.txt").write_text(TXT, encoding="utf-8")
    ingest(tmp_path)
    target = tmp_path / "articles.jsonl"
    call_command("export_articles", "--format", "jsonl", "--output", str(target))
    (record,) = [json.loads(line) for line in target.read_text(encoding="utf-8").splitlines()]
    article = Article.objects.get()
    assert record == {
        "id": article.pk,
        "source_file": "one.txt",
        "url": None,
        "outlet": "North Press Agency",
        "title": article.title,
        "dateline": "الرقة",
        "published_at": None,
        "duplicate_of": None,
        "story": article.story_id,
        "status": "done",
    }


def test_the_inbox_claims_files_and_sorts_them_into_done_and_failed(tmp_path):
    box = tmp_path / "inbox"
    box.mkdir()
    (box / "a-good.txt").write_text(TXT, encoding="utf-8")
    (box / "b-again.txt").write_text(TXT, encoding="utf-8")  # the same bytes, later
    (box / "empty.txt").write_bytes(b"")
    secret = tmp_path / "secret.txt"
    secret.write_text("لا ينبغي أن يقرأ\nمحتوى خاص", encoding="utf-8")
    os.symlink(secret, box / "link.txt")

    taken = inbox.inbox_scan(folder=box)

    assert taken == 3
    assert not [p for p in box.iterdir() if p.is_file() or p.is_symlink()], "inbox emptied"
    done = sorted(p.name.split("-", 1)[1] for p in (box / "done").iterdir())
    failed = sorted(p.name.split("-", 1)[1] for p in (box / "failed").iterdir())
    assert done == ["a-good.txt", "b-again.txt", "b-again.txt.reason.txt"]
    assert failed == ["empty.txt", "empty.txt.reason.txt", "link.txt", "link.txt.reason.txt"]
    assert Article.objects.count() == 1
    link_row = IngestedFile.objects.get(original_name="link.txt")
    assert link_row.status == IngestedFile.Status.FAILED
    assert "Symbolic links" in link_row.error
    assert not Article.objects.filter(body__contains="محتوى خاص").exists()
    assert secret.exists(), "the link's target is left alone"


@pytest.fixture
def analyst(client):
    from conflictdesk.roles import roles_sync

    roles_sync()
    client.force_login(UserFactory(role="analyst"))
    return client


def test_the_ingest_page_uploads_several_files_and_shows_the_job(analyst):
    from django.core.files.uploadedfile import SimpleUploadedFile

    files = [
        SimpleUploadedFile("../../etc/first.txt", TXT.encode()),
        SimpleUploadedFile("second.txt", "عنوان ثان\nنص ثان عن اشتباك آخر قرب دير الزور.".encode()),
        SimpleUploadedFile("bad.pdf", b"%PDF-1.4"),
    ]
    response = analyst.post(reverse("sources:ingest"), {"files": files})
    assert response.status_code == 302
    page = analyst.get(response["Location"])
    html = page.content.decode()
    assert "first.txt" in html
    assert "../" not in html
    assert "not supported" in html
    assert IngestedFile.objects.filter(original_name="first.txt", status="done").exists()
    assert Article.objects.count() == 2


def test_a_failed_file_can_be_retried_from_the_ingest_page(analyst, tmp_path):
    from unittest import mock

    from django.db import OperationalError

    path = tmp_path / "flaky.txt"
    path.write_text(TXT, encoding="utf-8")
    with mock.patch("sources.services.ingest.clean_article", side_effect=OperationalError("x")):
        ingest(path)
    ledger = IngestedFile.objects.get()
    assert ledger.status == "failed"
    listing = analyst.get(reverse("sources:ingest"), {"status": "failed"}).content.decode()
    assert "flaky.txt" in listing
    assert reverse("sources:retry", args=[ledger.pk]) in listing

    response = analyst.post(reverse("sources:retry", args=[ledger.pk]))
    assert response.status_code == 302
    ledger.refresh_from_db()
    assert ledger.status == "done"
    assert ledger.attempts == 1
    assert Article.objects.count() == 1


def test_the_api_takes_an_upload_and_returns_a_job_to_poll(analyst):
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = analyst.post(
        "/api/v1/ingest/",
        {"files": [SimpleUploadedFile("api.txt", TXT.encode())]},
        format="multipart",
    )
    assert response.status_code == 202
    job = response.json()
    assert response["Location"] == job["url"]
    polled = analyst.get(job["url"]).json()
    assert polled["finished"] is True
    (file,) = polled["files"]
    assert (file["name"], file["status"], len(file["articles"])) == ("api.txt", "done", 1)


def test_the_api_refuses_uploads_from_readers_and_strangers(client):
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = {"files": [SimpleUploadedFile("x.txt", TXT.encode())]}
    assert client.post("/api/v1/ingest/", upload).status_code in (401, 403)
    client.force_login(UserFactory())  # no role: an outsider
    assert client.post("/api/v1/ingest/", upload).status_code == 403
    assert not IngestedFile.objects.exists()


def test_an_analyst_moves_an_article_and_merges_stories_and_claims_follow(tmp_path):
    from claims.models import Actor
    from sources.services.stories import article_move, story_merge
    from tests.factories import ClaimFactory, MentionFactory

    (tmp_path / "a.txt").write_text(TXT, encoding="utf-8")
    (tmp_path / "b.txt").write_text(
        "غارة قرب عامودا\nقالت مصادر طبية إن غارة بطائرة مسيرة استهدفت سيارة قرب عامودا.",
        encoding="utf-8",
    )
    ingest(tmp_path)
    first, second = Article.objects.order_by("pk")
    assert first.story != second.story
    claim = ClaimFactory(claimant=Actor.objects.get(key="sdf"), story=first.story)
    MentionFactory(claim=claim, article=first)

    article_move(article=first, story=second.story)
    claim.refresh_from_db()
    assert claim.story == second.story

    old = first.story
    story_merge(source=second.story, target=old)
    first.refresh_from_db()
    second.refresh_from_db()
    claim.refresh_from_db()
    assert first.story == second.story == claim.story == old
    assert second.story.merged.count() == 1


def test_retry_redirects_only_inside_the_site(analyst, tmp_path):
    (tmp_path / "x.pdf").write_bytes(b"%PDF-1.4")
    ingest(tmp_path / "x.pdf")
    ledger = IngestedFile.objects.get()
    url = reverse("sources:retry", args=[ledger.pk])
    response = analyst.post(url, {"next": "https://evil.example/"})
    assert response["Location"] == reverse("sources:ingest")
    response = analyst.post(url, {"next": "/ingest/?status=failed"})
    assert response["Location"] == "/ingest/?status=failed"


def test_the_api_contract_is_for_signed_in_users_and_its_docs_run_no_inline_script(client, analyst):
    from django.test import Client

    anonymous = Client()
    assert anonymous.get("/api/schema/").status_code in (401, 403)
    assert anonymous.get("/api/docs/").status_code in (302, 401, 403)
    docs = analyst.get("/api/docs/")
    assert docs.status_code == 200
    html = docs.content.decode()
    assert "<script>" not in html.replace(" ", "")
    assert "script-src 'self'" in docs["Content-Security-Policy"]
    assert analyst.get("/api/schema/").status_code == 200


def test_a_failed_json_record_is_retried_from_its_own_object(tmp_path):
    from sources.services.ingest import file_retry

    records = [
        {"title": "خبر أول", "body": "أعلنت قسد اعتقال خلية في ريف الحسكة الجنوبي."},
        {"title": "خبر ثان", "body": "قال المرصد إن طائرة مسيرة قصفت موقعاً قرب الحدود.",
         "published_at": "not a date"},
    ]  # fmt: skip
    path = tmp_path / "feed.json"
    path.write_text(json.dumps(records, ensure_ascii=False), encoding="utf-8")
    ingest(path)
    bad = IngestedFile.objects.get(parent__isnull=False, status="failed")
    assert "published_at" in bad.error
    assert json.loads(bytes(bad.content))["title"] == "خبر ثان"
    # Retrying reads the record as sent, so it fails again for its own reason.
    assert file_retry(file_id=bad.pk)
    bad.refresh_from_db()
    assert bad.status == "failed"
    assert "published_at" in bad.error


def test_a_file_that_keeps_killing_its_worker_fails_after_the_attempt_cap(tmp_path, settings):
    from sources.tasks import process_ingested_file

    path = tmp_path / "poison.txt"
    path.write_text(TXT, encoding="utf-8")
    ingest(path)
    ledger = IngestedFile.objects.get()
    # As if the worker died mid-task every time: the row stays processing, attempts grow.
    Article.objects.all().delete()
    IngestedFile.objects.filter(pk=ledger.pk).update(
        status="processing", attempts=settings.CONFLICTDESK_MAX_ATTEMPTS
    )
    process_ingested_file.apply(args=[ledger.pk])
    ledger.refresh_from_db()
    assert ledger.status == "failed"
    assert f"Gave up after {settings.CONFLICTDESK_MAX_ATTEMPTS} attempts" in ledger.error
    assert not Article.objects.exists()


def test_a_late_failure_never_overwrites_a_finished_file(tmp_path):
    from sources.services.ingest import file_fail

    path = tmp_path / "done.txt"
    path.write_text(TXT, encoding="utf-8")
    ingest(path)
    ledger = IngestedFile.objects.get()
    file_fail(file_id=ledger.pk, reason="a duplicate task failed later")
    ledger.refresh_from_db()
    assert (ledger.status, ledger.error) == ("done", "")


def test_rows_stuck_in_processing_past_the_lease_are_queued_again(tmp_path, settings):
    from datetime import timedelta

    from django.utils import timezone

    from sources.services.ingest import files_requeue_stalled

    path = tmp_path / "stuck.txt"
    path.write_text(TXT, encoding="utf-8")
    ingest(path)
    ledger = IngestedFile.objects.get()
    Article.objects.all().delete()
    long_ago = timezone.now() - timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT * 3)
    IngestedFile.objects.filter(pk=ledger.pk).update(status="processing", started_at=long_ago)
    assert files_requeue_stalled(older_than=timedelta(minutes=5)) == 1
    ledger.refresh_from_db()
    assert ledger.status == "done"
    assert Article.objects.count() == 1


def test_an_oversized_file_is_refused_without_keeping_its_bytes(tmp_path, settings):
    settings.CONFLICTDESK_MAX_FILE_BYTES = 100
    path = tmp_path / "huge.txt"
    path.write_text(TXT * 3, encoding="utf-8")
    ingest(path)
    ledger = IngestedFile.objects.get()
    assert ledger.status == "failed"
    assert ledger.size == path.stat().st_size
    assert bytes(ledger.content) == b""
    from sources.services.ingest import file_retry

    assert not file_retry(file_id=ledger.pk), "nothing kept to retry: the sender resends"
