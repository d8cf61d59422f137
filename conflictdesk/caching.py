"""The shared cache: its Redis backend, and stamps that tell cached values they are stale."""

import time

import redis
from django.core.cache import cache
from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient
from django.db import transaction
from redis.commands.core import Script


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


class _OneClientPerPool(RedisCacheClient):
    """Django's Redis cache client makes a new redis.Redis for every cache call (and
    each one builds its table of ~170 response callbacks: 0.1 ms, three times per API
    request). One per connection pool does the same work: redis.Redis is thread-safe,
    and its pool opens new connections after a fork."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients: dict[int, redis.Redis] = {}

    def get_client(self, key=None, *, write=False) -> redis.Redis:
        index = self._get_connection_pool_index(write)
        client = self._clients.get(index)
        if client is None:
            pool = self._get_connection_pool(write)
            client = self._clients[index] = self._client(connection_pool=pool)
        return client


class RedisCache(DjangoRedisCache):
    """Django's Redis cache (settings.CACHES with CACHE_URL), with one client per pool,
    and the client itself for what a cache call cannot do in one round trip (the API
    throttle, conflictdesk.api.PerTokenThrottle)."""

    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = _OneClientPerPool
        self._scripts: dict[str, Script] = {}

    def redis(self) -> redis.Redis:
        """The client of this cache's server (keys are not prefixed: make_key())."""
        return self._cache.get_client(write=True)

    def script(self, lua: str) -> Script:
        """The Lua script `lua` on this cache's server, loaded once (EVALSHA)."""
        script = self._scripts.get(lua)
        if script is None:
            script = self._scripts[lua] = self.redis().register_script(lua)
        return script
