"""Actors, articles, stories and tags; and every list in a fixed number of queries."""

import pytest

from claims.models import Claim
from tests.api.conftest import token_client
from tests.factories import (
    ActorAliasFactory,
    ActorFactory,
    ActorRoleFactory,
    ArticleFactory,
    ClaimFactory,
    MentionFactory,
    StoryFactory,
    TagFactory,
)

pytestmark = pytest.mark.django_db


def test_an_actor_with_aliases_parent_members_roles_and_response_profile(analyst):
    government = ActorFactory()
    ministry = ActorFactory(parent=government)
    ActorFactory(parent=ministry)
    ActorAliasFactory(actor=ministry, surface="الدفاع")
    ActorAliasFactory(actor=ministry, surface="مقترح", proposed=True)
    spokesman = ActorRoleFactory(organization=ministry, title_ar="المتحدث الرسمي").person
    for status in ("unanswered", "unanswered", "denied"):
        ClaimFactory(response_status=status).targets.add(ministry)
    ClaimFactory(type=Claim.Type.DENIAL, response_status="").targets.add(ministry)

    actor = analyst.get(f"/api/v1/actors/{ministry.pk}/").json()
    assert actor["parent"]["id"] == government.pk
    assert actor["aliases"] == ["الدفاع"]
    assert actor["members_count"] == 1
    assert actor["response_profile"] == {
        "unanswered": 2, "denied": 1, "countered": 0, "confirmed": 0, "no_comment": 0,
    }  # fmt: skip
    assert [p["actor"]["id"] for p in actor["people"]] == [spokesman.pk]
    person = analyst.get(f"/api/v1/actors/{spokesman.pk}/").json()
    assert [(r["actor"]["id"], r["title_ar"]) for r in person["roles"]] == [
        (ministry.pk, "المتحدث الرسمي")
    ]
    listed = analyst.get("/api/v1/actors/", {"parent": government.pk}).json()["results"]
    assert [a["id"] for a in listed] == [ministry.pk]


def test_articles_list_without_body_and_detail_with_mentions(analyst):
    original = ArticleFactory()
    copy = ArticleFactory(duplicate_of=original, story=StoryFactory())
    mention = MentionFactory(article=copy)
    listed = analyst.get("/api/v1/articles/", {"duplicate_of": original.pk}).json()["results"]
    assert [a["id"] for a in listed] == [copy.pk]
    assert "body" not in listed[0]
    detail = analyst.get(f"/api/v1/articles/{copy.pk}/").json()
    assert (detail["duplicate_of"], detail["story"]) == (original.pk, copy.story_id)
    assert detail["body"] == copy.body
    (served,) = detail["mentions"]
    assert (served["claim"], served["quote"], served["start"], served["end"]) == (
        mention.claim_id, mention.quote, mention.start, mention.end,
    )  # fmt: skip
    assert copy.body[served["start"] : served["end"]] == served["quote"]
    assert served["in_title"] is False


def test_a_story_groups_its_claims_by_party_with_their_answers(analyst):
    story = StoryFactory()
    ArticleFactory(story=story)
    sdf, ministry = ActorFactory(), ActorFactory()
    accusation = ClaimFactory(story=story, claimant=sdf, response_status="denied")
    denial = ClaimFactory(
        story=story, claimant=ministry, type=Claim.Type.DENIAL, response_status="",
        responds_to=accusation,
    )  # fmt: skip
    detail = analyst.get(f"/api/v1/stories/{story.pk}/").json()
    assert (detail["article_count"], detail["claim_count"]) == (1, 2)
    parties = {p["claimant"]["id"]: p["claims"] for p in detail["parties"]}
    assert [c["id"] for c in parties[sdf.pk]] == [accusation.pk]
    assert [r["id"] for r in parties[sdf.pk][0]["responses"]] == [denial.pk]
    assert parties[ministry.pk][0]["responds_to"] == accusation.pk
    listed = analyst.get("/api/v1/stories/").json()["results"]
    assert [(s["id"], s["claim_count"]) for s in listed] == [(story.pk, 2)]


def test_tags(analyst):
    tag = TagFactory(slug="مسيرات", label_ar="مسيّرات")
    assert analyst.get("/api/v1/tags/").json()["results"] == [
        {"id": tag.pk, "slug": "مسيرات", "label_ar": "مسيّرات", "label_en": ""}
    ]


def _populate(n: int) -> None:
    for _ in range(n):
        story = StoryFactory()
        mention = MentionFactory(claim__story=story, article__story=story)
        claim = mention.claim
        claim.tags.add(TagFactory())
        claim.targets.add(ActorFactory())
        ActorAliasFactory(actor=claim.claimant)
        ActorRoleFactory(organization=claim.claimant)


@pytest.mark.parametrize(
    ("url", "queries"),
    [
        # Token (3: knox's lookup, its expired-token sweep, the scope) and permissions (2),
        # then the page and its prefetches (actors: their counts, one GROUP BY each for the
        # page, and the two reads of the key they are cached under).
        ("/api/v1/claims/", 17),
        ("/api/v1/actors/", 14),
        ("/api/v1/articles/", 6),
        ("/api/v1/stories/", 6),
        ("/api/v1/tags/", 6),
    ],
)
def test_every_list_takes_a_fixed_number_of_queries(django_assert_max_num_queries, url, queries):
    _populate(3)
    client = token_client("analyst")
    with django_assert_max_num_queries(queries) as few:
        assert client.get(url).status_code == 200
    _populate(12)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(url, {"page_size": 40})
        assert response.status_code == 200
        assert len(response.json()["results"]) >= 12


@pytest.mark.parametrize(
    "url", ["/api/v1/actors/{actor}/", "/api/v1/articles/{article}/", "/api/v1/stories/{story}/"]
)
def test_every_detail_takes_a_fixed_number_of_queries(django_assert_max_num_queries, url):
    story = StoryFactory()
    article = ArticleFactory(story=story)
    actor = ActorFactory()
    for _ in range(8):
        claim = MentionFactory(article=article, claim__story=story, claim__claimant=actor).claim
        ClaimFactory(responds_to=claim, story=story, type=Claim.Type.DENIAL, response_status="")
        ActorRoleFactory(organization=actor)
    client = token_client("analyst")
    with django_assert_max_num_queries(17):
        response = client.get(url.format(actor=actor.pk, article=article.pk, story=story.pk))
        assert response.status_code == 200
