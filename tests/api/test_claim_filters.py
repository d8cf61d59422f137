"""Each query parameter of GET /api/v1/claims/."""

from datetime import timedelta

import pytest
from django.utils import timezone

from claims.models import Claim
from tests.factories import (
    ActorAliasFactory,
    ActorFactory,
    ArticleFactory,
    ClaimFactory,
    MentionFactory,
    OutletFactory,
    StoryFactory,
    TagFactory,
)

pytestmark = pytest.mark.django_db


def ids(client, **params) -> set[int]:
    response = client.get("/api/v1/claims/", params)
    assert response.status_code == 200, response.json()
    return {record["id"] for record in response.json()["results"]}


def test_type_status_and_response_status(analyst):
    accusation = ClaimFactory()
    denial = ClaimFactory(type=Claim.Type.DENIAL, response_status="", status="confirmed")
    assert ids(analyst, type="accusation") == {accusation.pk}
    assert ids(analyst, type="denial") == {denial.pk}
    assert ids(analyst, status="confirmed") == {denial.pk}
    assert ids(analyst, response_status="unanswered") == {accusation.pk}


def test_claimant_by_id_key_name_or_any_spelling_of_an_alias(analyst):
    sdf = ActorFactory(key="sdf_test", name_en="Syrian Democratic Forces (test)")
    ActorAliasFactory(actor=sdf, surface="قسدتست")
    mine = ClaimFactory(claimant=sdf)
    ClaimFactory()
    assert ids(analyst, claimant=sdf.pk) == {mine.pk}
    assert ids(analyst, claimant="sdf_test") == {mine.pk}
    assert ids(analyst, claimant="syrian democratic forces (test)") == {mine.pk}
    # Proclitics and quotes fold away: "لـ”قسدتست”" is the alias "قسدتست".
    assert ids(analyst, claimant="لـ”قسدتست”") == {mine.pk}
    assert ids(analyst, claimant="nobody at all") == set()


def test_include_children_adds_the_members_at_every_depth(analyst):
    army = ActorFactory()
    division = ActorFactory(parent=army)
    brigade = ActorFactory(parent=division)
    claims = [ClaimFactory(claimant=actor) for actor in (army, division, brigade)]
    ClaimFactory()
    assert ids(analyst, claimant=army.pk) == {claims[0].pk}
    assert ids(analyst, claimant=army.pk, include_children="true") == {c.pk for c in claims}
    assert ids(analyst, target=army.pk, include_children="true") == set()


def test_target_gives_each_claim_once(analyst):
    army, unit = ActorFactory(), ActorFactory()
    unit.parent = army
    unit.save()
    claim = ClaimFactory()
    claim.targets.set([army, unit])
    ClaimFactory()
    assert ids(analyst, target=army.pk) == {claim.pk}
    response = analyst.get("/api/v1/claims/", {"target": army.pk, "include_children": "true"})
    assert [r["id"] for r in response.json()["results"]] == [claim.pk]


def test_story_tag_and_outlet(analyst):
    story = StoryFactory()
    in_story = ClaimFactory(story=story)
    tag = TagFactory(slug="قصف")
    tagged = ClaimFactory()
    tagged.tags.add(tag)
    outlet = OutletFactory(name_en="North Press Test")
    reported = MentionFactory(article=ArticleFactory(outlet=outlet)).claim
    MentionFactory()
    assert ids(analyst, story=story.pk) == {in_story.pk}
    assert ids(analyst, tag="قصف") == {tagged.pk}
    assert ids(analyst, outlet=outlet.pk) == {reported.pk}
    assert ids(analyst, outlet="north press test") == {reported.pk}


def test_date_ranges_and_updated_since(analyst):
    old, new = ClaimFactory(), ClaimFactory()
    long_ago = timezone.now() - timedelta(days=30)
    Claim.objects.filter(pk=old.pk).update(
        created_at=long_ago, updated_at=long_ago, first_seen_at=long_ago
    )
    Claim.objects.filter(pk=new.pk).update(first_seen_at=timezone.now())
    week_ago = (timezone.now() - timedelta(days=7)).isoformat()
    assert ids(analyst, created_after=week_ago) == {new.pk}
    assert ids(analyst, created_before=week_ago) == {old.pk}
    assert ids(analyst, first_seen_after=week_ago) == {new.pk}
    assert ids(analyst, first_seen_before=week_ago) == {old.pk}
    assert ids(analyst, updated_since=week_ago) == {new.pk}


def test_q_searches_the_normalized_arabic_text_word_by_word(analyst):
    shelling = ClaimFactory(text="قصفت القوات قرية الإدارة الذاتية")
    ClaimFactory(text="نفى المتحدث الأنباء")
    # Hamza and alef forms fold: "الادارة" finds "الإدارة"; each word must be present.
    assert ids(analyst, q="الادارة") == {shelling.pk}
    assert ids(analyst, q="قصفت الإدارة") == {shelling.pk}
    assert ids(analyst, q="قصفت الأنباء") == set()


def test_ordering_and_an_invalid_filter_value(analyst):
    first, second = ClaimFactory(), ClaimFactory()
    response = analyst.get("/api/v1/claims/", {"ordering": "created_at"})
    assert [r["id"] for r in response.json()["results"]] == [first.pk, second.pk]
    response = analyst.get("/api/v1/claims/")
    assert [r["id"] for r in response.json()["results"]] == [second.pk, first.pk]
    response = analyst.get("/api/v1/claims/", {"type": "gossip"})
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "validation_error"
    assert "type" in response.json()["error"]["details"]


def test_filter_forms_are_made_once_per_language_and_keep_each_requests_values():
    # The filter set's form class is kept between requests (claims.filters.FilterSet):
    # one per language, since django-filter translates labels when it makes the fields.
    from django.utils import translation

    from claims.filters import ClaimFilter

    with translation.override("en"):
        english = ClaimFilter({"type": "denial"}).form
        assert ClaimFilter({"type": "accusation"}).form.__class__ is english.__class__
    with translation.override("ar"):
        arabic = ClaimFilter({"type": "nonsense"}).form
    assert arabic.__class__ is not english.__class__
    assert english.is_valid()
    assert english.cleaned_data["type"] == "denial"
    assert not arabic.is_valid()
    assert "type" in arabic.errors
