"""Who may use the API: tokens (hashed, scoped, expiring, revocable) and sessions."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.test import override_settings
from knox.crypto import hash_token
from knox.models import AuthToken
from rest_framework.test import APIClient

from accounts.models import ApiToken
from accounts.services import api_token_create, api_token_revoke
from claims.models import Claim
from tests.api.conftest import client_for, error_of, token_client
from tests.factories import ClaimFactory, UserFactory

pytestmark = pytest.mark.django_db

READ_URLS = ["/api/v1/claims/", "/api/v1/actors/", "/api/v1/articles/", "/api/v1/stories/",
             "/api/v1/tags/"]  # fmt: skip


@pytest.mark.parametrize("url", READ_URLS)
def test_an_anonymous_request_gets_401_with_the_scheme_to_use(url):
    response = APIClient().get(url)
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"
    assert error_of(response)["code"] == "not_authenticated"


@pytest.mark.parametrize("url", READ_URLS)
def test_an_outsider_without_a_role_sees_nothing(url):
    assert client_for(None).get(url).status_code == 403
    assert token_client(None).get(url).status_code == 403


@pytest.mark.parametrize("url", READ_URLS)
def test_an_analyst_reads_everything_with_a_session_or_a_read_only_token(url):
    assert client_for("analyst").get(url).status_code == 200
    assert token_client("analyst").get(url).status_code == 200


def test_a_read_only_token_cannot_write_even_for_an_editor():
    claim = ClaimFactory()
    client = token_client("editor", read_only=True)
    response = client.patch(
        f"/api/v1/claims/{claim.pk}/", {"status": "confirmed"}, format="json", HTTP_IF_MATCH="1"
    )
    assert response.status_code == 403
    assert error_of(response)["code"] == "read_only_token"
    claim.refresh_from_db()
    assert (claim.status, claim.version) == ("proposed", 1)


def test_a_read_only_token_cannot_upload_articles():
    from django.core.files.uploadedfile import SimpleUploadedFile

    from sources.models import IngestedFile

    client = token_client("analyst", read_only=True)
    upload = {"files": [SimpleUploadedFile("x.txt", "عنوان\nنص".encode())]}
    response = client.post("/api/v1/ingest/", upload, format="multipart")
    assert response.status_code == 403
    assert error_of(response)["code"] == "read_only_token"
    assert not IngestedFile.objects.exists()


def test_a_write_token_writes_with_its_users_rights():
    claim = ClaimFactory()
    client = token_client("analyst", read_only=False)
    response = client.patch(
        f"/api/v1/claims/{claim.pk}/", {"status": "confirmed"}, format="json", HTTP_IF_MATCH="1"
    )
    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "confirmed"


def test_an_expired_token_gets_401():
    client = token_client("analyst", expiry=timedelta(seconds=-1))
    response = client.get("/api/v1/claims/")
    assert response.status_code == 401
    assert error_of(response)["code"] == "authentication_failed"


def test_a_revoked_token_gets_401():
    user = UserFactory(role="analyst")
    token, raw = api_token_create(user=user, name="x", read_only=True, expiry=None)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {raw}")
    assert client.get("/api/v1/claims/").status_code == 200
    api_token_revoke(token=token)
    assert client.get("/api/v1/claims/").status_code == 401
    assert not ApiToken.objects.exists()


def test_a_wrong_token_gets_401():
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token " + "0" * 64)
    assert client.get("/api/v1/claims/").status_code == 401


def test_a_token_of_bytes_that_are_not_utf8_gets_401_not_an_error():
    # The header arrives as latin-1 text; "é" is the byte 0xE9, no UTF-8 of its own.
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token " + "é" * 64)
    response = client.get("/api/v1/claims/")
    assert response.status_code == 401
    assert error_of(response)["code"] == "authentication_failed"


def test_the_token_is_stored_hashed_and_the_raw_token_is_nowhere_in_the_database():
    user = UserFactory(role="analyst")
    token, raw = api_token_create(user=user, name="x", read_only=True, expiry=None)
    stored = [
        *AuthToken.objects.values_list(),
        *ApiToken.objects.values_list(),
    ]
    assert raw not in repr(stored)
    assert token.auth_token.digest == hash_token(raw)
    assert len(raw) >= 64


def test_a_token_made_on_the_command_line_is_printed_once_and_works(capsys):
    UserFactory(username="reporter", role="analyst")
    call_command("create_api_token", "reporter", "--read-only", "--expires", "30", "--name", "bot")
    raw = capsys.readouterr().out.strip()
    token = ApiToken.objects.get()
    assert (token.name, token.read_only) == ("bot", True)
    assert token.auth_token.expiry is not None
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {raw}")
    assert client.get("/api/v1/claims/").status_code == 200


def test_an_admin_makes_a_token_for_a_user_in_the_admin_and_sees_it_once(client):
    admin = UserFactory(role="admin", is_staff=True)
    reader = UserFactory(role="analyst")
    client.force_login(admin)
    response = client.post(
        "/admin/accounts/apitoken/add/",
        {"user": reader.pk, "name": "newsroom feed", "read_only": "on", "expires_in_days": "90"},
        follow=True,
    )
    assert response.status_code == 200
    last_words = [str(m).rsplit(" ", 1)[-1] for m in response.context["messages"]]
    (raw,) = [word for word in last_words if len(word) == 64]
    token = ApiToken.objects.get()
    assert (token.auth_token.user, token.read_only, token.created_by) == (reader, True, admin)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {raw}")
    assert api.get("/api/v1/claims/").status_code == 200


def test_an_admin_lists_and_revokes_tokens_in_the_admin(client):
    admin = UserFactory(role="admin", is_staff=True)
    token, raw = api_token_create(
        user=UserFactory(role="analyst"), name="old feed", read_only=True, expiry=None
    )
    client.force_login(admin)
    listing = client.get("/admin/accounts/apitoken/")
    assert listing.status_code == 200
    assert "old feed" in listing.content.decode()
    assert raw not in listing.content.decode()
    response = client.post(
        "/admin/accounts/apitoken/",
        {"action": "revoke", "_selected_action": [token.pk]},
    )
    assert response.status_code == 302
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {raw}")
    assert api.get("/api/v1/claims/").status_code == 401


def test_an_analyst_cannot_manage_tokens_in_the_admin(client):
    client.force_login(UserFactory(role="analyst", is_staff=True))
    assert client.get("/admin/accounts/apitoken/add/").status_code == 403


@override_settings(
    REST_FRAMEWORK={
        **__import__("django.conf").conf.settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"api": "3/min"},
    }
)
def test_each_token_is_throttled_with_429_and_retry_after():
    ClaimFactory()
    client = token_client("analyst")
    for _ in range(3):
        assert client.get("/api/v1/claims/").status_code == 200
    response = client.get("/api/v1/claims/")
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    error = error_of(response)
    assert error["code"] == "throttled"
    assert error["details"]["wait"] == int(response["Retry-After"])
    # Another token, even of another client, has its own budget.
    assert token_client("analyst").get("/api/v1/claims/").status_code == 200
    assert Claim.objects.count() == 1


# What authenticating and checking permissions cost per request, and that what the
# cache keeps never outlives a change of role.


def _queries_on(client, url: str) -> list[str]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as context:
        assert client.get(url).status_code == 200
    return [query["sql"] for query in context.captured_queries]


def test_a_token_request_reads_the_token_user_and_scope_in_one_query_and_roles_once(settings):
    settings.CONFLICTDESK_PERMISSION_CACHE = True  # the default with a shared cache
    client = token_client("analyst")
    first = _queries_on(client, "/api/v1/tags/")
    assert sum("auth_permission" in sql for sql in first) == 2  # own and groups', once
    again = _queries_on(client, "/api/v1/tags/")
    auth = [sql for sql in again if "knox_authtoken" in sql or "accounts_apitoken" in sql]
    assert len(auth) == 1
    assert "accounts_apitoken" in auth[0]
    assert "auth_user" in auth[0]
    assert not [sql for sql in again if "auth_permission" in sql]


def test_a_bare_knox_token_reads_as_its_user_and_cannot_write():
    """A knox token made outside accounts.services has no ApiToken: the safe scope."""
    editor = UserFactory(role="editor")
    claim = ClaimFactory()
    _, raw = AuthToken.objects.create(user=editor)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {raw}")
    response = client.get(f"/api/v1/claims/{claim.pk}/")
    assert response.status_code == 200
    write = client.patch(
        f"/api/v1/claims/{claim.pk}/", {"status": "confirmed"}, format="json",
        HTTP_IF_MATCH=response["ETag"],
    )  # fmt: skip
    assert write.status_code == 403
    assert error_of(write)["code"] == "read_only_token"


@pytest.mark.parametrize("use_token", [True, False])
def test_a_role_taken_away_is_refused_at_the_next_request(use_token, settings):
    settings.CONFLICTDESK_PERMISSION_CACHE = True  # what the cache keeps must not outlive it
    from django.contrib.auth.models import Group

    user = UserFactory(role="analyst")
    if use_token:
        _, raw = api_token_create(user=user, name="t", read_only=True, expiry=None)
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {raw}")
    else:
        client = APIClient()
        client.force_login(user)
    assert client.get("/api/v1/claims/").status_code == 200
    assert client.get("/api/v1/claims/").status_code == 200  # now from the cache
    user.groups.remove(Group.objects.get(name="analyst"))
    assert client.get("/api/v1/claims/").status_code == 403
    user.groups.add(Group.objects.get(name="editor"))
    assert client.get("/api/v1/claims/").status_code == 200


def test_a_permission_taken_from_a_group_is_refused_at_the_next_request(settings):
    settings.CONFLICTDESK_PERMISSION_CACHE = True  # what the cache keeps must not outlive it
    from django.contrib.auth.models import Group, Permission

    client = token_client("analyst")
    assert client.get("/api/v1/tags/").status_code == 200
    analyst = Group.objects.get(name="analyst")
    analyst.permissions.remove(Permission.objects.get(codename="view_tag"))
    assert client.get("/api/v1/tags/").status_code == 403


def test_a_deactivated_user_is_refused_at_once(settings):
    settings.CONFLICTDESK_PERMISSION_CACHE = True  # what the cache keeps must not outlive it
    user = UserFactory(role="analyst")
    client = APIClient()
    client.force_login(user)
    assert client.get("/api/v1/claims/").status_code == 200
    user.is_active = False
    user.save()
    assert client.get("/api/v1/claims/").status_code in (401, 403)


def test_a_new_token_sweeps_the_users_expired_ones():
    user = UserFactory(role="analyst")
    api_token_create(user=user, name="old", read_only=True, expiry=timedelta(seconds=-1))
    api_token_create(user=user, name="kept", read_only=True, expiry=None)
    api_token_create(user=user, name="new", read_only=True, expiry=timedelta(days=1))
    assert sorted(ApiToken.objects.values_list("name", flat=True)) == ["kept", "new"]
    assert AuthToken.objects.filter(user=user).count() == 2


def test_an_expired_token_is_deleted_when_it_is_used():
    client = token_client("analyst", expiry=timedelta(seconds=-1))
    assert AuthToken.objects.count() == 1
    assert client.get("/api/v1/claims/").status_code == 401
    assert not AuthToken.objects.exists()


def test_without_a_shared_cache_permissions_are_read_at_every_request(settings):
    settings.CONFLICTDESK_PERMISSION_CACHE = False  # the default without CACHE_URL
    client = token_client("analyst")
    _queries_on(client, "/api/v1/tags/")
    again = _queries_on(client, "/api/v1/tags/")
    assert sum("auth_permission" in sql for sql in again) == 2


def test_manage_check_warns_when_permissions_are_kept_in_a_cache_of_one_process(settings):
    from django.core.checks import run_checks

    def warnings() -> list[str]:
        return [message.id for message in run_checks() if message.id == "accounts.W001"]

    settings.CONFLICTDESK_PERMISSION_CACHE = True
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    assert warnings() == ["accounts.W001"]
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                                   "LOCATION": "redis://127.0.0.1:6379/2"}}  # fmt: skip
    assert warnings() == []
    settings.CONFLICTDESK_PERMISSION_CACHE = False
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    assert warnings() == []
