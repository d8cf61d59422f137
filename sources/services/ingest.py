"""Receiving files and turning them into articles.

`file_receive` records every received file in the ledger first (the same bytes twice are
one file) and queues it; `file_process` reads a queued file. A .txt or .html file becomes
one article; a .json or .jsonl file is split into one ledger row per record, each
processed on its own, so one bad record fails alone with its line number.

Processing is idempotent: an article is keyed on (file, record), a record row on
(file, index), and everything an article brings (fingerprint, overlap, story) is written
in the article's own transaction, so a redelivered task changes nothing.
"""

import hashlib
import json
import logging
import shutil
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path, PurePath

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from sources.models import Article, IngestedFile, Outlet
from sources.services import dedup, stories
from sources.text import normalize
from sources.text.clean import clean_article
from sources.text.readers import (
    SUPPORTED_SUFFIXES,
    ParsedArticle,
    UnreadableInput,
    decode,
    parse_json,
    read_file,
)

logger = logging.getLogger(__name__)

Status = IngestedFile.Status
FINISHED = frozenset({Status.DONE, Status.DUPLICATE, Status.FAILED})
MULTI_RECORD_SUFFIXES = frozenset({".json", ".jsonl"})


@dataclass(frozen=True)
class Received:
    file: IngestedFile
    created: bool


def safe_name(name: str) -> str:
    """The file name without any directory part: an upload named "../../etc/passwd" is
    recorded as "passwd", never used as a path."""
    cleaned = PurePath(name.replace("\\", "/")).name.strip().lstrip(".")
    return (cleaned or "unnamed")[:255]


def file_receive(
    *,
    name: str,
    content: bytes,
    origin: str,
    source_path: str = "",
) -> Received:
    """Record a received file and queue it for processing.

    A file seen before (same SHA-256) is returned as it is, not processed again. A file
    the project cannot take (too large, unsupported type) is recorded as failed with the
    reason, so nothing received is lost without a trace.
    """
    checksum = hashlib.sha256(content).hexdigest()
    existing = IngestedFile.objects.filter(checksum=checksum, parent__isnull=True).first()
    if existing is not None:
        return Received(file=existing, created=False)

    name = safe_name(name)
    refusal = _refusal_reason(name=name, size=len(content))
    try:
        with transaction.atomic():
            file = IngestedFile.objects.create(
                checksum=checksum,
                size=len(content),
                original_name=name,
                origin=origin,
                source_path=source_path[:1024],
                # Refused bytes are not kept: a retry cannot help, the sender must resend.
                content=b"" if refusal else content,
                status=Status.FAILED if refusal else Status.QUEUED,
                error=refusal,
                finished_at=timezone.now() if refusal else None,
            )
            if not refusal:
                transaction.on_commit(lambda: file_enqueue(file_id=file.pk))
    except IntegrityError:
        # Another process received the same bytes at the same moment.
        file = IngestedFile.objects.get(checksum=checksum, parent__isnull=True)
        return Received(file=file, created=False)
    if refusal:
        file_finalize_inbox(file_id=file.pk)
    return Received(file=file, created=True)


def file_receive_path(*, path: Path, origin: str, name: str = "") -> Received:
    """Receive a file from disk. One over the size limit is recorded as refused without
    reading it into memory (its checksum is computed in chunks)."""
    size = path.stat().st_size
    limit = settings.CONFLICTDESK_MAX_FILE_BYTES
    if size <= limit:
        return file_receive(
            name=name or path.name, content=path.read_bytes(), origin=origin,
            source_path=str(path),
        )  # fmt: skip
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    existing = IngestedFile.objects.filter(checksum=digest.hexdigest(), parent__isnull=True)
    if existing.exists():
        return Received(file=existing.first(), created=False)
    file = IngestedFile.objects.create(
        checksum=digest.hexdigest(),
        size=size,
        original_name=safe_name(name or path.name),
        origin=origin,
        source_path=str(path)[:1024],
        content=b"",
        status=Status.FAILED,
        error=f"The file is {size:,} bytes, over the limit of {limit:,} bytes.",
        finished_at=timezone.now(),
    )
    file_finalize_inbox(file_id=file.pk)
    return Received(file=file, created=True)


def file_refuse(*, name: str, reason: str, origin: str, source_path: str = "") -> IngestedFile:
    """Record something received that was not read at all (a symlink in the inbox)."""
    marker = f"refused:{origin}:{source_path or name}:{timezone.now().isoformat()}"
    return IngestedFile.objects.create(
        checksum=hashlib.sha256(marker.encode()).hexdigest(),
        size=0,
        original_name=safe_name(name),
        origin=origin,
        source_path=source_path[:1024],
        content=b"",
        status=Status.FAILED,
        error=reason,
        finished_at=timezone.now(),
    )


