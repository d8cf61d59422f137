import functools
import operator
import sys
import time
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db.models import Q
from kombu.utils.url import maybe_sanitize_url
from tqdm import tqdm

from conflictdesk.celery import app as celery_app
from sources.models import IngestedFile
from sources.services.ingest import ChunkedEnqueue, files_receive_paths, files_requeue_stalled
from sources.services.reports import ledger_summary

PENDING = (IngestedFile.Status.QUEUED, IngestedFile.Status.PROCESSING)


class Command(BaseCommand):
    help = (
        "Ingest article files (.txt, .html, .json, .jsonl) or folders of them, recursively. "
        "Each file is recorded in the ledger, then read by a Celery task (in-process when "
        "no broker is configured)."
    )

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="*", help="files or folders")
        parser.add_argument(
            "--wait",
            action="store_true",
            help="with a broker, wait until the workers have processed every file",
        )
        parser.add_argument(
            "--timeout", type=float, default=600.0, help="seconds --wait waits at most"
        )
        parser.add_argument(
            "--requeue",
            action="store_true",
            help="queue again every file left queued (e.g. while the broker was down)",
        )
        parser.add_argument("--no-progress", action="store_true", help="no progress bar")

    def handle(self, *args, paths, wait, timeout, requeue, no_progress, **options):
        if requeue:
            count = files_requeue_stalled(older_than=timedelta(0))
            self.stdout.write(f"queued again {count} file(s)")
        if not paths:
            if requeue:
                return
            raise CommandError("Name at least one file or folder (or use --requeue).")
        files = list(self._expand(paths))
        if not files:
            raise CommandError("No files found in the given paths.")
        broker_down = self._broker_unreachable()
        if broker_down:
            self.stdout.write(self.style.WARNING(broker_down))
        received_ids, seen_before = [], 0
        progress = tqdm(
            total=len(files),
            desc="ingest",
            unit="file",
            disable=no_progress or not sys.stderr.isatty(),
            file=sys.stderr,
        )
        json_ids = []
        # The workers get the files a chunk at a time (CONFLICTDESK_INGEST_CHUNK), and
        # start on the first chunk while the others are being read; a chunk's files are
        # recorded in the ledger together.
        size = max(1, settings.CONFLICTDESK_INGEST_CHUNK)
        with ChunkedEnqueue() as chunks, progress:
            for start in range(0, len(files), size):
                batch = files[start : start + size]
                results = files_receive_paths(
                    paths=[path.resolve() for path in batch], origin=IngestedFile.Origin.COMMAND
                )
                for path, result in zip(batch, results, strict=True):
                    chunks.add(result)
                    if not result.created:
                        seen_before += 1
                        continue
                    received_ids.append(result.file.pk)
                    if path.suffix.lower() in (".json", ".jsonl"):
                        json_ids.append(result.file.pk)
                progress.update(len(batch))
        if wait and not settings.CELERY_TASK_ALWAYS_EAGER:
            self._wait(received_ids, json_ids, timeout)
        self._summarize(received_ids, seen_before)

    def _broker_unreachable(self) -> str:
        """A clear word when the broker cannot be reached; files are still recorded."""
        if settings.CELERY_TASK_ALWAYS_EAGER:
            return ""
        try:
            with celery_app.connection_for_write() as connection:
                connection.ensure_connection(max_retries=1, timeout=3)
        except Exception as exc:  # kombu raises several kinds for an unreachable broker
            url = maybe_sanitize_url(settings.CELERY_BROKER_URL)
            return (
                f"The broker at {url} is unreachable ({type(exc).__name__}): files are "
                "recorded in the ledger and stay queued; run `manage.py ingest --requeue` "
                "once it is back (beat also re-queues them)."
            )
        return ""

    def _expand(self, paths):
        for raw in paths:
            path = Path(raw)
            if path.is_dir():
                yield from sorted(
                    p for p in path.rglob("*") if p.is_file() and not p.name.startswith(".")
                )
            elif path.is_file():
                yield path
            else:
                raise CommandError(f"No such file or folder: {raw}")

    def _wait(self, ids, json_ids, timeout):
        # The received ids as ranges of consecutive ids (one range when no other producer
        # wrote meanwhile), and the records of the JSON files: a poll is one cheap indexed
        # query, not 10,000 bound ids.
        rows = IngestedFile.objects.filter(
            functools.reduce(
                operator.or_,
                [Q(pk__range=run) for run in _runs(ids)] + [Q(parent_id__in=json_ids)],
            )
        )
        deadline = time.monotonic() + timeout
        while rows.filter(status__in=PENDING).exists():
            if time.monotonic() > deadline:
                raise CommandError(
                    f"Timed out after {timeout:.0f}s waiting for the workers; the files stay "
                    "queued and will be processed when a worker takes them."
                )
            time.sleep(0.2)

    def _summarize(self, ids, seen_before):
        summary = ledger_summary(file_ids=ids)
        self.stdout.write(
            f"received {len(ids)} new file(s), {seen_before} already received: "
            f"{summary.done} done, {summary.duplicate} duplicate, {summary.failed} failed, "
            f"{summary.pending} queued"
            + (f" ({summary.records} record(s) from JSON files)" if summary.records else "")
        )
        for name, reason in summary.failures:
            self.stdout.write(self.style.ERROR(f"  failed: {name}: {reason}"))
        if summary.pending and not settings.CELERY_TASK_ALWAYS_EAGER:
            self.stdout.write(
                f"{summary.pending} file(s) wait for a worker (celery -A conflictdesk worker); "
                "if the broker was unreachable, run `manage.py ingest --requeue` once it is back."
            )


def _runs(ids: list[int]) -> list[tuple[int, int]]:
    """[1, 2, 3, 7, 8] → [(1, 3), (7, 8)]."""
    runs: list[tuple[int, int]] = []
    for pk in sorted(ids):
        if runs and pk == runs[-1][1] + 1:
            runs[-1] = (runs[-1][0], pk)
        else:
            runs.append((pk, pk))
    return runs
