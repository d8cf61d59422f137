"""Receiving files and turning them into articles.

`file_receive` records every received file in the ledger first (the same bytes twice are
one file) and queues it; `file_process` reads a queued file into an Article. Processing
is idempotent: the article is keyed on (file, record), so a redelivered task changes
nothing.
"""

import hashlib
import logging
from dataclasses import dataclass
from pathlib import PurePath

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from sources.models import Article, IngestedFile
from sources.text import normalize
from sources.text.readers import UnreadableInput, decode_bytes, parse_txt

logger = logging.getLogger(__name__)

SUPPORTED_SUFFIXES = frozenset({".txt"})


@dataclass(frozen=True)
class Received:
    file: IngestedFile
    created: bool


def file_receive(*, name: str, content: bytes, origin: str, source_path: str = "") -> Received:
    """Record a received file and queue it for processing.

    A file seen before (same SHA-256) is returned as it is, not processed again. A file
    the project cannot take (too large, unsupported type) is recorded as failed with
    the reason, so nothing received is lost without a trace.
    """
    checksum = hashlib.sha256(content).hexdigest()
    existing = IngestedFile.objects.filter(checksum=checksum).first()
    if existing is not None:
        return Received(file=existing, created=False)

    safe_name = PurePath(name.replace("\\", "/")).name or "unnamed"
    refusal = _refusal_reason(name=safe_name, size=len(content))
    try:
        with transaction.atomic():
            file = IngestedFile.objects.create(
                checksum=checksum,
                size=len(content),
                original_name=safe_name[:255],
                origin=origin,
                source_path=source_path[:1024],
                content=content,
                status=IngestedFile.Status.FAILED if refusal else IngestedFile.Status.QUEUED,
                error=refusal,
                finished_at=timezone.now() if refusal else None,
            )
            if not refusal:
                from sources.tasks import process_ingested_file

                process_ingested_file.delay_on_commit(file.pk)
    except IntegrityError:
        # Another process received the same bytes at the same moment.
        return Received(file=IngestedFile.objects.get(checksum=checksum), created=False)
    return Received(file=file, created=True)


def _refusal_reason(*, name: str, size: int) -> str:
    limit = settings.CONFLICTDESK_MAX_FILE_BYTES
    if size > limit:
        return f"The file is {size:,} bytes, over the limit of {limit:,} bytes."
    suffix = PurePath(name).suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        supported = ", ".join(sorted(SUPPORTED_SUFFIXES))
        return f"Files of type {suffix or '(none)'} are not supported; send {supported}."
    return ""


def file_process(*, file_id: int) -> Article | None:
    """Read a queued file into an Article. Safe to run twice for the same file.

    Returns the article, or None when the file is missing or failed. Unreadable input
    marks the file failed with the reason; any other error propagates so that the task
    retries it.
    """
    file = _file_start(file_id=file_id)
    if file is None:
        return Article.objects.filter(ingested_file_id=file_id, record_index=0).first()
    try:
        parsed = parse_txt(decode_bytes(bytes(file.content)))
    except UnreadableInput as exc:
        file_fail(file_id=file.pk, reason=str(exc))
        return None

    # Duplicates are judged on the text alone: outlets retitle what they re-publish.
    content_hash = hashlib.sha256(normalize(parsed.text).encode("utf-8")).hexdigest()
    normalized = normalize(f"{parsed.title}\n{parsed.text}")
    with transaction.atomic():
        original = (
            Article.objects.filter(content_hash=content_hash, duplicate_of__isnull=True)
            .exclude(ingested_file_id=file.pk)
            .order_by("id")
            .first()
        )
        article, _ = Article.objects.get_or_create(
            ingested_file=file,
            record_index=0,
            defaults={
                "source_file": file.original_name,
                "title": parsed.title[:500],
                "raw_text": parsed.text,
                "body": parsed.text,
                "normalized": normalized,
                "content_hash": content_hash,
                "duplicate_of": original,
            },
        )
        status = (
            IngestedFile.Status.DUPLICATE if article.duplicate_of_id else IngestedFile.Status.DONE
        )
        IngestedFile.objects.filter(pk=file.pk).update(
            status=status, error="", finished_at=timezone.now(), updated_at=timezone.now()
        )
    return article


def _file_start(*, file_id: int) -> IngestedFile | None:
    """Mark the file as being processed and count the attempt.

    Returns None when there is nothing to do: the file is gone, or already finished
    (a redelivered task after the work was done).
    """
    with transaction.atomic():
        file = IngestedFile.objects.select_for_update().filter(pk=file_id).first()
        if file is None or file.status in {
            IngestedFile.Status.DONE,
            IngestedFile.Status.DUPLICATE,
            IngestedFile.Status.FAILED,
        }:
            return None
        file.status = IngestedFile.Status.PROCESSING
        file.attempts += 1
        file.started_at = timezone.now()
        file.save(update_fields=["status", "attempts", "started_at", "updated_at"])
    return file


def file_fail(*, file_id: int, reason: str) -> None:
    """Record that a file could not be processed, with the reason."""
    IngestedFile.objects.filter(pk=file_id).update(
        status=IngestedFile.Status.FAILED,
        error=reason or "Processing failed without a message.",
        finished_at=timezone.now(),
        updated_at=timezone.now(),
    )
    logger.warning("ingested file %s failed: %s", file_id, reason)
