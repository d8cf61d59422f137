"""Actor pages through HTTP: search in any spelling, the detail page, editors' actions."""

import lxml.html
import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from claims.models import Actor, ActorAlias, Claim, ClaimEvent
from claims.services.extraction import article_extract
from sources.text import normalize_for_matching
from tests.factories import (
    ActorAliasFactory,
    ActorFactory,
    ActorRoleFactory,
    ArticleFactory,
    ClaimFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def roles():
    from conflictdesk.roles import roles_sync

    roles_sync()


def signed_in(client, role):
    client.force_login(UserFactory(role=role))
    return client


@pytest.fixture
def analyst(client, roles):
    return signed_in(client, "analyst")


@pytest.fixture
def editor(client, roles):
    return signed_in(client, "editor")


def messages_of(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


@pytest.fixture
def front():
    """A party with a unit, a spokesman and claims of every relation to it."""
    front = ActorFactory(name_ar="جبهة الصمود", name_en="Steadfastness Front", key="front")
    ActorAliasFactory(actor=front, surface="جبهة الصمود")
    ActorAliasFactory(actor=front, surface="الفجر", origin="editor")
    ActorAliasFactory(actor=front, surface="صمود الشمال", origin="machine", proposed=True)
    unit = ActorFactory(name_ar="كتيبة الشهداء", parent=front, kind=Actor.Kind.UNIT)
    role = ActorRoleFactory(
        organization=front, person__name_ar="أبو علي الناطق", title_ar="المتحدث الرسمي"
    )
    enemy = ActorFactory(name_ar="فصيل الخصم", name_en="Rival faction")
    made = ClaimFactory(claimant=front, text="الجبهة تتهم الخصم بقصف القرية")
    made.targets.add(enemy)
    voiced = ClaimFactory(claimant=enemy, speaker=front, type="demand", response_status="",
                          text="طالب الناطق بوقف القصف")  # fmt: skip
    denied = ClaimFactory(claimant=enemy, response_status="denied", text="الخصم يتهم الجبهة")
    denied.targets.add(front)
    denial = ClaimFactory(claimant=front, type="denial", response_status="", responds_to=denied,
                          text="الجبهة تنفي الاتهام")  # fmt: skip
    unanswered = ClaimFactory(claimant=enemy, text="الخصم يتهم الجبهة بالتهريب")
    unanswered.targets.add(front)
    return {
        "front": front, "unit": unit, "role": role, "enemy": enemy, "made": made,
        "voiced": voiced, "denied": denied, "denial": denial, "unanswered": unanswered,
    }  # fmt: skip


@pytest.mark.parametrize(
    "query",
    [
        "جبهة الصمود",
        "جَبْهَةُ الصُّمُود",  # diacritics
        "جبهة الصـ.ـمود",  # letters split to dodge filters
        "لجبهة الصمود",  # a proclitic
        "الفـ.ـجر",  # another alias, obfuscated
        "steadfastness",  # the English name, any case
        "صمود",  # part of a name
    ],
)
def test_the_actor_list_finds_an_actor_by_any_spelling_of_an_alias(analyst, front, query):
    response = analyst.get(reverse("claims:actor_list"), {"q": query})
    assert response.status_code == 200
    found = [actor.pk for actor in response.context["page"]]
    assert front["front"].pk in found
    assert front["enemy"].pk not in found


def test_an_exact_alias_ranks_first(analyst, front):
    ActorFactory(name_ar="جبهة الصمود والتحرير")
    response = analyst.get(reverse("claims:actor_list"), {"q": "الصمود"})
    assert len(response.context["page"]) >= 2
    response = analyst.get(reverse("claims:actor_list"), {"q": "جبهة الصمود"})
    assert response.context["page"][0] == front["front"]


def test_the_actor_list_filters_by_kind_and_by_what_is_proposed(analyst, front):
    proposed = ActorFactory(status=Actor.Status.PROPOSED, name_ar="لواء مقترح")
    url = reverse("claims:actor_list")
    found = {a.pk for a in analyst.get(url, {"status": "proposed"}).context["page"]}
    assert found == set(Actor.objects.filter(status="proposed").values_list("pk", flat=True))
    assert proposed.pk in found
    found = {a.pk for a in analyst.get(url, {"status": "proposed_aliases"}).context["page"]}
    assert front["front"].pk in found
    assert proposed.pk not in found
    found = {a.pk for a in analyst.get(url, {"kind": "unit", "q": "كتيبة"}).context["page"]}
    assert found == {front["unit"].pk}


def test_the_actor_list_counts_claims_made_and_against(analyst, front):
    response = analyst.get(reverse("claims:actor_list"), {"q": "جبهة الصمود"})
    row = next(a for a in response.context["page"] if a.pk == front["front"].pk)
    assert row.claims_made_count == Claim.objects.filter(claimant=front["front"]).count() == 2
    assert row.claims_against_count == front["front"].claims_against.count() == 2
    assert row.accused_unanswered == 1


def test_the_actor_list_is_paginated_with_a_fixed_number_of_queries(
    analyst, django_assert_max_num_queries
):
    for n in range(60):
        actor = ActorFactory(name_ar=f"أ فصيل {n:02}", parent=ActorFactory())
        ActorAliasFactory.create_batch(2, actor=actor)
        ClaimFactory(claimant=actor).targets.add(ActorFactory())
    # The page's rows, then their counts: one GROUP BY per count for the 50 actors.
    with django_assert_max_num_queries(14):
        response = analyst.get(reverse("claims:actor_list"))
    assert response.status_code == 200
    assert len(response.context["page"]) == 50
    assert response.context["page"].paginator.num_pages >= 2
    # Shown again with the data unchanged, the counts come from the cache.
    with django_assert_max_num_queries(9):
        again = analyst.get(reverse("claims:actor_list"))
    shown = again.context["page"]
    assert [a.claims_made_count for a in shown] == [
        Claim.objects.filter(claimant=a).count() for a in shown
    ]
    assert sum(a.claims_made_count for a in shown) > 0


def test_actor_counts_follow_a_new_or_changed_claim_at_once(analyst, front):
    url = reverse("claims:actor_detail", args=[front["front"].pk])
    before = analyst.get(url).context["actor"]
    accusation = ClaimFactory(claimant=ActorFactory())
    accusation.targets.add(front["front"])
    after = analyst.get(url).context["actor"]
    assert after.claims_against_count == before.claims_against_count + 1
    assert after.accused_unanswered == before.accused_unanswered + 1
    # An answer recorded by a service (the claim's updated_at moves) shows too.
    accusation.response_status = Claim.ResponseStatus.DENIED
    accusation.save()
    row = analyst.get(reverse("claims:actor_list"), {"q": "جبهة الصمود"}).context["page"]
    mine = next(a for a in row if a.pk == front["front"].pk)
    assert mine.accused_denied == after.accused_denied + 1
    assert mine.accused_unanswered == before.accused_unanswered


def test_actor_counts_follow_a_claim_deleted_outright_at_once(analyst, front):
    # An admin's delete leaves no newer row behind: the deletion itself is counted.
    url = reverse("claims:actor_detail", args=[front["front"].pk])
    before = analyst.get(url).context["actor"]
    oldest_against = front["front"].claims_against.order_by("pk").first()
    oldest_against.delete()
    after = analyst.get(url).context["actor"]
    assert after.claims_against_count == before.claims_against_count - 1


def test_the_actor_page_shows_names_people_aliases_claims_and_response_profile(
    analyst, front, django_assert_max_num_queries
):
    with django_assert_max_num_queries(25):
        response = analyst.get(reverse("claims:actor_detail", args=[front["front"].pk]))
    assert response.status_code == 200
    html = response.content.decode()
    for text in ("جبهة الصمود", "Steadfastness Front", "كتيبة الشهداء", "أبو علي الناطق",
                 "المتحدث الرسمي", "صمود الشمال", "فجر"):  # fmt: skip
        assert text in html, text
    claims = response.context["claims"]
    assert {c.pk for c in claims["made"]} == {front["made"].pk, front["denial"].pk}
    assert {c.pk for c in claims["against"]} == {front["denied"].pk, front["unanswered"].pk}
    assert [c.pk for c in claims["voiced"]] == [front["voiced"].pk]
    profile = {value: n for value, _, n in response.context["profile"]}
    assert profile == {"denied": 1, "countered": 0, "confirmed": 0, "no_comment": 0,
                       "unanswered": 1}  # fmt: skip
    accusations = response.context["accusations"]
    denied = next(c for c in accusations if c.pk == front["denied"].pk)
    assert [r.pk for r in denied.responses.all()] == [front["denial"].pk]
    for claim in (front["made"], front["voiced"], front["denied"], front["denial"]):
        assert reverse("claims:detail", args=[claim.pk]) in html
    assert reverse("claims:actor_dossier", args=[front["front"].pk]) in html


def test_an_analyst_sees_no_editor_actions_and_cannot_post_them(analyst, front):
    actor = front["front"]
    html = analyst.get(reverse("claims:actor_detail", args=[actor.pk])).content.decode()
    assert reverse("claims:alias_add", args=[actor.pk]) not in html
    assert reverse("claims:actor_merge", args=[actor.pk]) not in html
    alias = actor.aliases.first()
    posts = [
        (reverse("claims:alias_add", args=[actor.pk]), {"surface": "اسم جديد"}),
        (reverse("claims:alias_remove", args=[actor.pk, alias.pk]), {}),
        (reverse("claims:actor_merge", args=[actor.pk]), {"target": front["enemy"].key}),
        (reverse("claims:actor_confirm", args=[actor.pk]), {}),
    ]
    for url, data in posts:
        assert analyst.post(url, data).status_code == 403, url
    assert ActorAlias.objects.filter(pk=alias.pk).exists()
    assert not ActorAlias.objects.filter(normalized="اسم جديد").exists()
    assert Actor.objects.filter(pk=actor.pk).exists()
    assert ActorAlias.objects.filter(actor=actor, proposed=True).exists()


def test_editor_actions_are_post_only(editor, front):
    url = reverse("claims:alias_add", args=[front["front"].pk])
    assert editor.get(url).status_code == 405


def test_an_editor_adds_an_alias_and_extraction_finds_the_actor_by_it(editor, front):
    actor = front["front"]
    first = ArticleFactory(body="اتهمت قوات سوريا الديمقراطية فصائل مسلحة بمهاجمة نقاطها.")
    article_extract(article_id=first.pk)  # builds and caches the registry

    response = editor.post(
        reverse("claims:alias_add", args=[actor.pk]), {"surface": "لواء الصـ.ـمود الشمالي"}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("claims:actor_detail", args=[actor.pk])
    # Stored folded like the text it will be matched in (tatweel, dot, article).
    alias = ActorAlias.objects.get(
        actor=actor, normalized=normalize_for_matching("لواء الصمود الشمالي")
    )
    assert alias.origin == ActorAlias.Origin.EDITOR

    article = ArticleFactory(body="اتهم لواء الصمود الشمالي قوات سوريا الديمقراطية بقصف القرية.")
    article_extract(article_id=article.pk)
    claim = Claim.objects.get(mentions__article=article, type="accusation")
    assert claim.claimant == actor


@pytest.mark.usefixtures("english")
def test_a_duplicate_alias_gets_a_clear_message(editor, front):
    actor = front["front"]
    response = editor.post(
        reverse("claims:alias_add", args=[actor.pk]), {"surface": "جَبهة الصُّمود"}, follow=True
    )
    assert response.status_code == 200
    assert any("already an alias" in m for m in messages_of(response))
    assert actor.aliases.filter(normalized="جبهه صمود").count() == 1
    response = editor.post(
        reverse("claims:alias_add", args=[front["enemy"].pk]), {"surface": "الفجر"}, follow=True
    )
    assert any("already names another actor" in m for m in messages_of(response))


def test_an_editor_removes_an_alias(editor, front):
    alias = ActorAlias.objects.get(actor=front["front"], normalized="فجر")
    response = editor.post(reverse("claims:alias_remove", args=[front["front"].pk, alias.pk]))
    assert response.status_code == 302
    assert not ActorAlias.objects.filter(pk=alias.pk).exists()
    other = ActorAliasFactory()
    response = editor.post(reverse("claims:alias_remove", args=[front["front"].pk, other.pk]))
    assert response.status_code == 404
    assert ActorAlias.objects.filter(pk=other.pk).exists()


def test_an_editor_confirms_a_proposed_actor_and_its_aliases(editor, front):
    proposed = ActorFactory(status=Actor.Status.PROPOSED)
    ActorAliasFactory(actor=proposed, proposed=True)
    html = editor.get(reverse("claims:actor_detail", args=[proposed.pk])).content.decode()
    assert reverse("claims:actor_confirm", args=[proposed.pk]) in html
    response = editor.post(reverse("claims:actor_confirm", args=[proposed.pk]))
    assert response.status_code == 302
    proposed.refresh_from_db()
    assert proposed.status == Actor.Status.CONFIRMED
    assert not proposed.aliases.filter(proposed=True).exists()


def test_an_editor_merges_a_duplicate_by_typing_the_other_actors_key(editor, front):
    duplicate = ActorFactory(name_ar="جبهة الصمود الشعبي", status=Actor.Status.PROPOSED)
    claim = ClaimFactory(claimant=duplicate)
    claim.targets.add(front["enemy"])
    against = ClaimFactory(claimant=front["enemy"])
    against.targets.add(duplicate)
    version = claim.version

    response = editor.post(
        reverse("claims:actor_merge", args=[duplicate.pk]), {"target": front["front"].key}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("claims:actor_detail", args=[front["front"].pk])
    assert not Actor.objects.filter(pk=duplicate.pk).exists()
    claim.refresh_from_db()
    assert claim.claimant == front["front"]
    assert claim.version == version + 1
    assert list(against.targets.all()) == [front["front"]]
    assert ClaimEvent.objects.filter(claim=claim, action="actor_merge").exists()
    assert front["front"].aliases.filter(normalized="جبهه صمود شعبي").exists()

    article = ArticleFactory(body="اتهمت جبهة الصمود الشعبي فصيل الخصم بقصف القرية.")
    article_extract(article_id=article.pk)
    extracted = Claim.objects.get(mentions__article=article, type="accusation")
    assert extracted.claimant == front["front"]


@pytest.mark.usefixtures("english")
def test_a_merge_into_an_unknown_or_ambiguous_name_changes_nothing(editor, front):
    ActorFactory(name_ar="فصيل الخصم")  # a second actor with the enemy's name
    url = reverse("claims:actor_merge", args=[front["front"].pk])
    response = editor.post(url, {"target": "لا أحد بهذا الاسم"}, follow=True)
    assert any("No actor is called" in m for m in messages_of(response))
    response = editor.post(url, {"target": "فصيل الخصم"}, follow=True)
    assert any("names several actors" in m for m in messages_of(response))
    response = editor.post(url, {"target": front["unit"].key}, follow=True)
    assert any("member" in m for m in messages_of(response))
    assert Actor.objects.filter(pk=front["front"].pk).exists()
    assert front["unit"].parent_id == front["front"].pk


def test_outsiders_see_no_actor(client, roles, front):
    url = reverse("claims:actor_detail", args=[front["front"].pk])
    assert client.get(url).status_code == 302
    client.force_login(UserFactory())
    assert client.get(url).status_code == 403
    assert client.get(reverse("claims:actor_list")).status_code == 403


def test_the_actor_page_shows_its_latest_accusations_and_links_to_all_of_them(analyst):
    from claims.selectors import accusations_against

    accused = ActorFactory()
    shown = accusations_against.__kwdefaults__["limit"]
    for n in range(shown + 3):
        ClaimFactory(text=f"اتهام رقم {n}").targets.add(accused)
    response = analyst.get(reverse("claims:actor_detail", args=[accused.pk]))
    assert len(response.context["accusations"]) == shown
    html = response.content.decode()
    table = lxml.html.fromstring(html).xpath('//table[@id="accusation-table"]/tbody/tr')
    assert len(table) == shown
    link = f"{reverse('claims:list')}?target={accused.pk}&amp;type=accusation"
    assert link in html
    listed = analyst.get(link.replace("&amp;", "&"))
    assert len(listed.context["page"].claims) == shown + 3
