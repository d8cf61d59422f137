"""Celery tasks for ingestion: thin wrappers that load ids and call one service."""

from celery import shared_task
from celery.contrib.django.task import DjangoTask
from django.db import DatabaseError

from sources.services import ingest


class LedgerTask(DjangoTask):
    """Records on the ledger a file whose processing failed for good (retries spent)."""

    def on_failure(self, exc, task_id, args, kwargs, einfo):
        file_id = kwargs.get("file_id", args[0] if args else None)
        if file_id is not None:
            ingest.file_fail(
                file_id=file_id, reason=f"Failed after retries: {type(exc).__name__}: {exc}"
            )


@shared_task(
    base=LedgerTask,
    bind=True,
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=(DatabaseError,),
    retry_backoff=2,
    retry_backoff_max=300,
    retry_jitter=True,
    max_retries=5,
)
def process_ingested_file(self, file_id: int) -> int | None:
    article = ingest.file_process(file_id=file_id)
    return article.pk if article else None
