"""Benchmark of ingestion: the pipeline in-process, the duplicate lookup in PostgreSQL,
and the whole path through Redis, Celery workers and PostgreSQL.

Run from the project root with the project's venv (a benchmark that prints figures, not a
test). PostgreSQL (127.0.0.1:5432, user postgres) and Redis (127.0.0.1:6379) are needed
for `lookup`, `endtoend` and `profile --full`; the benchmark uses its own databases
(conflictdesk_bench_ingest, _e2e and _profile: dropped and created again, so the modes can
run side by side) and Redis DB 6 only, and drops and cleans them when it is done (`--keep`
keeps them).

    .venv/bin/python bench/bench_ingest.py inprocess --sizes 1000 10000 100000
    .venv/bin/python bench/bench_ingest.py lookup --sizes 1000 10000 100000
    .venv/bin/python bench/bench_ingest.py endtoend --sizes 1000 10000
    .venv/bin/python bench/bench_ingest.py profile            # where the in-process time goes
    .venv/bin/python bench/bench_ingest.py profile --full     # the same for one article's
                                                              # whole path on PostgreSQL
    .venv/bin/python bench/bench_ingest.py all                # all of the above (end to end
                                                              # at 1k), and a summary

What each one measures (articles come from bench/corpus.py: ~1.5-5 KB .txt, ~10% near
duplicates and ~1% exact copies of earlier ones):

- inprocess: one process pinned to one core, no database. Each article goes through what
  `file_process` / `article_create` / `article_deduplicate` compute, in the same order:
  decode (`decode` for the encoding, then `read_file`), `clean_article`, `normalize` of the
  body + SHA-256, `normalize` of title + body (the stored `normalized`), `signature` +
  `band_keys`, then the duplicate lookup of `sources/services/dedup.py` (exact by hash,
  near by band keys: candidates, signature estimates, `exact_containment` on the promising
  ones, `new_spans` for a linked one) against an in-memory index that grows as articles
  are added (band key -> article ids: what the LshBucket table holds). Story assignment
  and the database are not in it. Target: >= 300 articles/s.
- lookup: the stored index in PostgreSQL filled to N articles (bulk COPY of IngestedFile,
  Article, ArticleFingerprint and LshBucket rows computed from the generated texts), then
  the project's own lookup (`dedup._exact_duplicate` or `dedup._near_duplicate`) timed
  for the same 200 probe articles at each N (90% new, 10% re-publications of stored ones),
  each in a transaction rolled back. Target: median at 100k within 1.5x of 1k.
- endtoend: a fresh database (migrate, load_registry), two Celery workers (prefork,
  concurrency 1 each) on a queue of their own in Redis DB 6, and `manage.py ingest
  --no-progress FOLDER --wait` on the generated files. The rate is the files finished over
  the span from the first file received to the last one finished (the ledger's own
  timestamps). Target: >= 50% of the in-process rate (same corpus) times the worker count.
  Peak memory (VmHWM) of each worker process and its pool child, and the CPU time of the
  workers, of PostgreSQL's backends and of the ingest command, are sampled from /proc.
  The claim-extraction tasks ingest queues after each article go to a side queue (the
  figure is ingestion alone; `--with-extraction` runs them on the same workers, `--drain`
  times them afterwards).
- profile: cProfile of the in-process path; `--full`: the whole path (file_receive and
  the task, in-process, on PostgreSQL) timed, its SQL statements timed by shape (and how
  they grow from the first tenth of the articles to the last), then profiled.

On a server without autovacuum (`SHOW autovacuum` is off), `endtoend` and `profile --full`
run `VACUUM (ANALYZE)` every 20 s in its stead (`--no-autoanalyze` not to). Processes run
with DEBUG=false (as in production: no query log kept per query).
"""

from __future__ import annotations

import argparse
import cProfile
import hashlib
import json
import os
import platform
import pstats
import re
import resource
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from time import perf_counter

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import corpus

from sources.text import normalize
from sources.text.clean import clean_article
from sources.text.minhash import (
    DUPLICATE_CONTAINMENT,
    NEW_PARAGRAPH_NOVELTY,
    PARTIAL_CONTAINMENT,
    Signature,
    band_keys,
    classify_overlap,
    estimate_containment,
    exact_containment,
    paragraph_novelty,
    paragraph_spans,
    signature,
)
from sources.text.readers import decode, read_file

ROOT = Path(__file__).resolve().parents[1]
PG_SERVER = os.environ.get("BENCH_PG_SERVER", "postgres://postgres@127.0.0.1:5432")
# Names of their own: the test runs use other databases and Redis DBs (0-5).
LOOKUP_DB = "conflictdesk_bench_ingest"
E2E_DB = "conflictdesk_bench_ingest_e2e"
PROFILE_DB = "conflictdesk_bench_ingest_profile"
REDIS_DB = 6
REDIS_URL = f"redis://127.0.0.1:6379/{REDIS_DB}"

IN_PROCESS_TARGET = 300.0  # articles/s on one core
END_TO_END_SHARE = 0.5  # of the in-process rate, per worker
LOOKUP_RATIO_TARGET = 1.5  # median lookup at the largest size / at the smallest
# sources/services/dedup.py: candidates sharing band keys checked more closely.
MAX_CANDIDATES = 20
STAGES = ("decode+read", "clean", "normalize+hash", "minhash", "dedup lookup")


def verdict(ok: bool) -> str:
    return "PASS" if ok else "MISS"


# The machine.


def machine() -> dict[str, str]:
    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return {
        "nproc": str(os.cpu_count()),
        "cpu": cpu,
        "memory": f"{memory:.0f} GiB",
        "python": platform.python_version(),
        "platform": platform.platform(),
    }


def code_state() -> str:
    """The commit measured, and the project files changed since (read-only git calls)."""
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
        ).stdout.strip()
        status = subprocess.run(
            ["git", "status", "--porcelain", "--", "sources", "claims", "conflictdesk"],
            cwd=ROOT,
            capture_output=True,
            text=True,
        ).stdout.splitlines()
    except OSError:
        return "unknown (no git)"
    changed = [line[3:] for line in status]
    if not changed:
        return f"commit {commit}"
    return f"commit {commit} + {len(changed)} changed file(s) in sources/ claims/ conflictdesk/"


def print_machine(extra: dict[str, str] | None = None) -> None:
    extra = {"code": code_state()} | (extra or {})
    info = machine() | extra
    print(
        f"machine: {info['nproc']} cores ({info['cpu']}), {info['memory']}, "
        f"Python {info['python']}, {info['platform']}"
    )
    for key, value in extra.items():
        print(f"  {key}: {value}")


# The in-process pipeline.


@dataclass
class Processed:
    name: str
    title: str
    text: str
    body: str
    normalized: str
    content_hash: str
    signature: Signature
    keys: list[int]


def process(name: str, data: bytes, clock: list[float] | None = None) -> Processed:
    """What file_process and article_create compute for a .txt file, without the database."""
    t0 = perf_counter()
    encoding = decode(data).encoding  # file_process decodes once for the encoding...
    parsed = read_file(name, data)[0].article  # ... and read_file decodes again
    assert parsed is not None
    assert encoding
    t1 = perf_counter()
    cleaned = clean_article(parsed.text, title=parsed.title)
    body = cleaned.body
    t2 = perf_counter()
    content_hash = hashlib.sha256(normalize(body).encode("utf-8")).hexdigest()
    normalized = normalize(f"{parsed.title}\n{body}")
    t3 = perf_counter()
    sig = signature(body)
    keys = band_keys(sig)
    t4 = perf_counter()
    if clock is not None:
        clock[0] += t1 - t0
        clock[1] += t2 - t1
        clock[2] += t3 - t2
        clock[3] += t4 - t3
    return Processed(name, parsed.title, parsed.text, body, normalized, content_hash, sig, keys)


