import csv
import sys

import orjson
from django.core.management.base import BaseCommand

from claims.models import Claim
from claims.records import CSV_COLUMNS, RecordBuilder, claim_csv_row

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
            writer = None
            if format == "csv":
                stream.write("\ufeff")
                writer = csv.writer(stream)
                writer.writerow(CSV_COLUMNS)
            for record in self._records():
                if writer:
                    writer.writerow(claim_csv_row(record))
                else:
                    stream.write(orjson.dumps(record, option=orjson.OPT_APPEND_NEWLINE).decode())
        finally:
            if output:
                stream.close()

    def _records(self):
        # The ids in order, read by keyset pages: memory stays flat however many claims.
        def ids():
            last = 0
            while True:
                batch = list(
                    Claim.objects.filter(pk__gt=last)
                    .order_by("pk")
                    .values_list("pk", flat=True)[:BATCH]
                )
                if not batch:
                    return
                yield from batch
                last = batch[-1]

        return RecordBuilder().iter_records(ids())
