"""Ingestion through real Celery worker processes, the real Redis and PostgreSQL:
nothing received is lost, nothing is stored twice."""

import io
import os
import re
import signal
import subprocess
import sys

import psycopg
import pytest
from django.core.management import call_command

from sources.models import Article, IngestedFile
from sources.services import dedup
from tests.conftest import REPO, database_url, start_worker, stop_worker, wait_until

pytestmark = pytest.mark.services


# Distinct reports: near-identical texts would (rightly) be linked as duplicates.
REPORTS = [
    "نفت وزارة الدفاع ما نسب إليها من قصف لمواقع مدنية في ريف المدينة الشرقي.",
    "أعلنت قوات سوريا الديمقراطية اعتقال خلية تنشط في تهريب السلاح عبر النهر.",
    "قال المرصد إن ثلاثة مدنيين أصيبوا بانفجار لغم أرضي على طريق زراعي قديم.",
    "طالبت منظمات محلية بفتح تحقيق مستقل في ظروف وفاة معتقل داخل أحد السجون.",
]


CHUNK_SUCCEEDED = r"Task sources.tasks.process_ingested_files\[[^\]]+\] succeeded"


def write_articles(folder, count):
    folder.mkdir()
    for number in range(count):
        (folder / f"{number}.txt").write_text(
            f"خبر رقم {number}\n{REPORTS[number]}\n", encoding="utf-8"
        )


def test_a_real_worker_ingests_files_and_a_bad_one_does_not_block_the_rest(celery_worker, tmp_path):
    folder = tmp_path / "articles"
    write_articles(folder, 3)
    (folder / "broken.txt").write_bytes(b"\xff\xfe\x00\x00garbage\x00\x01")
    out = io.StringIO()
    call_command("ingest", "--no-progress", str(folder), "--wait", "--timeout", "90", stdout=out)

    assert "received 4 new file(s), 0 already received: 3 done, 0 duplicate, 1 failed" in (
        out.getvalue()
    )
    assert Article.objects.count() == 3
    assert set(IngestedFile.objects.values_list("attempts", flat=True)) == {1}
    # The four files went to the worker as one chunk, the broken one failed alone in it.
    # (The worker logs the task after its commit, which `--wait` saw: poll for the line.)
    wait_until(
        lambda: re.search(CHUNK_SUCCEEDED, celery_worker.output()),
        message="the worker never logged the chunk as succeeded",
    )


def test_real_workers_take_the_files_in_chunks_and_share_them(
    broker_queue, redis_url, tmp_path, settings
):
    settings.CONFLICTDESK_INGEST_CHUNK = 2
    folder = tmp_path / "articles"
    write_articles(folder, 4)
    (folder / "poison.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    workers = [
        start_worker(queue=broker_queue, log=tmp_path / f"worker{n}.log", broker=redis_url)
        for n in (1, 2)
    ]
    try:
        out = io.StringIO()
        call_command(
            "ingest", "--no-progress", str(folder), "--wait", "--timeout", "90", stdout=out
        )
        wait_until(
            lambda: len(re.findall(CHUNK_SUCCEEDED, "".join(w.output() for w in workers))) >= 3,
            message="the workers did not log three chunks",
        )
    finally:
        for worker in workers:
            stop_worker(worker)

    assert "received 5 new file(s), 0 already received: 4 done, 0 duplicate, 1 failed" in (
        out.getvalue()
    )
    assert "binary" in IngestedFile.objects.get(original_name="poison.txt").error
    assert Article.objects.count() == 4
    assert set(IngestedFile.objects.values_list("attempts", flat=True)) == {1}
    logs = "".join(worker.output() for worker in workers)
    assert len(re.findall(CHUNK_SUCCEEDED, logs)) == 3, "five files, two to a chunk"