def new_spans(body: str, original_body: str) -> list[list[int]]:
    """sources/services/dedup.py `_new_spans`, which cannot be imported without Django."""
    spans = paragraph_spans(body)
    novelty = paragraph_novelty([body[start:end] for start, end in spans], original_body)
    return [
        [start, end]
        for (start, end), new in zip(spans, novelty, strict=True)
        if new >= NEW_PARAGRAPH_NOVELTY
    ]


class MemoryIndex:
    """The stored index in memory: what Article (content_hash, body, duplicate_of),
    ArticleFingerprint and LshBucket hold, looked up as sources/services/dedup.py does."""

    def __init__(self) -> None:
        self.buckets: dict[int, int | list[int]] = {}
        self.fingerprints: list[tuple[bytes, int]] = []
        self.bodies: list[str] = []
        self.duplicate_of: list[int | None] = []
        self.by_hash: dict[str, int] = {}
        self.candidates = 0  # articles met through band keys, summed over lookups

    def lookup(self, item: Processed) -> tuple[str, int, float] | None:
        """(kind, original id, containment) as article_deduplicate links it, or None."""
        original = self.by_hash.get(item.content_hash)
        if original is not None:
            return "duplicate", original, 1.0
        shared: dict[int, int] = {}
        for key in set(item.keys):  # `key IN (...)` meets each stored row once
            ids = self.buckets.get(key)
            if ids is None:
                continue
            for article in (ids,) if isinstance(ids, int) else ids:
                shared[article] = shared.get(article, 0) + 1
        if not shared:
            return None
        self.candidates += len(shared)
        candidates = sorted(shared, key=lambda article: (-shared[article], article))
        estimates = sorted(
            (
                (
                    estimate_containment(
                        item.signature, Signature.from_bytes(*self.fingerprints[i])
                    ),
                    i,
                )
                for i in candidates[:MAX_CANDIDATES]
            ),
            reverse=True,
        )
        promising = [i for estimate, i in estimates[:3] if estimate >= PARTIAL_CONTAINMENT * 0.7]
        best: tuple[float, int] | None = None
        for i in sorted(promising):
            containment = exact_containment(item.body, self.bodies[i])
            if best is None or containment > best[0]:
                best = (containment, i)
        if best is None or classify_overlap(best[0]) == "distinct":
            return None
        containment, original = best
        if self.duplicate_of[original] is not None:
            original = self.duplicate_of[original]
        new_spans(item.body, self.bodies[original])
        kind = "duplicate" if containment >= DUPLICATE_CONTAINMENT else "partial"
        return kind, original, containment

    def add(self, item: Processed, link: tuple[str, int, float] | None) -> int:
        article = len(self.bodies)
        duplicate_of = link[1] if link is not None and link[0] == "duplicate" else None
        self.bodies.append(item.body)
        self.fingerprints.append((item.signature.to_bytes(), item.signature.shingle_count))
        self.duplicate_of.append(duplicate_of)
        if duplicate_of is None:
            self.by_hash.setdefault(item.content_hash, article)
        for key in set(item.keys):
            ids = self.buckets.get(key)
            if ids is None:
                self.buckets[key] = article
            elif isinstance(ids, int):
                self.buckets[key] = [ids, article]
            else:
                ids.append(article)
        return article


@dataclass
class InProcessResult:
    size: int
    seconds: float
    rate: float
    stage_us: dict[str, float]
    found: dict[str, int]
    candidates_per_lookup: float
    peak_rss_mib: float
    target: float = IN_PROCESS_TARGET
    verdict: str = ""


def pin_to_one_core() -> str:
    try:
        cpu = max(os.sched_getaffinity(0))
        os.sched_setaffinity(0, {cpu})
        return f"pinned to CPU {cpu}"
    except (AttributeError, OSError):
        return "not pinned"


def run_inprocess(
    size: int, seed: int, batch: int = 1000, profile: cProfile.Profile | None = None
) -> InProcessResult:
    """The pipeline over `size` generated articles; only the pipeline is timed (articles
    are generated in batches of `batch`, untimed, so 100k never sit in memory as bytes)."""
    generator = corpus.Generator(seed)
    index = MemoryIndex()
    clock = [0.0] * len(STAGES)
    found = {"exact copies linked": 0, "re-publications linked": 0, "other links": 0}
    truth = {"copy": 0, "near": 0}
    elapsed = 0.0
    done = 0
    while done < size:
        articles = [generator.next() for _ in range(min(batch, size - done))]
        files = [(article.name, article.data) for article in articles]
        if profile is not None:
            profile.enable()
        started = perf_counter()
        links = []
        for name, data in files:
            item = process(name, data, clock)
            t0 = perf_counter()
            link = index.lookup(item)
            index.add(item, link)
            clock[4] += perf_counter() - t0
            links.append(link)
        elapsed += perf_counter() - started
        if profile is not None:
            profile.disable()
        for article, link in zip(articles, links, strict=True):
            if article.kind in truth:
                truth[article.kind] += 1
            if link is None:
                continue
            if article.kind == "copy" and link[2] == 1.0:
                found["exact copies linked"] += 1
            elif article.kind == "near":
                found["re-publications linked"] += 1
            else:
                found["other links"] += 1
        done += len(files)
    found["exact copies generated"] = truth["copy"]
    found["re-publications generated"] = truth["near"]
    lookups = size
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    result = InProcessResult(
        size=size,
        seconds=elapsed,
        rate=size / elapsed,
        stage_us={stage: clock[i] / size * 1e6 for i, stage in enumerate(STAGES)},
        found=found,
        candidates_per_lookup=index.candidates / lookups,
        peak_rss_mib=peak,
    )
    result.verdict = verdict(result.rate >= IN_PROCESS_TARGET)
    return result


def cmd_inprocess(args) -> dict:
    pinned = pin_to_one_core()
    print_machine({"in-process": f"one process, {pinned}, no database"})
    results = []
    for size in args.sizes:
        result = run_inprocess(size, args.seed)
        results.append(result)
        stages = "  ".join(f"{stage} {us:.0f}" for stage, us in result.stage_us.items())
        print(
            f"N={size:>7,}: {result.rate:8.0f} articles/s  (target >= {IN_PROCESS_TARGET:.0f}: "
            f"{result.verdict})  {result.seconds:.1f} s; per article µs: {stages}"
        )
        print(
            f"            {result.found}; candidates per lookup "
            f"{result.candidates_per_lookup:.2f}; peak RSS {result.peak_rss_mib:.0f} MiB"
        )
    print()
    print("| articles | articles/s (1 core) | target | result |")
    print("| ---: | ---: | ---: | --- |")
    for r in results:
        print(f"| {r.size:,} | {r.rate:,.0f} | >= {r.target:.0f} | {r.verdict} |")
    return {"mode": "inprocess", "machine": machine(), "results": [asdict(r) for r in results]}


# Databases.


def admin_connection():
    import psycopg

    return psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True)


def database_url(name: str) -> str:
    return f"{PG_SERVER}/{name}"


def _checked(name: str) -> str:
    if not name.startswith("conflictdesk_bench"):
        raise SystemExit(f"refusing to touch database {name!r}: not a benchmark database")
    return name


def database_recreate(name: str) -> None:
    with admin_connection() as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{_checked(name)}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')


def database_drop(name: str) -> None:
    with admin_connection() as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{_checked(name)}" WITH (FORCE)')


def server_autovacuum() -> bool:
    with admin_connection() as connection:
        return connection.execute("SHOW autovacuum").fetchone()[0] == "on"


