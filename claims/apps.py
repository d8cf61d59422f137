from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ClaimsConfig(AppConfig):
    name = "claims"
    verbose_name = _("Claims")

    def ready(self):
        from django.db.models.signals import post_delete

        from claims.models import Actor, Claim
        from claims.selectors import deletions_count

        for model in (Claim, Actor):
            post_delete.connect(
                deletions_count, sender=model, dispatch_uid=f"deletions-{model.__name__}"
            )
