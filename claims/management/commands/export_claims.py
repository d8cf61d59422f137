import csv
import json
import sys

from django.core.management.base import BaseCommand

from claims.models import Claim
from claims.records import CSV_COLUMNS, claim_csv_row, claim_record, claims_with_record_data

BATCH = 1000


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
                    stream.write(json.dumps(record, ensure_ascii=False) + "\n")
        finally:
            if output:
                stream.close()

    def _records(self):
        # Keyset pagination keeps memory flat however many claims there are.
        last = 0
        while True:
            batch = list(
                claims_with_record_data(Claim.objects.filter(pk__gt=last).order_by("pk"))[:BATCH]
            )
            if not batch:
                return
            for claim in batch:
                yield claim_record(claim)
            last = batch[-1].pk