def file_enqueue(*, file_id: int) -> bool:
    """Hand a queued file to the workers. With the broker down the file stays `queued`
    (and is re-queued later by `files_requeue_stalled`); this returns False."""
    from sources.tasks import process_ingested_file

    try:
        process_ingested_file.delay(file_id)
    except Exception as exc:  # kombu raises several kinds for an unreachable broker
        logger.error("could not queue ingested file %s: %s", file_id, exc)
        return False
    return True


def _refusal_reason(*, name: str, size: int) -> str:
    limit = settings.CONFLICTDESK_MAX_FILE_BYTES
    if size > limit:
        return f"The file is {size:,} bytes, over the limit of {limit:,} bytes."
    if size == 0:
        return "The file is empty (0 bytes)."
    suffix = PurePath(name).suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        supported = ", ".join(sorted(SUPPORTED_SUFFIXES))
        return f"Files of type {suffix or '(none)'} are not supported; send {supported}."
    return ""


def file_process(*, file_id: int) -> list[Article]:
    """Process a queued file or record. Safe to run twice for the same row.

    Unreadable input marks the row failed with the reason; any other error propagates
    so that the task retries it.
    """
    file = _file_start(file_id=file_id)
    if file is None:
        return list(Article.objects.filter(ingested_file_id=file_id))
    data = bytes(file.content)
    try:
        if file.parent_id is not None:
            records = parse_json(data.decode("utf-8"))
            encoding = "utf-8"
        else:
            encoding = decode(data).encoding
            records = read_file(file.original_name, data)
    except UnreadableInput as exc:
        file_fail(file_id=file.pk, reason=str(exc))
        return []

    suffix = PurePath(file.original_name).suffix.lower()
    if file.parent_id is None and suffix in MULTI_RECORD_SUFFIXES:
        _records_split(file=file, records=records)
        return []
    record = records[0]
    if record.error or record.article is None:
        file_fail(file_id=file.pk, reason=record.error or "The record has no article.")
        return []
    article = article_create(file=file, parsed=record.article, encoding=encoding)
    return [article] if article else []


def _json_objects(text: str) -> list:
    """The records of a .json file as sent (one object, a list, or {"articles": [...]})."""
    try:
        data = json.loads(text)
    except ValueError:
        return []
    if isinstance(data, dict) and isinstance(data.get("articles"), list):
        return data["articles"]
    return data if isinstance(data, list) else [data]


def _record_payload(record, lines: list[str], objects: list) -> bytes:
    """The bytes a record row keeps: its own line of a .jsonl file, or its object of a
    .json file, as sent, so that processing (and a retry) reads the record alone."""
    if record.line and record.line <= len(lines):
        return lines[record.line - 1].encode("utf-8")
    if record.index < len(objects):
        return json.dumps(objects[record.index], ensure_ascii=False).encode("utf-8")
    if record.article is None:
        return b""
    return json.dumps(
        {
            "title": record.article.title,
            "body": record.article.text,
            "url": record.article.url,
            "outlet": record.article.outlet,
            "published_at": record.article.published_at,
        },
        ensure_ascii=False,
    ).encode("utf-8")


def _records_split(*, file: IngestedFile, records) -> None:
    """One ledger row per record; good records are queued, bad ones fail alone."""
    text = decode(bytes(file.content)).text
    # Split on "\n" only, as the reader counts lines: a JSON string may hold U+2028.
    lines = text.split("\n")
    objects = [] if file.original_name.lower().endswith(".jsonl") else _json_objects(text)
    children = []
    with transaction.atomic():
        for record in records:
            payload = _record_payload(record, lines, objects)
            failed = bool(record.error) or record.article is None
            child, created = IngestedFile.objects.get_or_create(
                parent=file,
                record_index=record.index,
                defaults={
                    "line": record.line,
                    "checksum": hashlib.sha256(payload).hexdigest(),
                    "size": len(payload),
                    "original_name": f"{file.original_name}#{record.index + 1}",
                    "origin": file.origin,
                    "source_path": file.source_path,
                    "content": payload,
                    "status": Status.FAILED if failed else Status.QUEUED,
                    "error": (record.error or "The record has no article.") if failed else "",
                    "finished_at": timezone.now() if failed else None,
                },
            )
            if created and not failed:
                children.append(child.pk)
        IngestedFile.objects.filter(pk=file.pk).update(
            status=Status.DONE, error="", finished_at=timezone.now(), updated_at=timezone.now()
        )
        for child_id in children:
            transaction.on_commit(lambda child_id=child_id: file_enqueue(file_id=child_id))
    file_finalize_inbox(file_id=file.pk)