def test_a_worker_killed_mid_chunk_loses_nothing_and_stores_nothing_twice(
    broker_queue, redis_url, tmp_path
):
    folder = tmp_path / "articles"
    write_articles(folder, 3)
    fast_redelivery = {
        "CELERY_VISIBILITY_TIMEOUT": "3",
        "CELERY_UNACKED_RESTORE_INTERVAL": "1",
        "CELERY_UNACKED_RESTORE_THROTTLE": "1",
    }
    # Hold the index lock: the first worker reads the whole chunk, marks it started, then
    # blocks on the lock before storing anything.
    with psycopg.connect(database_url(), autocommit=True) as lock:
        lock.execute("SELECT pg_advisory_lock(%s)", [dedup._INDEX_LOCK])
        call_command("ingest", "--no-progress", str(folder), stdout=io.StringIO())
        first = start_worker(
            queue=broker_queue, log=tmp_path / "first.log", broker=redis_url, pool="solo",
            env=fast_redelivery,
        )  # fmt: skip
        waiting = (
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted "
            "AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
        )
        wait_until(lambda: lock.execute(waiting).fetchone()[0] == 1,
                   message="the first worker never reached the index lock")  # fmt: skip
        first.process.send_signal(signal.SIGKILL)
        first.process.wait(timeout=10)
        lock.execute("SELECT pg_advisory_unlock(%s)", [dedup._INDEX_LOCK])
    assert set(IngestedFile.objects.values_list("status", "attempts")) == {("processing", 1)}
    assert not Article.objects.exists()

    second = start_worker(
        queue=broker_queue, log=tmp_path / "second.log", broker=redis_url, env=fast_redelivery
    )
    try:
        wait_until(
            lambda: set(IngestedFile.objects.values_list("status", flat=True)) == {"done"},
            timeout=90,
            message="the chunk of the killed worker was never redelivered",
        )
    finally:
        stop_worker(second)
    assert Article.objects.count() == 3
    assert sorted(Article.objects.values_list("ingested_file_id", flat=True)) == sorted(
        IngestedFile.objects.values_list("pk", flat=True)
    )
    # Redelivered after a death, the chunk is read one file at a time: a second attempt.
    assert set(IngestedFile.objects.values_list("attempts", flat=True)) == {2}


def test_a_worker_killed_mid_task_leaves_the_file_to_another_worker(
    broker_queue, redis_url, tmp_path
):
    path = tmp_path / "kill.txt"
    path.write_text("عنوان\nنص يعالجه عامل يقتل في منتصف العمل.\n", encoding="utf-8")
    # Redis hands an unacknowledged task to another worker after the visibility timeout.
    fast_redelivery = {
        "CELERY_VISIBILITY_TIMEOUT": "3",
        "CELERY_UNACKED_RESTORE_INTERVAL": "1",
        "CELERY_UNACKED_RESTORE_THROTTLE": "1",
    }
    # Hold the file's row so the first worker blocks inside the task, mid-way.
    with psycopg.connect(database_url(), autocommit=False) as lock:
        call_command("ingest", "--no-progress", str(path), stdout=io.StringIO())
        file_id = IngestedFile.objects.get().pk
        lock.execute("SELECT id FROM sources_ingestedfile WHERE id = %s FOR UPDATE", [file_id])
        first = start_worker(
            queue=broker_queue, log=tmp_path / "first.log", broker=redis_url, pool="solo",
            env=fast_redelivery,
        )  # fmt: skip
        wait_until(lambda: "Task sources.tasks.process_ingested_file" in first.output(),
                   message="the first worker never took the task")  # fmt: skip
        first.process.send_signal(signal.SIGKILL)
        first.process.wait(timeout=10)
        lock.rollback()
    assert IngestedFile.objects.get().status == IngestedFile.Status.QUEUED

    second = start_worker(
        queue=broker_queue, log=tmp_path / "second.log", broker=redis_url, env=fast_redelivery
    )
    try:
        wait_until(
            lambda: IngestedFile.objects.get().status == IngestedFile.Status.DONE,
            timeout=90,
            message="the task of the killed worker was never redelivered",
        )
    finally:
        stop_worker(second)
    assert Article.objects.count() == 1
    assert "succeeded" in second.output()


