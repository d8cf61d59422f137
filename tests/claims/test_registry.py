"""The actor registry loads on setup, idempotently, with aliases, parents and roles."""

import io
import json
import textwrap

import pytest
from django.core.management import CommandError, call_command

from claims.models import Actor, ActorAlias, ActorRole
from sources.models import Outlet
from sources.text import normalize_for_matching

pytestmark = pytest.mark.django_db


def actors_named(surface: str) -> list[Actor]:
    """The actors a surface form resolves to, as matching will resolve it."""
    return list(
        Actor.objects.filter(aliases__normalized=normalize_for_matching(surface)).distinct()
    )


def the_actor(surface: str) -> Actor:
    found = actors_named(surface)
    assert len(found) == 1, f"{surface!r} resolves to {found}"
    return found[0]


def ancestors(actor: Actor) -> list[Actor]:
    chain = []
    while actor.parent_id:
        actor = actor.parent
        chain.append(actor)
    return chain


def load(path=None) -> str:
    out = io.StringIO()
    args = ["--path", str(path)] if path else []
    call_command("load_registry", *args, stdout=out)
    return out.getvalue()


@pytest.mark.parametrize(
    "surface",
    ["قسد", "قوات سوريا الديمقراطية", "SDF", "لـ”قسد”", "وقسد", "لقوات سوريا الديمقراطية"],
)
def test_every_form_of_the_sdf_resolves_to_one_actor(surface):
    assert the_actor(surface) == the_actor("قوات سوريا الديمقراطية")


@pytest.mark.parametrize("surface", ["داعش", "د1عـ.ـش", "تنظيم الدولة الإسلامية", "ISIS"])
def test_every_spelling_of_isis_resolves_to_one_actor(surface):
    assert the_actor(surface) == the_actor("داعش")


@pytest.mark.parametrize("surface", ["أبو حاتم شقرا", "أبو شقرا", "أحمد فياض الهايس"])
def test_the_commander_of_division_86_is_one_person_under_all_his_names(surface):
    person = the_actor(surface)
    assert person == the_actor("أبو حاتم شقرا")
    assert person.kind == Actor.Kind.PERSON
    organisations = {role.organization for role in person.roles.all()}
    assert the_actor("الفرقة 86") in organisations


@pytest.mark.parametrize(
    ("member", "ancestor"),
    [
        ("مجلس هجين العسكري", "قسد"),
        ("الفرقة 86", "وزارة الدفاع السورية"),
        ("الفرقة الرابعة", "وزارة الدفاع السورية"),
        ("وزارة الدفاع السورية", "الحكومة السورية"),
        ("وزارة الداخلية السورية", "الحكومة السورية"),
    ],
)
def test_units_belong_to_their_parent_organisations(member, ancestor):
    assert the_actor(ancestor) in ancestors(the_actor(member))


def test_farhad_shami_directs_the_sdf_media_center():
    shami = the_actor("فرهاد شامي")
    centers = [
        role.organization
        for role in ActorRole.objects.filter(person=shami).select_related("organization")
        if "مدير" in role.title_ar and "إعلام" in role.organization.name_ar
    ]
    assert len(centers) == 1, "Farhad Shami directs one media center"
    assert the_actor("قسد") in ancestors(centers[0])


def test_media_actors_carry_their_outlet_and_its_alignment():
    sana = the_actor("سانا")
    assert sana.kind == Actor.Kind.MEDIA
    assert sana.outlet is not None
    assert sana.outlet.alignment == Outlet.Alignment.STATE


def test_reloading_the_registry_changes_nothing():
    before = (Actor.objects.count(), ActorAlias.objects.count(), ActorRole.objects.count())
    output = load()
    after = (Actor.objects.count(), ActorAlias.objects.count(), ActorRole.objects.count())
    assert after == before
    assert "0 actor(s) created" in output
    assert "0 alias(es) added, 0 removed" in output


def test_the_registry_is_large_enough_to_work_on_unseen_articles():
    assert Actor.objects.count() >= 100
    assert ActorAlias.objects.count() >= 500
    assert (
        Actor.objects.filter(kind=Actor.Kind.PERSON, roles__isnull=False).distinct().count() >= 15
    )


def write(tmp_path, text: str):
    path = tmp_path / "actors.toml"
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def test_reloading_an_edited_registry_updates_actors_and_keeps_editor_aliases(tmp_path):
    first = write(
        tmp_path,
        """
        [[actor]]
        key = "test_front"
        name_ar = "جبهة الاختبار"
        kind = "armed_group"
        aliases = ["جبهة الامتحان", "TF"]
        """,
    )
    load(first)
    actor = Actor.objects.get(key="test_front")
    ActorAlias.objects.create(
        actor=actor, surface="الجبهة التجريبية", normalized="جبهه تجريبيه", origin="editor"
    )
    second = write(
        tmp_path,
        """
        [[actor]]
        key = "test_front"
        name_ar = "جبهة الاختبار"
        name_en = "Test Front"
        kind = "militia"
        aliases = ["TF"]
        """,
    )
    output = load(second)
    actor.refresh_from_db()
    assert (actor.name_en, actor.kind) == ("Test Front", Actor.Kind.MILITIA)
    surfaces = set(actor.aliases.values_list("surface", flat=True))
    assert "جبهة الامتحان" not in surfaces  # dropped from the file
    assert {"TF", "Test Front", "الجبهة التجريبية"} <= surfaces  # kept or added
    assert Actor.objects.filter(key="test_front").count() == 1
    assert "1 removed" in output


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[[actor]]\nkey = "a"\nname_ar = "أ"\nkind = "armed_group"\nparent = "zz"\n', "parent"),
        ('[[actor]]\nkey = "a"\nname_ar = "أ"\nkind = "wizard"\n', "kind"),
        (
            '[[actor]]\nkey = "a"\nname_ar = "أ"\nkind = "unit"\n'
            '[[actor]]\nkey = "a"\nname_ar = "ب"\nkind = "unit"\n',
            "used 2 times",
        ),
        (
            '[[actor]]\nkey = "a"\nname_ar = "أ"\nkind = "unit"\nparent = "b"\n'
            '[[actor]]\nkey = "b"\nname_ar = "ب"\nkind = "unit"\nparent = "a"\n',
            "cycle",
        ),
        ("[[actor]\nkey = ", "not valid TOML"),
    ],
)
def test_a_broken_registry_is_refused_with_the_reason(tmp_path, text, message):
    before = Actor.objects.count()
    with pytest.raises(CommandError, match=message):
        load(write(tmp_path, text))
    assert Actor.objects.count() == before


