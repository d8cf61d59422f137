"""Stamps in the shared cache that tell cached values they are stale."""

import time

from django.core.cache import cache
from django.db import transaction


def cache_bump(key: str) -> None:
    """Change the stamp under `key`: now, and again when the current transaction
    commits, so that a reader who computed a value from the rows before the change
    cannot store it under the new stamp (outside a transaction the second bump runs at
    once)."""

    def bump() -> None:
        try:
            cache.incr(key)
        except ValueError:  # the first one (or the key was evicted)
            cache.set(key, time.time_ns(), None)

    bump()
    transaction.on_commit(bump)
