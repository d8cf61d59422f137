"""The API's documentation works offline in a real browser: Swagger UI and ReDoc load their
scripts from this origin and render the schema, for a signed-in user only."""

import pytest

from tests.browser.conftest import ARTIFACTS, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize(
    ("path", "ready"), [("/api/docs/", ".swagger-ui .info .title"), ("/api/redoc/", "h1")]
)
def test_the_api_documentation_renders_offline(page, demo_site, path, ready):
    log_in(page, demo_site, "analyst")
    # A fresh tab of the signed-in session: a request the dashboard still had in flight
    # (its favicon, say) is aborted when that tab moves on, and is not the docs' failure.
    docs = page.context.new_page()
    failed = []
    docs.on("requestfailed", lambda request: failed.append(request.url))
    docs.on("console", lambda message: message.type == "error" and failed.append(message.text))
    docs.goto(f"{demo_site}{path}")
    docs.wait_for_selector(ready, timeout=30000)
    assert "conflictdesk API" in docs.inner_text(ready)
    # Nothing of ours missing or blocked; ReDoc's attempt at Google Fonts is refused by
    # the CSP, which is the point (offline, nothing fetched from elsewhere).
    ours = [entry for entry in failed if demo_site in entry and "fonts.googleapis" not in entry]
    assert ours == []
    assert not [entry for entry in failed if "script" in entry.lower()]
    docs.bring_to_front()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    docs.screenshot(
        path=str(ARTIFACTS / f"api-{path.strip('/').split('/')[-1]}.png"), full_page=True
    )
