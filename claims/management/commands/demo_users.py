from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError

from conflictdesk.roles import ADMIN, ANALYST, EDITOR, roles_sync

# Demo accounts for the embedded default only; production refuses to create them.
DEMO_ACCOUNTS = (
    ("analyst", "analyst-demo-2026", ANALYST),
    ("editor", "editor-demo-2026", EDITOR),
    ("admin", "admin-demo-2026", ADMIN),
)


class Command(BaseCommand):
    help = "Create the demo analyst, editor and admin accounts and print their credentials."

    def handle(self, *args, **options):
        if settings.PRODUCTION:
            raise CommandError("Demo accounts are not created with DJANGO_ENV=production.")
        roles_sync()
        User = get_user_model()
        self.stdout.write("Demo accounts (embedded default only):")
        for username, password, group_name in DEMO_ACCOUNTS:
            user, _ = User.objects.get_or_create(username=username)
            user.set_password(password)
            # Until the analyst UI lands, the admin site is the UI, so demo users are staff.
            user.is_staff = True
            user.is_superuser = group_name == ADMIN
            user.save()
            user.groups.set([Group.objects.get(name=group_name)])
            self.stdout.write(f"  {group_name:8} user: {username:8} password: {password}")
