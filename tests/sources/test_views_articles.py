"""The article list and reader (mentions highlighted by type, exact offsets), and moving
an article to another story, through HTTP."""

from datetime import UTC, datetime, timedelta

import lxml.html
import pytest
from django.urls import reverse

from claims.models import Claim
from sources.models import Article, ArticleOverlap, Outlet
from sources.views.articles import paragraphs_with_mentions
from tests.factories import (
    ArticleFactory,
    ClaimFactory,
    MentionFactory,
    OutletFactory,
    StoryFactory,
    UserFactory,
)

T0 = datetime(2025, 6, 4, 6, 0, tzinfo=UTC)
BODY = (
    "اتهمت قوات سوريا الديمقراطية الفرقة 86 بمهاجمة نقطتين لها.\n\n"
    "ونفت وزارة الدفاع الاتهامات جملة وتفصيلاً.\n"
    "ولم تعلّق الحكومة السورية حتى الآن."
)


def has_class(name: str) -> str:
    return f"contains(concat(' ', normalize-space(@class), ' '), ' {name} ')"


def span(text: str, phrase: str) -> tuple[int, int]:
    start = text.index(phrase)
    return start, start + len(phrase)


class FakeMention:
    def __init__(self, pk, start, end):
        self.pk, self.start, self.end = pk, start, end


@pytest.mark.parametrize(
    ("text", "spans", "expected"),
    [
        # No mention: one piece per paragraph; line breaks are not part of any paragraph.
        ("أ ب\n\nج د", [], [[("أ ب", None)], [("ج د", None)]]),
        # One mention inside a paragraph.
        ("قال إن الهجوم فشل", [(1, 7, 13)], [[("قال إن ", None), ("الهجوم", 1), (" فشل", None)]]),
        # Nested mentions: the inner one shows where it lies, the outer one around it.
        (
            "ونفت الوزارة ذلك",
            [(1, 0, 16), (2, 5, 12)],
            [[("ونفت ", 1), ("الوزارة", 2), (" ذلك", 1)]],
        ),
        # A mention across a paragraph break is cut at the break, and opens once.
        ("أولى\nثانية", [(1, 2, 8)], [[("أو", None), ("لى", 1)], [("ثان", 1), ("ية", None)]]),
        # An emoji is one character (one code point) in the offsets.
        ("🔥 قسد تتهم", [(1, 2, 5)], [[("🔥 ", None), ("قسد", 1), (" تتهم", None)]]),
    ],
)
def test_paragraphs_are_cut_at_mention_boundaries(text, spans, expected):
    mentions = [FakeMention(pk, start, end) for pk, start, end in spans]
    paragraphs = paragraphs_with_mentions(text, mentions)
    got = [
        [(p.text, p.mention.pk if p.mention else None) for p in para.pieces] for para in paragraphs
    ]
    assert got == expected
    for paragraph in paragraphs:
        assert text[paragraph.start : paragraph.end] == "".join(p.text for p in paragraph.pieces)
        for piece in paragraph.pieces:
            assert text[piece.start : piece.end] == piece.text
    opened = [p.mention.pk for para in paragraphs for p in para.pieces if p.first]
    assert sorted(opened) == sorted({pk for pk, _, _ in spans})


@pytest.fixture
def roles(db):
    from conflictdesk.roles import roles_sync

    roles_sync()


@pytest.fixture
def analyst(client, roles):
    client.force_login(UserFactory(role="analyst"))
    return client


@pytest.fixture
def article(db):
    story = StoryFactory(title="اشتباكات الطبقة")
    return ArticleFactory(
        story=story,
        body=BODY,
        dateline="الرقة",
        published_at=T0,
        outlet=OutletFactory(name_ar="نورث برس", alignment=Outlet.Alignment.SDF_ALIGNED),
    )


def mention_of(article, phrase, claim_type=Claim.Type.ACCUSATION, *, story=None):
    start, end = span(article.body, phrase)
    claim = ClaimFactory(
        type=claim_type,
        story=story or article.story,
        response_status="unanswered" if claim_type == Claim.Type.ACCUSATION else "",
    )
    return MentionFactory(
        claim=claim, article=article, start=start, end=end, quote=article.body[start:end]
    )


def reader(client, article):
    response = client.get(reverse("sources:article_detail", args=[article.pk]))
    assert response.status_code == 200
    return lxml.html.fromstring(response.content.decode())


