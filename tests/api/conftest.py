import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from accounts.services import api_token_create
from tests.factories import UserFactory


@pytest.fixture(autouse=True)
def roles(db):
    from conflictdesk.roles import roles_sync

    roles_sync()


@pytest.fixture(autouse=True)
def _fresh_throttle_budgets():
    """Throttle counters live in the cache: each test starts with a full budget."""
    cache.clear()
    yield
    cache.clear()


def client_for(role: str | None) -> APIClient:
    """A browser-like client signed in (session) with the given role."""
    client = APIClient()
    client.force_login(UserFactory(role=role))
    return client


def token_client(role: str | None, *, read_only: bool = True, expiry=None) -> APIClient:
    user = UserFactory(role=role)
    _, raw = api_token_create(user=user, name="test", read_only=read_only, expiry=expiry)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {raw}")
    client.raw_token = raw
    return client


@pytest.fixture
def analyst():
    return client_for("analyst")


@pytest.fixture
def editor():
    return client_for("editor")


def error_of(response) -> dict:
    body = response.json()
    assert set(body) == {"error"}, body
    assert set(body["error"]) == {"code", "message", "details"}, body
    return body["error"]
