from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from claims.services.registry import registry_load
from conflictdesk.errors import InvalidInput


class Command(BaseCommand):
    help = "Load or update the actor registry (idempotent: re-running never duplicates)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--path",
            type=Path,
            default=None,
            help="registry file (default: settings.CONFLICTDESK_REGISTRY_PATH)",
        )

    def handle(self, *args, path, **options):
        try:
            result = registry_load(path=path or Path(settings.CONFLICTDESK_REGISTRY_PATH))
        except InvalidInput as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            f"registry: {result.actors_created} actor(s) created, {result.actors_updated} "
            f"updated, {result.actors_folded} folded into the actors they were merged into; "
            f"{result.aliases_added} alias(es) added, {result.aliases_removed} "
            f"removed; {result.roles} role(s)"
        )
        for form, keys in sorted(result.ambiguous_aliases.items()):
            self.stdout.write(self.style.WARNING(f"  ambiguous alias {form!r}: {', '.join(keys)}"))
