"""An analyst searches the claim list in a real headless Chromium and narrows it down."""

from urllib.parse import parse_qs, urlparse

import pytest

from claims.models import Claim
from claims.search import claim_search
from tests.browser.conftest import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def shown_ids(page) -> list[int]:
    return [
        int(row.get_attribute("id").removeprefix("claim-"))
        for row in page.locator("tr.claim-row").all()
    ]


def sign_in_in_arabic(page, url: str) -> None:
    log_in(page, url, "analyst")
    page.goto(f"{url}/claims/")
    if page.locator("html").get_attribute("lang") != "ar":
        page.click("button[name=language][value=ar]")
        page.wait_for_load_state("domcontentloaded")


def test_an_analyst_searches_for_isis_and_keeps_only_accusations(page, demo_site, screenshot):
    sign_in_in_arabic(page, demo_site)
    assert page.locator("html").get_attribute("dir") == "rtl"
    everything = page.locator("tr.claim-row").count()
    assert everything > 0

    page.fill("#filter-q", "داعش")
    page.click("#filter-apply")
    page.wait_for_selector("tr.claim-row")
    found = shown_ids(page)
    expected = claim_search(Claim.objects.order_by("-created_at", "-id"), "داعش")
    assert found == list(expected.values_list("pk", flat=True)[:50])
    assert 0 < len(found) < everything

    page.select_option("#filter-type", "accusation")
    page.click("#filter-apply")
    page.wait_for_load_state("domcontentloaded")
    params = parse_qs(urlparse(page.url).query)
    assert params == {"q": ["داعش"], "type": ["accusation"]}
    accusations = shown_ids(page)
    assert accusations
    assert set(accusations) < set(found)
    badges = page.locator("tr.claim-row .badge.claim-type")
    assert badges.count() == len(accusations)
    for index in range(badges.count()):
        assert "type-accusation" in badges.nth(index).get_attribute("class")
    # The form shows what the URL holds, and the export links carry it.
    assert page.input_value("#filter-q") == "داعش"
    csv_link = page.get_attribute("#export-csv", "href")
    assert parse_qs(urlparse(csv_link).query) == params

    # The URL alone gives the same list: it can be saved or shared.
    page.goto(page.url)
    assert shown_ids(page) == accusations
    screenshot("claim-list")
