from datetime import timedelta

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from accounts.services import api_token_create


class Command(BaseCommand):
    help = "Create an API token for a user and print it once; only its digest is stored."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--read-only", action="store_true", help="the token cannot write")
        parser.add_argument("--expires", type=int, metavar="DAYS", help="expire after DAYS days")
        parser.add_argument("--name", default="", help="what the token is for")

    def handle(self, *args, username, read_only, expires, name, **options):
        try:
            user = get_user_model().objects.get(username=username)
        except get_user_model().DoesNotExist as exc:
            raise CommandError(f"No user {username!r}.") from exc
        if expires is not None and expires < 1:
            raise CommandError("--expires takes a number of days, at least 1.")
        token, raw = api_token_create(
            user=user,
            name=name or f"{username} (command line)",
            read_only=read_only,
            expiry=timedelta(days=expires) if expires else None,
        )
        scope = "read-only" if read_only else "read-write"
        until = token.auth_token.expiry.isoformat() if token.auth_token.expiry else "never"
        self.stderr.write(f"Token {token.name!r} for {username}, {scope}, expires: {until}.")
        self.stderr.write("Copy it now: it is not stored and cannot be shown again.")
        self.stdout.write(raw)
