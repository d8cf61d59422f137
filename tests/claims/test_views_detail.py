"""The claim page through HTTP: what it shows, who may do which action, and how a stale
form is refused."""

import lxml.html
import pytest
from django.urls import reverse

from claims.models import ActorRole, Claim, ClaimEvent, ClaimLink, Mention, Tag
from tests.factories import (
    ActorFactory,
    ArticleFactory,
    ClaimFactory,
    MentionFactory,
    OutletFactory,
    StoryFactory,
    TagFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

BODY = (
    "الرقة — قالت مصادر محلية إن اشتباكات اندلعت فجراً.\n\n"
    "واتهمت قوات سوريا الديمقراطية فصائل موالية لدمشق بمهاجمة نقاطها قرب الطبقة. "
    "وأضافت أن الهجوم استمر ساعتين.\n\n"
    "ولم تعلق الحكومة السورية."
)
ACCUSATION = "اتهمت قوات سوريا الديمقراطية فصائل موالية لدمشق بمهاجمة نقاطها"
STALE = "Someone else changed this claim meanwhile"


@pytest.fixture(autouse=True)
def roles():
    from conflictdesk.roles import roles_sync

    roles_sync()


@pytest.fixture(autouse=True)
def english(settings):
    # Messages are asserted in English; the UI is Arabic first.
    settings.LANGUAGE_CODE = "en"


def client_as(client, role):
    user = UserFactory(role=role)
    client.force_login(user)
    client.user = user
    return client


@pytest.fixture
def analyst(client):
    return client_as(client, "analyst")


@pytest.fixture
def editor(client):
    return client_as(client, "editor")


def mention_in(article, text, claim=None, **extra):
    start = article.body.index(text)
    return MentionFactory(
        claim=claim or ClaimFactory(), article=article, start=start, end=start + len(text), **extra
    )


def page(response) -> lxml.html.HtmlElement:
    return lxml.html.fromstring(response.content.decode())


def url(name, *args):
    return reverse(f"claims:{name}", args=args)


# What the page shows.


def test_an_outsider_sees_nothing_and_an_anonymous_visitor_is_sent_to_log_in(client):
    claim = ClaimFactory()
    response = client.get(url("detail", claim.pk))
    assert response.status_code == 302
    assert "/login/" in response["Location"]
    client.force_login(UserFactory())
    assert client.get(url("detail", claim.pk)).status_code == 403


def test_each_mention_is_marked_exactly_at_its_offsets_in_sentence_and_paragraph(analyst):
    outlet = OutletFactory(name_ar="نورث برس", alignment="sdf_aligned")
    article = ArticleFactory(body=BODY, outlet=outlet, title="قسد تتهم فصائل")
    mention = mention_in(article, ACCUSATION)
    headline = MentionFactory(
        claim=mention.claim, article=article, in_title=True, start=0, end=3, quote="قسد"
    )
    response = analyst.get(url("detail", mention.claim_id))
    assert response.status_code == 200
    tree = page(response)
    card = tree.get_element_by_id(f"mention-{mention.pk}")
    marks = [m.text_content() for m in card.xpath(".//mark")]
    # Once in its sentence, once in its paragraph.
    assert marks == [article.body[mention.start : mention.end]] * 2
    sentence = card.xpath(".//p[contains(@class, 'mention-sentence')]")[0].text_content()
    assert sentence == (
        "واتهمت قوات سوريا الديمقراطية فصائل موالية لدمشق بمهاجمة نقاطها قرب الطبقة."
    )
    paragraph = card.xpath(".//details//p")[0].text_content()
    assert paragraph.endswith("وأضافت أن الهجوم استمر ساعتين.")
    title_card = tree.get_element_by_id(f"mention-{headline.pk}")
    assert [m.text_content() for m in title_card.xpath(".//mark")] == ["قسد"]
    header = card.xpath(".//div[contains(@class, 'card-header')]")[0].text_content()
    assert "نورث برس" in header
    assert "SDF-aligned" in header
    assert reverse("sources:article_detail", args=[article.pk]) in response.content.decode()


def test_a_script_in_the_article_is_shown_as_text_never_run(analyst):
    body = "قال المصدر <script>alert('x')</script> إن الهجوم بدأ فجراً."
    article = ArticleFactory(body=body, title="<b>عنوان</b>")
    mention = mention_in(article, "<script>alert('x')</script> إن الهجوم")
    html = analyst.get(url("detail", mention.claim_id)).content.decode()
    assert "<script>alert" not in html
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in html
    assert "<b>عنوان</b>" not in html
    marks = page_marks(html)
    assert marks[0] == body[mention.start : mention.end]


def page_marks(html: str) -> list[str]:
    return [m.text_content() for m in lxml.html.fromstring(html).xpath("//mark")]


def test_the_page_shows_parties_role_rule_first_seen_and_version(analyst):
    sdf = ActorFactory(name_ar="قوات سوريا الديمقراطية")
    person = ActorFactory(name_ar="فرهاد شامي", kind="person")
    ActorRole.objects.create(person=person, organization=sdf, title_ar="مدير المركز الإعلامي")
    target = ActorFactory(name_ar="الفرقة 86")
    via = ActorFactory(name_ar="نورث برس", kind="media")
    story = StoryFactory(title="اشتباكات الطبقة")
    claim = ClaimFactory(
        claimant=sdf,
        speaker=person,
        reported_via=via,
        story=story,
        rule="svo_accuse",
        cue="اتهمت",
        speaker_description="مصدر عسكري",
    )
    claim.targets.add(target)
    claim.tags.add(TagFactory(label_ar="تنسيق"))
    html = analyst.get(url("detail", claim.pk)).content.decode()
    for expected in (
        "قوات سوريا الديمقراطية",
        "فرهاد شامي",
        "مدير المركز الإعلامي",
        "الفرقة 86",
        "نورث برس",
        "اشتباكات الطبقة",
        "svo_accuse",
        "مصدر عسكري",
        "تنسيق",
        "version 1",
    ):
        assert expected in html, expected


def test_the_thread_shows_what_it_answers_its_answers_and_its_links_in_order(analyst):
    accusation = ClaimFactory(text="اتهام أول")
    denial = ClaimFactory(
        type="denial", response_status="", responds_to=accusation, text="نفي الوزارة"
    )
    no_comment = ClaimFactory(
        type="no_comment", response_status="", responds_to=accusation, text="لم تعلق الحكومة"
    )
    repeat = ClaimFactory(text="اتهام مكرر")
    ClaimLink.objects.create(source=denial, target=accusation, kind="denies")
    ClaimLink.objects.create(source=accusation, target=repeat, kind="repeats")
    tree = page(analyst.get(url("detail", accusation.pk)))
    items = tree.xpath("//ol[contains(@class, 'timeline')]/li")
    texts = [item.text_content() for item in items]
    assert len(items) == 4  # the claim itself, two answers (one also linked), one link
    order = [
        next(c for c in (accusation, denial, no_comment, repeat) if c.text in t) for t in texts
    ]
    assert order == [accusation, denial, no_comment, repeat]
    denial_item = texts[1]
    assert "it answers this claim" in denial_item
    assert "it denies this claim" in denial_item
    assert "this claim repeats it" in texts[3]
    assert "this claim" in texts[0]
    # What the denial answers shows on its own page.
    assert "this claim answers it" in analyst.get(url("detail", denial.pk)).content.decode()


def test_the_history_shows_who_changed_what_readably(analyst):
    claim = ClaimFactory()
    target = ActorFactory(name_ar="جيش الاختبار")
    editor_user = UserFactory(role="editor", username="editor-one")
    from claims.services.review import claim_update

    claim_update(
        claim_id=claim.pk,
        user=editor_user,
        expected_version=1,
        changes={"type": "denial", "targets": [target]},
    )
    tree = page(analyst.get(url("detail", claim.pk)))
    row = tree.xpath("//table[contains(@class, 'history')]//tr[contains(@class, 'history-update')]")
    text = row[0].text_content()
    assert "editor-one" in text
    assert "Accusation" in text
    assert "Denial" in text
    assert "جيش الاختبار" in text


def test_the_detail_page_runs_a_fixed_number_of_queries(analyst, django_assert_max_num_queries):
    def claim_with(n):
        claim = ClaimFactory()
        claim.tags.add(*TagFactory.create_batch(n))
        claim.targets.add(*ActorFactory.create_batch(n))
        for _ in range(n):
            article = ArticleFactory(body=BODY, outlet=OutletFactory())
            mention_in(article, ACCUSATION, claim=claim)
            ClaimFactory(type="denial", response_status="", responds_to=claim)
            ClaimLink.objects.create(source=ClaimFactory(), target=claim, kind="repeats")
            ClaimEvent.objects.create(claim=claim, action="tag", changes={"tags": [[], ["x"]]})
        return claim

    small, large = claim_with(1), claim_with(6)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        assert analyst.get(url("detail", small.pk)).status_code == 200
    with django_assert_max_num_queries(len(few)):
        response = analyst.get(url("detail", large.pk))
    assert response.status_code == 200
    assert len(page_marks(response.content.decode())) == 12


# Actions.


def test_an_analyst_confirms_and_the_page_says_so(analyst):
    claim = ClaimFactory()
    before = claim.updated_at
    response = analyst.post(
        url("review_one", claim.pk), {"decision": "confirm", "version": 1}, follow=True
    )
    assert response.status_code == 200
    assert f"Claim {claim.pk} confirmed." in response.content.decode()
    claim.refresh_from_db()
    assert (claim.status, claim.version) == ("confirmed", 2)
    assert claim.updated_at > before
    event = ClaimEvent.objects.get(claim=claim)
    assert (event.user, event.action) == (analyst.user, "confirm")


def test_a_stale_form_is_refused_with_a_clear_message_and_nothing_changes(analyst):
    claim = ClaimFactory()
    analyst.post(url("review_one", claim.pk), {"decision": "reject", "version": 1})
    response = analyst.post(
        url("review_one", claim.pk), {"decision": "confirm", "version": 1}, follow=True
    )
    assert STALE in response.content.decode()
    claim.refresh_from_db()
    assert (claim.status, claim.version) == ("rejected", 2)
    assert ClaimEvent.objects.filter(claim=claim).count() == 1
    # The same through htmx: 409, and the refreshed part carries the message.
    response = analyst.post(
        url("tags", claim.pk), {"tags": "جديد", "version": 1}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 409
    assert STALE in response.content.decode()
    assert not claim.tags.exists()
    assert not Tag.objects.filter(label_ar="جديد").exists()


def test_an_htmx_action_answers_with_the_refreshed_page_part(analyst):
    claim = ClaimFactory()
    response = analyst.post(
        url("review_one", claim.pk), {"decision": "reject", "version": 1}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    tree = page(response)
    assert tree.get_element_by_id("claim-main") is not None
    assert "Rejected" in tree.get_element_by_id("claim-main").text_content()
    versions = tree.xpath("//input[@name='version']/@value")
    assert versions
    assert set(versions) == {"2"}


@pytest.mark.parametrize("method", ["get"])
def test_actions_only_accept_post(analyst, method):
    claim = ClaimFactory()
    for name in ("review_one", "edit", "tags", "link_add", "merge"):
        assert getattr(analyst, method)(url(name, claim.pk)).status_code == 405


def test_an_outsider_cannot_act(client):
    claim = ClaimFactory()
    client.force_login(UserFactory())
    response = client.post(url("review_one", claim.pk), {"decision": "confirm", "version": 1})
    assert response.status_code == 403
    claim.refresh_from_db()
    assert claim.status == "proposed"


def test_an_analyst_sets_adds_and_removes_tags_and_may_coin_one(analyst):
    claim = ClaimFactory()
    known = TagFactory(slug="coordination", label_ar="تنسيق")
    analyst.post(url("tags", claim.pk), {"tags": "تنسيق، وسم جديد", "version": 1})
    assert set(claim.tags.values_list("label_ar", flat=True)) == {"تنسيق", "وسم جديد"}
    analyst.post(url("tags", claim.pk), {"remove": "coordination", "version": 2})
    assert list(claim.tags.values_list("label_ar", flat=True)) == ["وسم جديد"]
    analyst.post(url("tags", claim.pk), {"add": "coordination", "version": 3})
    assert set(claim.tags.all()) == {known, Tag.objects.get(label_ar="وسم جديد")}
    assert (
        list(ClaimEvent.objects.filter(claim=claim).values_list("action", flat=True)) == ["tag"] * 3
    )
    claim.refresh_from_db()
    assert claim.version == 4


def test_an_analyst_edits_the_text_but_not_the_parties(analyst):
    claim = ClaimFactory(text="نص قديم")
    other = ActorFactory()
    response = analyst.post(
        url("edit", claim.pk), {"text": "نص مصحح", "version": 1, "claimant": other.pk}
    )
    assert response.status_code == 403
    claim.refresh_from_db()
    assert (claim.text, claim.claimant_id == other.pk) == ("نص قديم", False)
    analyst.post(
        url("edit", claim.pk), {"text": "نص مصحح", "speaker_description": "", "version": 1}
    )
    claim.refresh_from_db()
    assert (claim.text, claim.version) == ("نص مصحح", 2)
    assert ClaimEvent.objects.get(claim=claim).changes == {"text": ["نص قديم", "نص مصحح"]}


def test_an_editor_changes_type_and_parties_by_name_or_alias(editor):
    from tests.factories import ActorAliasFactory

    claim = ClaimFactory()
    ministry = ActorFactory(name_ar="وزارة الاختبار السورية")
    ActorAliasFactory(actor=ministry, surface="وزارة الاختبار")
    speaker = ActorFactory(name_ar="متحدث الوزارة", kind="person")
    target = ActorFactory(name_ar="قسد للاختبار")
    accusation = ClaimFactory()
    response = editor.post(
        url("edit", claim.pk),
        {
            "version": 1,
            "text": claim.text,
            "type": "denial",
            "claimant": "لوزارة الاختبار",  # a proclitic: found through the alias
            "speaker": str(speaker.pk),
            "targets": f"{target.name_ar}، {target.name_ar}",
            "responds_to": f"#{accusation.pk}",
            "speaker_description": "",
        },
    )
    assert response.status_code == 302
    claim.refresh_from_db()
    assert (claim.type, claim.claimant, claim.speaker, claim.responds_to) == (
        "denial",
        ministry,
        speaker,
        accusation,
    )
    assert list(claim.targets.all()) == [target]
    accusation.refresh_from_db()
    assert accusation.response_status == "denied"


def test_an_edit_naming_no_known_actor_is_refused_with_the_field_marked(editor):
    claim = ClaimFactory()
    response = editor.post(
        url("edit", claim.pk),
        {"version": 1, "text": claim.text, "type": "accusation", "claimant": "لا أحد بهذا الاسم"},
    )
    assert response.status_code == 400
    assert "No actor is named" in response.content.decode()
    claim.refresh_from_db()
    assert claim.version == 1


def test_an_analyst_links_and_unlinks_claims(analyst):
    claim, other = ClaimFactory(), ClaimFactory(type="denial", response_status="")
    analyst.post(
        url("link_add", claim.pk),
        {"other": f"#{other.pk}", "kind": "denies", "direction": "in", "version": 1},
    )
    link = ClaimLink.objects.get()
    assert (link.source, link.target, link.kind, link.created_by) == (
        other,
        claim,
        "denies",
        analyst.user,
    )
    response = analyst.post(url("link_remove", claim.pk, link.pk), {"version": 2}, follow=True)
    assert "Link removed." in response.content.decode()
    assert not ClaimLink.objects.exists()
    response = analyst.post(
        url("link_add", claim.pk), {"other": claim.pk, "kind": "denies", "version": 3}, follow=True
    )
    assert "cannot be linked to itself" in response.content.decode()


def test_merge_and_split_are_for_editors(analyst):
    claim, other = ClaimFactory(), ClaimFactory()
    a, b = MentionFactory(claim=claim), MentionFactory(claim=claim)
    assert (
        analyst.post(url("merge", claim.pk), {"other": other.pk, "version": 1}).status_code == 403
    )
    response = analyst.post(url("mention_split", a.pk), {"version": 1})
    assert response.status_code == 403
    assert set(claim.mentions.all()) == {a, b}
    assert Claim.objects.count() == 2


def test_an_editor_merges_and_every_mention_is_kept(editor):
    claim, other = ClaimFactory(), ClaimFactory()
    mentions = {
        *MentionFactory.create_batch(2, claim=claim),
        *MentionFactory.create_batch(3, claim=other),
    }
    response = editor.post(
        url("merge", claim.pk), {"other": str(other.pk), "version": 1}, follow=True
    )
    assert f"Claim {other.pk} merged into this one." in response.content.decode()
    assert set(claim.mentions.all()) == mentions
    other.refresh_from_db()
    assert other.status == "rejected"
    # The merged claim's page says where it went.
    html = editor.get(url("detail", other.pk)).content.decode()
    assert "This claim was merged into" in html
    assert url("detail", claim.pk) in html


def test_an_editor_splits_a_mention_off_and_lands_on_the_new_claim(editor):
    claim = ClaimFactory()
    keep, split = MentionFactory.create_batch(2, claim=claim)
    response = editor.post(url("mention_split", split.pk), {"version": 1})
    new = Claim.objects.exclude(pk=claim.pk).get()
    assert response.status_code == 302
    assert response["Location"] == url("detail", new.pk)
    assert list(new.mentions.all()) == [split]
    assert list(claim.mentions.all()) == [keep]
    assert Mention.objects.count() == 2
    response = editor.post(url("mention_split", keep.pk), {"version": 2}, follow=True)
    assert "only mention" in response.content.decode()


def test_the_page_has_no_inline_script_and_loads_its_own(analyst):
    claim = ClaimFactory()
    tree = page(analyst.get(url("detail", claim.pk)))
    scripts = tree.xpath("//script")
    assert all(s.get("src") and not (s.text or "").strip() for s in scripts)
    assert any(s.get("src").endswith("js/claim-detail.js") for s in scripts)
    assert not tree.xpath("//*[@style]")
    assert not [a for el in tree.iter() for a in el.attrib if a.startswith("on")]


def test_editor_tools_are_hidden_from_analysts(analyst, client):
    claim = ClaimFactory()
    MentionFactory.create_batch(2, claim=claim)
    html = analyst.get(url("detail", claim.pk)).content.decode()
    assert url("merge", claim.pk) not in html
    assert reverse("claims:mention_split", args=[claim.mentions.first().pk]) not in html
    assert 'name="claimant"' not in html
    client.force_login(UserFactory(role="editor"))
    html = client.get(url("detail", claim.pk)).content.decode()
    assert url("merge", claim.pk) in html
    assert 'name="claimant"' in html


@pytest.mark.parametrize(
    ("action", "data", "event"),
    [
        ("review_one", {"decision": "confirm"}, "confirm"),
        ("review_one", {"decision": "reject"}, "reject"),
        ("tags", {"tags": "وسم"}, "tag"),
        (
            "edit",
            {"text": "نص جديد", "type": "denial", "claimant": "CLAIMANT", "speaker": ""},
            "update",
        ),
        ("link_add", {"other": "OTHER", "kind": "counters"}, "link"),
        ("merge", {"other": "OTHER"}, "merge"),
    ],
)
def test_every_action_bumps_version_and_updated_at_and_is_refused_when_stale(
    editor, action, data, event
):
    claim, other = ClaimFactory(), ClaimFactory()
    MentionFactory(claim=other)
    named = {"OTHER": str(other.pk), "CLAIMANT": str(claim.claimant_id)}
    data = {key: named.get(value, value) for key, value in data.items()}
    before = claim.updated_at
    stale = editor.post(url(action, claim.pk), {**data, "version": 7}, follow=True)
    assert STALE in stale.content.decode()
    claim.refresh_from_db()
    assert (claim.version, claim.updated_at) == (1, before)
    assert not ClaimEvent.objects.filter(claim=claim).exists()

    response = editor.post(url(action, claim.pk), {**data, "version": 1})
    assert response.status_code == 302
    claim.refresh_from_db()
    assert claim.version == 2
    assert claim.updated_at > before
    recorded = ClaimEvent.objects.get(claim=claim)
    assert (recorded.action, recorded.user) == (event, editor.user)


def test_a_link_that_answers_an_accusation_sets_its_response_status(analyst):
    accusation = ClaimFactory(type="accusation", response_status="unanswered")
    counter = ClaimFactory(type="assertion", response_status="")
    denial = ClaimFactory(type="assertion", response_status="")

    def link(other, kind, version):
        analyst.post(
            url("link_add", accusation.pk),
            {"other": other.pk, "kind": kind, "direction": "in", "version": version},
        )
        accusation.refresh_from_db()
        return accusation.response_status

    assert link(counter, "counters", 1) == "countered"
    assert link(denial, "denies", 2) == "denied"  # a denial ranks above a counter-story
    accusation.refresh_from_db()
    denies = ClaimLink.objects.get(kind="denies")
    analyst.post(url("link_remove", accusation.pk, denies.pk), {"version": accusation.version})
    accusation.refresh_from_db()
    assert accusation.response_status == "countered"
    # "repeats" says nothing about an answer; an outgoing "denies" answers the other claim.
    assert link(denial, "repeats", accusation.version) == "countered"
    other_accusation = ClaimFactory(type="accusation", response_status="unanswered")
    analyst.post(
        url("link_add", accusation.pk),
        {"other": other_accusation.pk, "kind": "denies", "version": accusation.version},
    )
    other_accusation.refresh_from_db()
    assert other_accusation.response_status == "denied"