def article_create(
    *, file: IngestedFile, parsed: ParsedArticle, encoding: str = ""
) -> Article | None:
    """Clean, normalize, de-duplicate and cluster one article, in one transaction."""
    cleaned = clean_article(parsed.text, title=parsed.title)
    if not cleaned.body.strip():
        file_fail(
            file_id=file.pk, reason="Nothing is left of the text once boilerplate is removed."
        )
        return None
    body = cleaned.body
    body_normalized = normalize(body)
    content_hash = hashlib.sha256(body_normalized.encode("utf-8")).hexdigest()
    try:
        article = _article_store(
            file=file, parsed=parsed, cleaned=cleaned, body=body, content_hash=content_hash,
            encoding=encoding,
        )  # fmt: skip
    except IntegrityError:
        # The same row processed at the same moment by another worker (a redelivered
        # message): its article stands.
        article = Article.objects.get(ingested_file=file, record_index=0)
        _file_finish(file=file, article=article, encoding=encoding)
    file_finalize_inbox(file_id=file.pk)
    return article


def _article_store(*, file, parsed, cleaned, body, content_hash, encoding) -> Article:
    with transaction.atomic():
        existing = Article.objects.filter(ingested_file=file, record_index=0).first()
        if existing is not None:
            _file_finish(file=file, article=existing, encoding=encoding)
            return existing
        article = Article.objects.create(
            ingested_file=file,
            record_index=0,
            outlet=_outlet_resolve(parsed.outlet or cleaned.outlet_hint),
            source_file=file.parent.original_name if file.parent_id else file.original_name,
            # A cut URL is a broken link: an over-long one is dropped, not truncated.
            url=parsed.url if len(parsed.url or "") <= 1000 else "",
            title=(parsed.title or "")[:500] or body.split("\n", 1)[0][:500],
            raw_text=parsed.text,
            body=body,
            normalized=normalize(f"{parsed.title}\n{body}"),
            dateline=cleaned.dateline[:200],
            author=cleaned.credit[:200],
            published_at=_published(parsed.published_at),
            content_hash=content_hash,
        )
        # One writer at a time decides duplicates and stories: two copies processed at
        # the same moment would not see each other otherwise.
        dedup.lock_index()
        overlap = dedup.article_deduplicate(article=article)
        stories.story_assign(article=article, overlap=overlap)
        _file_finish(file=file, article=article, encoding=encoding)
        transaction.on_commit(lambda: article_enqueue_extraction(article_id=article.pk))
    return article


def article_enqueue_extraction(*, article_id: int) -> None:
    """Hand a stored article to claim extraction (a task of its own: a rule change can
    re-run it without reading the file again)."""
    from claims.tasks import extract_article

    try:
        extract_article.delay(article_id)
    except Exception as exc:  # an unreachable broker: `manage.py extract` catches up
        logger.error("could not queue extraction of article %s: %s", article_id, exc)


def _published(value: str | None) -> datetime | None:
    if not value:
        return None
    moment = parse_datetime(value)
    if moment is None:
        day = parse_date(value[:10])
        if day is None:
            return None
        moment = datetime(day.year, day.month, day.day)
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment, timezone.get_default_timezone())
    return moment


def _outlet_resolve(surface: str) -> Outlet | None:
    """The outlet a text names itself by ("نورث برس", "SY24"), through the registry."""
    if not surface:
        return None
    from claims.models import Actor
    from sources.text import normalize_for_matching

    key = normalize_for_matching(surface)
    if not key:
        return None
    actor = (
        Actor.objects.filter(kind=Actor.Kind.MEDIA, aliases__normalized=key, outlet__isnull=False)
        .select_related("outlet")
        .first()
    )
    if actor is not None:
        return actor.outlet
    name = surface.strip()[:200]
    return Outlet.objects.filter(name_ar=name).order_by("pk").first() or Outlet.objects.create(
        name_ar=name
    )


def _file_finish(*, file: IngestedFile, article: Article, encoding: str) -> None:
    status = Status.DUPLICATE if article.duplicate_of_id else Status.DONE
    IngestedFile.objects.filter(pk=file.pk).update(
        status=status,
        error="",
        encoding=encoding[:30],
        finished_at=timezone.now(),
        updated_at=timezone.now(),
    )


