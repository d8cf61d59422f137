"""The ingest page: upload without JavaScript or file by file as JSON, the job page, the
ledger with its filters, failures with their reasons, retry; members only."""

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from sources.models import Article, IngestedFile, IngestJob
from tests.factories import IngestedFileFactory, UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

TXT = (
    "قسد تتهم فصائل بمهاجمة نقاطها قرب الرقة\n\n"
    "اتهمت قوات سوريا الديمقراطية فصائل موالية لدمشق بمهاجمة نقاطها في قرية السلحبية.\n"
)
OTHER = "غارة قرب عامودا\nقالت مصادر طبية إن غارة بطائرة مسيرة استهدفت سيارة قرب عامودا.\n"
JSON = {"HTTP_ACCEPT": "application/json"}


@pytest.fixture(autouse=True)
def roles(db):
    from conflictdesk.roles import roles_sync

    roles_sync()


@pytest.fixture
def analyst(client):
    client.force_login(UserFactory(role="analyst"))
    return client


@pytest.fixture
def run_on_commit(django_capture_on_commit_callbacks):
    """Tasks are queued on commit; run them (in-process) when the request's work commits."""
    return django_capture_on_commit_callbacks


def upload(name: str, text: str | bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, text.encode() if isinstance(text, str) else text)


def test_anonymous_visitors_are_sent_to_log_in(client):
    for url in (
        reverse("sources:ingest"),
        reverse("sources:job", args=[IngestJob.objects.create(origin="upload").pk]),
    ):
        response = client.get(url)
        assert response.status_code == 302
        assert "/login/" in response["Location"]


def test_outsiders_get_403_on_every_ingest_view(client):
    failed = IngestedFileFactory(status="failed", error="boom")
    job = IngestJob.objects.create(origin="upload")
    client.force_login(UserFactory())  # signed in, in no role
    assert client.get(reverse("sources:ingest")).status_code == 403
    assert client.get(reverse("sources:job", args=[job.pk])).status_code == 403
    response = client.post(reverse("sources:ingest"), {"files": [upload("x.txt", TXT)]})
    assert response.status_code == 403
    assert client.post(reverse("sources:retry", args=[failed.pk])).status_code == 403
    assert not IngestedFile.objects.exclude(pk=failed.pk).exists()
    failed.refresh_from_db()
    assert failed.status == "failed"


