"""The README's demo, walked through in a real headless Chromium as the people who use it:
an analyst filters the claims, opens one, confirms and tags it; the UI switches to English
and back; Arabic text is laid out right to left in the vendored Amiri font. Screenshots of
the main pages in both languages are saved as test artifacts."""

import re

import pytest

from claims.models import Claim, ClaimEvent
from sources.models import Story
from tests.browser.conftest import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_analyst_filters_opens_confirms_and_tags_a_claim(page, demo_site, screenshot):
    log_in(page, demo_site, "analyst")
    assert page.url.rstrip("/") == demo_site.rstrip("/")
    screenshot("journey-1-dashboard")

    page.click("nav a[href='/claims/']")
    page.select_option("#filter-type", "accusation")
    page.fill("#filter-q", "داعش")
    page.click("#filter-apply")
    page.wait_for_load_state("domcontentloaded")
    assert "type=accusation" in page.url
    assert "q=" in page.url
    rows = page.locator("tr.claim-row")
    assert rows.count() > 0
    screenshot("journey-2-filtered-list")

    first_id = int(rows.first.get_attribute("id").removeprefix("claim-"))
    claim = Claim.objects.get(pk=first_id)
    assert claim.type == "accusation"
    rows.first.locator("a.claim-link").click()
    page.wait_for_url(re.compile(rf"/claims/{first_id}/$"))

    page.click(".claim-actions form:has(input[value=confirm]) button")
    page.wait_for_selector(".claim-actions form:has(input[value=confirm]) button[disabled]")
    page.reload()
    claim.refresh_from_db()
    assert claim.status == "confirmed"

    page.fill("#claim-tags", "تنسيق مع داعش")
    page.click(".claim-actions form:has(#claim-tags) button")
    page.wait_for_selector(".claim-actions input[name=remove]", state="attached")
    page.reload()
    claim.refresh_from_db()
    assert [t.label_ar for t in claim.tags.all()] == ["تنسيق مع داعش"]
    actions = set(ClaimEvent.objects.filter(claim=claim).values_list("action", flat=True))
    assert {"confirm"} <= actions or {"confirmed"} <= actions, actions
    assert "تنسيق مع داعش" in page.inner_text(".claim-actions")
    screenshot("journey-3-claim-confirmed-and-tagged")


def test_the_ui_switches_to_english_and_back_and_arabic_uses_the_vendored_font(
    page, demo_site, screenshot
):
    log_in(page, demo_site, "analyst")
    html = page.locator("html")
    assert (html.get_attribute("lang"), html.get_attribute("dir")) == ("ar", "rtl")
    assert page.evaluate("getComputedStyle(document.body).direction") == "rtl"
    # The Amiri face of static/vendor is the one the text is drawn with.
    page.evaluate("document.fonts.ready")
    assert page.evaluate("document.fonts.check('16px Amiri', 'قسد')")
    loaded = page.evaluate(
        "[...document.fonts].filter(f => f.family.replace(/\"/g, '') === 'Amiri'"
        " && f.status === 'loaded').length"
    )
    assert loaded >= 1
    assert "Amiri" in page.evaluate("getComputedStyle(document.body).fontFamily")

    page.click(".language-switcher button[value=en]")
    page.wait_for_load_state("domcontentloaded")
    assert (html.get_attribute("lang"), html.get_attribute("dir")) == ("en", "ltr")
    assert page.evaluate("getComputedStyle(document.body).direction") == "ltr"
    assert "Claims" in page.inner_text("nav")
    assert "ادعاءات" not in page.inner_text("nav")
    screenshot("journey-4-dashboard-en")

    page.click(".language-switcher button[value=ar]")
    page.wait_for_load_state("domcontentloaded")
    assert (html.get_attribute("lang"), html.get_attribute("dir")) == ("ar", "rtl")


MAIN_PAGES = [
    ("dashboard", "/"),
    ("claims", "/claims/"),
    ("review", "/review/"),
    ("stories", "/stories/"),
    ("articles", "/articles/"),
    ("actors", "/actors/"),
    ("tags", "/tags/"),
    ("ingest", "/ingest/"),
]


def test_screenshots_of_the_main_pages_in_both_languages(page, demo_site, screenshot):
    log_in(page, demo_site, "editor")
    story = Story.objects.filter(merged_into__isnull=True).order_by("-pk").first()
    claim = Claim.objects.order_by("pk").first()
    pages = [
        *MAIN_PAGES,
        ("story", f"/stories/{story.pk}/"),
        ("claim", f"/claims/{claim.pk}/"),
        ("article", f"/articles/{claim.mentions.first().article_id}/"),
        ("actor", f"/actors/{claim.claimant_id}/"),
    ]
    for language in ("ar", "en"):
        if language == "en":
            page.click(".language-switcher button[value=en]")
            page.wait_for_load_state("domcontentloaded")
        for name, path in pages:
            response = page.goto(f"{demo_site}{path}")
            assert response.status == 200, path
            assert page.locator("html").get_attribute("lang") == language
            # Nothing the page needs failed to load (scripts, styles, fonts, charts).
            broken = page.evaluate(
                "[...document.images].filter(i => i.complete && i.naturalWidth === 0).length"
            )
            assert broken == 0, path
            screenshot(f"page-{name}-{language}")
