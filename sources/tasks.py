"""Celery tasks for ingestion: thin wrappers that load ids and call one service."""

from datetime import timedelta

from celery import shared_task
from celery.contrib.django.task import DjangoTask
from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings

from sources.services import inbox, ingest


class LedgerTask(DjangoTask):
    """Records on the ledger the files whose processing failed for good (retries spent,
    or an error that ended the task); a file that finished keeps its outcome."""

    def on_failure(self, exc, task_id, args, kwargs, einfo):
        given = kwargs.get("file_ids", kwargs.get("file_id", args[0] if args else None))
        for file_id in given if isinstance(given, list) else [given]:
            if file_id is None:
                continue
            # The ledger is shown to users: name the kind of failure, keep the details
            # (database messages, values) in the worker log.
            ingest.file_fail(
                file_id=file_id,
                reason=(
                    f"Processing failed ({type(exc).__name__}) after {self.request.retries} "
                    f"retries; the worker log has the details (task {task_id})."
                ),
            )


LEDGER_TASK_OPTIONS = {
    "base": LedgerTask,
    "bind": True,
    "acks_late": True,
    "reject_on_worker_lost": True,
    # Transient database trouble (a restart, a dropped connection) is retried; any other
    # error fails the one file it happened in, with its reason on the ledger.
    "autoretry_for": ingest.TRANSIENT_ERRORS,
    "retry_backoff": 2,
    "retry_backoff_max": 300,
    "retry_jitter": True,
    "max_retries": 5,
}


@shared_task(**LEDGER_TASK_OPTIONS)
def process_ingested_files(self, file_ids: list[int]) -> list[int]:
    """A chunk of received files (ingest.files_enqueue), read in one worker call."""
    try:
        return ingest.files_process(file_ids=file_ids)
    except SoftTimeLimitExceeded:
        if len(file_ids) < 2:
            raise
        # The chunk as a whole ran out of time (many large files): what it did not finish
        # goes again one file to a task, each with the whole time limit.
        ingest.files_enqueue_one_by_one(file_ids=file_ids)
        return []


@shared_task(**LEDGER_TASK_OPTIONS)
def process_ingested_file(self, file_id: int) -> list[int]:
    """One file: what was queued before files went in chunks, and still works."""
    return ingest.files_process(file_ids=[file_id])


@shared_task(acks_late=True, ignore_result=True)
def scan_inbox() -> int:
    """Claim and record the files waiting in the inbox folder (run by beat)."""
    if not settings.CONFLICTDESK_INBOX:
        return 0
    return inbox.inbox_scan(folder=settings.CONFLICTDESK_INBOX)


@shared_task(acks_late=True, ignore_result=True)
def requeue_stalled_files() -> int:
    """Queue again files left queued while the broker was down (run by beat)."""
    return ingest.files_requeue_stalled(
        older_than=timedelta(seconds=settings.CONFLICTDESK_REQUEUE_AFTER)
    )