def test_the_reader_highlights_each_mention_by_its_claim_type(analyst, article):
    accusation = mention_of(article, "اتهمت قوات سوريا الديمقراطية الفرقة 86")
    denial = mention_of(article, "ونفت وزارة الدفاع الاتهامات", Claim.Type.DENIAL)
    silence = mention_of(article, "ولم تعلّق الحكومة السورية", Claim.Type.NO_COMMENT)
    page = reader(analyst, article)
    for mention, claim_type in (
        (accusation, "accusation"),
        (denial, "denial"),
        (silence, "no_comment"),
    ):
        marks = page.xpath(f"//mark[@data-mention='{mention.pk}']")
        assert len(marks) == 1
        assert marks[0].get("class").split() == ["mention", f"type-{claim_type}"]
        assert marks[0].get("id") == f"mention-{mention.pk}"
        assert marks[0].text_content() == mention.quote
        (link,) = marks[0].xpath(".//a")
        assert link.get("href") == reverse("claims:detail", args=[mention.claim_id])
    assert [p.get("data-offset") for p in page.xpath("//div[@data-field='body']/p")] == [
        "0",
        str(BODY.index("ونفت")),
        str(BODY.index("ولم")),
    ]


def test_every_segment_carries_the_offsets_of_its_text_in_the_body(analyst, article):
    mention_of(article, "قوات سوريا الديمقراطية")
    mention_of(article, "سوريا الديمقراطية الفرقة 86 بمهاجمة", Claim.Type.ASSERTION)
    article.body = "🔥 " + BODY  # an emoji: two UTF-16 units, one Python character
    Article.objects.filter(pk=article.pk).update(body=article.body)
    page = reader(analyst, article)
    body = Article.objects.get(pk=article.pk).body
    segments = page.xpath(f"//div[@data-field='body']//span[{has_class('seg')}]")
    assert segments
    covered = 0
    for segment in segments:
        start, end = int(segment.get("data-offset")), int(segment.get("data-end"))
        assert body[start:end] == segment.text_content()
        covered += end - start
    assert covered == len(body.replace("\n", ""))


def test_the_reader_shows_the_article_it_republishes_and_its_story(analyst, article):
    copy = ArticleFactory(
        story=article.story, duplicate_of=article, body=BODY, title="نسخة من الخبر"
    )
    ArticleOverlap.objects.create(article=copy, original=article, kind="duplicate", containment=1)
    page = reader(analyst, copy)
    original = reverse("sources:article_detail", args=[article.pk])
    assert page.xpath(f"//div[@role='note']//a[@href='{original}']")
    story = reverse("sources:story_detail", args=[article.story_id])
    assert page.xpath(f"//a[@href='{story}']")
    copies = reader(analyst, article).xpath(f"//section[{has_class('article-copies')}]//a/@href")
    assert reverse("sources:article_detail", args=[copy.pk]) in copies


def test_article_text_is_escaped_in_the_reader(analyst, article):
    evil_title = "<script>alert('t')</script>"
    evil_body = 'قال المصدر <img src=x onerror="alert(1)"> إن <script>alert(2)</script> انتهى'
    Article.objects.filter(pk=article.pk).update(
        title=evil_title,
        body=evil_body,
        dateline="<b onmouseover=alert(3)>",
        url="javascript:alert(4)",
    )
    article.refresh_from_db()
    mention_of(article, '<img src=x onerror="alert(1)">')
    html = analyst.get(reverse("sources:article_detail", args=[article.pk])).content.decode()
    assert "<script>alert" not in html
    assert "<img src=x" not in html
    assert "<b onmouseover" not in html
    assert "javascript:alert" not in html
    assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;" in html
    page = lxml.html.fromstring(html)
    assert page.xpath("//mark")[0].text_content() == '<img src=x onerror="alert(1)">'


def test_an_analyst_sees_no_attribution_panel_and_an_editor_does(client, roles, article):
    client.force_login(UserFactory(role="analyst"))
    html = client.get(reverse("sources:article_detail", args=[article.pk])).content.decode()
    assert 'id="attribute-form"' not in html
    assert "js/attribute.js" not in html
    client.force_login(UserFactory(role="editor"))
    html = client.get(reverse("sources:article_detail", args=[article.pk])).content.decode()
    assert 'id="attribute-form"' in html
    assert "js/attribute.js" in html
    assert 'data-field="body"' in html