class Autoanalyze(threading.Thread):
    """Stands in for autovacuum on a server that runs without it (`SHOW autovacuum` is
    off): `VACUUM (ANALYZE)` of the benchmark database every `interval` seconds. Without
    statistics the planner scans LshBucket sequentially and the duplicate lookup grows
    with the stored articles (a deployment has autovacuum on: PostgreSQL's default)."""

    def __init__(self, database: str, interval: float = 20.0) -> None:
        super().__init__(daemon=True)
        self.database, self.interval = database, interval
        self.runs, self.seconds = 0, 0.0
        self.stopped = threading.Event()

    @classmethod
    def start_if_needed(cls, database: str, wanted: bool) -> Autoanalyze | None:
        if not wanted or server_autovacuum():
            return None
        thread = cls(database)
        thread.start()
        return thread

    def run(self) -> None:
        import psycopg

        with psycopg.connect(database_url(self.database), autocommit=True) as connection:
            while not self.stopped.wait(self.interval):
                started = perf_counter()
                connection.execute("VACUUM (ANALYZE)")
                self.seconds += perf_counter() - started
                self.runs += 1

    def stop(self) -> str:
        self.stopped.set()
        self.join(timeout=120)
        return f"VACUUM (ANALYZE) run {self.runs} times ({self.seconds:.1f} s)"


def autovacuum_note(wanted: bool) -> str:
    if server_autovacuum():
        return "on"
    if wanted:
        return "off on this server: emulated by the benchmark (VACUUM (ANALYZE) every 20 s)"
    return "off on this server, not emulated (--no-autoanalyze): no planner statistics"


def server_versions() -> dict[str, str]:
    versions = {}
    try:
        with admin_connection() as connection:
            versions["postgresql"] = connection.execute("SHOW server_version").fetchone()[0]
            buffers = connection.execute("SHOW shared_buffers").fetchone()[0]
            versions["postgresql"] += f" (shared_buffers {buffers})"
    except Exception as exc:
        versions["postgresql"] = f"unreachable ({type(exc).__name__})"
    try:
        import redis

        versions["redis"] = redis.Redis.from_url(REDIS_URL).info("server")["redis_version"]
    except Exception as exc:
        versions["redis"] = f"unreachable ({type(exc).__name__})"
    return versions


def project_env(database: str, *, broker: str = "", queue: str = "") -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if key != "CELERY_BROKER_URL"}
    env |= {"DATABASE_URL": database_url(database), "DEBUG": "false", "DJANGO_ENV": "development"}
    if broker:
        env["CELERY_BROKER_URL"] = broker
    if queue:
        env["CELERY_TASK_DEFAULT_QUEUE"] = queue
    return env


def django_setup(database: str) -> None:
    """Django in this process, on `database`, tasks in-process (no broker)."""
    os.environ.pop("CELERY_BROKER_URL", None)
    os.environ.update(project_env(database), DJANGO_SETTINGS_MODULE="conflictdesk.settings")
    import django

    django.setup()


def manage(database: str, *arguments: str) -> None:
    subprocess.run(
        [sys.executable, "manage.py", *arguments],
        cwd=ROOT,
        env=project_env(database),
        check=True,
        stdout=subprocess.DEVNULL,
    )


# The duplicate lookup in PostgreSQL.


def _prepare(job: tuple[int, str, bytes]) -> tuple:
    index, name, data = job
    item = process(name, data)
    return (
        index,
        name,
        hashlib.sha256(data).hexdigest(),
        len(data),
        item.title[:500],
        item.text,
        item.body,
        item.normalized,
        item.content_hash,
        item.signature.to_bytes(),
        item.signature.shingle_count,
        sorted(set(item.keys)),
    )


class StoredCorpus:
    """The benchmark database's stored articles, filled by COPY in id order."""

    def __init__(self, seed: int, keep_first: int) -> None:
        self.generator = corpus.Generator(seed)
        self.count = 0
        self.roots: list[int] = []  # index of each article's first publication
        self.first: list[corpus.Article] = []  # the first articles, for re-publications
        self.keep_first = keep_first

    def _jobs(self, target: int):
        while self.count < target:
            article = self.generator.next()
            root = self.roots[article.original] if article.original is not None else article.index
            self.roots.append(root)
            if len(self.first) < self.keep_first:
                self.first.append(article)
            self.count += 1
            yield article.index, article.name, article.data

    def fill(self, target: int) -> float:
        from multiprocessing import Pool

        from django.db import connection

        started = perf_counter()
        now = datetime.now(UTC)
        with connection.cursor() as django_cursor:
            cursor = django_cursor.cursor
            cursor.execute("SET session_replication_role = replica")  # no FK triggers
            with Pool(os.cpu_count() or 2) as pool:
                rows = pool.imap(_prepare, self._jobs(target), chunksize=100)
                batch: list[tuple] = []
                for row in rows:
                    batch.append(row)
                    if len(batch) == 2000:
                        self._copy(cursor, batch, now)
                        batch = []
                if batch:
                    self._copy(cursor, batch, now)
            cursor.execute("SET session_replication_role = DEFAULT")
            for table in ("sources_ingestedfile", "sources_article"):
                cursor.execute(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                    f"(SELECT max(id) FROM {table}))"
                )
        with connection.cursor() as cursor:
            for table in (
                "sources_ingestedfile",
                "sources_article",
                "sources_articlefingerprint",
                "sources_lshbucket",
            ):
                cursor.execute(f"VACUUM (ANALYZE) {table}")
        return perf_counter() - started

    def _copy(self, cursor, batch: list[tuple], now: datetime) -> None:
        files = (
            "COPY sources_ingestedfile (id, checksum, encoding, size, original_name, origin, "
            "source_path, content, status, error, attempts, received_at, started_at, "
            "finished_at, updated_at) FROM STDIN"
        )
        with cursor.copy(files) as copy:
            for row in batch:
                index, name, checksum, size = row[:4]
                duplicate = self.roots[index] != index
                copy.write_row(
                    (index + 1, checksum, "utf-8", size, name, "command", "", b"",
                     "duplicate" if duplicate else "done", "", 1, now, now, now, now)
                )  # fmt: skip
        articles = (
            "COPY sources_article (id, ingested_file_id, duplicate_of_id, record_index, "
            "source_file, url, title, raw_text, body, normalized, dateline, author, "
            "content_hash, created_at, updated_at) FROM STDIN"
        )
        with cursor.copy(articles) as copy:
            for row in batch:
                index, name = row[:2]
                title, text, body, normalized, content_hash = row[4:9]
                root = self.roots[index]
                copy.write_row(
                    (index + 1, index + 1, root + 1 if root != index else None, 0, name, "",
                     title, text, body, normalized, "", "", content_hash, now, now)
                )  # fmt: skip
        fingerprints = (
            "COPY sources_articlefingerprint (article_id, signature, shingle_count) FROM STDIN"
        )
        with cursor.copy(fingerprints) as copy:
            for row in batch:
                copy.write_row((row[0] + 1, row[9], row[10]))
        with cursor.copy("COPY sources_lshbucket (key, article_id) FROM STDIN") as copy:
            lines = []
            for row in batch:
                article = row[0] + 1
                lines.extend(f"{key}\t{article}\n" for key in row[11])
            copy.write("".join(lines).encode())


