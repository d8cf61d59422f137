"""The story view (each party's claims side by side, answers lined up), the story list and
merging stories, through HTTP."""

from datetime import UTC, datetime, timedelta

import lxml.html
import pytest
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext, ngettext

from claims.models import Actor, Claim, ClaimLink, Figure
from sources.models import Article, Outlet, Story
from tests.factories import (
    ActorFactory,
    ActorRoleFactory,
    ArticleFactory,
    ClaimFactory,
    MentionFactory,
    OutletFactory,
    StoryFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

T0 = datetime(2025, 6, 4, 6, 0, tzinfo=UTC)


@pytest.fixture
def roles():
    from conflictdesk.roles import roles_sync

    roles_sync()


@pytest.fixture
def analyst(client, roles):
    client.force_login(UserFactory(role="analyst"))
    return client


def mention(claim, article, phrase=None):
    """A mention of `phrase` (or the start) of the article's body."""
    start = article.body.index(phrase) if phrase else 0
    end = start + len(phrase) if phrase else min(len(article.body), 30)
    return MentionFactory(
        claim=claim, article=article, start=start, end=end, quote=article.body[start:end]
    )


@pytest.fixture
def seed():
    """The seed corpus in small: the SDF accuses a Ministry of Defense division, the
    ministry counters, the government has not commented; both sides give figures."""
    government = ActorFactory(name_ar="الحكومة السورية", kind=Actor.Kind.GOVERNMENT)
    ministry = ActorFactory(
        name_ar="وزارة الدفاع السورية", kind=Actor.Kind.MINISTRY, parent=government
    )
    division = ActorFactory(name_ar="الفرقة 86", kind=Actor.Kind.UNIT, parent=ministry)
    sdf = ActorFactory(name_ar="قوات سوريا الديمقراطية")
    media_center = ActorFactory(name_ar="المركز الإعلامي لقسد", kind=Actor.Kind.UNIT, parent=sdf)
    shami = ActorRoleFactory(organization=media_center, person__name_ar="فرهاد شامي").person
    isis = ActorFactory(name_ar="تنظيم الدولة الإسلامية")

    north = OutletFactory(name_ar="نورث برس", alignment=Outlet.Alignment.SDF_ALIGNED)
    sy24 = OutletFactory(name_ar="منصة SY24", alignment=Outlet.Alignment.OPPOSITION)
    sana = OutletFactory(name_ar="سانا", alignment=Outlet.Alignment.STATE)
    story = StoryFactory(title="اشتباكات جنوب الطبقة", first_seen=T0, last_seen=T0)
    first = ArticleFactory(
        outlet=north,
        story=story,
        published_at=T0,
        body=(
            "اتهمت قوات سوريا الديمقراطية الفرقة 86 بمهاجمة نقطتين لها.\n\n"
            "وقال فرهاد شامي إن القوات اعتقلت 7 من المهاجمين.\n\n"
            "وأشار إلى تحركات لخلايا داعش في البادية.\n\n"
            "ولم تعلّق الحكومة السورية على هذه الاتهامات."
        ),
    )
    copy = ArticleFactory(
        outlet=sy24,
        story=story,
        published_at=T0 + timedelta(hours=3),
        duplicate_of=first,
        body="اتهمت قوات سوريا الديمقراطية الفرقة 86 بمهاجمة نقطتين لها.",
    )
    answer = ArticleFactory(
        outlet=sana,
        story=story,
        published_at=T0 + timedelta(hours=6),
        body="قالت وزارة الدفاع إن قسد بدأت الهجوم ما أدى إلى مقتل اثنين من عناصرها.",
    )
    accusation = ClaimFactory(
        story=story,
        claimant=sdf,
        text="اتهمت قوات سوريا الديمقراطية الفرقة 86 بمهاجمة نقطتين لها",
        response_status=Claim.ResponseStatus.NO_COMMENT,
    )
    accusation.targets.set([division])
    mention(accusation, copy, "اتهمت قوات سوريا الديمقراطية")
    mention(accusation, first, "اتهمت قوات سوريا الديمقراطية")
    counter = ClaimFactory(
        story=story,
        type=Claim.Type.COUNTERCLAIM,
        response_status="",
        claimant=ministry,
        responds_to=accusation,
        text="قسد بدأت الهجوم ما أدى إلى مقتل اثنين من عناصرها",
    )
    counter.targets.set([sdf])
    counter_mention = mention(counter, answer, "قسد بدأت الهجوم")
    Figure.objects.create(claim=counter, mention=counter_mention, low=2, high=2, counts="killed")
    silence = ClaimFactory(
        story=story,
        type=Claim.Type.NO_COMMENT,
        response_status="",
        claimant=government,
        responds_to=accusation,
        text="ولم تعلّق الحكومة السورية على هذه الاتهامات",
    )
    mention(silence, first, "ولم تعلّق الحكومة السورية")
    arrests = ClaimFactory(
        story=story,
        type=Claim.Type.ASSERTION,
        response_status="",
        claimant=shami,
        text="القوات اعتقلت 7 من المهاجمين",
    )
    mention(arrests, first, "القوات اعتقلت 7 من المهاجمين")
    Figure.objects.create(claim=arrests, low=7, high=7, counts="arrested")
    isis_accusation = ClaimFactory(story=story, claimant=sdf, text="تحركات لخلايا داعش في البادية")
    isis_accusation.targets.set([isis])
    mention(isis_accusation, first, "تحركات لخلايا داعش")
    return {
        "story": story,
        "sdf": sdf,
        "government": government,
        "ministry": ministry,
        "isis": isis,
        "accusation": accusation,
        "counter": counter,
        "silence": silence,
        "arrests": arrests,
        "isis_accusation": isis_accusation,
        "north": north,
        "sy24": sy24,
    }


def has_class(name: str) -> str:
    return f"contains(concat(' ', normalize-space(@class), ' '), ' {name} ')"


def board(client, story):
    response = client.get(reverse("sources:story_detail", args=[story.pk]))
    assert response.status_code == 200
    return lxml.html.fromstring(response.content.decode())


def columns(page) -> list[str]:
    heads = page.xpath(f"//table[{has_class('story-board')}]/thead//th[@data-party]")
    return [th.get("data-party") for th in heads]


def answer_row(page, claim: Claim):
    (row,) = page.xpath(f"//tr[{has_class('answer-row')} and @data-row='{claim.pk}']")
    return row


def statement_row(page):
    (row,) = page.xpath(f"//tr[{has_class('statement-row')}]")
    return row


def card_in(element, claim: Claim) -> list:
    return element.xpath(f".//*[@data-claim='{claim.pk}']")


def column_of(row, claim: Claim) -> str:
    """The party column of the cell holding `claim`'s card in the row."""
    page = row.getroottree().getroot()
    cells = row.xpath("./td[@data-party]")
    holding = [cell for cell in cells if card_in(cell, claim)]
    assert len(holding) == 1, f"claim {claim.pk} is in {len(holding)} cells of the row"
    # The cell sits under its party's header: same position in the row as in the head.
    assert cells.index(holding[0]) == columns(page).index(holding[0].get("data-party"))
    return holding[0].get("data-party")


def test_each_party_has_one_column_with_its_units_and_spokesmen_grouped_under_it(analyst, seed):
    page = board(analyst, seed["story"])
    sdf, government = f"actor-{seed['sdf'].pk}", f"actor-{seed['government'].pk}"
    # The accuser first, then the accused and the parties it accuses, then the rest.
    assert columns(page) == [sdf, government, f"actor-{seed['isis'].pk}"]
    (head,) = page.xpath(f"//thead//th[@data-party='{government}']")
    assert "الحكومة السورية" in head.text_content()
    assert "وزارة الدفاع السورية" in head.text_content()  # the ministry is in this column
    # Farhad Shami speaks for the SDF media center, which is part of the SDF.
    assert column_of(statement_row(page), seed["arrests"]) == sdf


def test_the_accusation_row_lines_up_the_counterclaim_and_the_silence(analyst, seed):
    page = board(analyst, seed["story"])
    row = answer_row(page, seed["accusation"])
    government = f"actor-{seed['government'].pk}"
    assert column_of(row, seed["accusation"]) == f"actor-{seed['sdf'].pk}"
    assert column_of(row, seed["counter"]) == government
    assert column_of(row, seed["silence"]) == government
    # Every card opens its claim.
    (card,) = card_in(row, seed["counter"])
    links = [a.get("href") for a in card.xpath(f".//a[{has_class('claim-text')}]")]
    assert links == [reverse("claims:detail", args=[seed["counter"].pk])]
    (badge,) = card.xpath(f".//*[{has_class('claim-type')}]")
    assert badge.text_content().strip().endswith(str(Claim.Type.COUNTERCLAIM.label))


def test_an_accused_party_that_never_answered_shows_its_silence(analyst, seed):
    page = board(analyst, seed["story"])
    row = answer_row(page, seed["isis_accusation"])
    (cell,) = row.xpath(f"./td[@data-party='actor-{seed['isis'].pk}']")
    assert "is-silent" in cell.get("class")
    assert cell.xpath(f".//*[{has_class('silence')}]")
    assert not answer_row(page, seed["accusation"]).xpath(f"./td[{has_class('is-silent')}]")


def test_an_answer_recorded_only_as_a_typed_link_is_lined_up_too(analyst, seed):
    denial = ClaimFactory(
        story=seed["story"],
        type=Claim.Type.DENIAL,
        response_status="",
        claimant=seed["ministry"],
        text="نفت الوزارة الاتهامات",
    )
    ClaimLink.objects.create(source=denial, target=seed["accusation"], kind="denies")
    page = board(analyst, seed["story"])
    row = answer_row(page, seed["accusation"])
    assert column_of(row, denial) == f"actor-{seed['government'].pk}"
    assert not card_in(statement_row(page), denial)


def test_the_figures_each_side_gives_stand_in_their_columns(analyst, seed):
    page = board(analyst, seed["story"])
    parties = columns(page)
    rows = {row.get("data-counts"): row for row in page.xpath(f"//tr[{has_class('figure-row')}]")}
    assert set(rows) == {"killed", "arrested"}
    killed = rows["killed"].xpath("./td")
    arrested = rows["arrested"].xpath("./td")
    government = parties.index(f"actor-{seed['government'].pk}")
    sdf = parties.index(f"actor-{seed['sdf'].pk}")
    value = f".//*[{has_class('figure-value')}]"
    assert [v.text_content() for v in killed[government].xpath(value)] == ["2"]
    assert not killed[sdf].xpath(value)
    assert [v.text_content() for v in arrested[sdf].xpath(value)] == ["7"]
    href = killed[government].xpath(".//a")[0].get("href")
    assert href == reverse("claims:detail", args=[seed["counter"].pk])


def test_each_claim_shows_its_first_appearance_and_how_it_spread(analyst, seed):
    page = board(analyst, seed["story"])
    (card,) = card_in(answer_row(page, seed["accusation"]), seed["accusation"])
    reports = card.xpath(f".//ol[{has_class('timeline')}]/li")
    outlets = [li.xpath(f".//*[{has_class('outlet-name')}]")[0].text_content() for li in reports]
    assert outlets == ["نورث برس", "منصة SY24"]  # by date, whatever the insertion order
    # The page is in Arabic (the site's language): labels as the catalog says them.
    with translation.override("ar"):
        sdf_aligned, opposition = gettext("SDF-aligned"), gettext("Opposition")
        two_outlets = ngettext("%(counter)s outlet", "%(counter)s outlets", 2) % {"counter": 2}
    assert sdf_aligned != "SDF-aligned"
    assert sdf_aligned in reports[0].text_content()
    assert opposition in reports[1].text_content()
    assert reports[1].xpath(f".//*[{has_class('text-bg-secondary')}]")  # a re-publication
    spread = card.xpath(f".//*[{has_class('claim-spread')}]")[0].text_content()
    assert two_outlets in spread
    assert "نورث برس" in spread.split("·")[1]  # the first seen


def test_the_story_page_lists_its_articles_and_links_the_dossier(analyst, seed):
    page = board(analyst, seed["story"])
    titles = [a.get("href") for a in page.xpath(f"//ol[{has_class('story-articles')}]//a")]
    expected = Article.objects.filter(story=seed["story"]).order_by("published_at")
    assert titles == [reverse("sources:article_detail", args=[a.pk]) for a in expected]
    dossier = reverse("claims:story_dossier", args=[seed["story"].pk])
    assert page.xpath(f"//a[@href='{dossier}']")


def test_rejected_claims_are_hidden_unless_asked_for(analyst, seed):
    seed["arrests"].status = Claim.Status.REJECTED
    seed["arrests"].save()
    page = board(analyst, seed["story"])
    assert not card_in(page, seed["arrests"])
    response = analyst.get(
        reverse("sources:story_detail", args=[seed["story"].pk]), {"rejected": "1"}
    )
    assert f'data-claim="{seed["arrests"].pk}"' in response.content.decode()


def test_article_and_claim_text_are_escaped_on_the_story_page(analyst, seed):
    story = seed["story"]
    story.title = "<script>alert('title')</script>"
    story.save()
    Article.objects.filter(story=story).update(title='<img src=x onerror="alert(1)">')
    seed["counter"].text = "<script>alert('claim')</script>"
    seed["counter"].save()
    html = analyst.get(reverse("sources:story_detail", args=[story.pk])).content.decode()
    assert "<script>alert" not in html
    assert "<img src=x onerror" not in html
    assert "&lt;script&gt;alert(&#x27;claim&#x27;)&lt;/script&gt;" in html
    assert "&lt;img src=x onerror=" in html


def test_a_signed_in_outsider_sees_no_story(client, roles, seed):
    client.force_login(UserFactory())
    assert client.get(reverse("sources:story_detail", args=[seed["story"].pk])).status_code == 403
    assert client.get(reverse("sources:story_list")).status_code == 403


def test_the_story_view_makes_a_fixed_number_of_queries(
    analyst, seed, django_assert_max_num_queries
):
    story = seed["story"]
    for n in range(12):
        article = ArticleFactory(story=story, published_at=T0 + timedelta(days=1, hours=n))
        claim = ClaimFactory(story=story, claimant=ActorFactory(), text=f"ادعاء رقم {n}")
        claim.targets.set([ActorFactory(), seed["ministry"]])
        mention(claim, article)
        answer = ClaimFactory(
            story=story,
            type=Claim.Type.DENIAL,
            response_status="",
            claimant=ActorFactory(parent=seed["government"]),
            responds_to=claim,
        )
        mention(answer, article)
        Figure.objects.create(claim=answer, low=n, high=n, counts="wounded")
    with django_assert_max_num_queries(16):
        response = analyst.get(reverse("sources:story_detail", args=[story.pk]))
    assert response.status_code == 200
    # 14 answer rows: the first page of them is shown.
    from sources.views.stories import THREADS_PER_PAGE

    assert response.content.decode().count('class="answer-row"') == min(14, THREADS_PER_PAGE)


def test_the_story_list_is_newest_first_with_counts_and_parties(analyst, seed):
    older = StoryFactory(title="قصة أقدم", last_seen=T0 - timedelta(days=3))
    ArticleFactory(story=older)
    page = lxml.html.fromstring(analyst.get(reverse("sources:story_list")).content.decode())
    rows = page.xpath("//tbody/tr[@data-story]")
    assert [row.get("data-story") for row in rows] == [str(seed["story"].pk), str(older.pk)]
    cells = rows[0].xpath("./td")
    assert cells[2].text_content().strip() == "3"  # articles
    assert cells[3].text_content().strip() == "5"  # claims
    parties = [
        badge.text_content() for badge in cells[1].xpath(f".//*[{has_class('party-badge')}]")
    ]
    assert sorted(parties) == sorted(["قوات سوريا الديمقراطية", "الحكومة السورية"])


def test_the_story_list_searches_titles_and_hides_merged_stories(analyst, seed):
    other = StoryFactory(title="ضربة مسيّرة قرب عامودا")
    merged = StoryFactory(title="ضربة أخرى قرب عامودا", merged_into=other)
    response = analyst.get(reverse("sources:story_list"), {"q": "عامودا"})
    html = response.content.decode()
    assert f'data-story="{other.pk}"' in html
    assert f'data-story="{merged.pk}"' not in html
    assert f'data-story="{seed["story"].pk}"' not in html


def test_the_story_list_is_paginated(analyst, roles):
    for n in range(30):
        StoryFactory(title=f"قصة {n}", last_seen=T0 + timedelta(hours=n))
    pages = [
        lxml.html.fromstring(analyst.get(reverse("sources:story_list"), query).content.decode())
        for query in ({}, {"page": 2})
    ]
    titles = [[a.text_content() for a in page.xpath("//tbody/tr/td[1]/a")] for page in pages]
    assert titles[0] == [f"قصة {n}" for n in range(29, 4, -1)]
    assert titles[1] == [f"قصة {n}" for n in range(4, -1, -1)]


def test_the_story_list_makes_a_fixed_number_of_queries(
    analyst, seed, django_assert_max_num_queries
):
    for n in range(20):
        story = StoryFactory(last_seen=T0 + timedelta(hours=n))
        article = ArticleFactory(story=story)
        for _ in range(2):
            claim = ClaimFactory(story=story, claimant=ActorFactory(parent=seed["government"]))
            mention(claim, article)
    with django_assert_max_num_queries(9):
        response = analyst.get(reverse("sources:story_list"))
    assert response.content.decode().count("data-story=") == 21


def test_merging_moves_articles_and_claims_and_the_old_story_redirects(analyst, seed):
    target = StoryFactory(title="الطبقة: القصة الأشمل")
    source = seed["story"]
    response = analyst.post(reverse("sources:story_merge", args=[source.pk]), {"target": target.pk})
    assert response.status_code == 302
    assert response["Location"] == reverse("sources:story_detail", args=[target.pk])
    source.refresh_from_db()
    assert source.merged_into_id == target.pk
    assert Article.objects.filter(story=target).count() == 3
    assert Claim.objects.filter(story=target).count() == 5
    assert not Claim.objects.filter(story=source).exists()
    followed = analyst.get(reverse("sources:story_detail", args=[source.pk]))
    assert followed.status_code == 302
    assert followed["Location"] == reverse("sources:story_detail", args=[target.pk])


def test_a_story_cannot_be_merged_into_itself_or_nothing(analyst, seed):
    story = seed["story"]
    url = reverse("sources:story_merge", args=[story.pk])
    for data in ({"target": story.pk}, {"target": ""}, {"target": "x"}, {"target": 999999}):
        response = analyst.post(url, data, follow=True)
        assert response.status_code == 200
        assert response.context["messages"], data
    story.refresh_from_db()
    assert story.merged_into_id is None
    assert Claim.objects.filter(story=story).count() == 5


def test_merging_needs_a_post_and_the_permission(client, roles, seed):
    target = StoryFactory()
    url = reverse("sources:story_merge", args=[seed["story"].pk])
    client.force_login(UserFactory(role="analyst"))
    assert client.get(url).status_code == 405
    client.force_login(UserFactory())
    assert client.post(url, {"target": target.pk}).status_code == 403
    assert Story.objects.get(pk=seed["story"].pk).merged_into_id is None


def test_a_large_story_shows_its_answer_rows_by_pages_and_caps_each_partys_statements(
    analyst,
):
    from sources.views.stories import STATEMENTS_SHOWN, THREADS_PER_PAGE

    story = StoryFactory()
    accuser, accused = ActorFactory(), ActorFactory()
    article = ArticleFactory(story=story, published_at=T0)
    threads = THREADS_PER_PAGE + 3
    for n in range(threads):
        claim = ClaimFactory(
            story=story,
            claimant=accuser,
            text=f"اتهام رقم {n}",
            first_seen_at=T0 + timedelta(hours=n),
        )
        claim.targets.add(accused)
        mention(claim, article)
    statements = STATEMENTS_SHOWN + 5
    for n in range(statements):
        claim = ClaimFactory(
            story=story, claimant=accused, type=Claim.Type.ASSERTION, response_status="",
            text=f"تصريح رقم {n}", first_seen_at=T0 + timedelta(hours=n),
        )  # fmt: skip
        mention(claim, article)
    url = reverse("sources:story_detail", args=[story.pk])

    first = lxml.html.fromstring(analyst.get(url).content)
    assert len(first.xpath('//tr[@class="answer-row"]')) == THREADS_PER_PAGE
    # Oldest first: the first page holds the first accusations, the second the rest.
    assert "اتهام رقم 0" in first.xpath('//tr[@class="answer-row"]')[0].text_content()
    second = lxml.html.fromstring(analyst.get(url, {"page": 2}).content)
    rows = second.xpath('//tr[@class="answer-row"]')
    assert len(rows) == threads - THREADS_PER_PAGE
    assert f"اتهام رقم {threads - 1}" in rows[-1].text_content()
    # Every accusation row still shows the accused party's silence.
    assert all(row.xpath('td[@class="is-silent"]') for row in rows)

    cell = first.xpath(f'//tbody[@class="statements"]//td[@data-party="actor-{accused.pk}"]')[0]
    assert len(cell.xpath(".//article[contains(@class, 'claim-card')]")) == STATEMENTS_SHOWN
    more = cell.xpath(".//a[contains(@class, 'more-in-list')]")[0]
    assert more.text_content().strip().startswith("5")
    listed = analyst.get(more.get("href"))
    assert listed.status_code == 200
    texts = {claim.text for claim in listed.context["page"].claims}
    assert texts == {f"تصريح رقم {n}" for n in range(statements)}
