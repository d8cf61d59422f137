"""People's edits of claims: each one checks the version read, bumps it, bumps updated_at
and leaves a ClaimEvent; merge and split lose no mention."""

import pytest

from claims.models import ClaimEvent, ClaimLink, Figure, Mention, Tag
from claims.services import review
from conflictdesk.errors import Conflict, InvalidInput
from tests.factories import (
    ArticleFactory,
    ClaimFactory,
    ClaimLinkFactory,
    MentionFactory,
    OutletFactory,
    TagFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

BODY = (
    "اتهمت قوات سوريا الديمقراطية فصائل موالية لدمشق بمهاجمة نقاطها قرب الطبقة. "
    "وقال مدير المركز الإعلامي إن الهجوم استمر ساعتين.\n\n"
    "ونفت وزارة الدفاع السورية هذه الاتهامات."
)


@pytest.fixture
def user():
    return UserFactory()


def span(article, text: str) -> dict:
    start = article.body.index(text)
    return {"article": article, "start": start, "end": start + len(text)}


def test_confirm_records_who_bumps_the_version_and_updated_at(user):
    claim = ClaimFactory()
    before = claim.updated_at
    review.claim_confirm(claim_id=claim.pk, user=user, expected_version=1)
    claim.refresh_from_db()
    assert (claim.status, claim.version, claim.locked) == ("confirmed", 2, True)
    assert claim.updated_at > before
    event = ClaimEvent.objects.get(claim=claim)
    assert (event.user, event.action) == (user, "confirm")
    assert event.changes == {"status": ["proposed", "confirmed"]}


def test_a_stale_version_changes_nothing_and_records_nothing(user):
    claim = ClaimFactory()
    review.claim_reject(claim_id=claim.pk, user=user, expected_version=1)
    with pytest.raises(Conflict):
        review.claim_confirm(claim_id=claim.pk, user=user, expected_version=1)
    claim.refresh_from_db()
    assert (claim.status, claim.version) == ("rejected", 2)
    assert list(ClaimEvent.objects.filter(claim=claim).values_list("action", flat=True)) == [
        "reject"
    ]


def test_claim_update_still_records_update_by_default(user):
    claim = ClaimFactory()
    tag = TagFactory()
    review.claim_update(claim_id=claim.pk, user=user, expected_version=1, changes={"tags": [tag]})
    assert ClaimEvent.objects.get(claim=claim).action == "update"


def test_editing_the_text_refolds_it_for_search(user):
    claim = ClaimFactory(text="نص قديم")
    review.claim_update(
        claim_id=claim.pk, user=user, expected_version=1, changes={"text": "  الإدارة الذاتية  "}
    )
    claim.refresh_from_db()
    assert claim.text == "الإدارة الذاتية"
    assert "الادارة" in claim.normalized_text
    with pytest.raises(InvalidInput):
        review.claim_update(claim_id=claim.pk, user=user, expected_version=2, changes={"text": " "})


def test_tags_are_found_by_slug_or_label_and_created_only_when_allowed(user):
    known = TagFactory(slug="coordination", label_ar="تنسيق")
    found = review.tags_for_names(names=["تنسيق", "coordination"], user=user, create=False)
    assert found == [known]
    with pytest.raises(InvalidInput):
        review.tags_for_names(names=["وسم جديد"], user=user, create=False)
    assert not Tag.objects.filter(label_ar="وسم جديد").exists()
    (made,) = review.tags_for_names(names=["وسم  جديد"], user=user, create=True)
    assert (made.slug, made.label_ar, made.created_by) == ("وسم-جديد", "وسم جديد", user)


def test_a_link_is_recorded_on_both_claims_and_bumps_both(user):
    accusation, denial = ClaimFactory(), ClaimFactory(type="denial", response_status="")
    link = review.claim_link_add(
        claim_id=denial.pk, user=user, expected_version=1, other_id=accusation.pk, kind="denies"
    )
    assert (link.source, link.target, link.kind) == (denial, accusation, "denies")
    accusation.refresh_from_db()
    denial.refresh_from_db()
    assert (accusation.version, denial.version) == (2, 2)
    for claim in (accusation, denial):
        assert ClaimEvent.objects.get(claim=claim).action == "link"
    with pytest.raises(InvalidInput):
        review.claim_link_add(
            claim_id=denial.pk, user=user, expected_version=2, other_id=accusation.pk, kind="denies"
        )
    incoming = review.claim_link_add(
        claim_id=accusation.pk,
        user=user,
        expected_version=2,
        other_id=denial.pk,
        kind="counters",
        incoming=True,
    )
    assert (incoming.source, incoming.target) == (denial, accusation)


def test_removing_a_link_is_recorded_and_checks_the_version(user):
    link = ClaimLinkFactory()
    with pytest.raises(Conflict):
        review.claim_link_remove(
            claim_id=link.target_id, user=user, expected_version=5, link_id=link.pk
        )
    assert ClaimLink.objects.filter(pk=link.pk).exists()
    review.claim_link_remove(
        claim_id=link.target_id, user=user, expected_version=1, link_id=link.pk
    )
    assert not ClaimLink.objects.filter(pk=link.pk).exists()
    assert ClaimEvent.objects.filter(action="unlink").count() == 2


def merge_pair():
    """Two claims that are one: 3 mentions of one, 2 of the other (one on the same span)."""
    first = ArticleFactory(body=BODY, outlet=OutletFactory())
    second = ArticleFactory(body=BODY, outlet=OutletFactory())
    keep = ClaimFactory()
    other = ClaimFactory(claimant=keep.claimant)
    accusation_sentence = "اتهمت قوات سوريا الديمقراطية فصائل موالية لدمشق"
    MentionFactory(claim=keep, **span(first, accusation_sentence))
    MentionFactory(claim=keep, **span(first, "الهجوم استمر ساعتين"))
    shared = MentionFactory(claim=other, **span(first, accusation_sentence))
    moved = MentionFactory(claim=other, **span(second, accusation_sentence))
    Figure.objects.create(claim=other, mention=shared, low=2, counts="killed")
    tag = TagFactory()
    other.tags.add(tag)
    denial = ClaimFactory(type="denial", response_status="", responds_to=other)
    ClaimLink.objects.create(source=denial, target=other, kind="denies")
    return keep, other, moved, tag, denial


def test_merge_moves_mentions_tags_links_and_answers_and_marks_the_other(user):
    keep, other, moved, tag, denial = merge_pair()
    spans_before = set(
        Mention.objects.filter(claim__in=[keep, other]).values_list(
            "article_id", "in_title", "start", "end"
        )
    )
    review.claim_merge(claim_id=keep.pk, other_id=other.pk, user=user, expected_version=1)
    keep.refresh_from_db()
    other.refresh_from_db()
    denial.refresh_from_db()
    assert set(keep.mentions.values_list("article_id", "in_title", "start", "end")) == spans_before
    assert not other.mentions.exists()
    assert Mention.objects.get(pk=moved.pk).claim_id == keep.pk
    assert list(keep.tags.all()) == [tag]
    assert Figure.objects.get().claim_id == keep.pk
    assert Figure.objects.get().mention.claim_id == keep.pk
    assert denial.responds_to_id == keep.pk
    assert ClaimLink.objects.filter(source=denial, target=keep, kind="denies").exists()
    assert ClaimLink.objects.filter(source=other, target=keep, kind="repeats").exists()
    # The denial now answers the kept accusation: its response status says so.
    assert keep.response_status == "denied"
    assert (keep.version, keep.locked) == (2, True)
    assert (other.status, other.version, other.locked) == ("rejected", 2, True)
    assert ClaimEvent.objects.get(claim=keep).action == "merge"
    assert ClaimEvent.objects.get(claim=other).changes["merged_into"] == [None, keep.pk]
    assert review.claim_merged_into(other) == keep.pk


def test_a_merged_claim_cannot_be_merged_again_and_a_stale_merge_changes_nothing(user):
    keep, other, *_ = merge_pair()
    third = ClaimFactory()
    with pytest.raises(Conflict):
        review.claim_merge(claim_id=keep.pk, other_id=other.pk, user=user, expected_version=9)
    assert other.mentions.count() == 2
    review.claim_merge(claim_id=keep.pk, other_id=other.pk, user=user, expected_version=1)
    with pytest.raises(InvalidInput):
        review.claim_merge(claim_id=third.pk, other_id=other.pk, user=user, expected_version=1)
    with pytest.raises(InvalidInput):
        review.claim_merge(claim_id=keep.pk, other_id=keep.pk, user=user, expected_version=2)


def test_split_makes_a_new_claim_of_one_mention_and_keeps_the_others(user):
    article = ArticleFactory(body=BODY)
    claim = ClaimFactory(type="denial", response_status="", speaker_description="مصدر عسكري")
    tag = TagFactory()
    claim.tags.add(tag)
    stays = MentionFactory(claim=claim, **span(article, "اتهمت قوات سوريا الديمقراطية"))
    goes = MentionFactory(claim=claim, **span(article, "ونفت وزارة الدفاع السورية هذه الاتهامات"))
    new = review.mention_split(mention_id=goes.pk, user=user, expected_version=1)
    claim.refresh_from_db()
    assert list(claim.mentions.all()) == [stays]
    assert list(new.mentions.all()) == [goes]
    assert new.text == goes.quote
    assert (new.type, new.claimant_id, new.speaker_description) == (
        "denial",
        claim.claimant_id,
        "مصدر عسكري",
    )
    assert list(new.tags.all()) == [tag]
    assert new.first_seen_at is not None
    assert claim.version == 2
    assert ClaimEvent.objects.get(claim=claim).changes["split_into"] == [None, new.pk]
    assert ClaimEvent.objects.get(claim=new).action == "split_from"
    with pytest.raises(InvalidInput):
        review.mention_split(mention_id=stays.pk, user=user, expected_version=2)
    assert Mention.objects.count() == 2


def test_bulk_review_does_the_fresh_claims_and_leaves_the_stale_ones(user):
    fresh, stale = ClaimFactory(), ClaimFactory()
    review.claim_update(claim_id=stale.pk, user=user, expected_version=1, changes={})
    result = review.claims_review_bulk(
        items=[(fresh.pk, 1), (stale.pk, 1), (999999, 1)], user=user, status="confirmed"
    )
    assert (result.done, result.stale, result.missing) == ([fresh.pk], [stale.pk], [999999])
    fresh.refresh_from_db()
    stale.refresh_from_db()
    assert (fresh.status, stale.status) == ("confirmed", "proposed")


def test_bulk_tagging_adds_to_the_tags_a_claim_has(user):
    claim = ClaimFactory()
    old, new = TagFactory(), TagFactory()
    claim.tags.add(old)
    review.claims_review_bulk(items=[(claim.pk, 1)], user=user, add_tags=[new])
    assert set(claim.tags.all()) == {old, new}
    assert ClaimEvent.objects.get(claim=claim).action == "tag"
