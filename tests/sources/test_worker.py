"""Ingestion through a real Celery worker process, the real Redis and PostgreSQL."""

import io

import pytest
from django.core.management import call_command

from sources.models import Article, IngestedFile

pytestmark = pytest.mark.services


def test_a_real_worker_ingests_files_sent_through_redis(celery_worker, tmp_path):
    inbox = tmp_path / "articles"
    inbox.mkdir()
    for number in range(3):
        (inbox / f"{number}.txt").write_text(
            f"خبر رقم {number}\nنفت الوزارة في البيان رقم {number} ما نسب إليها.\n",
            encoding="utf-8",
        )
    out = io.StringIO()
    call_command("ingest", str(inbox), "--wait", "--timeout", "90", stdout=out)

    assert "received 3 new file(s), 0 already received: 3 done" in out.getvalue()
    assert Article.objects.count() == 3
    assert set(IngestedFile.objects.values_list("attempts", flat=True)) == {1}
    log = celery_worker.output()
    assert log.count("sources.tasks.process_ingested_file") >= 3
    assert "succeeded" in log


def test_with_no_worker_running_files_stay_queued_until_one_comes(broker_queue, tmp_path):
    from tests.conftest import start_worker, stop_worker

    path = tmp_path / "later.txt"
    path.write_text("عنوان\nنص ينتظر عاملاً.\n", encoding="utf-8")
    out = io.StringIO()
    call_command("ingest", str(path), stdout=out)
    assert "1 queued" in out.getvalue()
    assert IngestedFile.objects.get().status == IngestedFile.Status.QUEUED

    from django.conf import settings

    worker = start_worker(
        queue=broker_queue, log=tmp_path / "worker.log", broker=settings.CELERY_BROKER_URL
    )
    try:
        from tests.conftest import wait_until

        wait_until(
            lambda: IngestedFile.objects.get().status == IngestedFile.Status.DONE,
            message="the queued file was not processed when a worker came",
        )
    finally:
        stop_worker(worker)
    assert Article.objects.get().title == "عنوان"
