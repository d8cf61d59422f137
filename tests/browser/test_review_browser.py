"""An analyst reviews in a real browser: the keyboard confirms and tags in the queue, and
the claim page shows the mention marked in its article's text."""

import pytest

from claims.models import Claim
from tests.browser.conftest import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def focused_id(page) -> int:
    return int(page.locator(".review-item.focused").get_attribute("data-claim-id"))


def test_an_analyst_confirms_and_tags_with_the_keyboard_then_reads_a_claim(
    page, screenshot, demo_site
):
    log_in(page, demo_site, "analyst")
    page.goto(f"{demo_site}/review/")
    first = focused_id(page)
    assert first == Claim.objects.filter(status="proposed").order_by("created_at", "id")[0].pk

    page.keyboard.press("c")
    item = page.locator(f"#review-item-{first}")
    item.locator("[data-status=confirmed]").first.wait_for()
    assert item.get_attribute("data-status") == "confirmed"
    assert Claim.objects.get(pk=first).status == "confirmed"
    # Focus moved on to the next proposed claim.
    page.wait_for_function(
        f"document.querySelector('.review-item.focused').dataset.claimId !== '{first}'"
    )
    second = focused_id(page)
    assert second != first

    page.keyboard.press("j")
    page.keyboard.press("k")
    assert focused_id(page) == second
    page.keyboard.press("t")
    tag_input = page.locator(f"#review-item-{second} .tag-input")
    assert tag_input.evaluate("element => element === document.activeElement")
    tag_input.fill("تنسيق مع داعش")
    tag_input.press("Enter")
    page.locator(f"#review-item-{second} .badge", has_text="تنسيق مع داعش").wait_for()
    assert list(Claim.objects.get(pk=second).tags.values_list("label_ar", flat=True)) == [
        "تنسيق مع داعش"
    ]
    assert Claim.objects.get(pk=second).status == "proposed"

    page.keyboard.press("?")
    assert page.locator("#review-help").is_visible()
    page.keyboard.press("?")
    assert not page.locator("#review-help").is_visible()
    page.locator(".review-item.focused").scroll_into_view_if_needed()
    screenshot("review-queue")

    claim = Claim.objects.get(pk=first)
    mention = claim.mentions.select_related("article").order_by("id").first()
    page.goto(f"{demo_site}/claims/{first}/")
    card = page.locator(f"#mention-{mention.pk}")
    mark = card.locator(".mention-sentence mark.mention")
    mark.wait_for()
    text = mention.article.title if mention.in_title else mention.article.body
    assert mark.inner_text() == text[mention.start : mention.end]
    assert page.locator("header.claim-header [data-status=confirmed]").count() == 1
    screenshot("claim-detail")
