"""Creating and revoking API tokens."""

from datetime import timedelta

from django.contrib.auth.base_user import AbstractBaseUser
from django.db import transaction
from django.utils import timezone
from knox.models import AuthToken

from accounts.models import ApiToken


@transaction.atomic
def api_token_create(
    *,
    user: AbstractBaseUser,
    name: str,
    read_only: bool,
    expiry: timedelta | None,
    created_by: AbstractBaseUser | None = None,
) -> tuple[ApiToken, str]:
    """A new token for `user`; returns the row and the raw token, which is never stored
    and cannot be shown again. `expiry=None` makes a token that does not expire. The
    user's expired tokens are deleted here (authentication refuses them anyway)."""
    AuthToken.objects.filter(user=user, expiry__lt=timezone.now()).delete()
    auth_token, raw = AuthToken.objects.create(user=user, expiry=expiry)
    token = ApiToken.objects.create(
        auth_token=auth_token, name=name, read_only=read_only, created_by=created_by or user
    )
    return token, raw


def api_token_revoke(*, token: ApiToken) -> None:
    """Revoke a token at once: its digest is deleted, so it no longer authenticates."""
    token.auth_token.delete()