@dataclass
class LookupResult:
    size: int
    fill_seconds: float
    lshbucket_rows: int
    index_mib: float
    median_ms: float
    p95_ms: float
    median_new_ms: float
    median_republished_ms: float
    write_median_ms: float
    candidates_new: float
    candidates_republished: float
    republished_linked: str
    plan: list[str] = field(default_factory=list)


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def _time_lookups(items: list[tuple[str, Processed]], *, explain: bool) -> dict:
    from django.db import connection, transaction
    from django.db.models import Count

    from sources.models import Article, ArticleFingerprint, IngestedFile, LshBucket
    from sources.services import dedup

    lookups: dict[str, list[float]] = {"new": [], "republished": []}
    writes: list[float] = []
    candidates: dict[str, list[int]] = {"new": [], "republished": []}
    linked = 0
    plan: list[str] = []
    for kind, item in items:
        with transaction.atomic():
            file = IngestedFile.objects.create(
                checksum=hashlib.sha256(f"probe {uuid.uuid4()}".encode()).hexdigest(),
                size=len(item.text),
                original_name=item.name,
                origin=IngestedFile.Origin.COMMAND,
                content=b"",
                status=IngestedFile.Status.PROCESSING,
            )
            article = Article.objects.create(
                ingested_file=file,
                record_index=0,
                source_file=item.name,
                title=item.title[:500],
                raw_text=item.text,
                body=item.body,
                normalized=item.normalized,
                content_hash=item.content_hash,
            )
            t0 = perf_counter()
            # What ingest looks up under the index lock (the signature is computed before).
            overlap = dedup.duplicate_find(
                content_hash=article.content_hash, body=article.body, sig=item.signature,
                keys=item.keys, exclude=article.pk,
            )  # fmt: skip
            t1 = perf_counter()
            if explain and not plan:
                query = (
                    LshBucket.objects.filter(key__in=item.keys)
                    .exclude(article=article)
                    .values("article")
                    .annotate(shared=Count("id"))
                    .order_by("-shared", "article")
                    .values_list("article", flat=True)[:MAX_CANDIDATES]
                )
                sql, params = query.query.sql_with_params()
                with connection.cursor() as cursor:
                    cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}", params)
                    plan = [re.sub(r"'\{[^}]*\}'", "'{...}'", row[0]) for row in cursor.fetchall()]
            written = perf_counter()
            ArticleFingerprint.objects.update_or_create(
                article=article,
                defaults={
                    "signature": item.signature.to_bytes(),
                    "shingle_count": item.signature.shingle_count,
                },
            )
            LshBucket.objects.bulk_create(
                [LshBucket(key=key, article=article) for key in set(item.keys)],
                ignore_conflicts=True,
            )
            t2 = perf_counter()
            met = (
                LshBucket.objects.filter(key__in=item.keys)
                .exclude(article=article)
                .values("article")
                .annotate(shared=Count("id"))
            )
            candidates[kind].append(met.count())
            transaction.set_rollback(True)
        lookups[kind].append((t1 - t0) * 1000)
        writes.append((t2 - written) * 1000)
        linked += kind == "republished" and overlap is not None
    return {
        "lookups": lookups,
        "writes": writes,
        "candidates": candidates,
        "linked": linked,
        "plan": plan,
    }


def cmd_lookup(args) -> dict:
    print_machine(server_versions())
    database_recreate(LOOKUP_DB)
    try:
        django_setup(LOOKUP_DB)
        from django.core.management import call_command
        from django.db import connection

        call_command("migrate", verbosity=0, interactive=False)
        stored = StoredCorpus(args.seed, keep_first=min(args.sizes))
        sizes = sorted(args.sizes)
        # The probes: the same articles at every size; new ones come from another seed,
        # re-publications from the articles stored at the smallest size.
        first_fill = stored.fill(sizes[0])
        probe_articles = corpus.probes(stored.first, args.probes + args.warmup, seed=args.seed + 1)
        probes = [
            (
                "republished" if article.kind == "near" else "new",
                process(article.name, article.data),
            )
            for article in probe_articles
        ]
        warmup, timed = probes[: args.warmup], probes[args.warmup :]
        results = []
        for size in sizes:
            fill_seconds = stored.fill(size) if stored.count < size else first_fill
            with connection.cursor() as cursor:
                cursor.execute("SELECT count(*) FROM sources_lshbucket")
                rows = cursor.fetchone()[0]
                cursor.execute(
                    "SELECT pg_indexes_size('sources_lshbucket') + "
                    "pg_indexes_size('sources_articlefingerprint') + "
                    "pg_indexes_size('sources_article')"
                )
                index_bytes = cursor.fetchone()[0]
            _time_lookups(warmup, explain=False)
            measured = _time_lookups(timed, explain=args.explain)
            everything = measured["lookups"]["new"] + measured["lookups"]["republished"]
            republished = measured["lookups"]["republished"]
            result = LookupResult(
                size=size,
                fill_seconds=fill_seconds,
                lshbucket_rows=rows,
                index_mib=index_bytes / 2**20,
                median_ms=statistics.median(everything),
                p95_ms=_percentile(everything, 0.95),
                median_new_ms=statistics.median(measured["lookups"]["new"]),
                median_republished_ms=statistics.median(republished) if republished else 0.0,
                write_median_ms=statistics.median(measured["writes"]),
                candidates_new=statistics.fmean(measured["candidates"]["new"]),
                candidates_republished=statistics.fmean(
                    measured["candidates"]["republished"] or [0]
                ),
                republished_linked=f"{measured['linked']}/{len(republished)}",
                plan=measured["plan"],
            )
            results.append(result)
            print(
                f"N={size:>7,}: lookup median {result.median_ms:6.2f} ms, "
                f"p95 {result.p95_ms:6.2f} ms (new {result.median_new_ms:.2f}, "
                f"re-published {result.median_republished_ms:.2f}); "
                f"index write {result.write_median_ms:.2f} ms; candidates new "
                f"{result.candidates_new:.2f}, re-published {result.candidates_republished:.2f}; "
                f"re-publications linked {result.republished_linked}; {rows:,} LshBucket rows, "
                f"indexes {result.index_mib:.0f} MiB; filled up to N in {fill_seconds:.0f} s"
            )
            if result.plan:
                print("    " + "\n    ".join(result.plan))
    finally:
        if not args.keep:
            from django.db import connections

            connections.close_all()
            database_drop(LOOKUP_DB)
    first, last = results[0], results[-1]
    ratio = last.median_ms / first.median_ms
    ratio_p95 = last.p95_ms / first.p95_ms
    ok = ratio <= LOOKUP_RATIO_TARGET
    print()
    print(
        f"{len(timed)} lookups per size ({args.warmup} more to warm up), same probes at each "
        "size; VACUUM (ANALYZE) after each fill, as autovacuum would have run"
    )
    print(
        "| stored articles | median ms | p95 ms | new / re-published median ms | candidates (new) |"
    )
    print("| ---: | ---: | ---: | ---: | ---: |")
    for r in results:
        print(
            f"| {r.size:,} | {r.median_ms:.2f} | {r.p95_ms:.2f} | {r.median_new_ms:.2f} / "
            f"{r.median_republished_ms:.2f} | {r.candidates_new:.2f} |"
        )
    print(
        f"ratio {last.size:,}/{first.size:,}: median {ratio:.2f}x, p95 {ratio_p95:.2f}x "
        f"(target <= {LOOKUP_RATIO_TARGET}x on the median: {verdict(ok)})"
    )
    return {
        "mode": "lookup",
        "machine": machine() | server_versions(),
        "results": [asdict(r) for r in results],
        "ratio": ratio,
        "ratio_p95": ratio_p95,
        "verdict": verdict(ok),
    }


# End to end: Redis, Celery workers, PostgreSQL.


def _status_kib(pid: int) -> dict[str, int]:
    values = {}
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(("VmHWM:", "VmRSS:")):
                name, value = line.split(":", 1)
                values[name] = int(value.split()[0])
    except OSError:
        pass
    return values


def _children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            found += [int(child) for child in (task / "children").read_text().split()]
        except OSError:
            continue
    return found