def test_the_page_offers_a_drop_zone_that_works_without_inline_script(analyst):
    response = analyst.get(reverse("sources:ingest"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "data-ingest-drop" in html
    assert re.search(r'<input type="file" name="files"[^>]* multiple', html)
    assert 'enctype="multipart/form-data"' in html
    assert "csrfmiddlewaretoken" in html
    assert "/static/js/ingest.js" in html
    # CSP: scripts only from files, no inline handlers or style attributes.
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html)
    assert not re.search(r"\son[a-z]+=", html)
    assert 'style="' not in html
    assert "unsafe-inline" not in response["Content-Security-Policy"]


def test_the_plain_form_uploads_several_files_and_shows_the_job(analyst, run_on_commit):
    with run_on_commit(execute=True):
        response = analyst.post(
            reverse("sources:ingest"),
            {
                "files": [
                    upload("raqqa.txt", TXT),
                    upload("amuda.txt", OTHER),
                    upload("x.pdf", b"%PDF"),
                ]
            },
        )
    assert response.status_code == 302
    job = IngestJob.objects.get()
    assert response["Location"] == reverse("sources:job", args=[job.pk])
    html = analyst.get(response["Location"]).content.decode()
    assert "raqqa.txt" in html
    assert "amuda.txt" in html
    assert "not supported" in html  # the failure's reason
    assert {f.origin for f in job.files.all()} == {"upload"}
    for article in Article.objects.all():
        assert reverse("sources:article_detail", args=[article.pk]) in html
    assert Article.objects.count() == 2


def test_a_script_upload_gets_json_naming_the_job_to_poll(analyst, run_on_commit):
    with run_on_commit(execute=True):
        response = analyst.post(
            reverse("sources:ingest"), {"files": [upload("raqqa.txt", TXT)]}, **JSON
        )
    assert response.status_code == 202
    body = response.json()
    job = IngestJob.objects.get()
    assert body == {
        "job": str(job.pk),
        "job_url": reverse("api-ingest-job", kwargs={"job_id": job.pk}),
        "page_url": reverse("sources:job", args=[job.pk]),
    }
    polled = analyst.get(body["job_url"], HTTP_ACCEPT="application/json").json()
    assert polled["finished"] is True
    (file,) = polled["files"]
    assert (file["name"], file["status"], len(file["articles"])) == ("raqqa.txt", "done", 1)
    # Sent from the page, so recorded as a web upload (not as an API client's).
    assert IngestedFile.objects.get().origin == IngestedFile.Origin.UPLOAD


def test_a_script_upload_without_files_gets_the_reason_as_json(analyst):
    response = analyst.post(reverse("sources:ingest"), {}, **JSON)
    assert response.status_code == 400
    assert response.json()["errors"]
    assert not IngestJob.objects.exists()


def test_the_same_file_twice_is_one_ledger_row_and_the_job_says_it_came_before(analyst):
    analyst.post(reverse("sources:ingest"), {"files": [upload("raqqa.txt", TXT)]})
    response = analyst.post(reverse("sources:ingest"), {"files": [upload("again.txt", TXT)]})
    html = analyst.get(response["Location"]).content.decode()
    assert IngestedFile.objects.count() == 1
    assert "raqqa.txt" in html
    assert "received before" in html


def test_the_ledger_filters_by_status_origin_and_name_and_counts_statuses(analyst):
    IngestedFileFactory(original_name="good.txt", status="done")
    IngestedFileFactory(original_name="copy.txt", status="duplicate")
    IngestedFileFactory(
        original_name="broken.json",
        status="failed",
        error="Line 3 is not valid JSON",
        origin="upload",
    )
    page = analyst.get(reverse("sources:ingest"), {"status": "failed"}).content.decode()
    assert "broken.json" in page
    assert "Line 3 is not valid JSON" in page
    assert "good.txt" not in page
    assert "copy.txt" not in page
    page = analyst.get(reverse("sources:ingest"), {"origin": "upload"}).content.decode()
    assert "broken.json" in page
    assert "good.txt" not in page
    page = analyst.get(reverse("sources:ingest"), {"q": "COPY"}).content.decode()
    assert "copy.txt" in page
    assert "good.txt" not in page
    counts = dict(
        re.findall(r'data-status="(\w+)">.*?<span class="badge[^"]*">(\d+)</span>', page, re.S)
    )
    assert counts == {
        "queued": "0",
        "processing": "0",
        "done": "1",
        "duplicate": "1",
        "failed": "1",
    }
    empty = analyst.get(reverse("sources:ingest"), {"q": "nothing-like-this"}).content.decode()
    assert "No file matches these filters." in empty


def test_retry_is_offered_for_failed_files_whose_bytes_were_kept(analyst):
    kept = IngestedFileFactory(
        original_name="flaky.txt", status="failed", error="database was down"
    )
    refused = IngestedFileFactory(
        original_name="huge.txt", status="failed", error="over the limit", content=b""
    )
    done = IngestedFileFactory(original_name="fine.txt", status="done")
    html = analyst.get(reverse("sources:ingest")).content.decode()
    assert reverse("sources:retry", args=[kept.pk]) in html
    assert reverse("sources:retry", args=[refused.pk]) not in html
    assert reverse("sources:retry", args=[done.pk]) not in html
    assert "send it again" in html


def test_retry_queues_a_failed_file_again_and_returns_to_the_filtered_ledger(
    analyst, run_on_commit
):
    failed = IngestedFileFactory(
        original_name="flaky.txt", status="failed", error="database was down", content=TXT.encode()
    )
    with run_on_commit(execute=True):
        response = analyst.post(
            reverse("sources:retry", args=[failed.pk]), {"next": "/ingest/?status=failed"}
        )
    assert response.status_code == 302
    assert response["Location"] == "/ingest/?status=failed"
    failed.refresh_from_db()
    assert failed.status == "done"  # in-process tasks: queued and processed at once
    assert analyst.get(reverse("sources:retry", args=[failed.pk])).status_code == 405


def test_the_ledger_paginates_and_keeps_its_filters(analyst):
    for index in range(55):
        IngestedFileFactory(original_name=f"f{index:02}.txt", status="failed", error="x")
    html = analyst.get(reverse("sources:ingest"), {"status": "failed"}).content.decode()
    assert "?status=failed&amp;page=2" in html
    second = analyst.get(reverse("sources:ingest"), {"status": "failed", "page": 2})
    assert second.content.decode().count('<tr class="status-failed">') == 5


def test_the_ledger_takes_a_fixed_number_of_queries(analyst, django_assert_max_num_queries):
    IngestedFileFactory.create_batch(40, status="failed", error="bad bytes")
    with django_assert_max_num_queries(10):
        response = analyst.get(reverse("sources:ingest"))
    assert response.content.decode().count("bad bytes") == 40


def test_the_job_page_takes_a_fixed_number_of_queries(
    analyst, run_on_commit, django_assert_max_num_queries
):
    files = [
        upload(f"{i}.txt", f"عنوان {i}\nنص الخبر رقم {i} عن اشتباك قرب الرقة.") for i in range(8)
    ]
    jsonl = "\n".join(
        ['{"title": "خبر", "body": "نص خبر عن غارة قرب عامودا."}', "not json", '{"title": "x"}']
    )
    files.append(upload("feed.jsonl", jsonl))
    with run_on_commit(execute=True):
        job_url = analyst.post(reverse("sources:ingest"), {"files": files})["Location"]
    with django_assert_max_num_queries(14):
        html = analyst.get(job_url).content.decode()
    assert html.count('class="record status-') == 3
    assert "Finished." in html
