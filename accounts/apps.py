from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("API access")

    def ready(self):
        from django.core import checks

        from accounts.permissions import check_shared_cache, connect_signals

        connect_signals()
        checks.register(check_shared_cache)