def _cpu_seconds(pid: int) -> float | None:
    """User + system CPU time of a process so far, from /proc/PID/stat."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class ResourceSampler(threading.Thread):
    """Samples VmHWM (peak resident set) of each worker and of its pool children, and the
    CPU time of the workers and of the PostgreSQL backends serving the database."""

    def __init__(self, pids: list[int], database: str, interval: float = 0.5) -> None:
        super().__init__(daemon=True)
        self.pids, self.database, self.interval = pids, database, interval
        self.peak_kib: dict[str, int] = {}
        self.cpu: dict[int, tuple[str, float, float]] = {}  # pid: (role, first, last)
        self.stopped = threading.Event()
        self.lock = threading.Lock()
        self.samples = self.lock_waits = 0
        self.sample()

    def _backends(self) -> list[int]:
        """The database's backends; counts the samples where one waits on an advisory
        lock (ingest holds one while it deduplicates and assigns the story)."""
        import psycopg

        try:
            with psycopg.connect(database_url(self.database), autocommit=True) as connection:
                rows = connection.execute(
                    "SELECT pid, wait_event_type = 'Lock' AND wait_event = 'advisory' "
                    "FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
                    (self.database,),
                ).fetchall()
        except psycopg.Error:
            return []
        self.samples += 1
        self.lock_waits += sum(bool(waiting) for _, waiting in rows)
        return [row[0] for row in rows]

    def sample(self) -> None:
        processes = []
        for number, pid in enumerate(self.pids, start=1):
            for role, process in [("main", pid)] + [("child", c) for c in _children(pid)]:
                hwm = _status_kib(process).get("VmHWM", 0)
                key = f"worker {number} {role}"
                self.peak_kib[key] = max(self.peak_kib.get(key, 0), hwm)
                processes.append(("workers", process))
        processes += [("postgres", pid) for pid in self._backends()]
        with self.lock:
            for role, pid in processes:
                seconds = _cpu_seconds(pid)
                if seconds is None:
                    continue
                first = self.cpu.get(pid, (role, seconds, seconds))[1]
                self.cpu[pid] = (role, first, seconds)

    def run(self) -> None:
        while not self.stopped.wait(self.interval):
            self.sample()

    def stop(self) -> tuple[dict[str, float], dict[str, float]]:
        """(peak MiB by process, CPU seconds used since the start by role)."""
        self.sample()
        self.stopped.set()
        self.join(timeout=10)
        cpu: dict[str, float] = {}
        for role, first, last in self.cpu.values():
            cpu[role] = cpu.get(role, 0.0) + last - first
        memory = {key: kib / 1024 for key, kib in sorted(self.peak_kib.items())}
        return memory, cpu


# Run as `python -c WORKER_WITH_SIDE_QUEUE SIDE_QUEUE worker ...`: the project's Celery app
# with the claims tasks (claim extraction, queued by ingest after each article) routed to a
# side queue, so that the measured workers run the ingestion tasks alone.
WORKER_WITH_SIDE_QUEUE = (
    "import sys; from conflictdesk.celery import app; "
    "app.conf.task_routes = {'claims.tasks.*': {'queue': sys.argv[1]}}; "
    "app.worker_main(sys.argv[2:])"
)


def start_workers(
    count: int,
    queue: str,
    database: str,
    logs: Path,
    *,
    side_queue: str = "",
    name: str = "worker",
) -> list[subprocess.Popen]:
    """`count` Celery workers (prefork, concurrency 1) consuming `queue`; with
    `side_queue`, the tasks of claims/ they queue go there instead."""
    workers = []
    env = project_env(database, broker=REDIS_URL, queue=queue)
    for number in range(1, count + 1):
        log = logs / f"{name}{number}.log"
        handle = open(log, "ab")  # noqa: SIM115 - closed with the process
        options = [
            "--pool=prefork", "--concurrency=1", "-Q", queue, "-n", f"{queue}-{name}{number}@%h",
            "--without-gossip", "--without-mingle", "--without-heartbeat", "--loglevel=INFO",
        ]  # fmt: skip
        if side_queue:
            command = [sys.executable, "-c", WORKER_WITH_SIDE_QUEUE, side_queue, "worker"]
        else:
            command = [sys.executable, "-m", "celery", "-A", "conflictdesk", "worker"]
        workers.append(
            subprocess.Popen(command + options, cwd=ROOT, env=env, stdout=handle, stderr=handle)
        )
    deadline = time.monotonic() + 90
    for number, worker in enumerate(workers, start=1):
        log = logs / f"{name}{number}.log"
        while " ready." not in log.read_text(errors="replace"):
            if worker.poll() is not None or time.monotonic() > deadline:
                stop_workers(workers)
                tail = log.read_text(errors="replace")[-3000:]
                raise SystemExit(f"Celery worker {number} did not start:\n{tail}")
            time.sleep(0.2)
    return workers


def stop_workers(workers: list[subprocess.Popen]) -> None:
    for worker in workers:
        if worker.poll() is None:
            worker.send_signal(signal.SIGTERM)  # warm shutdown
    for worker in workers:
        try:
            worker.wait(timeout=30)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()


def redis_cleanup(queue: str, empty_before: bool) -> str:
    """Delete this run's keys from the benchmark's Redis DB; kombu's shared bookkeeping
    keys too when the DB was empty before the run and nothing else uses them."""
    import redis

    client = redis.Redis.from_url(REDIS_URL)
    assert client.connection_pool.connection_kwargs.get("db") == REDIS_DB
    own = [queue, *(f"{queue}\x06\x16{p}" for p in (3, 6, 9)), f"_kombu.binding.{queue}"]
    own += client.keys(f"*{queue}*")  # kombu's bindings of the queue, whatever their names
    client.delete(*own)
    shared = {
        b"unacked", b"unacked_index", b"unacked_mutex", b"_kombu.binding.celery.pidbox",
        b"_kombu.binding.celeryev", b"_kombu.binding.reply.celery.pidbox",
        b"_kombu.binding_deadlines",
    }  # fmt: skip
    left = set(client.keys("*"))
    if empty_before and left <= shared and not client.hlen("unacked"):
        if left:
            client.delete(*left)
        left = set()
    where = f"Redis DB {REDIS_DB}"
    return f"{where} clean" if not left else f"left in {where}: {sorted(left)[:10]}"


def ledger(database: str) -> dict:
    import psycopg

    with psycopg.connect(database_url(database)) as connection:
        statuses = dict(
            connection.execute(
                "SELECT status, count(*) FROM sources_ingestedfile GROUP BY status"
            ).fetchall()
        )
        first_received, last_received, first_started, last_finished = connection.execute(
            "SELECT min(received_at), max(received_at), min(started_at), max(finished_at) "
            "FROM sources_ingestedfile"
        ).fetchone()
        durations = [
            row[0]
            for row in connection.execute(
                "SELECT extract(epoch FROM finished_at - started_at) * 1000 "
                "FROM sources_ingestedfile WHERE started_at IS NOT NULL ORDER BY id"
            ).fetchall()
        ]
        articles, duplicates = connection.execute(
            "SELECT count(*), count(duplicate_of_id) FROM sources_article"
        ).fetchone()
        overlaps = dict(
            connection.execute(
                "SELECT kind, count(*) FROM sources_articleoverlap GROUP BY kind"
            ).fetchall()
        )
        stories = connection.execute("SELECT count(*) FROM sources_story").fetchone()[0]
    tenth = max(1, len(durations) // 10)
    return {
        "statuses": statuses,
        "span_s": (last_finished - first_received).total_seconds(),
        "processing_span_s": (last_finished - first_started).total_seconds(),
        "receiving_s": (last_received - first_received).total_seconds(),
        "task_ms_median": statistics.median(float(d) for d in durations),
        "task_ms_first_tenth": statistics.median(float(d) for d in durations[:tenth]),
        "task_ms_last_tenth": statistics.median(float(d) for d in durations[-tenth:]),
        "articles": articles,
        "duplicate_of": duplicates,
        "overlaps": overlaps,
        "stories": stories,
    }


_TASK_LINE_RE = re.compile(r"Task ([\w.]+)\[[^\]]+\] succeeded in ([\d.]+)s")


def worker_tasks(logs: list[Path]) -> dict[str, dict[str, float]]:
    """Tasks the workers ran, from their logs: count and seconds by task name, and how
    many of them ran before the workers' last file task (inside the measured span)."""
    tasks: dict[str, dict[str, float]] = {}
    for log in logs:
        lines = _TASK_LINE_RE.findall(log.read_text(errors="replace"))
        files = [i for i, (name, _) in enumerate(lines) if "process_ingested_file" in name]
        last_file = files[-1] if files else -1
        for position, (name, seconds) in enumerate(lines):
            entry = tasks.setdefault(name, {"count": 0, "seconds": 0.0, "within_span": 0})
            entry["count"] += 1
            entry["seconds"] += float(seconds)
            entry["within_span"] += position < last_file
    return tasks


