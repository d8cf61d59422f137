"""Login is required everywhere; roles decide what each person may do."""

import pytest
from django.urls import reverse

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def roles():
    from conflictdesk.roles import roles_sync

    roles_sync()


def login(client, role=None, *, staff=True):
    user = UserFactory(role=role, is_staff=staff)
    client.force_login(user)
    return user


def test_the_health_check_answers_without_login(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"database": "ok"}


@pytest.mark.parametrize("url", ["/", "/admin/", "/admin/claims/claim/", "/admin/sources/article/"])
def test_an_anonymous_visitor_is_sent_to_the_login_page(client, url):
    response = client.get(url, follow=True)
    assert response.redirect_chain, f"{url} answered without login"
    assert "/login/" in response.redirect_chain[-1][0]


def test_an_outsider_without_a_role_sees_no_data(client, roles):
    login(client, role=None, staff=False)
    for url in ("/admin/claims/claim/", "/admin/claims/actor/", "/admin/sources/article/"):
        response = client.get(url)
        assert response.status_code == 302, url
        assert reverse("admin:login") in response["Location"]


@pytest.mark.parametrize(
    ("role", "url", "status"),
    [
        ("analyst", "/admin/claims/claim/", 200),
        ("analyst", "/admin/claims/actor/", 200),
        ("analyst", "/admin/claims/actor/add/", 403),
        ("analyst", "/admin/claims/mention/add/", 403),
        ("analyst", "/admin/auth/user/", 403),
        ("editor", "/admin/claims/actor/add/", 200),
        ("editor", "/admin/claims/mention/add/", 200),
        ("editor", "/admin/auth/user/", 403),
        ("admin", "/admin/auth/user/", 200),
    ],
)
def test_each_role_may_do_what_the_design_table_says(client, roles, role, url, status):
    login(client, role)
    assert client.get(url).status_code == status


def test_pages_carry_a_content_security_policy_without_inline_script(client):
    response = client.get(reverse("admin:login"))
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    assert "unsafe-inline" not in policy
    assert response["X-Frame-Options"] == "DENY"


def test_the_ui_is_arabic_and_right_to_left_by_default(client):
    html = client.get(reverse("admin:login")).content.decode()
    assert '<html lang="ar" dir="rtl"' in html