def manage(*args, broker, queue):
    env = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "CELERY_BROKER_URL": broker,
        "CELERY_TASK_DEFAULT_QUEUE": queue,
    }
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=REPO, env=env, capture_output=True, text=True,
        timeout=120,
    )  # fmt: skip


def test_with_the_broker_down_files_stay_queued_and_go_through_when_it_is_back(
    broker_queue, redis_url, tmp_path
):
    folder = tmp_path / "articles"
    write_articles(folder, 2)
    down = manage(
        "ingest", "--no-progress", str(folder), broker="redis://127.0.0.1:6390/0",
        queue=broker_queue,
    )  # fmt: skip
    assert down.returncode == 0, down.stderr
    assert "broker" in down.stdout
    assert "unreachable" in down.stdout
    assert "2 queued" in down.stdout
    assert set(IngestedFile.objects.values_list("status", flat=True)) == {"queued"}

    worker = start_worker(queue=broker_queue, log=tmp_path / "worker.log", broker=redis_url)
    try:
        back = manage("ingest", "--requeue", broker=redis_url, queue=broker_queue)
        assert back.returncode == 0, back.stderr
        assert "queued again 2 file(s)" in back.stdout
        wait_until(
            lambda: set(IngestedFile.objects.values_list("status", flat=True)) == {"done"},
            message="the queued files did not go through once the broker was back",
        )
    finally:
        stop_worker(worker)
    assert Article.objects.count() == 2


def test_two_scanners_at_once_never_take_the_same_inbox_file(postgres, transactional_db, tmp_path):
    box = tmp_path / "inbox"
    box.mkdir()
    for number in range(40):
        (box / f"{number:02}.txt").write_text(
            f"تقرير {number}\nوقع حادث رقم {number} في موقع يحمل الرقم {number * 7} شمال البلدة.\n",
            encoding="utf-8",
        )
    env = {**os.environ, "DATABASE_URL": database_url(), "CELERY_BROKER_URL": ""}
    command = [sys.executable, "manage.py", "scan_inbox", "--folder", str(box)]
    scanners = [
        subprocess.Popen(command, cwd=REPO, env=env, stdout=subprocess.PIPE, text=True)
        for _ in range(2)
    ]
    taken = [int(scanner.communicate(timeout=120)[0].split()[1]) for scanner in scanners]

    assert sum(taken) == 40
    assert IngestedFile.objects.count() == 40
    names = sorted(IngestedFile.objects.values_list("original_name", flat=True))
    assert names == [f"{number:02}.txt" for number in range(40)]
    assert len(list((box / "done").iterdir())) == 40


def test_beat_scans_the_inbox_and_a_worker_ingests_what_it_finds(broker_queue, redis_url, tmp_path):
    box = tmp_path / "inbox"
    box.mkdir()
    worker = start_worker(
        queue=broker_queue,
        log=tmp_path / "worker.log",
        broker=redis_url,
        beat=True,
        env={
            "CONFLICTDESK_INBOX": str(box),
            "CONFLICTDESK_INBOX_INTERVAL": "1",
            "CELERY_TASK_DEFAULT_QUEUE": broker_queue,
        },
    )
    try:
        (box / "dropped.txt").write_text(
            "خبر في صندوق الوارد\nأعلنت الإدارة المحلية إغلاق المعبر حتى إشعار آخر.\n",
            encoding="utf-8",
        )
        wait_until(
            lambda: (box / "done").is_dir() and any((box / "done").iterdir()),
            timeout=60,
            message=f"beat did not ingest the inbox file:\n{worker.output()[-2000:]}",
        )
    finally:
        stop_worker(worker)
    assert Article.objects.get().title == "خبر في صندوق الوارد"
    assert IngestedFile.objects.get().origin == IngestedFile.Origin.INBOX