def test_the_reader_makes_a_fixed_number_of_queries(
    client, roles, article, django_assert_max_num_queries
):
    for phrase in ("اتهمت", "قوات", "سوريا", "الفرقة 86", "ونفت", "ولم تعلّق"):
        mention = mention_of(article, phrase)
        mention.claim.targets.set([ClaimFactory().claimant, ClaimFactory().claimant])
    for _ in range(3):
        ArticleFactory(duplicate_of=article)
    client.force_login(UserFactory(role="editor"))
    with django_assert_max_num_queries(14):
        response = client.get(reverse("sources:article_detail", args=[article.pk]))
    assert response.content.decode().count('<mark class="mention') >= 6


def test_the_article_list_filters_by_outlet_story_and_duplicate_status(analyst, article):
    other_outlet = OutletFactory(name_ar="سانا", alignment=Outlet.Alignment.STATE)
    copy = ArticleFactory(story=article.story, duplicate_of=article, title="نسخة الطبقة")
    elsewhere = ArticleFactory(outlet=other_outlet, title="خبر عن عامودا")

    def listed(**query):
        response = analyst.get(reverse("sources:article_list"), query)
        assert response.status_code == 200
        page = lxml.html.fromstring(response.content.decode())
        return {int(pk) for pk in page.xpath("//tbody/tr/@data-article")}

    assert listed() == {article.pk, copy.pk, elsewhere.pk}
    assert listed(outlet=other_outlet.pk) == {elsewhere.pk}
    assert listed(story=article.story_id) == {article.pk, copy.pk}
    assert listed(duplicates="duplicate") == {copy.pk}
    assert listed(duplicates="original") == {article.pk, elsewhere.pk}
    assert listed(q="عامودا") == {elsewhere.pk}
    # The text is searched folded: "تعلق" finds "تعلّق" (with a shadda), in the body.
    assert listed(q="ولم تعلق") == {article.pk}


def test_the_article_list_is_paginated_newest_first(analyst, roles):
    for n in range(35):
        ArticleFactory(title=f"خبر {n}", published_at=T0 + timedelta(hours=n))
    first = lxml.html.fromstring(analyst.get(reverse("sources:article_list")).content.decode())
    titles = [a.text_content() for a in first.xpath("//tbody/tr/td[1]/a")]
    assert titles == [f"خبر {n}" for n in range(34, 4, -1)]
    second = analyst.get(reverse("sources:article_list"), {"page": 2}).content.decode()
    assert second.count("data-article=") == 5


def test_the_article_list_makes_a_fixed_number_of_queries(
    analyst, article, django_assert_max_num_queries
):
    for n in range(25):
        other = ArticleFactory(story=StoryFactory(), published_at=T0 + timedelta(hours=n))
        mention_of(other, "اتهمت")
    with django_assert_max_num_queries(7):
        response = analyst.get(reverse("sources:article_list"))
    assert response.content.decode().count("data-article=") == 26


def test_moving_an_article_takes_its_claims_to_the_new_story(analyst, article):
    mention = mention_of(article, "اتهمت قوات سوريا الديمقراطية")
    target = StoryFactory(title="قصة أخرى")
    response = analyst.post(
        reverse("sources:article_move", args=[article.pk]), {"story": target.pk}, follow=True
    )
    assert response.status_code == 200
    assert [str(m) for m in response.context["messages"]]
    article.refresh_from_db()
    assert article.story_id == target.pk
    assert Claim.objects.get(pk=mention.claim_id).story_id == target.pk


def test_moving_to_a_merged_story_lands_in_the_story_it_was_merged_into(analyst, article):
    live = StoryFactory()
    merged = StoryFactory(merged_into=live)
    analyst.post(reverse("sources:article_move", args=[article.pk]), {"story": merged.pk})
    article.refresh_from_db()
    assert article.story_id == live.pk


def test_moving_needs_a_story_a_post_and_the_permission(client, roles, article):
    url = reverse("sources:article_move", args=[article.pk])
    before = article.story_id
    client.force_login(UserFactory(role="analyst"))
    assert client.get(url).status_code == 405
    response = client.post(url, {"story": "nonsense"}, follow=True)
    assert [str(m) for m in response.context["messages"]]
    client.force_login(UserFactory())
    assert client.post(url, {"story": StoryFactory().pk}).status_code == 403
    article.refresh_from_db()
    assert article.story_id == before
