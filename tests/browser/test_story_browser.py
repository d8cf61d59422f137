"""An analyst reads a story's board and an article in a real headless Chromium."""

import pytest
from django.db.models import Count

from claims.models import Claim
from sources.models import Article, Story
from tests.browser.conftest import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_analyst_sees_each_party_in_its_column_and_the_answers_lined_up(
    page, screenshot, demo_site
):
    # The story where an accusation has an answer from another party (the seed corpus:
    # the SDF accuses Division 86; the Ministry of Defense and the government answer).
    answered = Claim.objects.filter(
        type=Claim.Type.ACCUSATION, responses__isnull=False, story__isnull=False
    ).values_list("story_id", flat=True)
    story = Story.objects.filter(pk__in=answered).annotate(n=Count("claims")).order_by("-n")[0]
    log_in(page, demo_site, "analyst")
    page.goto(f"{demo_site}/stories/")
    page.click(f"tr[data-story='{story.pk}'] a")
    page.wait_for_selector("table.story-board")
    assert page.locator("html").get_attribute("dir") == "rtl"

    heads = page.locator("table.story-board thead th[data-party]")
    assert heads.count() >= 2
    # Right to left: the first party's column stands to the right of the second's.
    first, second = heads.nth(0).bounding_box(), heads.nth(1).bounding_box()
    assert first["x"] > second["x"]
    # A row holds an accusation and an answer in two different party columns, each
    # under its party's header.
    lined_up = page.evaluate(
        """() => {
          const parties = [...document.querySelectorAll('thead th[data-party]')]
            .map(th => th.dataset.party);
          return [...document.querySelectorAll('tr.answer-row')].some(row => {
            const cells = [...row.querySelectorAll('td[data-party]')];
            const full = cells.filter(td => td.querySelector('[data-claim]'));
            return full.length >= 2 && cells.every((td, i) => td.dataset.party === parties[i]);
          });
        }"""
    )
    assert lined_up
    # Every card opens its claim.
    card = page.locator("tr.answer-row .claim-card").first
    claim_id = card.get_attribute("data-claim")
    assert card.locator("a.claim-text").get_attribute("href") == f"/claims/{claim_id}/"
    screenshot("story-view")

    # The spread timelines open all at once (static/js/story.js).
    page.click("[data-spread-toggle]")
    assert page.locator("table.story-board details.spread:not([open])").count() == 0
    assert page.locator("table.story-board ol.timeline li").count() >= 1


def test_an_analyst_reads_an_article_with_its_mentions_highlighted(page, screenshot, demo_site):
    article = Article.objects.annotate(n=Count("mentions")).order_by("-n", "pk")[0]
    log_in(page, demo_site, "analyst")
    page.goto(f"{demo_site}/articles/")
    page.click(f"tr[data-article='{article.pk}'] td a")
    page.wait_for_selector(".article-body")
    marks = page.locator(".article-body mark.mention")
    assert marks.count() >= 1
    # What the browser shows is the body, piece by piece, at the offsets the server gave.
    segments = page.evaluate(
        """() => [...document.querySelectorAll('.article-body .seg')].map(
             s => [Number(s.dataset.offset), Number(s.dataset.end), s.textContent])"""
    )
    body = Article.objects.get(pk=article.pk).body
    assert segments
    for start, end, text in segments:
        assert body[start:end] == text
    # Each type has its colour: an accusation and a denial are not underlined alike.
    colours = page.evaluate(
        """() => Object.fromEntries(
             [...document.querySelectorAll('.article-body mark.mention')].map(m => [
               m.className.match(/type-(\\w+)/)[1], getComputedStyle(m).borderBottomColor,
             ]))"""
    )
    assert len(set(colours.values())) == len(colours) >= 2
    # An analyst reads; only editors get the attribution panel.
    assert page.locator("#attribute-form").count() == 0
    screenshot("article-reader")
