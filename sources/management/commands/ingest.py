import time
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from sources.models import IngestedFile
from sources.services.ingest import file_receive


class Command(BaseCommand):
    help = (
        "Ingest article files (or folders of them, recursively). Each file is recorded in "
        "the ledger, then read by a Celery task (in-process when no broker is configured)."
    )

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="+", help="files or folders")
        parser.add_argument(
            "--wait",
            action="store_true",
            help="with a broker, wait until the workers have processed every file",
        )
        parser.add_argument(
            "--timeout", type=float, default=600.0, help="seconds --wait waits at most"
        )

    def handle(self, *args, paths, wait, timeout, **options):
        files = list(self._expand(paths))
        if not files:
            raise CommandError("No files found in the given paths.")
        received_ids, seen_before = [], 0
        for path in files:
            result = file_receive(
                name=path.name,
                content=path.read_bytes(),
                origin=IngestedFile.Origin.COMMAND,
                source_path=str(path),
            )
            if result.created:
                received_ids.append(result.file.pk)
            else:
                seen_before += 1
        if wait and not settings.CELERY_TASK_ALWAYS_EAGER:
            self._wait(received_ids, timeout)
        self._summarize(received_ids, seen_before)

    def _expand(self, paths):
        for raw in paths:
            path = Path(raw)
            if path.is_dir():
                yield from sorted(p for p in path.rglob("*") if p.is_file())
            elif path.is_file():
                yield path
            else:
                raise CommandError(f"No such file or folder: {raw}")

    def _wait(self, ids, timeout):
        pending = {IngestedFile.Status.QUEUED, IngestedFile.Status.PROCESSING}
        deadline = time.monotonic() + timeout
        while IngestedFile.objects.filter(pk__in=ids, status__in=pending).exists():
            if time.monotonic() > deadline:
                raise CommandError(
                    f"Timed out after {timeout:.0f}s waiting for the workers; the files stay "
                    "queued and will be processed when a worker takes them."
                )
            time.sleep(0.2)

    def _summarize(self, ids, seen_before):
        rows = IngestedFile.objects.filter(pk__in=ids).order_by("pk")
        counts = {status: 0 for status in IngestedFile.Status.values}
        for row in rows:
            counts[row.status] += 1
        self.stdout.write(
            f"received {len(ids)} new file(s), {seen_before} already received: "
            f"{counts['done']} done, {counts['duplicate']} duplicate, "
            f"{counts['failed']} failed, {counts['queued'] + counts['processing']} queued"
        )
        for row in rows.filter(status=IngestedFile.Status.FAILED):
            self.stdout.write(self.style.ERROR(f"  failed: {row.original_name}: {row.error}"))
