"""Login lockout (django-axes), CSRF on the login and on actions, the Content Security
Policy of UI pages, and the production settings behind `check --deploy`."""

import json
import re
import secrets

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from sources.models import IngestedFile
from tests.conflictdesk.test_settings import manage
from tests.factories import IngestedFileFactory, UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "a-long-test-password"  # tests.factories.UserFactory's
LOGIN = "/accounts/login/"


@pytest.fixture(autouse=True)
def roles(db):
    from conflictdesk.roles import roles_sync

    roles_sync()


def log_in(client: Client, username: str, password: str, ip: str = "10.0.0.1"):
    return client.post(LOGIN, {"username": username, "password": password}, REMOTE_ADDR=ip)


def signed_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


def test_five_wrong_passwords_lock_the_account_even_against_the_right_one(client, settings):
    assert settings.AXES_FAILURE_LIMIT == 5
    victim = UserFactory(role="analyst")
    for attempt in range(1, 5):
        response = log_in(client, victim.username, f"wrong-{attempt}")
        assert response.status_code == 200, attempt  # the form again, with its error
        assert response.context["form"].errors
    response = log_in(client, victim.username, "wrong-5")
    assert response.status_code == 429
    response = log_in(client, victim.username, PASSWORD)
    assert response.status_code == 429
    assert not signed_in(client)
    # The login view runs, then django-axes' middleware answers with the lockout page.
    assert "registration/lockout.html" in [t.name for t in response.templates]
    assert 'role="alert"' in response.content.decode()
    assert 'name="password"' not in response.content.decode()


def test_a_lockout_touches_neither_other_users_nor_the_same_user_elsewhere(client):
    victim = UserFactory(role="analyst")
    colleague = UserFactory(role="editor")
    for attempt in range(5):
        log_in(client, victim.username, f"wrong-{attempt}")
    assert log_in(client, victim.username, PASSWORD).status_code == 429

    other = Client()
    response = log_in(other, colleague.username, PASSWORD)
    assert response.status_code == 302
    assert response["Location"] == reverse("claims:dashboard")
    assert signed_in(other)
    # The lock is per username and address (AXES_LOCKOUT_PARAMETERS).
    elsewhere = Client()
    assert log_in(elsewhere, victim.username, PASSWORD, ip="10.0.0.2").status_code == 302


def test_a_success_before_the_limit_resets_the_count(client):
    user = UserFactory(role="analyst")
    for attempt in range(4):
        log_in(client, user.username, f"wrong-{attempt}")
    assert log_in(client, user.username, PASSWORD).status_code == 302
    client.logout()
    for attempt in range(4):
        assert log_in(client, user.username, f"again-{attempt}").status_code == 200
    assert log_in(client, user.username, PASSWORD).status_code == 302


def csrf_token_from(response) -> str:
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', response.content.decode())[1]


def test_the_login_form_needs_its_csrf_token():
    user = UserFactory(role="analyst")
    browser = Client(enforce_csrf_checks=True)
    response = browser.post(LOGIN, {"username": user.username, "password": PASSWORD})
    assert response.status_code == 403
    assert not signed_in(browser)
    token = csrf_token_from(browser.get(LOGIN))
    response = browser.post(
        LOGIN, {"username": user.username, "password": PASSWORD, "csrfmiddlewaretoken": token}
    )
    assert response.status_code == 302
    assert signed_in(browser)


def test_actions_need_the_csrf_token_as_a_field_or_a_header(django_capture_on_commit_callbacks):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(UserFactory(role="analyst"))
    failed = IngestedFileFactory(status="failed", error="database was down")
    retry = reverse("sources:retry", args=[failed.pk])
    assert browser.post(retry).status_code == 403
    failed.refresh_from_db()
    assert failed.status == "failed"
    upload = {"files": [SimpleUploadedFile("x.txt", "عنوان\nنص الخبر.".encode())]}
    assert browser.post(reverse("sources:ingest"), upload).status_code == 403
    assert IngestedFile.objects.count() == 1

    token = csrf_token_from(browser.get(reverse("sources:ingest")))
    with django_capture_on_commit_callbacks(execute=True):
        assert browser.post(retry, {"csrfmiddlewaretoken": token}).status_code == 302
    failed.refresh_from_db()
    assert failed.status != "failed"
    # What static/js/ingest.js sends: the page's token in the X-CSRFToken header.
    response = browser.post(
        reverse("sources:ingest"),
        {"files": [SimpleUploadedFile("y.txt", "عنوان\nنص آخر.".encode())]},
        HTTP_X_CSRFTOKEN=token,
        HTTP_ACCEPT="application/json",
    )
    assert response.status_code == 202


UI_PAGES = [
    "claims:dashboard",
    "claims:list",
    "claims:review",
    "claims:actor_list",
    "claims:tag_list",
    "sources:story_list",
    "sources:article_list",
    "sources:ingest",
]


@pytest.mark.parametrize("name", UI_PAGES)
def test_ui_pages_carry_a_policy_without_unsafe_inline(client, name):
    client.force_login(UserFactory(role="analyst"))
    response = client.get(reverse(name))
    policy = response["Content-Security-Policy"]
    directives = dict(
        (part.split()[0], part.split()[1:]) for part in policy.split(";") if part.strip()
    )
    assert "unsafe-inline" not in policy
    assert "unsafe-eval" not in policy
    assert directives["script-src"] == ["'self'"]
    assert directives["style-src"] == ["'self'"]
    assert directives["object-src"] == ["'none'"]
    assert directives["frame-ancestors"] == ["'none'"]


@pytest.mark.parametrize("url", [LOGIN, "/ingest/"])
def test_pages_hold_no_inline_script_or_style_the_policy_would_block(client, url):
    client.force_login(UserFactory(role="analyst"))
    html = client.get(url).content.decode()
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html)
    assert not re.search(r"<[^>]+\son[a-z]+\s*=", html)
    assert not re.search(r"<[^>]+\sstyle\s*=", html)
    assert "<style" not in html


def test_production_settings_lock_cookies_transport_and_logins_down():
    code = (
        "import json; from django.conf import settings as s; print(json.dumps({"
        "'session_secure': s.SESSION_COOKIE_SECURE, 'csrf_secure': s.CSRF_COOKIE_SECURE,"
        "'session_httponly': s.SESSION_COOKIE_HTTPONLY, 'ssl_redirect': s.SECURE_SSL_REDIRECT,"
        "'hsts': s.SECURE_HSTS_SECONDS, 'debug': s.DEBUG, 'frames': s.X_FRAME_OPTIONS,"
        "'axes_backend': s.AUTHENTICATION_BACKENDS[0], 'axes_last': s.MIDDLEWARE[-1],"
        "'axes_limit': s.AXES_FAILURE_LIMIT}))"
    )
    result = manage(
        "shell",
        "-c",
        code,
        DJANGO_ENV="production",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="desk.example.org",
    )
    assert result.returncode == 0, result.stderr
    found = json.loads(result.stdout.strip().splitlines()[-1])
    assert found == {
        "session_secure": True,
        "csrf_secure": True,
        "session_httponly": True,
        "ssl_redirect": True,
        "hsts": 31536000,
        "debug": False,
        "frames": "DENY",
        "axes_backend": "axes.backends.AxesStandaloneBackend",
        "axes_last": "axes.middleware.AxesMiddleware",
        "axes_limit": 5,
    }
