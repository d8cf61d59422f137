import sys

from django.core.management.base import BaseCommand

from claims.models import Claim
from claims.records import export_snapshot, record_lines

BATCH = 5000


class Command(BaseCommand):
    help = (
        "Export claims as JSON lines (the claim record of DESIGN.md, with each actor's "
        "aliases) or CSV (UTF-8 with a byte-order mark, so spreadsheets show Arabic)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--format", choices=["jsonl", "csv"], default="jsonl")
        parser.add_argument("--output", help="file to write (default: standard output)")

    def handle(self, *args, format, output, **options):
        stream = open(output, "w", encoding="utf-8", newline="") if output else sys.stdout  # noqa: SIM115
        try:
            # One consistent view of the data, read by two connections (claims.records).
            with export_snapshot() as snapshot:
                for line in record_lines(self._ids(), fmt=format, snapshot=snapshot):
                    stream.write(line)
        finally:
            if output:
                stream.close()

    def _ids(self):
        # The ids in order, read by keyset pages: memory stays flat however many claims.
        last = 0
        while True:
            batch = Claim.objects.filter(pk__gt=last).order_by("pk").values_list("pk", flat=True)
            batch = list(batch[:BATCH])
            if not batch:
                return
            yield from batch
            last = batch[-1]