def queue_length(queue: str) -> int:
    import redis

    return redis.Redis.from_url(REDIS_URL).llen(queue)


def drain(queue: str, started: float, timeout: float) -> float | None:
    """Seconds from `started` until every task is done (the queue empty, nothing unacked)."""
    import redis

    client = redis.Redis.from_url(REDIS_URL)
    deadline = time.monotonic() + timeout
    while client.llen(queue) or client.hlen("unacked"):
        if time.monotonic() > deadline:
            return None
        time.sleep(0.2)
    return perf_counter() - started


def run_endtoend(size: int, args, queue: str) -> dict:
    reference = run_inprocess(size, args.seed)
    database_recreate(E2E_DB)
    folder = Path(tempfile.mkdtemp(prefix="conflictdesk-bench-"))
    workers: list[subprocess.Popen] = []
    analyzer = None
    try:
        manage(E2E_DB, "migrate", "--noinput")
        manage(E2E_DB, "load_registry")
        corpus.write_corpus(folder / "corpus", size, args.seed)
        side_queue = "" if args.with_extraction else f"{queue}-extraction"
        workers = start_workers(args.workers, queue, E2E_DB, folder, side_queue=side_queue)
        analyzer = Autoanalyze.start_if_needed(E2E_DB, args.autoanalyze)
        sampler = ResourceSampler([worker.pid for worker in workers], E2E_DB)
        sampler.start()
        load = os.getloadavg()[0]
        children_before = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = perf_counter()
        command = subprocess.run(
            [sys.executable, "manage.py", "ingest", "--no-progress", str(folder / "corpus"),
             "--wait", "--timeout", str(args.timeout)],
            cwd=ROOT, env=project_env(E2E_DB, broker=REDIS_URL, queue=queue),
            capture_output=True, text=True,
        )  # fmt: skip
        wall = perf_counter() - started
        children_after = resource.getrusage(resource.RUSAGE_CHILDREN)
        producer_cpu = (children_after.ru_utime - children_before.ru_utime) + (
            children_after.ru_stime - children_before.ru_stime
        )
        if command.returncode != 0:
            sampler.stop()
            raise SystemExit(f"ingest failed:\n{command.stdout}\n{command.stderr}")
        left = queue_length(side_queue or queue)
        analyzed = analyzer.stop() if analyzer else ""
        memory, cpu = sampler.stop()
        cpu["ingest command"] = producer_cpu
        lock_waiting = sampler.lock_waits / max(1, sampler.samples)
        book = ledger(E2E_DB)
        tasks = worker_tasks(sorted(folder.glob("worker*.log")))
        drained = None
        if args.drain:
            # The tasks ingest queued (claim extraction), by workers on their queue.
            if side_queue:
                stop_workers(workers)
                workers = start_workers(args.workers, side_queue, E2E_DB, folder, name="extraction")
            drained_at = drain(side_queue or queue, perf_counter(), args.timeout)
            drained = None if drained_at is None else {"tasks": left, "seconds": drained_at}
    finally:
        if analyzer is not None and analyzer.is_alive():
            analyzer.stop()
        stop_workers(workers)
        if args.keep:
            print(f"    kept: database {E2E_DB}, files and worker logs in {folder}")
        else:
            shutil.rmtree(folder, ignore_errors=True)
    finished = sum(book["statuses"].get(s, 0) for s in ("done", "duplicate", "failed"))
    rate = finished / book["span_s"]
    target = END_TO_END_SHARE * reference.rate * args.workers
    return {
        "size": size,
        "workers": args.workers,
        "wall_s": wall,
        "rate": rate,
        "rate_wall": size / wall,
        "inprocess_rate": reference.rate,
        "target": target,
        "verdict": verdict(rate >= target),
        "memory_mib": memory,
        "peak_worker_mib": max(memory.values()) if memory else 0.0,
        "ingest_output": command.stdout.strip().splitlines()[-1:],
        "load_before": load,
        "advisory_lock_waiters": lock_waiting,
        "cpu_s": cpu,
        "queued_when_files_done": left,
        "autoanalyze": analyzed,
        "drained_s": drained,
        "tasks": tasks,
        **book,
    }


def cmd_endtoend(args) -> dict:
    print_machine(server_versions())
    import redis

    empty_before = redis.Redis.from_url(REDIS_URL).dbsize() == 0
    run = uuid.uuid4().hex[:8]
    print(
        f"{args.workers} Celery workers (prefork, concurrency 1), queue bench-ingest-{run}-N on "
        f"{REDIS_URL}, database {E2E_DB}; autovacuum {autovacuum_note(args.autoanalyze)}"
    )
    if not args.with_extraction:
        print("claim-extraction tasks queued by ingest go to a side queue (ingestion alone)")
    results = []
    queues = []
    try:
        for size in args.sizes:
            queue = f"bench-ingest-{run}-{size}"
            queues.append(queue)
            result = run_endtoend(size, args, queue)
            results.append(result)
            memory = ", ".join(f"{k} {v:.0f}" for k, v in result["memory_mib"].items())
            print(
                f"N={size:>7,}: {result['rate']:6.1f} articles/s (ledger span "
                f"{result['span_s']:.1f} s; {result['rate_wall']:.1f}/s over the command's "
                f"{result['wall_s']:.1f} s); target >= {result['target']:.0f} "
                f"(50% x in-process {result['inprocess_rate']:.0f}/s x {args.workers}): "
                f"{result['verdict']}"
            )
            print(
                f"            ledger {result['statuses']}; {result['articles']} articles, "
                f"{result['duplicate_of']} duplicate_of, overlaps {result['overlaps']}, "
                f"{result['stories']} stories; task ms median {result['task_ms_median']:.0f} "
                f"(first tenth {result['task_ms_first_tenth']:.0f}, last tenth "
                f"{result['task_ms_last_tenth']:.0f})"
            )
            print(f"            peak memory MiB (VmHWM): {memory}")
            cpu = ", ".join(
                f"{role} {seconds:.0f} s ({seconds / size * 1000:.1f} ms/article)"
                for role, seconds in result["cpu_s"].items()
            )
            available = (os.cpu_count() or 1) * result["wall_s"]
            print(
                f"            CPU used: {cpu}; {sum(result['cpu_s'].values()) / available:.0%} "
                f"of the {os.cpu_count()} cores over the command; 1-min load average "
                f"before: {result['load_before']:.2f}"
            )
            print(
                "            workers waiting on ingest's advisory lock (dedup + story): "
                f"{result['advisory_lock_waiters']:.2f} on average (sampled every 0.5 s)"
            )
            if result["autoanalyze"]:
                print(f"            autovacuum stand-in: {result['autoanalyze']}")
            tasks = "; ".join(
                f"{name}: {t['count']} ({t['seconds']:.0f} s), {t['within_span']} before the "
                "last file"
                for name, t in result["tasks"].items()
            )
            print(f"            tasks run: {tasks}")
            drained = result["drained_s"]
            print(
                f"            tasks queued by ingest (extraction), still waiting when the last "
                f"file finished: {result['queued_when_files_done']}"
                + (
                    f"; run afterwards by {args.workers} workers in {drained['seconds']:.1f} s "
                    f"({drained['tasks'] / drained['seconds']:.1f} tasks/s)"
                    if drained
                    else ""
                )
            )
    finally:
        for queue in queues:
            state = redis_cleanup(queue, empty_before)
        if queues:
            print(f"    {state}")
        if not args.keep:
            database_drop(E2E_DB)
    print()
    print("| articles | articles/s end to end | target | result | worker peak RSS |")
    print("| ---: | ---: | ---: | --- | ---: |")
    for r in results:
        print(
            f"| {r['size']:,} | {r['rate']:.1f} | >= {r['target']:.0f} | {r['verdict']} | "
            f"{r['peak_worker_mib']:.0f} MiB |"
        )
    return {"mode": "endtoend", "machine": machine() | server_versions(), "results": results}


