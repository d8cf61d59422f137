import time
from datetime import datetime
from datetime import time as dt_time

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from claims import record_store
from claims.models import Claim, StoredRecord
from claims.records import RECORD_BATCH


class Command(BaseCommand):
    help = (
        "Write and store the API records of claims whose record is not stored (all, or "
        "those changed since a date), so that the API's first reads of them are as fast "
        "as the next ones (PostgreSQL; claims.record_store). Safe while the site runs."
    )

    def add_arguments(self, parser):
        parser.add_argument("--since", help="only claims changed at or after this ISO date or time")

    def handle(self, *args, since, **options):
        if not record_store.available():
            raise CommandError(
                "stored records need PostgreSQL and STORED_RECORDS on (and no transaction)"
            )
        claims = Claim.objects.order_by("pk")
        if since:
            claims = claims.filter(updated_at__gte=_moment(since))
        started, last, done = time.monotonic(), 0, 0
        while True:
            ids = list(claims.filter(pk__gt=last).values_list("pk", flat=True)[:RECORD_BATCH])
            if not ids:
                break
            stored = set(
                StoredRecord.objects.filter(claim_id__in=ids, json__isnull=False).values_list(
                    "claim_id", flat=True
                )
            )
            missing = [i for i in ids if i not in stored]
            if missing:
                record_store.record_texts(missing)
                done += len(missing)
            last = ids[-1]
        seconds = time.monotonic() - started
        self.stdout.write(f"{done} records written and stored in {seconds:.1f} s")


def _moment(text: str) -> datetime:
    try:
        moment = parse_datetime(text) or datetime.combine(parse_date(text), dt_time())
    except (TypeError, ValueError) as exc:  # parse_date gives None for a non-date
        raise CommandError(f"--since: not an ISO date or time: {text!r}") from exc
    return moment if timezone.is_aware(moment) else timezone.make_aware(moment)
