from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from sources.services.inbox import inbox_scan


class Command(BaseCommand):
    help = (
        "Claim and record the files waiting in the inbox folder once (Celery beat does "
        "this every CONFLICTDESK_INBOX_INTERVAL seconds)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--folder", help="inbox folder (default: CONFLICTDESK_INBOX)")

    def handle(self, *args, folder, **options):
        folder = folder or settings.CONFLICTDESK_INBOX
        if not folder:
            raise CommandError("No inbox: set CONFLICTDESK_INBOX or pass --folder.")
        self.stdout.write(f"took {inbox_scan(folder=folder)} file(s) from the inbox")