# Profiles.


def _profile_rows(
    profile: cProfile.Profile, articles: int, top: int, sort: str, project_only: bool = False
) -> list[str]:
    stats = pstats.Stats(profile)
    total = stats.total_tt
    rows = []
    for (filename, line, function), (_, calls, tottime, cumtime, _) in stats.stats.items():
        if "bench_ingest" in filename or "corpus.py" in filename or function == "<module>":
            continue
        if function in (
            "<built-in method builtins.exec>",
            "<method 'disable' of '_lsprof.Profiler' objects>",
        ):
            continue
        if project_only and not filename.startswith((str(ROOT / "sources"), str(ROOT / "claims"))):
            continue
        path = filename
        for prefix in (str(ROOT) + "/", str(Path(sys.prefix)) + "/"):
            path = path.replace(prefix, "")
        path = re.sub(r"^.*site-packages/", "", path)
        rows.append((cumtime if sort == "cumulative" else tottime, cumtime, tottime, calls,
                     f"{path}:{line}({function})" if line else function))  # fmt: skip
    rows.sort(reverse=True)
    lines = [
        f"{'cumulative':>11} {'share':>6} {'µs/article':>11} {'own':>8} {'calls':>9}  function"
    ]
    for _, cumtime, tottime, calls, name in rows[:top]:
        lines.append(
            f"{cumtime:10.2f}s {cumtime / total:6.1%} {cumtime / articles * 1e6:11.0f} "
            f"{tottime:7.2f}s {calls:9d}  {name}"
        )
    return lines


def cmd_profile(args) -> dict:
    if args.full:
        return profile_full(args)
    pin_to_one_core()
    print_machine()
    run_inprocess(300, args.seed + 7)  # warm the caches (token hashes, regexes)
    profile = cProfile.Profile()
    result = run_inprocess(args.size, args.seed, profile=profile)
    print(
        f"in-process pipeline, {args.size:,} articles under cProfile "
        f"({result.rate:.0f} articles/s with the profiler's overhead)"
    )
    print(f"top {args.top} by cumulative time:")
    cumulative = _profile_rows(profile, args.size, args.top, "cumulative")
    print("\n".join(cumulative))
    print(f"top {args.top} by own time:")
    own = _profile_rows(profile, args.size, args.top, "own")
    print("\n".join(own))
    return {"mode": "profile", "size": args.size, "cumulative": cumulative, "own": own}


class QueryTimer:
    """A Django execute wrapper: time spent per statement shape (literals and lists of
    parameters folded, cut to a readable length)."""

    def __init__(self) -> None:
        self.shapes: dict[str, tuple[int, float]] = {}

    def __call__(self, execute, sql, params, many, context):
        started = perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            elapsed = perf_counter() - started
            shape = re.sub(r"(%s, )+%s", "%s...", sql)
            shape = re.sub(r'"sources_|"claims_|"', "", shape)
            shape = shape[:110]
            count, total = self.shapes.get(shape, (0, 0.0))
            self.shapes[shape] = (count + 1, total + elapsed)


def _growth(first: QueryTimer, last: QueryTimer, tenths: dict, top: int) -> list[str]:
    """What grows from the first tenth of the articles to the last: time per article, and
    the statements whose time per article grew most."""
    (first_s, count), (last_s, _) = tenths["first"], tenths["last"]
    lines = [
        f"first tenth: {first_s / count * 1000:.1f} ms/article, last tenth: "
        f"{last_s / count * 1000:.1f} ms/article; statements that grew most (ms/article):"
    ]
    shapes = set(first.shapes) | set(last.shapes)
    growth = sorted(
        (
            (last.shapes.get(shape, (0, 0.0))[1] - first.shapes.get(shape, (0, 0.0))[1], shape)
            for shape in shapes
        ),
        reverse=True,
    )
    for _grown, shape in growth[: min(top, 5)]:
        before = first.shapes.get(shape, (0, 0.0))[1] / count * 1000
        after = last.shapes.get(shape, (0, 0.0))[1] / count * 1000
        lines.append(f"  {before:6.2f} -> {after:6.2f}  {shape}")
    return lines


def settings_chunk() -> int:
    from django.conf import settings

    return settings.CONFLICTDESK_INGEST_CHUNK


