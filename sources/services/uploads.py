"""Uploads from the web page and the API: one job, one ledger row per file."""

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction

from sources.models import IngestedFile, IngestJob
from sources.services.ingest import ChunkedEnqueue, file_receive, file_refuse


def upload_receive(
    *, files: list[UploadedFile], user: AbstractBaseUser | AnonymousUser, origin: str
) -> IngestJob:
    """Record every uploaded file (refusing, with a reason, what is too large to read)."""
    job = IngestJob.objects.create(
        created_by=user if user.is_authenticated else None, origin=origin
    )
    limit = settings.CONFLICTDESK_MAX_FILE_BYTES
    chunks = ChunkedEnqueue()
    for upload in files:
        if upload.size is not None and upload.size > limit:
            refused = file_refuse(
                name=upload.name or "unnamed",
                reason=f"The file is {upload.size:,} bytes, over the limit of {limit:,} bytes.",
                origin=origin,
            )
            IngestedFile.objects.filter(pk=refused.pk).update(size=upload.size)
            job.files.add(refused)
            continue
        received = file_receive(
            name=upload.name or "unnamed", content=upload.read(), origin=origin, enqueue=False
        )
        job.files.add(received.file)
        chunks.add(received)
    # The job's files go to the workers together, once they are all recorded.
    transaction.on_commit(chunks.flush)
    return job


def job_files(*, job: IngestJob):
    """The job's files with their records and articles, for its page and the API."""
    return job.files.all().prefetch_related("records__articles", "articles").order_by("pk")


def job_finished(files: list[IngestedFile]) -> bool:
    """Every file of the job, and every record of its JSON files, has an outcome (the
    files come from `job_files`, records prefetched)."""
    pending = {IngestedFile.Status.QUEUED, IngestedFile.Status.PROCESSING}
    return all(
        f.status not in pending and all(r.status not in pending for r in f.records.all())
        for f in files
    )
