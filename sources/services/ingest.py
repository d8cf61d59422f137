"""Receiving files and turning them into articles.

`file_receive` records every received file in the ledger first (the same bytes twice are
one file) and queues it; `files_enqueue` hands queued files to the workers in chunks of
CONFLICTDESK_INGEST_CHUNK, and `files_process` reads one chunk. A .txt or .html file
becomes one article; a .json or .jsonl file is split into one ledger row per record, each
processed on its own, so one bad record fails alone with its line number.

A chunk is read in two steps. First, with no lock held, every file is decoded, cleaned,
normalized, hashed, fingerprinted and given its story features: an unreadable file fails
there, alone. Then one transaction takes the index lock and stores the chunk's articles,
each in a savepoint of its own, so an error in one article rolls back that article only.

Processing is idempotent: an article is keyed on (file, record), a record row on
(file, index), a finished row is never processed again, and everything an article brings
(fingerprint, overlap, story) is written in its savepoint, so a redelivered task changes
nothing. A chunk delivered again after its worker died is processed one file at a time,
each started and committed alone, so that a file that kills its worker reaches the
attempt cap by itself and the others go through.
"""

import hashlib
import json
import logging
import shutil
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path, PurePath

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.db import IntegrityError, InterfaceError, OperationalError, connection, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from conflictdesk.db import array_literal
from sources.models import Article, ArticleOverlap, IngestedFile, Outlet
from sources.services import dedup, stories
from sources.text import normalize
from sources.text.clean import Cleaned, clean_article
from sources.text.minhash import Signature, band_keys, signature_of_tokens
from sources.text.normalize import token_spans
from sources.text.readers import (
    SUPPORTED_SUFFIXES,
    ParsedArticle,
    UnreadableInput,
    decode,
    parse_json,
    read_file,
)
from sources.text.similarity import StoryFeatures

logger = logging.getLogger(__name__)

Status = IngestedFile.Status
FINISHED = frozenset({Status.DONE, Status.DUPLICATE, Status.FAILED})
MULTI_RECORD_SUFFIXES = frozenset({".json", ".jsonl"})
# Errors that end the whole task, to be retried (transient database trouble) or cut short
# (the soft time limit): every other error fails the one file it happened in.
TRANSIENT_ERRORS = (OperationalError, InterfaceError)
_TASK_ENDING_ERRORS = (*TRANSIENT_ERRORS, SoftTimeLimitExceeded)


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
    enqueue: bool = True,
) -> Received:
    """Record a received file and queue it for processing.

    A file seen before (same SHA-256) is returned as it is, not processed again. A file
    the project cannot take (too large, unsupported type) is recorded as failed with the
    reason, so nothing received is lost without a trace. With `enqueue=False` the caller
    hands the file to the workers itself, with others (`ChunkedEnqueue`).
    """
    file = _ledger_row(name=name, content=content, origin=origin, source_path=source_path)
    refusal = file.error
    try:
        with transaction.atomic():
            file.save(force_insert=True)
            if enqueue and not refusal:
                transaction.on_commit(lambda: file_enqueue(file_id=file.pk))
    except IntegrityError:
        # The same bytes were received before (or by another process at this moment):
        # the unique checksum says so, with no lookup before each insert.
        file = IngestedFile.objects.get(checksum=file.checksum, parent__isnull=True)
        return Received(file=file, created=False)
    if refusal:
        file_finalize_inbox(file_id=file.pk)
    return Received(file=file, created=True)


