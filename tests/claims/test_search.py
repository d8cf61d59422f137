"""claims.search.claim_search: normalized Arabic search over claims, on SQLite and on
PostgreSQL (full-text search backed by GIN indexes)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from claims.filters import claim_page, claims_sorted
from claims.models import Actor, Claim
from claims.search import TEXT_SEARCH_INDEX, attached_forms, claim_search, search_terms
from sources.text import normalize
from tests.factories import ActorAliasFactory, ActorFactory, ClaimFactory

pytestmark = pytest.mark.django_db


def found(q: str, queryset=None) -> set[int]:
    return set(claim_search(queryset or Claim.objects.all(), q).values_list("pk", flat=True))


@pytest.mark.parametrize(
    ("text", "query", "expected"),
    [
        # Spelling tricks fold both ways: the text and the query go through normalize().
        ("هاجمت خلايا د1عـ.ـش نقاطاً للجيش", "داعش", True),
        ("هاجمت خلايا داعش نقاطاً للجيش", "د1عـ.ـش", True),
        ("هاجمت خلايا داعـــش نقاطاً للجيش", "داعش", True),
        ("اتهمت قـسـد فصائل مسلحة", "قسد", True),
        # Alef forms, diacritics and tatweel.
        ("أكدت الإدارة الذاتية", "الادارة", True),
        ("أعلنَتْ قوّاتُ النظام", "اعلنت قوات", True),
        # ة and ه at the end of a word are the same letter to a searcher.
        ("أكدت الإدارة الذاتية", "الاداره", True),
        ("أكدت الاداره الذاتيه", "الإدارة الذاتية", True),
        # Proclitics glued to the word in the text.
        ("قتل عنصران تابعان لداعش", "داعش", True),
        ("حمّل المسؤولية وبالحكومة", "الحكومة", True),
        ("نفت وللحكومة رأي", "الحكومة", True),
        ("نفت وللحكومة رأي", "حكومة", True),
        ("سقطت فبالطائرة المسيرة", "طائرة مسيرة", True),
        # Every word must be there.
        ("قصفت القوات قرية الإدارة الذاتية", "قصفت الإدارة", True),
        ("قصفت القوات قرية الإدارة الذاتية", "قصفت الأنباء", False),
        ("نفى المتحدث الأنباء", "مستشفى", False),
        # Latin letters fold to lower case.
        ("قال مصدر في Reuters إن", "reuters", True),
        ("قال مصدر في reuters إن", "REUTERS", True),
    ],
)
def test_the_query_is_folded_like_the_stored_text(text, query, expected):
    claim = ClaimFactory(text=text)
    ClaimFactory(text="نص آخر لا علاقة له بالموضوع")
    assert found(query) == ({claim.pk} if expected else set())


def test_the_claim_stores_its_text_in_the_normalized_form_search_reads():
    claim = ClaimFactory(text="خلايا د1عـ.ـش")
    claim.refresh_from_db()
    assert claim.normalized_text == normalize("خلايا د1عـ.ـش") == "خلايا داعش"


@pytest.fixture
def sdf_claims():
    """Claims where the SDF is the claimant, a target or the speaker, none of them
    naming it in their text; and one that has nothing to do with it."""
    sdf = Actor.objects.get(key="sdf")
    as_claimant = ClaimFactory(claimant=sdf, text="فصائل مسلحة هاجمت نقاطاً قرب النهر")
    as_target = ClaimFactory(text="مسلحون اعتدوا على المدنيين في القرية")
    as_target.targets.add(sdf)
    as_speaker = ClaimFactory(speaker=sdf, text="الهجوم أسفر عن مقتل ثلاثة عناصر")
    ClaimFactory(text="نفت الوزارة الأنباء")
    return {as_claimant.pk, as_target.pk, as_speaker.pk}


@pytest.mark.parametrize(
    "spelling",
    ["قسد", "قوات سوريا الديمقراطية", "SDF", "sdf", "لـ”قسد”", "وقسد", "قـسـد", "(قسد)"],
)
def test_any_alias_of_an_actor_finds_the_claims_it_is_party_to(sdf_claims, spelling):
    assert found(spelling) == sdf_claims


def test_an_alias_also_finds_the_claims_that_only_name_the_actor_in_their_text(sdf_claims):
    named = ClaimFactory(text="اتهمت قسد فصائل مسلحة")
    assert found("قسد") == sdf_claims | {named.pk}


def test_an_alias_added_by_an_editor_is_searchable_at_once():
    actor = ActorFactory()
    mine = ClaimFactory(claimant=actor)
    ClaimFactory()
    assert found("كتيبة الاختبار السرية") == set()
    ActorAliasFactory(actor=actor, surface="كتيبة الاختبار السرية")
    assert found("كتيبة الاختبار السرية") == {mine.pk}


def test_words_and_actors_combine_each_term_must_match():
    sdf, isis = Actor.objects.get(key="sdf"), Actor.objects.get(key="isis")
    sdf_about_isis = ClaimFactory(claimant=sdf, text="خلايا د1عـ.ـش تنشط في الريف")
    sdf_against_isis = ClaimFactory(claimant=sdf, text="هجوم على نقطة")
    sdf_against_isis.targets.add(isis)
    ClaimFactory(claimant=sdf, text="هجوم على نقطة عسكرية")
    ClaimFactory(text="خلايا داعش تنشط في الريف")
    assert found("قسد داعش") == {sdf_about_isis.pk, sdf_against_isis.pk}
    assert found("قسد داعش الريف") == {sdf_about_isis.pk}


def test_terms_group_the_words_of_a_multi_word_alias():
    sdf = Actor.objects.get(key="sdf")
    terms = search_terms("اتهامات قوات سوريا الديمقراطية لداعش")
    assert [term.words for term in terms] == [
        ("اتهامات",),
        ("قوات", "سوريا", "الديمقراطية"),
        ("لداعش",),
    ]
    assert terms[0].actor_ids == frozenset()
    assert terms[1].actor_ids == {sdf.pk}
    assert Actor.objects.get(key="isis").pk in terms[2].actor_ids


def test_attached_forms_cover_the_proclitics_of_the_press():
    forms = attached_forms("داعش")
    for form in ("داعش", "لداعش", "وداعش", "بداعش", "الداعش", "وبداعش", "فلداعش"):
        assert form in forms
    assert "للحكومة" in attached_forms("الحكومة")
    assert "والحكومة" in attached_forms("الحكومة")
    assert attached_forms("sdf") == ["sdf"]


@pytest.mark.parametrize("query", ["", "   ", "،!", '"', "ـ"])
def test_a_query_without_words_leaves_the_list_alone(query):
    claims = {ClaimFactory().pk, ClaimFactory().pk}
    assert found(query) == claims


@pytest.mark.parametrize(
    "query",
    ["'", "\\", "a:*", "!&|", "(قسد", "قسد)", "x' | 'y", "<->", "\x00داعش", "د\u200fاعش", "F-16"],
)
def test_odd_queries_never_break_the_search(query):
    claim = ClaimFactory(text="اتهامات متبادلة")
    result = found(query)
    assert result <= {claim.pk}


def test_the_search_keeps_the_order_it_is_given():
    claims = [ClaimFactory(text=f"هجوم داعش رقم {n}") for n in range(4)]
    ClaimFactory(text="لا شيء")
    ordered = claim_search(Claim.objects.order_by("-id"), "داعش")
    assert [c.pk for c in ordered] == [c.pk for c in reversed(claims)]


def test_search_runs_in_a_fixed_number_of_queries(django_assert_max_num_queries):
    ClaimFactory(text="خلايا داعش")
    # Alias index freshness (2) and, when aliases changed, its rebuild (1); the actors'
    # ids (1); the search itself (1). On PostgreSQL each term is first counted: plain
    # words on the index (savepoint, planner settings, count, settings back, release),
    # an actor's term by its claims as claimant, speaker and target (3), then its words.
    budget = 5 + (5 + 2 * (3 + 5) if connection.vendor == "postgresql" else 0)
    with django_assert_max_num_queries(budget):
        assert len(found("قسد داعش الريف")) == 0
    for _ in range(20):
        ClaimFactory(text="خلايا داعش في الريف")
    with django_assert_max_num_queries(budget):
        assert len(found("قسد داعش الريف")) == 0


@pytest.mark.parametrize("broad", [1, 10**9])
def test_broad_and_narrow_terms_find_the_same_claims(monkeypatch, broad):
    # PostgreSQL plans a term differently once it has BROAD_SEARCH matches: the result
    # must not change.
    monkeypatch.setattr("claims.search.BROAD_SEARCH", broad)
    monkeypatch.setattr("claims.search._broad_answers", {})
    sdf, isis = Actor.objects.get(key="sdf"), Actor.objects.get(key="isis")
    by_sdf = ClaimFactory(claimant=sdf, text="خلايا د1عـ.ـش تنشط في الريف")
    against_isis = ClaimFactory(claimant=sdf, text="هجوم على نقطة في الريف")
    against_isis.targets.add(isis)
    voiced = ClaimFactory(speaker=sdf, text="داعش هاجم الريف")
    cells = ClaimFactory(text="خلايا داعش تنشط في الريف")
    attack = ClaimFactory(claimant=sdf, text="هجوم على نقطة عسكرية")
    assert found("الريف") == {by_sdf.pk, against_isis.pk, voiced.pk, cells.pk}
    assert found("قسد داعش الريف") == {by_sdf.pk, against_isis.pk, voiced.pk}
    assert found("قسد هجوم") == {against_isis.pk, attack.pk}
    assert found("داعش") == {by_sdf.pk, against_isis.pk, voiced.pk, cells.pk}


@pytest.mark.services
def test_a_search_repeated_does_not_count_its_matches_again(postgres, monkeypatch):
    # Whether a term is broad is counted once (claims.search._broad): a client paging
    # through a search would otherwise pay the count on every page.
    monkeypatch.setattr("claims.search._broad_answers", {})
    sdf = Actor.objects.get(key="sdf")
    claims = {ClaimFactory(claimant=sdf, text=f"هجوم رقم {n} في الريف").pk for n in range(3)}

    def counts(q: str) -> int:
        with CaptureQueriesContext(connection) as queries:
            assert found(q) == claims
        counting = "SELECT COUNT(*) FROM (SELECT"  # count_up_to() and QuerySet.count()
        return sum(query["sql"].startswith(counting) for query in queries.captured_queries)

    assert counts("قسد الريف") > 0  # the actor term's branches, the words
    assert counts("قسد الريف") == 0
    assert counts("الريف قسد") == 0  # the same terms in another order


# PostgreSQL: the GIN indexes of migration 0004 serve the search.


def _plan(queryset) -> str:
    with connection.cursor() as cursor:
        # A few thousand rows are cheap to scan: make the planner show which index it
        # would use on a table too big for that.
        cursor.execute("SET LOCAL enable_seqscan = off")
    return queryset.explain()


@pytest.fixture
def many_claims(postgres):
    actors = list(Actor.objects.filter(kind=Actor.Kind.ARMED_GROUP)[:20])
    words = ["هجوم", "قصف", "مسيرة", "اشتباك", "اعتقال", "كمين", "تفجير", "انسحاب"]
    places = ["الرقة", "دير الزور", "منبج", "الحسكة", "البوكمال"]
    now = timezone.now()
    Claim.objects.bulk_create(
        Claim(
            type=Claim.Type.ASSERTION,
            claimant=actors[n % len(actors)],
            text=(text := f"{words[n % 8]} في {places[n % 5]} قرب النقطة {n}"),
            normalized_text=normalize(text),
            first_seen_at=now if n % 3 else None,
        )
        for n in range(3000)
    )
    ClaimFactory(text="خلايا د1عـ.ـش هاجمت")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE claims_claim")


@pytest.mark.services
def test_the_count_on_the_index_leaves_the_planner_settings_as_they_were(postgres):
    with postgres.cursor() as cursor:
        cursor.execute("SET LOCAL enable_indexscan = off")
        found("داعش")
        cursor.execute(
            "SELECT current_setting('enable_seqscan'), current_setting('enable_indexscan')"
        )
        assert cursor.fetchone() == ("on", "off")


@pytest.mark.services
def test_postgres_uses_the_gin_index_for_words(many_claims):
    plan = _plan(claim_search(Claim.objects.all(), "مسيرة"))
    assert TEXT_SEARCH_INDEX in plan, plan
    assert "Seq Scan on claims_claim" not in plan, plan
    assert len(found("مسيرة")) == 375
    # The stored vector is read (never computed row by row), and it holds both
    # configurations: the stemmed one and the exact one.
    assert "search_vector @@" in plan
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT generation_expression FROM information_schema.columns"
            " WHERE table_name = 'claims_claim' AND column_name = 'search_vector'"
        )
        expression = cursor.fetchone()[0]
    assert "to_tsvector('arabic'::regconfig" in expression
    assert "to_tsvector('simple'::regconfig" in expression
    assert "claim_search_bare_forms(normalized_text)" in expression


def _corpus_words(corpus) -> list[str]:
    words = set()
    for path in sorted(corpus.glob("*/articles/*.txt")):
        for raw in path.read_text(encoding="utf-8").split():
            word = normalize(raw).strip(".,،:؛\"'()«»-")
            if word:
                words.add(word)
    return sorted(words)


@pytest.mark.services
def test_postgres_stores_each_word_under_every_word_it_is_an_attached_form_of(
    postgres, shared_corpus
):
    # The query asks for the word alone; the stored vector must then hold, for every word
    # of the text, exactly the words it is an attached form of: the inverse of
    # attached_forms, or a search would miss claims (or find new ones) against the rule.
    import random

    words = _corpus_words(shared_corpus)
    assert len(words) > 2000
    edge = ["ال", "الف", "ف", "لل", "ليل", "الليل", "لاجئ", "حكومة", "الحكومة", "لحكومة"]
    queried = sorted(set(random.Random(9).sample(words, 300)) | set(edge))
    texts = {form for word in queried for form in attached_forms(word)}
    texts |= set(random.Random(10).sample(words, 300))
    texts |= {"لالف", "للف", "وللحكومة", "فلل", "ول", "والل", "بال", "الال", "SDF", "12"}
    with postgres.cursor() as cursor:
        cursor.execute(
            "SELECT d, tsvector_to_array(claim_search_bare_forms(d)),"
            " tsvector_to_array(to_tsvector('simple', d))"
            " FROM unnest(%s::text[]) AS d",
            [sorted(texts)],
        )
        stored = {d: (set(forms), lexemes) for d, forms, lexemes in cursor.fetchall()}
    compared, wrong = 0, []
    for text, (forms, lexemes) in stored.items():
        if lexemes != [text]:  # the parser splits it: not one word of the vector
            continue
        for word in queried:
            compared += 1
            if (text in attached_forms(word)) != (word == text or word in forms):
                wrong.append((text, word, sorted(forms)))
    assert compared > 500_000
    assert wrong == [], wrong[:10]


@pytest.mark.services
def test_postgres_reads_the_matches_from_the_index_even_for_a_sorted_page(many_claims):
    # A word missing from the statistics looks common to the planner (0.5% of the table
    # per form searched); left to itself it would walk the page's sort index and test
    # claim after claim, reading the whole table for a rare name. The matches must come
    # from the GIN index.
    rare = ClaimFactory(text="وقع زلزال في المنطقة")
    plan = _plan(claims_sorted(claim_search(Claim.objects.all(), "زلزال"), "newest")[:51])
    assert TEXT_SEARCH_INDEX in plan, plan
    assert found("زلزال") == {rare.pk}
    searched = claim_search(Claim.objects.all(), "النقطة 1234")
    assert TEXT_SEARCH_INDEX in _plan(claims_sorted(searched, "newest")[:51])
    texts = [claim.text for claim in claims_sorted(searched, "newest")]
    assert texts == ["مسيرة في البوكمال قرب النقطة 1234"]


@pytest.mark.services
def test_postgres_uses_the_gin_index_for_an_alias_with_its_parties(many_claims):
    plan = _plan(claim_search(Claim.objects.all(), "داعش"))
    assert TEXT_SEARCH_INDEX in plan, plan
    assert "Seq Scan on claims_claim" not in plan, plan
    assert found("داعش") == set(
        Claim.objects.filter(normalized_text__contains="داعش").values_list("pk", flat=True)
    ) | set(Claim.objects.filter(claimant__key="isis").values_list("pk", flat=True))


@pytest.mark.services
@pytest.mark.parametrize(
    ("sort", "index"),
    [
        ("newest", "claim_created_id_idx"),
        ("oldest", "claim_created_id_idx"),
        ("first_seen", "claim_first_seen_id_idx"),
        ("updated", "claim_updated_idx"),
    ],
)
def test_postgres_reads_a_sorted_page_from_an_index(many_claims, sort, index):
    first = claim_page(Claim.objects.all(), sort=sort, size=50)
    ordered = claims_sorted(Claim.objects.all(), sort)
    assert [c.pk for c in first.claims] == list(ordered.values_list("pk", flat=True)[:50])
    plan = _plan(claims_sorted(Claim.objects.all(), sort)[:50])
    assert index in plan, plan
    assert "Sort" not in plan, plan