def profile_full(args) -> dict:
    """One process, tasks in-process (no broker), on PostgreSQL: file_receive then the task
    (file_process: article_create, dedup, stories) for each file; first timed without the
    profiler, then profiled."""
    print_machine(server_versions())
    database_recreate(PROFILE_DB)
    try:
        django_setup(PROFILE_DB)
        from django.core.management import call_command
        from django.db import connection

        from sources.models import IngestedFile
        from sources.services import ingest

        note = "claim extraction: not queued by this ingest"
        hand_over = next(
            (
                name
                for name in ("articles_enqueue_extraction", "article_enqueue_extraction")
                if hasattr(ingest, name)
            ),
            None,
        )
        if hand_over:
            if args.with_extraction:
                note = "claim extraction: run in-process after each chunk (eager task)"
            else:
                # Ingestion alone: the extraction task it hands articles to is not run
                # here (a worker would run it as a task of its own).
                setattr(ingest, hand_over, lambda **kwargs: None)
                note = "claim extraction: switched off in this process (ingestion alone)"
        print(note)
        # As `manage.py ingest` does: files received, then handed over a chunk at a time
        # (the task runs in-process when the chunk is full); one file a task before chunks.
        chunked = hasattr(ingest, "ChunkedEnqueue")
        chunks = ingest.ChunkedEnqueue() if chunked else None
        if chunked:
            print(f"files handed to the task {settings_chunk()} at a time")

        def file_receive(*, name, content, origin):
            if chunks is None:
                ingest.file_receive(name=name, content=content, origin=origin)
            else:
                chunks.add(ingest.file_receive(name=name, content=content, origin=origin,
                                               enqueue=False))  # fmt: skip

        call_command("migrate", verbosity=0, interactive=False)
        call_command("load_registry", stdout=open(os.devnull, "w"))  # noqa: SIM115
        print(f"autovacuum {autovacuum_note(args.autoanalyze)}")
        analyzer = Autoanalyze.start_if_needed(PROFILE_DB, args.autoanalyze)
        files = list(corpus.articles(args.size + args.profiled, args.seed))
        timed, profiled = files[: args.size], files[args.size :]
        # Statements timed over all of it, and apart over its first and last tenth.
        queries, first, last = QueryTimer(), QueryTimer(), QueryTimer()
        tenth = max(1, len(timed) // 10)
        tenths = {"first": [0.0, tenth], "last": [0.0, tenth]}
        started = perf_counter()
        with connection.execute_wrapper(queries):
            for position, (name, data) in enumerate(timed):
                part = (
                    first if position < tenth else last if position >= len(timed) - tenth else None
                )
                began = perf_counter()
                if part is None:
                    file_receive(name=name, content=data, origin=IngestedFile.Origin.COMMAND)
                    continue
                with connection.execute_wrapper(part):
                    file_receive(name=name, content=data, origin=IngestedFile.Origin.COMMAND)
                    if chunks is not None and position in (tenth - 1, len(timed) - 1):
                        chunks.flush()
                tenths["first" if part is first else "last"][0] += perf_counter() - began
            if chunks is not None:
                chunks.flush()
        elapsed = perf_counter() - started
        profile = cProfile.Profile()
        profile.enable()
        for name, data in profiled:
            file_receive(name=name, content=data, origin=IngestedFile.Origin.COMMAND)
        if chunks is not None:
            chunks.flush()
        profile.disable()
        if analyzer is not None:
            print(f"autovacuum stand-in: {analyzer.stop()}")
        with connection.cursor() as cursor:
            cursor.execute("SELECT status, count(*) FROM sources_ingestedfile GROUP BY status")
            statuses = dict(cursor.fetchall())
    finally:
        if not args.keep:
            from django.db import connections

            connections.close_all()
            database_drop(PROFILE_DB)
    rate = args.size / elapsed
    print(
        f"whole path in one process (receive + task in-process, PostgreSQL): {rate:.1f} "
        f"articles/s over the first {args.size:,}; ledger {statuses}"
    )
    count = sum(n for n, _ in queries.shapes.values())
    seconds = sum(t for _, t in queries.shapes.values())
    print(
        f"SQL: {count / args.size:.1f} statements per article, {seconds / args.size * 1000:.1f} ms "
        f"per article waiting for them ({seconds / elapsed:.0%} of the time); by statement:"
    )
    shapes = sorted(queries.shapes.items(), key=lambda item: -item[1][1])
    sql_lines = [
        f"{t / args.size * 1000:7.2f} ms/article {n / args.size:5.1f}x  {shape}"
        for shape, (n, t) in shapes[: args.top]
    ]
    print("\n".join(sql_lines))
    growth = _growth(first, last, tenths, args.top)
    print("\n".join(growth))
    print(
        f"then {len(profiled):,} more under cProfile; top {args.top} project functions by "
        "cumulative time:"
    )
    cumulative = _profile_rows(profile, len(profiled), args.top, "cumulative", project_only=True)
    print("\n".join(cumulative))
    print(f"top {args.top} by own time:")
    own = _profile_rows(profile, len(profiled), args.top, "own")
    print("\n".join(own))
    return {
        "mode": "profile-full",
        "size": args.size,
        "rate": rate,
        "statuses": statuses,
        "sql_per_article": count / args.size,
        "sql_ms_per_article": seconds / args.size * 1000,
        "sql": sql_lines,
        "growth": growth,
        "cumulative": cumulative,
        "own": own,
    }


# Everything.


def cmd_all(args) -> dict:
    steps = [
        ["inprocess", "--sizes", *map(str, args.sizes)],
        ["lookup", "--sizes", *map(str, args.sizes)],
        ["endtoend", "--sizes", *map(str, args.e2e_sizes)],
        ["profile"],
        ["profile", "--full"],
    ]
    results = {}
    with tempfile.TemporaryDirectory(prefix="conflictdesk-bench-") as folder:
        for number, step in enumerate(steps):
            output = Path(folder) / f"{number}.json"
            print(f"\n$ bench/bench_ingest.py {' '.join(step)}", flush=True)
            subprocess.run(
                [sys.executable, __file__, *step, "--seed", str(args.seed), "--json", str(output)],
                check=True,
            )
            results[" ".join(step)] = json.loads(output.read_text())
    summary(results)
    return {"mode": "all", "steps": results}


def summary(results: dict) -> None:
    print("\n| figure | measured | target | result |")
    print("| --- | ---: | ---: | --- |")
    for data in results.values():
        if data["mode"] == "inprocess":
            for r in data["results"]:
                print(
                    f"| in-process, {r['size']:,} articles (1 core) | {r['rate']:,.0f} articles/s "
                    f"| >= {r['target']:.0f} | {r['verdict']} |"
                )
        elif data["mode"] == "lookup":
            for r in data["results"]:
                print(
                    f"| duplicate lookup, {r['size']:,} stored | median {r['median_ms']:.2f} ms, "
                    f"p95 {r['p95_ms']:.2f} ms | | |"
                )
            sizes = [r["size"] for r in data["results"]]
            print(
                f"| lookup {max(sizes):,} / {min(sizes):,} | {data['ratio']:.2f}x "
                f"(p95 {data['ratio_p95']:.2f}x) | <= {LOOKUP_RATIO_TARGET}x | {data['verdict']} |"
            )
        elif data["mode"] == "endtoend":
            for r in data["results"]:
                print(
                    f"| end to end, {r['size']:,} articles, {r['workers']} workers | "
                    f"{r['rate']:.1f} articles/s | >= {r['target']:.0f} | {r['verdict']} |"
                )
                print(
                    f"| worker peak memory (VmHWM), {r['size']:,} articles | "
                    f"{r['peak_worker_mib']:.0f} MiB | | |"
                )
        elif data["mode"] == "profile-full":
            print(
                f"| whole path in one process (PostgreSQL, no broker), {data['size']:,} | "
                f"{data['rate']:.1f} articles/s | | |"
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=" ".join(__doc__.split("\n\n")[0].split()))
    parser.add_argument("--seed", type=int, default=corpus.DEFAULT_SEED)
    parser.add_argument("--json", type=Path, help="write the figures to this file too")
    commands = parser.add_subparsers(dest="command", required=True)

    def sub(name: str, help_: str) -> argparse.ArgumentParser:
        command = commands.add_parser(name, help=help_)
        command.add_argument("--seed", type=int, default=argparse.SUPPRESS)
        command.add_argument("--json", type=Path, default=argparse.SUPPRESS)
        return command

    inprocess = sub("inprocess", "pipeline throughput, one core, no database")
    inprocess.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000, 100000])
    lookup = sub("lookup", "duplicate lookup cost in PostgreSQL at several stored sizes")
    lookup.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000, 100000])
    lookup.add_argument("--probes", type=int, default=200)
    lookup.add_argument("--warmup", type=int, default=30)
    lookup.add_argument("--explain", action="store_true", help="print the candidate query plan")
    lookup.add_argument("--keep", action="store_true", help="keep the benchmark database")
    endtoend = sub("endtoend", "Redis + Celery workers + PostgreSQL throughput")
    endtoend.add_argument("--sizes", "--size", type=int, nargs="+", default=[1000])
    endtoend.add_argument("--workers", type=int, default=2)
    endtoend.add_argument("--timeout", type=float, default=900)
    endtoend.add_argument("--keep", action="store_true", help="keep database, files, logs")
    endtoend.add_argument(
        "--no-autoanalyze",
        dest="autoanalyze",
        action="store_false",
        help="on a server without autovacuum, do not stand in for it",
    )
    endtoend.add_argument(
        "--drain", action="store_true", help="then time the tasks ingest queued (extraction)"
    )
    endtoend.add_argument(
        "--with-extraction",
        action="store_true",
        help="let the claim-extraction tasks ingest queues run on the measured workers too "
        "(by default they go to a side queue: the figure is ingestion alone)",
    )
    profile = sub("profile", "cProfile of the in-process path (or --full: with PostgreSQL)")
    profile.add_argument("--size", type=int, default=None)
    profile.add_argument("--profiled", type=int, default=300, help="--full: articles profiled")
    profile.add_argument("--top", type=int, default=10)
    profile.add_argument("--full", action="store_true", help="the whole path on PostgreSQL")
    profile.add_argument(
        "--with-extraction", action="store_true", help="--full: run claim extraction too"
    )
    profile.add_argument(
        "--no-autoanalyze",
        dest="autoanalyze",
        action="store_false",
        help="--full: on a server without autovacuum, do not stand in for it",
    )
    profile.add_argument("--keep", action="store_true", help="keep the benchmark database")
    everything = sub("all", "everything above, then a summary table")
    everything.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000, 100000])
    everything.add_argument("--e2e-sizes", type=int, nargs="+", default=[1000])
    args = parser.parse_args()
    if args.command == "profile" and args.size is None:
        args.size = 1000 if args.full else 3000
    handler = {
        "inprocess": cmd_inprocess,
        "lookup": cmd_lookup,
        "endtoend": cmd_endtoend,
        "profile": cmd_profile,
        "all": cmd_all,
    }[args.command]
    started = perf_counter()
    data = handler(args)
    print(f"({args.command} took {perf_counter() - started:.0f} s)")
    data["code"] = code_state()
    if args.json:
        args.json.write_text(json.dumps(data, ensure_ascii=False, indent=1, default=str))


if __name__ == "__main__":
    main()
