"""Permissions read once per user and kept in the cache, not twice per request.

Django's ModelBackend reads a user's permissions (two queries: their own and their
groups') once per request object; every page and API call checks a permission, so every
request paid those two queries. CachedPermissionBackend keeps the set in the cache (Redis
when CACHE_URL is set, shared by every process) under a key of the user and a version
number that any change to users, groups or permissions bumps, at once and again when the
change commits (a request that read the old rows in between cannot keep them). A role
taken away is therefore refused at the next request. Whether the user is active (and a
superuser) is read with the user at every request, as before.

Only with CONFLICTDESK_PERMISSION_CACHE, on by default when CACHE_URL names a shared cache:
in a per-process memory cache a change made in one web process would not reach the others.
"""

import time

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Group, Permission
from django.core.cache import cache
from django.db.models.signals import m2m_changed, post_delete, post_save

from conflictdesk.caching import cache_bump

VERSION_KEY = "perms:version"
TIMEOUT = 300  # seconds: a bound on what a missed signal could cost


def _key(user) -> str:
    joined = getattr(user, "date_joined", None)
    # The date makes a user re-created under a reused id (SQLite, a restored dump) a new key.
    return f"perms:{user.pk}:{joined.timestamp() if joined else ''}"


class CachedPermissionBackend(ModelBackend):
    def get_all_permissions(self, user_obj, obj=None):
        if not settings.CONFLICTDESK_PERMISSION_CACHE:
            return super().get_all_permissions(user_obj, obj)
        if not user_obj.is_active or user_obj.is_anonymous or obj is not None:
            return set()
        if not hasattr(user_obj, "_perm_cache"):
            key = _key(user_obj)
            found = cache.get_many([VERSION_KEY, key])
            version = found.get(VERSION_KEY)
            if version is None:  # first use, or evicted: a number no entry was stored under
                cache.add(VERSION_KEY, time.time_ns(), None)
                version = cache.get(VERSION_KEY)
            if version is None:  # a cache that keeps nothing: read them every time
                user_obj._perm_cache = super().get_all_permissions(user_obj)
                return user_obj._perm_cache
            cached = found.get(key)
            if cached is not None and cached[0] == version:
                user_obj._perm_cache = set(cached[1])
            else:
                user_obj._perm_cache = super().get_all_permissions(user_obj)
                cache.set(key, (version, sorted(user_obj._perm_cache)), TIMEOUT)
        return user_obj._perm_cache


def permissions_changed(**_) -> None:
    """Make every cached permission set stale: now, and when the change commits."""
    cache_bump(VERSION_KEY)


def _user_saved(update_fields=None, **_) -> None:
    if update_fields is None or set(update_fields) - {"last_login"}:
        permissions_changed()


def connect_signals() -> None:
    user = get_user_model()
    for through in (user.groups.through, user.user_permissions.through, Group.permissions.through):
        m2m_changed.connect(permissions_changed, sender=through, dispatch_uid=f"perms-{through}")
    post_save.connect(_user_saved, sender=user, dispatch_uid="perms-user-saved")
    for model in (user, Group, Permission):
        post_delete.connect(permissions_changed, sender=model, dispatch_uid=f"perms-del-{model}")
    post_save.connect(permissions_changed, sender=Group, dispatch_uid="perms-group-saved")
    post_save.connect(permissions_changed, sender=Permission, dispatch_uid="perms-perm-saved")


def check_shared_cache(app_configs=None, **_) -> list:
    """A warning when permissions are kept in a cache that only this process sees: a role
    taken away in another process (a web worker, `manage.py shell`) would still be
    granted here for up to TIMEOUT seconds."""
    from django.core import checks

    backend = settings.CACHES["default"]["BACKEND"]
    if settings.CONFLICTDESK_PERMISSION_CACHE and backend.endswith(("LocMemCache", "DummyCache")):
        return [
            checks.Warning(
                "CONFLICTDESK_PERMISSION_CACHE is on, but the cache is not shared between "
                "processes: a change of role would reach the others only after "
                f"{TIMEOUT} seconds.",
                hint="Set CACHE_URL to a Redis database every process uses, or turn "
                "CONFLICTDESK_PERMISSION_CACHE off.",
                id="accounts.W001",
            )
        ]
    return []
