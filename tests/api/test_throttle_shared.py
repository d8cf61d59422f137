"""With CACHE_URL naming Redis, every web process draws on one throttle budget per token."""

import os
import subprocess
import sys
import textwrap
import threading

import pytest
from django.db import connection
from django.test import override_settings
from rest_framework.test import APIClient

from accounts.services import api_token_create
from tests.conftest import REPO, database_url
from tests.factories import ClaimFactory, UserFactory

OTHER_PROCESS = textwrap.dedent(
    """
    import os, django
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "conflictdesk.settings")
    django.setup()
    from django.test.utils import setup_test_environment
    setup_test_environment()
    from django.test import Client
    client = Client(HTTP_AUTHORIZATION="Token " + os.environ["TOKEN"])
    print(" ".join(str(client.get("/api/v1/claims/").status_code) for _ in range(3)))
    """
)


@pytest.fixture
def redis_cache_url(postgres, redis_url):
    # Database 2: the broker uses another one, and cache.clear() flushes this one only.
    base = redis_url.rsplit("/", 1)[0]
    return f"{base}/2"


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_two_processes_share_one_throttle_budget_through_redis(redis_cache_url):
    from conflictdesk.roles import roles_sync

    roles_sync()
    ClaimFactory()
    _, key = api_token_create(
        user=UserFactory(role="analyst"), name="shared budget", read_only=True, expiry=None
    )
    caches = {
        "default": {
            "BACKEND": "conflictdesk.caching.RedisCache",
            "LOCATION": redis_cache_url,
            "KEY_PREFIX": "conflictdesk",
        }
    }
    from django.conf import settings

    rest = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"api": "4/min"}}
    with override_settings(CACHES=caches, REST_FRAMEWORK=rest):
        from django.core.cache import cache

        cache.clear()
        env = {
            **os.environ,
            "DATABASE_URL": database_url(),
            "CACHE_URL": redis_cache_url,
            "CONFLICTDESK_API_RATE": "4/min",
            "TOKEN": key,
        }
        other = subprocess.run(
            [sys.executable, "-c", OTHER_PROCESS],
            cwd=REPO,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert other.returncode == 0, other.stderr[-2000:]
        assert other.stdout.split() == ["200", "200", "200"]

        from rest_framework.test import APIClient

        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
        # The other process spent three of the four requests: one is left here.
        assert client.get("/api/v1/claims/").status_code == 200
        assert client.get("/api/v1/claims/").status_code == 429
        cache.clear()


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_requests_sent_in_parallel_never_spend_more_than_the_budget(redis_cache_url):
    """8 clients with one token send 5 requests each at once, against a budget of 12:
    exactly 12 are answered, the others get 429 (a budget read and written back in two
    steps loses the counts of requests made in between)."""
    from conflictdesk.roles import roles_sync

    roles_sync()
    ClaimFactory()
    _, key = api_token_create(
        user=UserFactory(role="analyst"), name="parallel", read_only=True, expiry=None
    )
    caches = {
        "default": {
            "BACKEND": "conflictdesk.caching.RedisCache",
            "LOCATION": redis_cache_url,
            "KEY_PREFIX": "conflictdesk",
        }
    }
    from django.conf import settings

    rest = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"api": "12/min"}}
    statuses: list[int] = []
    start = threading.Barrier(8)

    def client_run():
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
        try:
            start.wait()
            for _ in range(5):
                statuses.append(client.get("/api/v1/claims/").status_code)
        finally:
            connection.close()

    with override_settings(CACHES=caches, REST_FRAMEWORK=rest):
        from django.core.cache import cache

        cache.clear()
        threads = [threading.Thread(target=client_run) for _ in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        keys = cache.redis().keys("*throttle*")
        kinds = {cache.redis().type(key) for key in keys}
        cache.clear()
    assert kinds == {b"zset"}, "the budget is the Redis script's sorted set"
    assert len(statuses) == 40
    assert statuses.count(200) == 12
    assert statuses.count(429) == 28


def test_a_cache_url_that_is_not_redis_is_refused():
    env = {**os.environ, "CACHE_URL": "memcached://127.0.0.1:11211"}
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert "CACHE_URL must be a redis:// URL" in result.stderr
