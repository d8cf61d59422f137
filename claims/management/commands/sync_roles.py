from django.core.management.base import BaseCommand

from conflictdesk.roles import roles_sync


class Command(BaseCommand):
    help = "Create or update the analyst, editor and admin groups and their permissions."

    def handle(self, *args, **options):
        for name, count in roles_sync().items():
            self.stdout.write(f"group {name}: {count} permission(s)")
