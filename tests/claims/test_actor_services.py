"""Editors' actor services: aliases, confirming proposals, merging duplicates."""

import pytest
from django.contrib.admin.models import LogEntry

from claims.models import Actor, ActorAlias, ActorRole, Claim, ClaimEvent
from claims.selectors import alias_index
from claims.services.actors import actor_confirm, actor_merge, alias_add, alias_remove
from claims.services.extraction import article_extract, registry_snapshot
from conflictdesk.errors import Conflict, InvalidInput, NotFound
from sources.models import StoryKey
from tests.factories import (
    ActorAliasFactory,
    ActorFactory,
    ActorRoleFactory,
    ArticleFactory,
    ClaimFactory,
    StoryFactory,
    UserFactory,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

TEXT = "اتهمت {name} قوات سوريا الديمقراطية بمهاجمة نقاطها قرب النهر."


def extracted_claimant(name: str) -> Actor | None:
    """Extract a one-sentence article through the public service; its claimant."""
    article = ArticleFactory(body=TEXT.format(name=name), title="خبر")
    article_extract(article_id=article.pk)
    claim = Claim.objects.filter(mentions__article=article, type="accusation").first()
    return claim.claimant if claim else None


@pytest.fixture
def editor():
    return UserFactory()


@pytest.mark.parametrize(
    ("surface", "normalized"),
    [
        ("جبهة الصمود", "جبهه صمود"),
        ("جَبْهَةُ الصُّمُود", "جبهه صمود"),  # diacritics
        ("جبهة الصـ.ـمود", "جبهه صمود"),  # letters split by tatweel and a dot
        ("  لجبهة   الصمود ", "جبهه صمود"),  # a proclitic and stray spaces
        ("Steadfastness Front", "steadfastness front"),
    ],
)
def test_an_alias_is_stored_with_the_projects_normalization(editor, surface, normalized):
    actor = ActorFactory()
    alias = alias_add(actor_id=actor.pk, surface=surface, user=editor)
    assert alias.normalized == normalized
    assert alias.origin == ActorAlias.Origin.EDITOR
    assert alias.surface == " ".join(surface.split())
    assert LogEntry.objects.filter(object_id=str(actor.pk), user=editor).exists()


def test_the_same_alias_in_another_spelling_is_refused(editor):
    actor = ActorFactory()
    alias_add(actor_id=actor.pk, surface="جبهة الصمود", user=editor)
    with pytest.raises(Conflict, match="already an alias of this actor"):
        alias_add(actor_id=actor.pk, surface="جَبهة الصُّمود", user=editor)
    other = ActorFactory()
    with pytest.raises(Conflict, match="already names another actor"):
        alias_add(actor_id=other.pk, surface="لجبهة الصمود", user=editor)
    assert ActorAlias.objects.filter(normalized="جبهه صمود").count() == 1


@pytest.mark.parametrize("surface", ["", "   ", "...", "ـــ"])
def test_an_alias_without_letters_is_refused(editor, surface):
    with pytest.raises(InvalidInput):
        alias_add(actor_id=ActorFactory().pk, surface=surface, user=editor)


def test_a_new_alias_reaches_the_extraction_registry_at_once(editor):
    actor = ActorFactory(name_ar="جبهة الاختبار", name_en="Test front")
    ActorAliasFactory(actor=actor, surface="جبهة الاختبار")
    # The registry is built and cached by an extraction before the alias exists.
    assert extracted_claimant("هيئة التفاوض") != actor
    before = registry_snapshot()

    alias_add(actor_id=actor.pk, surface="جبهة الصمود الشعبي", user=editor)
    assert registry_snapshot() is not before
    assert extracted_claimant("جبهة الصمود الشعبي") == actor
    assert actor.key in alias_index().actors_in("بيان جبهة الصمود الشعبي اليوم")

    alias = ActorAlias.objects.get(actor=actor, normalized="جبهه صمود شعبي")
    alias_remove(actor_id=actor.pk, alias_id=alias.pk, user=editor)
    assert extracted_claimant("جبهة الصمود الشعبي") != actor


def test_removing_an_alias_of_another_actor_is_refused(editor):
    alias = ActorAliasFactory()
    with pytest.raises(NotFound):
        alias_remove(actor_id=ActorFactory().pk, alias_id=alias.pk, user=editor)
    assert ActorAlias.objects.filter(pk=alias.pk).exists()


def test_confirming_a_proposed_actor_makes_extraction_match_it(editor):
    actor = ActorFactory(status=Actor.Status.PROPOSED, name_ar="لواء الصمود")
    ActorAliasFactory(actor=actor, surface="لواء الصمود", origin="machine")
    proposed = ActorAliasFactory(actor=actor, surface="كتيبة الصمود", proposed=True)
    assert extracted_claimant("كتيبة الصمود") != actor

    actor_confirm(actor_id=actor.pk, user=editor)
    actor.refresh_from_db()
    proposed.refresh_from_db()
    assert actor.status == Actor.Status.CONFIRMED
    assert proposed.proposed is False
    assert extracted_claimant("كتيبة الصمود") == actor
    with pytest.raises(Conflict):
        actor_confirm(actor_id=actor.pk, user=editor)


@pytest.fixture
def duplicate():
    """A party extraction proposed twice under different names, with everything an
    actor can hold."""
    target = ActorFactory(name_ar="جبهة الصمود", name_en="Steadfastness Front")
    ActorAliasFactory(actor=target, surface="جبهة الصمود")
    ActorAliasFactory(actor=target, surface="الصمود")
    source = ActorFactory(name_ar="جبهة الصمود الشعبي", name_en="", status=Actor.Status.PROPOSED)
    ActorAliasFactory(actor=source, surface="جبهة الصمود الشعبي")
    ActorAliasFactory(actor=source, surface="الصمود")  # the target has it already
    member = ActorFactory(parent=source, name_ar="كتيبة الشهداء")
    spokesman = ActorRoleFactory(organization=source, title_ar="المتحدث الرسمي")
    ActorRoleFactory(person=spokesman.person, organization=target, title_ar="المتحدث الرسمي")
    commander = ActorRoleFactory(organization=source, title_ar="القائد")
    accuser = ActorFactory()
    made = ClaimFactory(claimant=source)
    voiced = ClaimFactory(claimant=accuser, speaker=source, type="demand", response_status="")
    against = ClaimFactory(claimant=accuser)
    against.targets.add(source)
    against_both = ClaimFactory(claimant=accuser)
    against_both.targets.add(source, target)
    relayed = ClaimFactory(claimant=accuser, reported_via=source)
    story = StoryFactory(actors=[source.key, accuser.key])
    StoryKey.objects.create(story=story, key=f"actor:{source.key}")
    return {
        "source": source, "target": target, "member": member, "commander": commander,
        "spokesman": spokesman, "made": made, "voiced": voiced, "against": against,
        "against_both": against_both, "relayed": relayed, "story": story, "accuser": accuser,
    }  # fmt: skip


def test_merging_moves_everything_and_records_it_on_each_claim(editor, duplicate):
    d = duplicate
    versions = dict(Claim.objects.values_list("pk", "version"))
    result = actor_merge(source_id=d["source"].pk, target_id=d["target"].pk, user=editor)

    target = d["target"]
    assert not Actor.objects.filter(pk=d["source"].pk).exists()
    target.refresh_from_db()
    assert target.status == Actor.Status.CONFIRMED
    forms = set(target.aliases.values_list("normalized", flat=True))
    assert forms == {"جبهه صمود", "صمود", "جبهه صمود شعبي"}
    d["member"].refresh_from_db()
    assert d["member"].parent == target
    d["commander"].refresh_from_db()
    assert d["commander"].organization == target
    # The spokesman already held the same title in the target: one role, not two.
    assert ActorRole.objects.filter(person=d["spokesman"].person, organization=target).count() == 1

    for name in ("made", "voiced", "against", "against_both", "relayed"):
        d[name].refresh_from_db()
    assert d["made"].claimant == target
    assert d["voiced"].speaker == target
    assert list(d["against"].targets.all()) == [target]
    assert list(d["against_both"].targets.all()) == [target]
    assert d["relayed"].reported_via == target
    changed = {d[n].pk for n in ("made", "voiced", "against", "against_both", "relayed")}
    assert set(result.claims) == changed
    for claim in Claim.objects.filter(pk__in=changed):
        assert claim.version == versions[claim.pk] + 1
        event = ClaimEvent.objects.get(claim=claim, action="actor_merge")
        assert event.user == editor
        assert event.changes["merged"] == [d["source"].pk, target.pk]
    event = ClaimEvent.objects.get(claim=d["against_both"], action="actor_merge")
    assert event.changes["targets"] == [sorted([d["source"].pk, target.pk]), [target.pk]]

    d["story"].refresh_from_db()
    assert target.key in d["story"].actors
    assert d["source"].key not in d["story"].actors
    assert StoryKey.objects.filter(story=d["story"], key=f"actor:{target.key}").exists()


def test_after_a_merge_the_sources_names_find_the_merged_actor(editor, duplicate):
    target = duplicate["target"]
    actor_merge(source_id=duplicate["source"].pk, target_id=target.pk, user=editor)
    assert extracted_claimant("جبهة الصمود الشعبي") == target


def test_an_actor_cannot_be_merged_into_itself_or_its_own_unit(editor, duplicate):
    source = duplicate["source"]
    with pytest.raises(InvalidInput):
        actor_merge(source_id=source.pk, target_id=source.pk, user=editor)
    grandchild = ActorFactory(parent=duplicate["member"])
    with pytest.raises(InvalidInput, match="member"):
        actor_merge(source_id=source.pk, target_id=grandchild.pk, user=editor)
    with pytest.raises(NotFound):
        actor_merge(source_id=source.pk, target_id=10**9, user=editor)
    assert Actor.objects.filter(pk=source.pk).exists()
    assert Claim.objects.filter(claimant=source).exists()
