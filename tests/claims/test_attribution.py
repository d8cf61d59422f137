"""Select-to-attribute: editors turn a span of an article into a mention, through HTTP and
through the service."""

import pytest
from django.urls import reverse

from claims.models import Actor, Claim, ClaimEvent, ClaimLink, Mention
from claims.services.attribution import mention_attribute, mention_edit, span_check
from conflictdesk.errors import Conflict, InvalidInput
from tests.factories import (
    ActorAliasFactory,
    ActorFactory,
    ArticleFactory,
    ClaimFactory,
    MentionFactory,
    StoryFactory,
    UserFactory,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

BODY = (
    "قال مصدر عسكري في قسد لنورث برس إن تعزيزات تضم نحو عشر عربات وصلت مساء أمس.\n\n"
    "ونفت وزارة الدفاع السورية الاتهامات، ووصفتها بأنها عارية عن الصحة."
)
JSON = {"HTTP_ACCEPT": "application/json"}


@pytest.fixture
def roles():
    from conflictdesk.roles import roles_sync

    roles_sync()


@pytest.fixture
def editor(roles):
    return UserFactory(role="editor")


@pytest.fixture
def editor_client(client, editor):
    client.force_login(editor)
    return client


@pytest.fixture
def article():
    return ArticleFactory(story=StoryFactory(), body=BODY, title="قسد تتهم والوزارة تنفي")


@pytest.fixture
def sdf():
    return Actor.objects.get(key="sdf")  # the registry is in every test database


@pytest.fixture
def ministry():
    return Actor.objects.get(key="syrian_mod")


def span(text: str, phrase: str) -> tuple[int, int]:
    start = text.index(phrase)
    return start, start + len(phrase)


def post(client, article, **data):
    return client.post(reverse("claims:attribute", args=[article.pk]), data, **JSON)


def counts() -> tuple[int, int, int]:
    return Mention.objects.count(), Claim.objects.count(), ClaimEvent.objects.count()


def test_an_editor_attributes_a_span_as_a_new_confirmed_claim(editor_client, editor, article, sdf):
    start, end = span(BODY, "تعزيزات تضم نحو عشر عربات")
    response = post(
        editor_client,
        article,
        start=start,
        end=end,
        quote=BODY[start:end],
        type="assertion",
        claimant="لقسد",  # a proclitic and the short name: the registry's normalization finds it
        targets=["وزارة الدفاع السورية", ""],
        cue="قال",
    )
    assert response.status_code == 201, response.content
    data = response.json()
    mention = Mention.objects.get(pk=data["mention"])
    assert mention.quote == article.body[mention.start : mention.end] == "تعزيزات تضم نحو عشر عربات"
    assert (mention.start, mention.end) == (start, end)
    assert mention.attributed_by == editor
    assert mention.cue == "قال"
    claim = mention.claim
    assert claim.status == Claim.Status.CONFIRMED
    assert claim.locked
    assert claim.claimant == sdf
    assert [t.key for t in claim.targets.all()] == ["syrian_mod"]
    assert claim.story_id == article.story_id
    assert claim.text == mention.quote
    event = ClaimEvent.objects.get(claim=claim)
    assert (event.action, event.user) == ("attributed", editor)
    assert event.changes["start"] == start
    # The figure in the quote is stored with the mention, for the story's figures row.
    assert [(f.low, f.counts) for f in mention.figures.all()] == [(10, "vehicles")]
    assert data["redirect"].endswith(f"?m={mention.pk}#mention-{mention.pk}")


def test_a_plain_form_post_is_redirected_to_the_article_with_a_message(editor_client, article):
    start, end = span(BODY, "ونفت وزارة الدفاع السورية الاتهامات")
    response = editor_client.post(
        reverse("claims:attribute", args=[article.pk]),
        {"start": start, "end": end, "type": "denial", "claimant": "وزارة الدفاع السورية"},
        follow=True,
    )
    assert response.redirect_chain[-1][0].startswith(
        reverse("sources:article_detail", args=[article.pk])
    )
    assert [str(m) for m in response.context["messages"]]
    mention = Mention.objects.get()
    assert 'class="mention type-denial current"' in response.content.decode()
    assert f'id="mention-{mention.pk}"' in response.content.decode()


def test_blanks_at_the_edges_of_a_selection_are_left_out(editor_client, article):
    start, end = span(BODY, " تعزيزات تضم ")
    response = post(editor_client, article, start=start, end=end, type="assertion", claimant="قسد")
    assert response.status_code == 201
    mention = Mention.objects.get()
    assert (mention.start, mention.end) == (start + 1, end - 1)
    assert mention.quote == "تعزيزات تضم"


def test_offsets_count_characters_not_utf16_units(editor_client, sdf):
    body = "🔥🔥 قسد تتهم الفرقة 86 بالهجوم 🚀 على نقاطها"
    article = ArticleFactory(body=body)
    start, end = span(body, "قسد تتهم الفرقة 86")
    assert start == 3  # two emoji and a space: three Python characters (five UTF-16 units)
    response = post(editor_client, article, start=start, end=end, type="accusation", claimant="قسد")
    assert response.status_code == 201
    assert Mention.objects.get().quote == "قسد تتهم الفرقة 86"


@pytest.mark.parametrize(
    ("start", "end", "reason"),
    [
        (10, 5000, "not inside the text"),
        (40, 40, "The selection is empty"),
        (40, 20, "The selection is empty"),
        (-1, 10, "Start"),
        ("x", 10, "Start"),
    ],
)
def test_bad_offsets_are_refused_with_a_reason_and_nothing_is_created(
    editor_client, article, start, end, reason
):
    before = counts()
    response = post(editor_client, article, start=start, end=end, type="assertion", claimant="قسد")
    assert response.status_code == 400
    assert reason in response.json()["error"]
    assert counts() == before


def test_a_span_of_blanks_only_is_refused(editor_client, article):
    start = BODY.index("\n\n")
    response = post(
        editor_client, article, start=start, end=start + 2, type="assertion", claimant="قسد"
    )
    assert response.status_code == 400
    assert "only blanks" in response.json()["error"]
    assert not Mention.objects.exists()


def test_a_quote_that_does_not_match_the_offsets_is_refused(editor_client, article):
    start, end = span(BODY, "تعزيزات تضم")
    before = counts()
    response = post(
        editor_client,
        article,
        start=start + 1,
        end=end + 1,
        quote="تعزيزات تضم",
        type="assertion",
        claimant="قسد",
    )
    assert response.status_code == 400
    assert "does not match" in response.json()["error"]
    assert counts() == before


def test_the_refusal_page_of_a_plain_post_says_why(editor_client, article):
    response = editor_client.post(
        reverse("claims:attribute", args=[article.pk]),
        {"start": 0, "end": 99999, "type": "assertion", "claimant": "قسد"},
    )
    assert response.status_code == 400
    assert "not inside the text" in response.content.decode()


@pytest.mark.parametrize(
    ("fields", "reason"),
    [
        ({"claimant": "جهة لا يعرفها السجل"}, "no actor is called"),
        ({"claimant": ""}, "Name the claimant"),
        ({"type": ""}, "Choose the claim type"),
        ({"type": "rumour"}, "Type"),
        ({"speaker": "شخص مجهول تماما"}, "no actor is called"),
        ({"targets": ["قسد", "فصيل غير موجود"]}, "no actor is called"),
        ({"claim": 999999}, "There is no claim"),
    ],
)
def test_unknown_parties_and_types_are_refused(editor_client, article, fields, reason):
    start, end = span(BODY, "تعزيزات تضم")
    data = {"start": start, "end": end, "type": "assertion", "claimant": "قسد", **fields}
    before = counts()
    response = post(editor_client, article, **data)
    assert response.status_code == 400
    assert reason in response.json()["error"]
    assert counts() == before


def test_a_name_shared_by_two_actors_is_refused_as_ambiguous(editor_client, article):
    ActorAliasFactory(actor=ActorFactory(), surface="الفصيل المشترك")
    ActorAliasFactory(actor=ActorFactory(), surface="الفصيل المشترك")
    start, end = span(BODY, "تعزيزات تضم")
    response = post(
        editor_client, article, start=start, end=end, type="assertion", claimant="الفصيل المشترك"
    )
    assert response.status_code == 400
    assert "may be any of" in response.json()["error"]


def test_an_analyst_may_not_attribute(client, roles, article):
    client.force_login(UserFactory(role="analyst"))
    start, end = span(BODY, "تعزيزات تضم")
    response = post(client, article, start=start, end=end, type="assertion", claimant="قسد")
    assert response.status_code == 403
    assert not Mention.objects.exists()
    mention = MentionFactory(article=article)
    response = client.post(
        reverse("claims:mention_edit", args=[mention.pk]),
        {"start": 0, "end": 5, "version": mention.claim.version},
    )
    assert response.status_code == 403
    mention.refresh_from_db()
    assert (mention.start, mention.end) == (0, 30)


def test_attribution_needs_a_post(editor_client, article):
    assert editor_client.get(reverse("claims:attribute", args=[article.pk])).status_code == 405


def test_a_span_is_added_to_an_existing_claim_as_one_more_report(editor_client, editor, article):
    claim = ClaimFactory(story=article.story, type=Claim.Type.DENIAL, response_status="")
    version = claim.version
    start, end = span(BODY, "ونفت وزارة الدفاع السورية الاتهامات")
    response = post(editor_client, article, start=start, end=end, claim=claim.pk)
    assert response.status_code == 200
    claim.refresh_from_db()
    assert claim.version == version + 1
    assert claim.locked
    assert claim.mentions.get().quote == "ونفت وزارة الدفاع السورية الاتهامات"
    assert ClaimEvent.objects.get(claim=claim).changes["new_claim"] is False
    # The same span twice is one mention: the second attempt is a conflict.
    again = post(editor_client, article, start=start, end=end, claim=claim.pk)
    assert again.status_code == 409
    assert claim.mentions.count() == 1


def test_a_denial_that_answers_an_accusation_is_linked_and_sets_its_status(
    editor_client, article, sdf, ministry
):
    accusation = ClaimFactory(story=article.story, claimant=sdf)
    accusation.targets.set([ministry])
    start, end = span(BODY, "ونفت وزارة الدفاع السورية الاتهامات")
    response = post(
        editor_client,
        article,
        start=start,
        end=end,
        type="denial",
        claimant="وزارة الدفاع السورية",
        targets=["قسد"],
        responds_to=accusation.pk,
    )
    assert response.status_code == 201
    denial = Mention.objects.get().claim
    assert denial.responds_to == accusation
    assert ClaimLink.objects.filter(source=denial, target=accusation, kind="denies").exists()
    accusation.refresh_from_db()
    assert accusation.response_status == Claim.ResponseStatus.DENIED


def test_a_headline_span_is_attributed_in_the_title(editor_client, article):
    start, end = span(article.title, "الوزارة تنفي")
    response = post(
        editor_client,
        article,
        start=start,
        end=end,
        field="title",
        type="denial",
        claimant="وزارة الدفاع السورية",
    )
    assert response.status_code == 201
    mention = Mention.objects.get()
    assert mention.in_title
    assert mention.quote == article.title[start:end] == "الوزارة تنفي"


def edit(client, mention, **data):
    return client.post(reverse("claims:mention_edit", args=[mention.pk]), data, **JSON)


def editor_mention(article, phrase, **claim_fields):
    start, end = span(article.body, phrase)
    claim = ClaimFactory(story=article.story, **claim_fields)
    return MentionFactory(
        claim=claim, article=article, start=start, end=end, quote=article.body[start:end]
    )


def test_editing_the_only_report_of_a_claim_changes_its_parties(editor_client, editor, article):
    mention = editor_mention(article, "ونفت وزارة الدفاع السورية الاتهامات")
    claim = mention.claim
    start, end = span(BODY, "ونفت وزارة الدفاع السورية الاتهامات، ووصفتها")
    response = edit(
        editor_client,
        mention,
        start=start,
        end=end,
        version=claim.version,
        type="denial",
        claimant="وزارة الدفاع السورية",
        targets=["قسد"],
    )
    assert response.status_code == 200, response.content
    mention.refresh_from_db()
    claim.refresh_from_db()
    assert mention.claim_id == claim.pk
    assert mention.quote == BODY[start:end]
    assert (claim.type, claim.claimant.key) == ("denial", "syrian_mod")
    assert [t.key for t in claim.targets.all()] == ["sdf"]
    assert claim.response_status == ""
    assert claim.version == 2
    event = ClaimEvent.objects.filter(claim=claim).last()
    assert event.action == "attribution_edited"
    assert event.user == editor
    assert event.changes["type"] == ["accusation", "denial"]
    assert event.changes["status"] == ["proposed", "confirmed"]
    assert claim.locked  # re-extraction leaves a person's attribution alone


def test_a_stale_version_is_refused_and_changes_nothing(editor_client, article):
    mention = editor_mention(article, "ونفت وزارة الدفاع السورية الاتهامات")
    Claim.objects.filter(pk=mention.claim_id).update(version=5)
    response = edit(
        editor_client,
        mention,
        start=0,
        end=10,
        version=4,
        type="denial",
        claimant="وزارة الدفاع السورية",
    )
    assert response.status_code == 409
    assert "reload" in response.json()["error"]
    mention.refresh_from_db()
    claim = Claim.objects.get(pk=mention.claim_id)
    assert (claim.type, claim.version) == ("accusation", 5)
    assert mention.quote == "ونفت وزارة الدفاع السورية الاتهامات"


def test_editing_one_report_of_a_claim_other_outlets_share_splits_it_off(editor_client, article):
    mention = editor_mention(article, "ونفت وزارة الدفاع السورية الاتهامات")
    shared = mention.claim
    other = ArticleFactory(body=BODY)
    MentionFactory(claim=shared, article=other)
    start, end = mention.start, mention.end
    response = edit(
        editor_client,
        mention,
        start=start,
        end=end,
        version=shared.version,
        type="denial",
        claimant="وزارة الدفاع السورية",
    )
    assert response.status_code == 200
    mention.refresh_from_db()
    assert mention.claim_id != shared.pk
    assert mention.claim.type == "denial"
    assert mention.claim.status == Claim.Status.CONFIRMED
    shared.refresh_from_db()
    assert shared.type == "accusation"
    assert shared.mentions.count() == 1


def test_a_span_only_edit_keeps_the_shared_claim(editor_client, article):
    mention = editor_mention(
        article, "ونفت وزارة الدفاع السورية الاتهامات", claimant=ActorFactory()
    )
    shared = mention.claim
    MentionFactory(claim=shared, article=ArticleFactory(body=BODY))
    start, end = span(BODY, "وزارة الدفاع السورية الاتهامات")
    response = edit(
        editor_client,
        mention,
        start=start,
        end=end,
        version=shared.version,
        type=shared.type,
        claimant=shared.claimant.name_ar,
    )
    assert response.status_code == 200
    mention.refresh_from_db()
    assert mention.claim_id == shared.pk
    assert mention.quote == "وزارة الدفاع السورية الاتهامات"


def test_an_edit_can_move_the_report_to_another_claim(editor_client, article):
    mention = editor_mention(article, "ونفت وزارة الدفاع السورية الاتهامات")
    target = ClaimFactory(story=article.story, type=Claim.Type.DENIAL, response_status="")
    response = edit(
        editor_client,
        mention,
        start=mention.start,
        end=mention.end,
        version=mention.claim.version,
        claim=target.pk,
    )
    assert response.status_code == 200
    mention.refresh_from_db()
    assert mention.claim_id == target.pk
    assert ClaimEvent.objects.filter(claim=target, action="mention_moved_in").exists()


def test_an_edit_without_the_version_read_is_refused(editor_client, article):
    mention = editor_mention(article, "ونفت وزارة الدفاع السورية الاتهامات")
    response = edit(editor_client, mention, start=0, end=4)
    assert response.status_code == 400
    assert "version" in response.json()["error"]


def test_span_check_trims_blanks_and_keeps_exact_offsets():
    text = "قال  «قسد»  تتهم\n"
    checked = span_check(text=text, start=3, end=12)
    assert text[checked.start : checked.end] == checked.quote == "«قسد»"
    with pytest.raises(InvalidInput):
        span_check(text=text, start=16, end=17)


def test_the_service_refuses_a_second_identical_span_on_the_same_claim(article, editor, sdf):
    start, end = span(BODY, "تعزيزات")
    mention = mention_attribute(
        article=article, start=start, end=end, type="assertion", claimant=sdf, user=editor
    )
    with pytest.raises(Conflict):
        mention_attribute(article=article, start=start, end=end, claim=mention.claim, user=editor)
    with pytest.raises(Conflict):
        mention_edit(mention_id=mention.pk, expected_version=99, start=start, end=end, user=editor)
