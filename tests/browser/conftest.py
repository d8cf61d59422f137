import os
import shutil
from pathlib import Path

import pytest

from tests.conftest import REPO, missing_service

ARTIFACTS = REPO / "test-artifacts" / "screenshots"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def chromium_path() -> str | None:
    return os.environ.get("CHROMIUM") or shutil.which("chromium")


@pytest.fixture(scope="session")
def browser():
    path = chromium_path()
    if not path:
        missing_service("Debian's chromium is not installed (apt-get install chromium)")
    # Playwright's sync API runs an event loop in this thread; the ORM calls the test
    # itself makes are synchronous and safe.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=path, args=CHROMIUM_ARGS)
            yield browser
            browser.close()
    finally:
        del os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"]


@pytest.fixture
def page(browser):
    context = browser.new_context(locale="ar", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def screenshot(page):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)

    def take(name: str) -> Path:
        path = ARTIFACTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take


@pytest.fixture
def demo_site(live_server):
    """The README's demo: registry, demo users and the sample articles, served live."""
    import io

    from django.core.management import call_command

    call_command("load_registry", stdout=io.StringIO())
    call_command("demo_users", stdout=io.StringIO())
    call_command("ingest", str(REPO / "samples" / "articles"), stdout=io.StringIO())
    return live_server.url


DEMO_PASSWORDS = {
    "analyst": "analyst-demo-2026",
    "editor": "editor-demo-2026",
    "admin": "admin-demo-2026",
}


def log_in(page, url: str, username: str, password: str | None = None) -> None:
    """Sign in through the app's own login page; lands on the dashboard."""
    page.goto(f"{url}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password or DEMO_PASSWORDS[username])
    page.click("main form button[type=submit]")
    page.wait_for_load_state("domcontentloaded")
    assert "/accounts/login/" not in page.url, f"{username} could not sign in"
