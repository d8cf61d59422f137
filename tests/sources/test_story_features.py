"""Story features computed from one tokenization: the same places, actors and keywords as
each feature computed from the text on its own.

No database: the alias index is built here.
"""

from pathlib import Path

import pytest

from claims.extraction.matcher import AliasIndex
from sources.services.stories import article_features
from sources.text.normalize import normalize, normalize_for_matching, token_spans
from sources.text.similarity import _surface, features, keyword_vector, place_names

SAMPLES = Path(__file__).resolve().parents[2] / "samples" / "articles"

TEXTS = [
    "قالت قوات سوريا الديمقراطية (قسد) إن خلية لداعش هاجمت قرية غانم العلي بريف دير الزور.",
    "وقصفت الفصائل الموالية لتركيا بلدة “مراط” شرقي حلب، ونفى الجيش الوطني السوري ذلك.",
    "#تل_رفعت: قتلى في قصف على تل رفعت وعفرين، بحسب المرصد السوري لحقوق الإنسان.",
    "اتهمت د1عـ.ـش وقسد بعضهما بالهجوم في منبج وجرابلس، وقال مسؤول في الإدارة الذاتية.",
    "بِالمَدِينَةِ وَبالرَّقَّة ﻻ شيء في البوكمال\u200b أو في ديرالزور ـ قوات قسد قسد",
    "",
    "١٢٣ F-16 الجيش العربي السوري",
] + [path.read_text(encoding="utf-8") for path in sorted(SAMPLES.glob("*.txt"))]

ALIASES = AliasIndex(
    {
        normalize_for_matching(alias): actors
        for alias, actors in {
            "قوات سوريا الديمقراطية": ["sdf"],
            "قسد": ["sdf"],
            "داعش": ["isis"],
            "الجيش الوطني السوري": ["sna"],
            "الجيش": ["saa", "sna"],  # ambiguous: both
            "الجيش العربي السوري": ["saa"],
            "المرصد السوري لحقوق الإنسان": ["sohr"],
            "الإدارة الذاتية": ["aanes"],
            "سوريا": [],  # an alias with no actor matches nothing
        }.items()
    }
)


@pytest.mark.parametrize("text", TEXTS)
def test_actors_from_the_keys_are_the_alias_index_matches(text):
    keys = [span.key for span in token_spans(text)]
    assert ALIASES.actors_in_keys(keys) == frozenset(m.actor for m in ALIASES.find(text))


@pytest.mark.parametrize("text", TEXTS)
def test_features_from_one_tokenization_equal_each_feature_alone(text):
    spans = token_spans(text)
    assert place_names(text, spans=spans) == place_names(text)
    assert keyword_vector(text, keys=[span.key for span in spans]) == keyword_vector(text)
    shared = article_features(text, aliases=ALIASES)
    alone = features(text, ALIASES.actors_in(text), None)
    assert (shared.places, shared.actors, shared.keywords) == (
        alone.places,
        alone.actors,
        alone.keywords,
    )


@pytest.mark.parametrize(
    "word",
    ["بالمدينة", "وأعلنت", "إدلب", "آخر", "مستشفى", "بالرقة", "قسد", "بِالمدينة", "قـسـد",
     "د1عش", "ﻻ", "ق.س.د", "F16", "ديرالزور", "\u200bقسد", "ئؤء"],
)  # fmt: skip
def test_surface_is_the_normalized_word(word):
    assert _surface(word) == normalize(word).replace("\u0629", "\u0647")


@pytest.mark.django_db
def test_a_story_takes_an_article_s_features_and_new_keys():
    from datetime import UTC, datetime

    from sources.models import Story, StoryKey
    from sources.services import stories
    from sources.text.similarity import StoryFeatures

    seen = datetime(2026, 5, 1, tzinfo=UTC)
    story = Story.objects.create(title="خبر")
    stories._absorb(
        story,
        StoryFeatures(places=frozenset({"منبج"}), actors=frozenset({"sdf"}), keywords={"ا": 1.0}),
        seen,
    )
    before = Story.objects.get(pk=story.pk).updated_at
    stories._absorb(
        story,
        StoryFeatures(
            places=frozenset({"منبج", "حلب"}), actors=frozenset({"sdf"}), keywords={"ا": 0.5}
        ),
        seen.replace(day=3),
    )
    stored = Story.objects.get(pk=story.pk)
    assert (stored.places, stored.actors, stored.keywords) == (["حلب", "منبج"], ["sdf"], {"ا": 1.5})
    assert (stored.first_seen, stored.last_seen) == (seen, seen.replace(day=3))
    assert stored.updated_at == story.updated_at
    assert stored.updated_at >= before
    assert sorted(StoryKey.objects.filter(story=story).values_list("key", flat=True)) == [
        "actor:sdf",
        "place:حلب",
        "place:منبج",
    ]


@pytest.mark.django_db
def test_candidate_stories_are_the_same_when_their_query_is_reused():
    from datetime import UTC, datetime

    from sources.models import Story
    from sources.services import stories
    from sources.text.similarity import StoryFeatures

    seen = datetime(2026, 5, 1, tzinfo=UTC)
    for number, places in enumerate([{"منبج"}, {"منبج", "حلب"}, {"حلب"}, {"عفرين"}]):
        story = Story.objects.create(title=f"خبر {number}")
        stories._absorb(story, StoryFeatures(places=frozenset(places)), seen)
    keys = {"place:منبج", "place:حلب"}
    stories._CANDIDATES_SQL.clear()
    first = [(story.pk, story.shared) for story in stories._candidates(keys, seen, [])]
    again = [(story.pk, story.shared) for story in stories._candidates(keys, seen, [])]
    # The two stories sharing one key tie: their order is the database's.
    assert first[0] == again[0]
    assert first[0][1] == 2
    assert sorted(first) == sorted(again)
    assert len(first) == 3
    excluded = {story.pk for story in stories._candidates(keys, seen, [first[0][0]])}
    assert excluded == {pk for pk, _ in first[1:]}
    assert {story.pk for story in stories._candidates(keys, seen, [first[0][0]])} == excluded
