"""The API's documentation works offline in a real browser: Swagger UI and ReDoc load their
scripts from this origin and render the schema, for a signed-in user only."""

import pytest

from tests.browser.conftest import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize(
    ("path", "ready"), [("/api/docs/", ".swagger-ui .info .title"), ("/api/redoc/", "h1")]
)
def test_the_api_documentation_renders_offline(page, demo_site, screenshot, path, ready):
    log_in(page, demo_site, "analyst")
    page.wait_for_load_state("load")  # the dashboard's charts, before leaving it
    failed = []
    page.on("requestfailed", lambda request: failed.append(request.url))
    page.on("console", lambda message: message.type == "error" and failed.append(message.text))
    page.goto(f"{demo_site}{path}")
    page.wait_for_selector(ready, timeout=30000)
    assert "conflictdesk API" in page.inner_text(ready)
    # Nothing of ours missing or blocked; ReDoc's attempt at Google Fonts is refused by
    # the CSP, which is the point (offline, nothing fetched from elsewhere).
    ours = [entry for entry in failed if demo_site in entry and "fonts.googleapis" not in entry]
    assert ours == []
    assert not [entry for entry in failed if "script" in entry.lower()]
    screenshot("api-" + path.strip("/").split("/")[-1])