def _ledger_row(*, name: str, content: bytes, origin: str, source_path: str) -> IngestedFile:
    """The ledger row of a received file, not yet saved: queued, or failed with the
    reason it is refused."""
    name = safe_name(name)
    refusal = _refusal_reason(name=name, size=len(content))
    return IngestedFile(
        checksum=hashlib.sha256(content).hexdigest(),
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


def file_receive_path(*, path: Path, origin: str, name: str = "", enqueue: bool = True) -> Received:
    """Receive a file from disk. One over the size limit is recorded as refused without
    reading it into memory (its checksum is computed in chunks)."""
    size = path.stat().st_size
    limit = settings.CONFLICTDESK_MAX_FILE_BYTES
    if size <= limit:
        return file_receive(
            name=name or path.name, content=path.read_bytes(), origin=origin,
            source_path=str(path), enqueue=enqueue,
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


# The bytes `files_receive_paths` holds in memory at once, at most (a file under the size
# limit is read whole, as `file_receive_path` reads it).
RECEIVE_BATCH_BYTES = 16 * 1024 * 1024


def files_receive_paths(*, paths: list[Path], origin: str) -> list[Received]:
    """`file_receive_path(..., enqueue=False)` for several files, in order: the files
    under the size limit are recorded together (`files_receive`), up to
    RECEIVE_BATCH_BYTES at a time; a larger file alone."""
    limit = settings.CONFLICTDESK_MAX_FILE_BYTES
    received: dict[int, Received] = {}
    batch: list[tuple[int, Path, bytes]] = []

    def record() -> None:
        files = [(path.name, content, str(path)) for _, path, content in batch]
        for (position, _, _), result in zip(
            batch, files_receive(files=files, origin=origin), strict=True
        ):
            received[position] = result
        batch.clear()

    held = 0
    for position, path in enumerate(paths):
        if path.stat().st_size > limit:
            received[position] = file_receive_path(path=path, origin=origin, enqueue=False)
            continue
        try:
            content = path.read_bytes()
        except OSError:
            if batch:
                record()  # the files read before this one are not lost with it
            raise
        if batch and held + len(content) > RECEIVE_BATCH_BYTES:
            record()
            held = 0
        batch.append((position, path, content))
        held += len(content)
    if batch:
        record()
    return [received[position] for position in range(len(paths))]


def files_receive(*, files: list[tuple[str, bytes, str]], origin: str) -> list[Received]:
    """`file_receive(..., enqueue=False)` for several files (name, content, source path),
    in one transaction: one statement looks up which bytes were received before, one
    inserts the others. The same bytes twice are one row, here as anywhere. Should
    another producer record the same bytes meanwhile, the files are recorded one at a
    time instead, with the same outcome."""
    rows = [
        _ledger_row(name=name, content=content, origin=origin, source_path=source_path)
        for name, content, source_path in files
    ]
    first: dict[str, IngestedFile] = {}
    try:
        with transaction.atomic():
            before = {
                file.checksum: file
                for file in IngestedFile.objects.filter(
                    checksum__in={row.checksum for row in rows}, parent__isnull=True
                ).defer("content")
            }
            for row in rows:
                if row.checksum not in before:
                    first.setdefault(row.checksum, row)
            IngestedFile.objects.bulk_create(list(first.values()))
    except (IntegrityError, OperationalError) as exc:
        # Another producer recorded some of these bytes meanwhile (IntegrityError), or
        # inserted some of them in another order at the same moment and PostgreSQL broke
        # the deadlock by failing this transaction (SQLSTATE 40P01): one at a time.
        if isinstance(exc, OperationalError) and _sqlstate(exc) != "40P01":
            raise
        return [
            file_receive(name=name, content=content, origin=origin, source_path=path, enqueue=False)
            for name, content, path in files
        ]
    results = []
    for row in rows:
        if row.checksum in before:
            results.append(Received(file=before[row.checksum], created=False))
        else:
            results.append(Received(file=first[row.checksum], created=first[row.checksum] is row))
    if origin == IngestedFile.Origin.INBOX:
        for result in results:
            if result.created and result.file.status == Status.FAILED:
                file_finalize_inbox(file_id=result.file.pk)
    return results


def _sqlstate(exc: Exception) -> str | None:
    return getattr(exc.__cause__, "sqlstate", None)


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
    """Hand one queued file to the workers. With the broker down the file stays `queued`
    (and is re-queued later by `files_requeue_stalled`); this returns False."""
    return files_enqueue(file_ids=[file_id]) == 1


def files_enqueue(*, file_ids: list[int]) -> int:
    """Hand queued files to the workers, CONFLICTDESK_INGEST_CHUNK files to a task.
    Returns how many were queued: with the broker down they stay `queued` (and are
    re-queued later by `files_requeue_stalled`)."""
    from sources.tasks import process_ingested_files

    size = max(1, settings.CONFLICTDESK_INGEST_CHUNK)
    queued = 0
    for start in range(0, len(file_ids), size):
        chunk = list(file_ids[start : start + size])
        try:
            process_ingested_files.delay(chunk)
        except Exception as exc:  # kombu raises several kinds for an unreachable broker
            logger.error("could not queue ingested files %s: %s", chunk, exc)
            continue
        queued += len(chunk)
    return queued


def files_enqueue_one_by_one(*, file_ids: list[int]) -> int:
    """Queue again, one file to a task, the files of a chunk that did not finish."""
    unfinished = IngestedFile.objects.filter(
        pk__in=file_ids, status__in=[Status.QUEUED, Status.PROCESSING]
    ).order_by("pk")
    return sum(file_enqueue(file_id=pk) for pk in unfinished.values_list("pk", flat=True))


class ChunkedEnqueue:
    """Collects the files a producer receives (`manage.py ingest`, the inbox, uploads)
    and hands them to the workers a chunk at a time, as soon as a chunk is full, so the
    workers start while the producer is still reading files. Leaving the `with` block
    hands over the rest, even when the producer stopped on an error."""

    def __init__(self) -> None:
        self.pending: list[int] = []
        self.queued = 0

    def add(self, received: Received) -> None:
        if received.created and received.file.status == Status.QUEUED:
            self.pending.append(received.file.pk)
            if len(self.pending) >= settings.CONFLICTDESK_INGEST_CHUNK:
                self.flush()

    def flush(self) -> None:
        ids, self.pending = self.pending, []
        if ids:
            self.queued += files_enqueue(file_ids=ids)

    def __enter__(self) -> "ChunkedEnqueue":
        return self

    def __exit__(self, *exc_info) -> None:
        self.flush()


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


@dataclass
class _TaskCache:
    """Lookups made once per task rather than once per article: the registry's alias
    index (rebuilding its cache stamp costs two aggregate queries) and outlets by name."""

    outlets: dict[str, Outlet | None] = field(default_factory=dict)
    _aliases: object = None

    @property
    def aliases(self):
        if self._aliases is None:
            from claims.selectors import alias_index

            self._aliases = alias_index()
        return self._aliases

    def outlet(self, surface: str) -> Outlet | None:
        if surface not in self.outlets:
            self.outlets[surface] = _outlet_resolve(surface)
        return self.outlets[surface]


@dataclass
class _Prepared:
    """Everything an article needs that no database lookup decides, computed before the
    index lock is taken."""

    file: IngestedFile
    parsed: ParsedArticle
    cleaned: Cleaned
    encoding: str
    title: str
    outlet: Outlet | None
    normalized: str
    content_hash: str
    sig: Signature
    keys: list[int]
    feats: StoryFeatures


def files_process(*, file_ids: list[int]) -> list[int]:
    """Process a chunk of queued files and records; returns the ids of the articles
    stored. Safe to run twice for the same chunk: finished rows are skipped.

    Each file succeeds or fails alone: unreadable input, and any error but a transient
    database error, fails only the file it happened in, with the reason. A transient
    database error ends the task, to be retried with the files not yet finished.
    """
    ids = sorted(set(file_ids))
    cache = _TaskCache()
    started = _files_start(file_ids=ids)
    if started is not None:
        return _files_run(started, cache)
    # Some rows were started before and never finished: the worker of an earlier
    # delivery died (or the task is being retried). One file at a time, each started and
    # committed alone, so that a file that kills its worker is the only one whose
    # attempts grow, and the files before it are kept.
    article_ids = []
    for file_id in ids:
        file = _file_start(file_id=file_id)
        if file is not None:
            article_ids += _files_run([file], cache)
    return article_ids


def _files_start(*, file_ids: list[int]) -> list[IngestedFile] | None:
    """Mark the chunk's unfinished rows as being processed and count the attempt, in one
    transaction. Returns None, changing nothing, when one of them was started before."""
    with transaction.atomic():
        rows = list(
            IngestedFile.objects.select_for_update(of=("self",))
            .select_related("parent")
            .defer("parent__content")
            .filter(pk__in=file_ids)
            .order_by("pk")
        )
        unfinished = [file for file in rows if file.status not in FINISHED]
        if any(file.status == Status.PROCESSING for file in unfinished):
            return None
        now = timezone.now()
        started = []
        for file in unfinished:
            if file.attempts >= settings.CONFLICTDESK_MAX_ATTEMPTS:
                _fail_unfinished(file.pk, _gave_up(file.attempts))
                transaction.on_commit(lambda pk=file.pk: file_finalize_inbox(file_id=pk))
                continue
            file.status, file.attempts, file.started_at = Status.PROCESSING, file.attempts + 1, now
            started.append(file)
        IngestedFile.objects.filter(pk__in=[file.pk for file in started]).update(
            status=Status.PROCESSING, attempts=F("attempts") + 1, started_at=now, updated_at=now
        )
    return started


def _gave_up(attempts: int) -> str:
    return (
        f"Gave up after {attempts} attempts: the worker processing this file "
        "died or ran out of time each time."
    )


def _files_run(files: list[IngestedFile], cache: _TaskCache) -> list[int]:
    prepared = []
    for file in files:
        try:
            item = _file_prepare(file=file, cache=cache)
        except _TASK_ENDING_ERRORS:
            raise
        except Exception as exc:
            logger.exception("ingested file %s: processing failed", file.pk)
            file_fail(file_id=file.pk, reason=_crash_reason(exc))
            continue
        if item is not None:
            prepared.append(item)
    return _articles_store(prepared, cache) if prepared else []


def _crash_reason(exc: Exception) -> str:
    # The ledger is shown to users: name the kind of failure, keep the details (database
    # messages, values) in the worker log.
    return f"Processing failed ({type(exc).__name__}); the worker log has the details."


def _file_prepare(*, file: IngestedFile, cache: _TaskCache) -> _Prepared | None:
    """Read, clean, normalize and fingerprint a started file, with no lock held. Returns
    None when the file is finished here: failed with its reason, or split into records."""
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
        return None

    suffix = PurePath(file.original_name).suffix.lower()
    if file.parent_id is None and suffix in MULTI_RECORD_SUFFIXES:
        _records_split(file=file, records=records)
        return None
    record = records[0]
    if record.error or record.article is None:
        file_fail(file_id=file.pk, reason=record.error or "The record has no article.")
        return None
    parsed = record.article
    cleaned = clean_article(parsed.text, title=parsed.title)
    body = cleaned.body
    if not body.strip():
        file_fail(
            file_id=file.pk, reason="Nothing is left of the text once boilerplate is removed."
        )
        return None
    content_hash = hashlib.sha256(normalize(body).encode("utf-8")).hexdigest()
    title = (parsed.title or "")[:500] or body.split("\n", 1)[0][:500]
    # Tokenized once for the story features and the signature: the body's keys are the
    # keys after the title's line (tests/sources/test_normalize.py checks they are
    # `tokens(body)`, which `signature(body)` would compute again).
    full_text = f"{title}\n{body}"
    spans = token_spans(full_text)
    sig = signature_of_tokens([span.key for span in spans if span.start > len(title)])
    return _Prepared(
        file=file,
        parsed=parsed,
        cleaned=cleaned,
        encoding=encoding,
        title=title,
        outlet=cache.outlet(parsed.outlet or cleaned.outlet_hint),
        normalized=normalize(f"{parsed.title}\n{body}"),
        content_hash=content_hash,
        sig=sig,
        keys=band_keys(sig),
        feats=stories.article_features(full_text, aliases=cache.aliases, spans=spans),
    )


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
        if children:
            transaction.on_commit(lambda: files_enqueue(file_ids=children))
    file_finalize_inbox(file_id=file.pk)


def _articles_store(prepared: list[_Prepared], cache: _TaskCache) -> list[int]:
    """Store the chunk's articles in one transaction holding the index lock.

    All together first (`_chunk_store`: a few statements for the whole chunk); if that
    fails, one article at a time, each in a savepoint (`_chunk_store_one_by_one`), so that
    an error in one article fails that file alone."""
    with transaction.atomic():
        # One writer at a time decides duplicates and stories: two copies processed at
        # the same moment would not see each other otherwise. Only lookups and inserts
        # are left to do under the lock.
        dedup.lock_index()
        # A redelivered chunk whose articles another delivery stored meanwhile.
        existing = {
            article.ingested_file_id: article
            for article in Article.objects.filter(
                ingested_file__in=[item.file.pk for item in prepared], record_index=0
            ).only("pk", "ingested_file", "duplicate_of")
        }
        todo = [item for item in prepared if item.file.pk not in existing]
        try:
            with transaction.atomic():
                new = _chunk_store(todo, cache)
        except _TASK_ENDING_ERRORS:
            raise
        except Exception:
            logger.warning(
                "storing a chunk of %s articles together failed: one at a time now",
                len(todo),
                exc_info=True,
            )
            new = _chunk_store_one_by_one(todo, cache)
        stored = [
            (item, existing.get(item.file.pk) or new[item.file.pk])
            for item in prepared
            if item.file.pk in existing or item.file.pk in new
        ]
        _files_finish(stored)
        new_ids = [article.pk for article in new.values()]
        if new_ids:
            transaction.on_commit(lambda: articles_enqueue_extraction(article_ids=new_ids))
    for item in prepared:
        if item.file.origin == IngestedFile.Origin.INBOX and item.file.parent_id is None:
            file_finalize_inbox(file_id=item.file.pk)
    return [article.pk for _, article in stored]


def _chunk_store(todo: list[_Prepared], cache: _TaskCache) -> dict[int, Article]:
    """The chunk's articles, their duplicate links, overlaps and stories decided in
    memory and written in a few statements: ids are taken from the sequence first, so
    that an article can refer to another of the chunk before either is inserted.
    Returns the articles by file id."""
    if not todo:
        return {}
    index = dedup.ChunkIndex(articles=[(item.content_hash, item.keys) for item in todo])
    book: stories.UnsavedArticleStories = stories.ChunkStories()
    now = timezone.now()
    if not book.read(
        [
            (stories.candidate_keys(item.feats), _published(item.parsed.published_at) or now)
            for item in todo
        ]
    ):
        # Articles years apart, or candidates by the thousand: stories are looked up and
        # written one article at a time (the articles still go in together).
        book = stories.UnsavedArticleStories()
    articles: dict[int, Article] = {}
    overlaps = []
    for item, pk in zip(todo, _article_ids(len(todo)), strict=True):
        article, overlap = _article_build(item, index, cache.aliases, book, pk)
        index.add(article=article, sig=item.sig, keys=item.keys)
        articles[item.file.pk] = article
        if overlap is not None:
            overlaps.append(overlap)
    Article.objects.bulk_create(list(articles.values()))
    ArticleOverlap.objects.bulk_create(overlaps)
    book.flush()
    index.flush()
    return articles


def _article_build(
    item: _Prepared,
    index: dedup.ChunkIndex,
    aliases,
    book: stories.UnsavedArticleStories,
    pk: int,
) -> tuple[Article, ArticleOverlap | None]:
    """An article of the chunk, not yet inserted: what it duplicates, its overlap record,
    its story."""
    match = index.find(
        content_hash=item.content_hash, body=item.cleaned.body, sig=item.sig, keys=item.keys
    )
    article = _article_new(item, match)
    article.pk = pk
    overlap = dedup.overlap_new(article=article, match=match) if match is not None else None
    stories.story_assign(
        article=article, overlap=overlap, feats=item.feats, aliases=aliases, book=book
    )
    return article, overlap


def _article_ids(count: int) -> list[int]:
    """`count` ids for new articles, taken before they are inserted. PostgreSQL hands
    them out of the table's sequence; SQLite writes one transaction at a time (this one
    holds its write lock), so the ids after the highest ever given are free."""
    table = connection.ops.quote_name(Article._meta.db_table)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                [Article._meta.db_table, Article._meta.pk.column, count],
            )
            # Ids rise in the chunk's order: the first publication has the lowest id.
            return sorted(row[0] for row in cursor.fetchall())
        cursor.execute(
            f"SELECT MAX(id) FROM (SELECT MAX(id) AS id FROM {table} UNION ALL "
            "SELECT seq FROM sqlite_sequence WHERE name = %s)",
            [Article._meta.db_table],
        )
        highest = cursor.fetchone()[0] or 0
    return list(range(highest + 1, highest + 1 + count))


def _chunk_store_one_by_one(todo: list[_Prepared], cache: _TaskCache) -> dict[int, Article]:
    """The chunk's articles one at a time, each in a savepoint: an error in one article
    fails that file alone. Returns the articles stored, by file id."""
    articles: dict[int, Article] = {}
    index = dedup.ChunkIndex(articles=[(item.content_hash, item.keys) for item in todo])
    for item in todo:
        try:
            with transaction.atomic():
                article = _article_store(item, index, cache.aliases)
        except _TASK_ENDING_ERRORS:
            raise
        except Exception as exc:
            logger.exception("ingested file %s: storing its article failed", item.file.pk)
            _fail_unfinished(item.file.pk, _crash_reason(exc))
            continue
        index.add(article=article, sig=item.sig, keys=item.keys)
        articles[item.file.pk] = article
    index.flush()
    return articles


def _article_new(item: _Prepared, match: dedup.DuplicateMatch | None) -> Article:
    parsed, cleaned, file = item.parsed, item.cleaned, item.file
    return Article(
        ingested_file=file,
        record_index=0,
        outlet=item.outlet,
        source_file=file.parent.original_name if file.parent_id else file.original_name,
        # A cut URL is a broken link: an over-long one is dropped, not truncated.
        url=parsed.url if len(parsed.url or "") <= 1000 else "",
        title=item.title,
        raw_text=parsed.text,
        body=cleaned.body,
        normalized=item.normalized,
        dateline=cleaned.dateline[:200],
        author=cleaned.credit[:200],
        published_at=_published(parsed.published_at),
        content_hash=item.content_hash,
        duplicate_of=match.original if match is not None and match.is_duplicate else None,
    )


def _article_store(item: _Prepared, index: dedup.ChunkIndex, aliases) -> Article:
    """Look up what the article duplicates, store it, put it in a story, one statement
    at a time. Runs under the index lock, in the article's own savepoint; its fingerprint
    and band keys join the chunk's index once the savepoint is released."""
    match = index.find(
        content_hash=item.content_hash, body=item.cleaned.body, sig=item.sig, keys=item.keys
    )
    article = _article_new(item, match)
    if match is None or not match.new_spans:
        # Inserted with its story: no second statement to set it.
        stories.story_assign(article=article, overlap=match, feats=item.feats, aliases=aliases)
        article.save(force_insert=True)
        if match is not None:
            dedup.overlap_create(article=article, match=match)
        return article
    # Paragraphs of its own may become a segment of another story: saved first.
    article.save(force_insert=True)
    overlap = dedup.overlap_create(article=article, match=match)
    stories.story_assign(article=article, overlap=overlap, feats=item.feats, aliases=aliases)
    return article


def articles_enqueue_extraction(*, article_ids: list[int]) -> None:
    """Hand stored articles to claim extraction, one task for a chunk's articles (a task
    of its own: a rule change can re-run it without reading the files again)."""
    from claims.tasks import extract_articles

    try:
        extract_articles.delay(article_ids)
    except Exception as exc:  # an unreachable broker: `manage.py extract` catches up
        logger.error("could not queue extraction of articles %s: %s", article_ids, exc)


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


def _files_finish(stored: list[tuple[_Prepared, Article]]) -> None:
    """Record the outcome of the chunk's stored files, in one statement."""
    now = timezone.now()
    files = []
    for item, article in stored:
        file = item.file
        file.status = Status.DUPLICATE if article.duplicate_of_id else Status.DONE
        file.error, file.encoding = "", item.encoding[:30]
        file.finished_at = file.updated_at = now
        files.append(file)
    if not files:
        return
    if connection.vendor != "postgresql":
        IngestedFile.objects.bulk_update(
            files, ["status", "error", "encoding", "finished_at", "updated_at"]
        )
        return
    # The same UPDATE as bulk_update's, with the values as arrays rather than a CASE of
    # 25 branches per column for the ORM to build.
    quote = connection.ops.quote_name
    meta = IngestedFile._meta
    table = quote(meta.db_table)
    pk, status, error, encoding, finished_at, updated_at = (
        quote(meta.get_field(name).column)
        for name in ("id", "status", "error", "encoding", "finished_at", "updated_at")
    )
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET {status} = v.status, {error} = %s, {encoding} = v.encoding, "
            f"{finished_at} = %s, {updated_at} = %s "
            "FROM UNNEST(%s::bigint[], %s::varchar[], %s::varchar[]) AS v(id, status, encoding) "
            f"WHERE {table}.{pk} = v.id",
            [
                "",
                now,
                now,
                array_literal(file.pk for file in files),
                array_literal(str(file.status) for file in files),
                array_literal(str(file.encoding) for file in files),
            ],
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
            _fail_unfinished(file.pk, _gave_up(file.attempts))
            transaction.on_commit(lambda: file_finalize_inbox(file_id=file.pk))
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
        )
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    IngestedFile.objects.filter(pk__in=ids).update(updated_at=timezone.now())
    return files_enqueue(file_ids=ids)


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