def _file_start(*, file_id: int) -> IngestedFile | None:
    """Mark the row as being processed and count the attempt.

    Returns None when there is nothing to do: the row is gone, or already finished (a
    redelivered task after the work was done).
    """
    with transaction.atomic():
        file = (
            IngestedFile.objects.select_for_update(of=("self",))
            .select_related("parent")
            .defer("parent__content")
            .filter(pk=file_id)
            .first()
        )
        if file is None or file.status in FINISHED:
            return None
        if file.attempts >= settings.CONFLICTDESK_MAX_ATTEMPTS:
            # A file that kills its worker (memory, a hard time limit) comes back each
            # time the broker redelivers it: give up, with the reason, so it cannot
            # hold a worker forever.
            _fail_unfinished(
                file.pk,
                f"Gave up after {file.attempts} attempts: the worker processing this file "
                "died or ran out of time each time.",
            )
            return None
        file.status = Status.PROCESSING
        file.attempts += 1
        file.started_at = timezone.now()
        file.save(update_fields=["status", "attempts", "started_at", "updated_at"])
    return file


def file_fail(*, file_id: int, reason: str) -> None:
    """Record that a file could not be processed, with the reason. A row that finished
    (a late duplicate task, an error after the commit) keeps its outcome."""
    if _fail_unfinished(file_id, reason):
        logger.warning("ingested file %s failed: %s", file_id, reason)
        file_finalize_inbox(file_id=file_id)


def _fail_unfinished(file_id: int, reason: str) -> bool:
    return bool(
        IngestedFile.objects.filter(
            pk=file_id, status__in=[Status.QUEUED, Status.PROCESSING]
        ).update(
            status=Status.FAILED,
            error=reason or "Processing failed without a message.",
            finished_at=timezone.now(),
            updated_at=timezone.now(),
        )
    )


def file_retry(*, file_id: int) -> bool:
    """Queue a failed file or record again. Returns False if it was not failed, or was
    refused on arrival (nothing kept to read again: the sender must send it again)."""
    with transaction.atomic():
        updated = (
            IngestedFile.objects.filter(pk=file_id, status=Status.FAILED)
            .exclude(content=b"")
            .update(
                status=Status.QUEUED,
                error="",
                attempts=0,
                finished_at=None,
                updated_at=timezone.now(),
            )
        )
        if updated:
            transaction.on_commit(lambda: file_enqueue(file_id=file_id))
    return bool(updated)


def files_requeue_stalled(*, older_than: timedelta) -> int:
    """Queue again the rows left `queued` longer than `older_than` (the broker was down
    when they came, or a message was lost). Processing is idempotent, so a row that
    was in fact queued twice is harmless."""
    now = timezone.now()
    # A row left `processing` longer than a task may run lost its worker for good (a
    # message that is never redelivered): send it again too.
    lease = timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT * 2)
    ids = list(
        IngestedFile.objects.filter(
            Q(status=Status.QUEUED, updated_at__lt=now - older_than)
            | Q(status=Status.PROCESSING, started_at__lt=now - lease)
        ).values_list("pk", flat=True)
    )
    queued = 0
    for file_id in ids:
        IngestedFile.objects.filter(pk=file_id).update(updated_at=timezone.now())
        queued += file_enqueue(file_id=file_id)
    return queued


def file_finalize_inbox(*, file_id: int) -> None:
    """Move a finished inbox file from `processing/` to `done/` or `failed/`, with a
    `.reason.txt` beside a failed one."""
    file = (
        IngestedFile.objects.filter(pk=file_id, parent__isnull=True)
        .only("pk", "origin", "status", "error", "source_path")
        .first()
    )
    if file is None or file.origin != IngestedFile.Origin.INBOX or file.status not in FINISHED:
        return
    source = Path(file.source_path)
    if not source.is_file() or source.parent.name != "processing":
        return
    folder = "failed" if file.status == Status.FAILED else "done"
    target = source.parent.parent / folder / source.name
    try:
        target.parent.mkdir(exist_ok=True)
        shutil.move(source, target)
        if file.status == Status.FAILED:
            target.with_name(target.name + ".reason.txt").write_text(
                f"{file.error}\n(ledger row {file.pk})\n", encoding="utf-8"
            )
    except OSError as exc:
        # The ledger holds the outcome; a file left in processing/ is only untidy.
        logger.error("inbox: could not move %s to %s/: %s", source, folder, exc)
        return
    IngestedFile.objects.filter(pk=file.pk).update(source_path=str(target)[:1024])
