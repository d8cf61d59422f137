"""An analyst opens the dashboard in a real Chromium: counts, both charts, then an actor."""

import pytest

from claims.models import Actor
from tests.browser.conftest import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def chart_widths(page) -> list[int]:
    return page.evaluate(
        "Array.from(document.querySelectorAll('img.chart'), img => img.complete ? "
        "img.naturalWidth : 0)"
    )


def test_the_analyst_sees_the_dashboard_charts_and_opens_an_actor(page, demo_site, screenshot):
    errors = []
    page.on("console", lambda message: message.type == "error" and errors.append(message.text))
    log_in(page, demo_site, "analyst")
    page.goto(f"{demo_site}/")
    page.wait_for_load_state("networkidle")
    assert page.locator("html").get_attribute("dir") == "rtl"
    assert page.locator("#count-claims .count").inner_text().strip().isdigit()
    # Both charts were drawn, served and decoded by the browser.
    page.wait_for_function(
        "Array.from(document.querySelectorAll('img.chart')).every("
        "img => img.complete && img.naturalWidth > 0)"
    )
    widths = chart_widths(page)
    assert len(widths) == 2
    assert all(width > 0 for width in widths)
    assert not [e for e in errors if "Content Security Policy" in e], errors
    screenshot("dashboard")

    # The actor list finds the SDF by its Arabic acronym.
    sdf = Actor.objects.get(key="sdf")
    page.goto(f"{demo_site}/actors/?q=قسد")
    link = page.locator(f"#actor-table a.actor-link[href$='/actors/{sdf.pk}/']")
    assert link.count() == 1
    link.click()
    page.wait_for_load_state("domcontentloaded")
    assert page.locator("#actor-name").inner_text().strip() == sdf.name_ar
    assert int(page.locator("#count-made").inner_text()) == sdf.claims_made.count()
    assert page.locator("#alias-table .alias-row").count() == sdf.aliases.count()
    # An analyst reads; the editors' forms are not there.
    assert page.locator("#alias-form").count() == 0
    assert page.locator("#merge-form").count() == 0
    screenshot("actor-page")

    page.goto(f"{demo_site}/tags/")
    assert page.locator("#tag-form").count() == 1
    page.fill("#id_label_ar", "اشتباكات الرقة")
    page.fill("#id_label_en", "Raqqa clashes")
    page.locator("#tag-form button[type=submit]").click()
    page.wait_for_load_state("domcontentloaded")
    assert page.locator("#tag-table tr[data-tag='raqqa-clashes']").count() == 1
    screenshot("tags")


def test_an_actor_page_opens_from_the_dashboard(page, demo_site):
    log_in(page, demo_site, "analyst")
    page.goto(f"{demo_site}/")
    first = page.locator("#newest-title ~ .table-responsive tbody tr td:nth-child(2) a").first
    href = first.get_attribute("href")
    first.click()
    page.wait_for_load_state("domcontentloaded")
    assert page.url.endswith(href)
    assert page.locator("#actor-name").count() == 1
