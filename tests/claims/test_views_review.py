"""The review queue through HTTP: proposed claims oldest first, filters, one claim swapped
in place after an action, bulk actions, and two analysts on the same claim."""

import datetime

import lxml.html
import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from claims.models import Claim, ClaimEvent
from tests.factories import (
    ArticleFactory,
    ClaimFactory,
    MentionFactory,
    OutletFactory,
    StoryFactory,
    TagFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

QUEUE = reverse("claims:review")
BULK = reverse("claims:review_bulk")
BODY = (
    "قال مصدر محلي إن الاشتباكات بدأت فجراً.\n"
    "واتهمت قوات سوريا الديمقراطية فصائل موالية لدمشق بمهاجمة نقاطها قرب الطبقة."
)
ACCUSATION = "اتهمت قوات سوريا الديمقراطية فصائل موالية لدمشق"


@pytest.fixture(autouse=True)
def roles():
    from conflictdesk.roles import roles_sync

    roles_sync()


@pytest.fixture(autouse=True)
def english(settings):
    settings.LANGUAGE_CODE = "en"


def signed_in(role: str) -> Client:
    client = Client()
    client.user = UserFactory(role=role)
    client.force_login(client.user)
    return client


@pytest.fixture
def analyst():
    return signed_in("analyst")


def aged(claim: Claim, days: int) -> Claim:
    """Claims made `days` ago: the queue orders by age."""
    Claim.objects.filter(pk=claim.pk).update(
        created_at=timezone.now() - datetime.timedelta(days=days)
    )
    claim.refresh_from_db()
    return claim


def with_mention(claim: Claim) -> Claim:
    article = ArticleFactory(body=BODY, outlet=OutletFactory())
    start = BODY.index(ACCUSATION)
    MentionFactory(claim=claim, article=article, start=start, end=start + len(ACCUSATION))
    return claim


def queue_ids(response) -> list[int]:
    tree = lxml.html.fromstring(response.content.decode())
    return [int(i) for i in tree.xpath("//li[contains(@class, 'review-item')]/@data-claim-id")]


def test_outsiders_see_nothing(client):
    assert "/login/" in client.get(QUEUE)["Location"]
    client.force_login(UserFactory())
    assert client.get(QUEUE).status_code == 403
    assert client.post(BULK, {"claims": ["1:1"], "action": "confirm"}).status_code == 403


def test_the_queue_lists_proposed_claims_oldest_first_with_the_mention_in_context(analyst):
    newer = with_mention(aged(ClaimFactory(), 1))
    older = with_mention(aged(ClaimFactory(), 5))
    aged(ClaimFactory(status="confirmed"), 9)
    aged(ClaimFactory(status="rejected"), 9)
    response = analyst.get(QUEUE)
    assert response.status_code == 200
    assert queue_ids(response) == [older.pk, newer.pk]
    tree = lxml.html.fromstring(response.content.decode())
    item = tree.get_element_by_id(f"review-item-{older.pk}")
    assert [m.text_content() for m in item.xpath(".//mark")] == [ACCUSATION]
    sentence = item.xpath(".//p[contains(@class, 'mention-sentence')]")[0].text_content()
    assert sentence == (
        "واتهمت قوات سوريا الديمقراطية فصائل موالية لدمشق بمهاجمة نقاطها قرب الطبقة."
    )


def test_the_queue_filters_by_type_story_and_tag(analyst):
    story = StoryFactory()
    tag = TagFactory()
    accusation = ClaimFactory()
    denial = ClaimFactory(type="denial", response_status="", story=story)
    tagged = ClaimFactory(type="demand", response_status="")
    tagged.tags.add(tag)
    assert queue_ids(analyst.get(QUEUE, {"type": "denial"})) == [denial.pk]
    assert queue_ids(analyst.get(QUEUE, {"story": story.pk})) == [denial.pk]
    assert queue_ids(analyst.get(QUEUE, {"tag": tag.slug})) == [tagged.pk]
    assert set(queue_ids(analyst.get(QUEUE))) == {accusation.pk, denial.pk, tagged.pk}


def test_the_queue_runs_a_fixed_number_of_queries(analyst, django_assert_max_num_queries):
    def claims(n):
        for _ in range(n):
            claim = with_mention(ClaimFactory(story=StoryFactory()))
            claim.tags.add(TagFactory())
            MentionFactory(claim=claim)

    claims(2)
    with CaptureQueriesContext(connection) as few:
        assert analyst.get(QUEUE).status_code == 200
    claims(12)
    with django_assert_max_num_queries(len(few)):
        response = analyst.get(QUEUE)
    assert len(queue_ids(response)) == 14


def test_confirming_from_the_queue_swaps_the_claim_in_place(analyst):
    claim = with_mention(ClaimFactory())
    response = analyst.post(
        reverse("claims:review_one", args=[claim.pk]),
        {"decision": "confirm", "version": 1, "context": "queue", "next": QUEUE},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    tree = lxml.html.fromstring(response.content.decode())
    item = tree.xpath("//li[contains(@class, 'review-item')]")[0]
    assert (item.get("data-status"), item.get("data-version")) == ("confirmed", "2")
    assert f"Claim {claim.pk} confirmed." in item.text_content()
    claim.refresh_from_db()
    assert claim.status == "confirmed"
    # Without htmx: back to the queue, with the message.
    other = ClaimFactory()
    response = analyst.post(
        reverse("claims:review_one", args=[other.pk]),
        {
            "decision": "reject",
            "version": 1,
            "context": "queue",
            "next": f"{QUEUE}?type=accusation",
        },
    )
    assert response["Location"] == f"{QUEUE}?type=accusation"


def test_two_analysts_on_one_claim_the_second_is_told_and_overwrites_nothing(analyst):
    claim = ClaimFactory()
    second = signed_in("analyst")
    # Both opened the queue at version 1.
    analyst.post(
        reverse("claims:review_one", args=[claim.pk]),
        {"decision": "confirm", "version": 1, "context": "queue"},
        HTTP_HX_REQUEST="true",
    )
    response = second.post(
        reverse("claims:review_one", args=[claim.pk]),
        {"decision": "reject", "version": 1, "context": "queue"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 409
    assert "Someone else changed this claim meanwhile" in response.content.decode()
    # The refreshed item shows the first analyst's decision and the new version.
    tree = lxml.html.fromstring(response.content.decode())
    item = tree.xpath("//li[contains(@class, 'review-item')]")[0]
    assert (item.get("data-status"), item.get("data-version")) == ("confirmed", "2")
    claim.refresh_from_db()
    assert (claim.status, claim.version) == ("confirmed", 2)
    assert list(ClaimEvent.objects.filter(claim=claim).values_list("user", flat=True)) == [
        analyst.user.pk
    ]


def test_tagging_from_the_queue_adds_a_tag(analyst):
    claim = ClaimFactory()
    claim.tags.add(TagFactory(label_ar="قديم"))
    response = analyst.post(
        reverse("claims:tags", args=[claim.pk]),
        {"add": "تنسيق مع داعش", "version": 1, "context": "queue"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    assert set(claim.tags.values_list("label_ar", flat=True)) == {"قديم", "تنسيق مع داعش"}
    assert "تنسيق مع داعش" in response.content.decode()


def test_bulk_confirm_does_the_fresh_ones_and_names_the_stale_ones(analyst):
    fresh, stale = ClaimFactory(), ClaimFactory()
    signed_in("analyst").post(
        reverse("claims:review_one", args=[stale.pk]), {"decision": "reject", "version": 1}
    )
    response = analyst.post(
        BULK,
        {"claims": [f"{fresh.pk}:1", f"{stale.pk}:1"], "action": "confirm", "next": QUEUE},
        follow=True,
    )
    html = response.content.decode()
    assert "1 claim confirmed." in html
    assert f"Someone else changed claims #{stale.pk} meanwhile" in html
    fresh.refresh_from_db()
    stale.refresh_from_db()
    assert (fresh.status, stale.status) == ("confirmed", "rejected")
    assert ClaimEvent.objects.filter(claim=stale).count() == 1


def test_bulk_reject_and_bulk_tag(analyst):
    claims = ClaimFactory.create_batch(3)
    items = [f"{c.pk}:1" for c in claims]
    analyst.post(BULK, {"claims": items[:2], "action": "reject"})
    assert list(Claim.objects.order_by("pk").values_list("status", flat=True)) == [
        "rejected",
        "rejected",
        "proposed",
    ]
    response = analyst.post(
        BULK, {"claims": [f"{claims[2].pk}:1"], "action": "tag", "tags": "عاجل، مهم"}, follow=True
    )
    assert "1 claim tagged." in response.content.decode()
    assert set(claims[2].tags.values_list("label_ar", flat=True)) == {"عاجل", "مهم"}
    response = analyst.post(BULK, {"claims": [], "action": "confirm"}, follow=True)
    assert "Tick the claims to act on first." in response.content.decode()


def test_the_page_loads_its_keyboard_script_and_has_no_inline_script(analyst):
    ClaimFactory()
    tree = lxml.html.fromstring(analyst.get(QUEUE).content.decode())
    scripts = tree.xpath("//script")
    assert all(s.get("src") and not (s.text or "").strip() for s in scripts)
    assert any(s.get("src").endswith("js/review.js") for s in scripts)
    assert not tree.xpath("//*[@style]")
    assert not [a for el in tree.iter() for a in el.attrib if a.startswith("on")]
    # Visible buttons do what the keys do.
    assert tree.xpath("//form[@data-action='confirm']//button")
    assert tree.xpath("//form[@data-action='reject']//button")
    assert tree.xpath("//input[contains(@class, 'tag-input')]")
    assert tree.get_element_by_id("review-help") is not None
