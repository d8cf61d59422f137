"""API tokens: knox stores the token hashed; this row gives it a name and a scope."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from knox.models import AuthToken


class ApiToken(models.Model):
    """A client's token. Deleting its knox AuthToken revokes it (and deletes this row).

    The raw token is shown once, when it is created; the database keeps knox's SHA-512
    digest and the first 15 characters (knox's lookup key), never the token itself.
    """

    auth_token = models.OneToOneField(
        AuthToken, on_delete=models.CASCADE, related_name="api_token", editable=False
    )
    name = models.CharField(_("name"), max_length=100)
    # A read-only token may read everything its user may read, and write nothing.
    read_only = models.BooleanField(_("read-only"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="api_tokens_created",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return self.name

    @property
    def user(self):
        return self.auth_token.user

    @property
    def expiry(self):
        return self.auth_token.expiry
