"""An editor attributes a quote by selecting it in the article reader, in a real headless
Chromium: the span the browser selects is the span the server stores."""

import pytest

from claims.models import Actor, Claim, ClaimEvent, Mention
from sources.models import Article
from tests.browser.conftest import log_in
from tests.factories import ArticleFactory, StoryFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Select the first occurrence of a phrase in the element's text, across text nodes (a
# phrase may run over a highlight's edge), the way a mouse drag would, then let go.
SELECT_PHRASE = """([selector, phrase]) => {
  const root = document.querySelector(selector);
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
  const nodes = [];
  let text = "";
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    nodes.push([node, text.length]);
    text += node.data;
  }
  const at = text.indexOf(phrase);
  if (at < 0) return false;
  const locate = (index, isEnd) => {
    for (let i = nodes.length - 1; i >= 0; i--) {
      const [node, offset] = nodes[i];
      if (isEnd ? offset < index : offset <= index) return [node, index - offset];
    }
  };
  const range = document.createRange();
  range.setStart(...locate(at, false));
  range.setEnd(...locate(at + phrase.length, true));
  const selection = window.getSelection();
  selection.removeAllRanges();
  selection.addRange(range);
  root.dispatchEvent(new MouseEvent('mouseup', {bubbles: true}));
  return true;
}"""


def select(page, phrase: str, selector: str = ".article-body") -> None:
    assert page.evaluate(SELECT_PHRASE, [selector, phrase]), phrase
    page.wait_for_selector("#attribute-panel.show")


def save(page) -> None:
    with page.expect_navigation():
        page.click("#attribute-submit")
    page.wait_for_selector("mark.mention.current")


def test_an_editor_selects_a_sentence_and_attributes_it(page, screenshot, demo_site):
    article = Article.objects.get(source_file__startswith="01_")
    phrase = "تعزيزات تضم نحو عشر عربات وصلت مساء أمس"
    log_in(page, demo_site, "editor")
    page.goto(f"{demo_site}/articles/{article.pk}/")
    select(page, phrase)
    assert page.inner_text("#attribute-quote") == phrase
    page.select_option("#attribute-type", "assertion")
    page.fill("#attribute-claimant", "قسد")
    page.fill("#attribute-target-0", "وزارة الدفاع السورية")
    screenshot("attribute-panel")
    save(page)

    mention = Mention.objects.get(article=article, attributed_by__username="editor")
    assert mention.quote == article.body[mention.start : mention.end] == phrase
    claim = mention.claim
    assert (claim.type, claim.status, claim.claimant.key) == ("assertion", "confirmed", "sdf")
    assert [t.key for t in claim.targets.all()] == ["syrian_mod"]
    assert ClaimEvent.objects.filter(claim=claim, action="attributed").exists()
    # The page came back with the new highlight, marked as the current one.
    current = page.locator("mark.mention.current")
    assert current.first.get_attribute("data-mention") == str(mention.pk)
    assert "".join(current.all_inner_texts()) == phrase
    screenshot("attribute-done")

    # The new claim is found in the claim list by some words of its quote.
    page.goto(f"{demo_site}/claims/?q=تعزيزات تضم نحو عشر عربات")
    assert page.locator(f"tr#claim-{claim.pk}").count() == 1


def test_a_triple_click_takes_the_paragraph_exactly(page, demo_site):
    story = StoryFactory(title="خبر للاختبار")
    body = (
        "الفقرة الأولى من الخبر.\n\n"
        "ونفت وزارة الدفاع السورية الاتهامات جملة وتفصيلاً.\n\n"
        "الفقرة الأخيرة."
    )
    article = ArticleFactory(story=story, body=body)
    log_in(page, demo_site, "editor")
    page.goto(f"{demo_site}/articles/{article.pk}/")
    page.locator(".article-body p.para").nth(1).click(click_count=3)
    page.wait_for_selector("#attribute-panel.show")
    paragraph = "ونفت وزارة الدفاع السورية الاتهامات جملة وتفصيلاً."
    assert page.inner_text("#attribute-quote") == paragraph
    page.select_option("#attribute-type", "denial")
    page.fill("#attribute-claimant", "وزارة الدفاع")
    save(page)
    mention = Mention.objects.get(article=article)
    assert mention.quote == paragraph
    assert (mention.start, mention.end) == (
        body.index(paragraph),
        body.index(paragraph) + len(paragraph),
    )


def test_offsets_stay_exact_after_emoji_and_across_highlights(page, demo_site):
    body = "عاجل 🔥🔥 قالت قسد إن 🚀 طائرة مسيّرة تركية استهدفت سيارة قرب عامودا."
    article = ArticleFactory(story=StoryFactory(), body=body)
    log_in(page, demo_site, "editor")
    page.goto(f"{demo_site}/articles/{article.pk}/")
    select(page, "طائرة مسيّرة تركية")
    page.select_option("#attribute-type", "accusation")
    page.fill("#attribute-claimant", "قوات سوريا الديمقراطية")
    page.fill("#attribute-target-0", "تركيا")
    save(page)
    first = Mention.objects.get(article=article)
    assert first.quote == "طائرة مسيّرة تركية"
    assert body[first.start : first.end] == first.quote

    # A second span that starts before an emoji and ends inside the first highlight.
    select(page, "🚀 طائرة")
    assert page.inner_text("#attribute-quote") == "🚀 طائرة"
    page.check("#attribute-mode-existing")
    page.select_option("#attribute-claim", str(first.claim_id))
    save(page)
    second = Mention.objects.exclude(pk=first.pk).get(article=article)
    assert second.quote == body[second.start : second.end] == "🚀 طائرة"
    assert second.claim_id == first.claim_id


def test_an_editor_changes_an_attribution_from_the_mention_list(page, demo_site):
    article = ArticleFactory(story=StoryFactory(), body="ونفت وزارة الدفاع السورية الاتهامات.")
    log_in(page, demo_site, "editor")
    page.goto(f"{demo_site}/articles/{article.pk}/")
    select(page, "ونفت وزارة الدفاع السورية الاتهامات")
    page.select_option("#attribute-type", "accusation")  # a slip: it is a denial
    page.fill("#attribute-claimant", "وزارة الدفاع السورية")
    save(page)
    mention = Mention.objects.get(article=article)
    page.click(f".mention-edit[data-mention='{mention.pk}']")
    page.wait_for_selector("#attribute-panel.show")
    assert page.input_value("#attribute-claimant") == "وزارة الدفاع السورية"
    page.select_option("#attribute-type", "denial")
    save(page)
    claim = Claim.objects.get(pk=mention.claim_id)
    assert claim.type == "denial"
    assert claim.version == 2
    assert claim.claimant == Actor.objects.get(key="syrian_mod")