def gold_rows(corpus):
    for name in ("seeds", "dev"):
        with open(corpus / name / "gold.jsonl", encoding="utf-8") as fh:
            yield from (json.loads(line) for line in fh if line.strip())


def test_every_gold_party_resolves_to_exactly_one_actor(shared_corpus):
    names = set()
    for row in gold_rows(shared_corpus):
        names.add(row["claimant"])
        names.update(row["targets"])
    unresolved = {name: actors_named(name) for name in names if len(actors_named(name)) != 1}
    assert not unresolved


def speaks_for(actor: Actor, party: Actor) -> bool:
    """The actor is the party, one of its units, or a person with a role in either."""
    if party in [actor, *ancestors(actor)]:
        return True
    return any(
        party in [role.organization, *ancestors(role.organization)] for role in actor.roles.all()
    )


def test_gold_claimant_aliases_resolve_to_the_claimant_or_who_speaks_for_it(shared_corpus):
    """Names resolve to the gold claimant, its units or its people. Anaphors the gold lists
    as aliases ("الوزارة"، "التنظيم") are not in the registry: context resolves them."""
    pairs = {
        (row["claimant"], surface)
        for row in gold_rows(shared_corpus)
        for surface in row["claimant_aliases"]
    }
    resolved, wrong = 0, []
    for claimant_name, surface in sorted(pairs):
        (claimant,) = actors_named(claimant_name)
        found = actors_named(surface)
        if not found:
            continue
        resolved += 1
        if not any(speaks_for(actor, claimant) for actor in found):
            wrong.append((claimant_name, surface, [a.key for a in found]))
    assert resolved >= 0.7 * len(pairs)
    # The gold files themselves blur a few lines (activists quoted by SOHR); at most 3%.
    assert len(wrong) <= 0.03 * resolved, wrong


def test_an_actor_merged_by_an_editor_stays_merged_when_the_registry_loads_again(tmp_path):
    from claims.models import MergedActorKey
    from claims.services.actors import actor_merge
    from tests.factories import ClaimFactory

    registry = write(
        tmp_path,
        """
        [[actor]]
        key = "test_army"
        name_ar = "جيش الاختبار"
        kind = "armed_group"

        [[actor]]
        key = "test_brigade"
        name_ar = "لواء التجربة"
        kind = "armed_group"
        aliases = ["كتيبة التجربة"]

        [[actor]]
        key = "test_company"
        name_ar = "سرية الفحص"
        kind = "armed_group"
        parent = "test_brigade"

        [[actor]]
        key = "test_spokesman"
        name_ar = "سالم المختبر"
        kind = "person"
        role = [{ org = "test_brigade", title_ar = "المتحدث باسم اللواء" }]
        """,
    )
    load(registry)
    army, brigade = Actor.objects.get(key="test_army"), Actor.objects.get(key="test_brigade")
    claim = ClaimFactory(claimant=brigade)
    actor_merge(source_id=brigade.pk, target_id=army.pk, user=None)

    output = load(registry)
    load(registry)  # and again: nothing changes

    assert not Actor.objects.filter(key="test_brigade").exists()
    assert MergedActorKey.objects.get(key="test_brigade").actor == army
    assert "1 folded" in output
    for surface in ("لواء التجربة", "كتيبة التجربة", "جيش الاختبار"):
        assert the_actor(surface) == army
    assert Actor.objects.get(key="test_company").parent == army
    spokesman = Actor.objects.get(key="test_spokesman")
    roles = ActorRole.objects.filter(person=spokesman)
    assert list(roles.values_list("organization", flat=True)) == [army.pk]
    claim.refresh_from_db()
    assert claim.claimant == army


def test_a_merge_of_a_merged_actor_redirects_every_key_it_carries(tmp_path):
    from claims.models import MergedActorKey
    from claims.services.actors import actor_merge

    registry = write(
        tmp_path,
        """
        [[actor]]
        key = "one_a"
        name_ar = "الطرف الأول"
        kind = "militia"

        [[actor]]
        key = "one_b"
        name_ar = "الطرف الثاني"
        kind = "militia"

        [[actor]]
        key = "one_c"
        name_ar = "الطرف الثالث"
        kind = "militia"
        """,
    )
    load(registry)
    a, b, c = (Actor.objects.get(key=key) for key in ("one_a", "one_b", "one_c"))
    actor_merge(source_id=a.pk, target_id=b.pk, user=None)
    actor_merge(source_id=b.pk, target_id=c.pk, user=None)
    load(registry)
    assert list(Actor.objects.filter(key__startswith="one_").values_list("key", flat=True)) == [
        "one_c"
    ]
    assert dict(MergedActorKey.objects.values_list("key", "actor")) == {
        "one_a": c.pk,
        "one_b": c.pk,
    }
    assert the_actor("الطرف الأول") == c
    assert the_actor("الطرف الثاني") == c
