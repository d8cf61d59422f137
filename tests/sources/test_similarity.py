"""Story features: places, keywords, time window, and the same-story score.

No database. Sentences are written for these tests; the corpus is read in place.
"""

import itertools
import math
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from sources.text.normalize import normalize_for_matching
from sources.text.similarity import (
    BROAD_PLACE_WEIGHT,
    SAME_STORY_THRESHOLD,
    TOWN_WEIGHT,
    VILLAGE_WEIGHT,
    StoryFeatures,
    cosine,
    features,
    keyword_vector,
    place_names,
    place_weight,
    story_score,
    time_factor,
)
from tests.conftest import missing_service

CORPUS = Path(__file__).resolve().parents[3] / "shared" / "corpus"


def keys(*places: str) -> set[str]:
    return {normalize_for_matching(place) for place in places}


@pytest.mark.parametrize(
    ("text", "places"),
    [
        # a settlement word, then a one- or two-word name (an idafa: "غانم العلي")
        ("اندلعت اشتباكات في محيط قرية غانم العلي شرقي الرقة", ["غانم العلي", "الرقة"]),
        ("قصفت المدفعية بلدة “مراط” بريف دير الزور الشرقي", ["مراط", "دير الزور"]),
        ("سقطت قذائف على حي القصور بمدينة دير الزور", ["القصور", "دير الزور"]),
        ("استهدف الهجوم دورية في مدينة معرة النعمان جنوب إدلب", ["معرة النعمان", "إدلب"]),
        ("نزح الأهالي إلى مخيم الهول شرق الحسكة", ["الهول", "الحسكة"]),
        ("وقع الهجوم في قرية “غانم العلي” ليلاً", ["غانم العلي"]),
        ("دخلت الدورية ناحية سلوك صباحاً", ["سلوك"]),
        ("تقع البلدة في محافظة السويداء جنوب البلاد", ["السويداء"]),
        # two-word names that start with a known first word
        ("قصفت القوات التركية قرية الشيخ ناصر بريف جرابلس", ["الشيخ ناصر", "جرابلس"]),
        ("وقع الانفجار في قرية أبو حمام، وقالت المصادر", ["أبو حمام"]),
        ("انسحبت الفصائل من بلدة عين عيسى", ["عين عيسى"]),
        # a direction, then the name; "ريف X" with its direction adjective
        ("شنت الطائرات غارات على ريف حلب الشمالي", ["حلب"]),
        ("تقدمت القوات نحو البلدات الواقعة شمال شرق الحسكة", ["الحسكة"]),
        ("قرب بلدة دير حافر شرقي حلب", ["دير حافر", "حلب"]),
        # well-known places without a settlement word: after a locative preposition...
        ("قتل مدنيان في تل رفعت أمس", ["تل رفعت"]),
        ("وصل الوفد إلى دمشق مساء الأحد", ["دمشق"]),
        ("المستشفى الوحيد في الطبقة توقف عن العمل", ["الطبقة"]),
        ("قصف مواقع في ديرالزور", ["دير الزور"]),
        ("دخلت القوات مدينة كوباني", ["عين العرب"]),
        ("في البوكمال على الحدود", ["البوكمال"]),
        # ... with the proclitic ب, as a hashtag, or coordinated with another place
        ("اعتقلت الدورية شابين بعفرين", ["عفرين"]),
        ("وثق ناشطو #تل_رفعت القصف", ["تل رفعت"]),
        ("تصاعد القتال في حلب وإدلب", ["حلب", "إدلب"]),
        ("وقعت الاشتباكات في بلدتي كفريا والفوعة", ["كفريا"]),
        # clause punctuation ends a name
        ("سيطرت على قرية مراط، وتقدمت نحو البلدة", ["مراط"]),
        # diacritics and tatweel are folded
        ("اعتقالات في ريفِ الرقةِ", ["الرقة"]),
        ("قصف على بلـدة هجين", ["هجين"]),
        # not places
        ("فصائل موالية لدمشق تهاجم النقاط", []),  # Damascus as the government
        ("حكومة دمشق لم تعلق على الاتهامات", []),
        ("قالت المصادر إن المدينة شهدت هدوءاً حذراً", []),  # "the city": refers back
        ("تقدمت القوات في منطقة سيطرة الفصائل", []),
        ("انتشرت الخلايا في شمال سوريا وشرقها", []),  # countries are too broad
        ("وقعت الحادثة شمال البلاد", []),
        ("برع الصحفي في مختلف الميادين", []),  # الميادين: "the fields"
        ("دفعت الفصائل بالمال للعناصر", []),  # the key of البوكمال is "مال"
        ("", []),
    ],
)
def test_place_names(text, places):
    assert place_names(text) == keys(*places)


@pytest.mark.parametrize(
    ("place", "weight"),
    [
        ("غانم العلي", VILLAGE_WEIGHT),  # any place the well-known list does not hold
        ("القصور", VILLAGE_WEIGHT),
        ("تل رفعت", TOWN_WEIGHT),
        ("منبج", TOWN_WEIGHT),
        ("دير الزور", BROAD_PLACE_WEIGHT),
        ("حلب", BROAD_PLACE_WEIGHT),
        ("الفرات", BROAD_PLACE_WEIGHT),
    ],
)
def test_a_specific_place_weighs_more_than_a_governorate(place, weight):
    assert place_weight(normalize_for_matching(place)) == weight


def test_keyword_vector_leaves_out_stopwords_numbers_and_short_words():
    vector = keyword_vector("قال المصدر إن 14 مدنياً قتلوا في قصف على حي القصور أمس")
    assert "قصور" in vector
    assert not {"قال", "14", "في", "ان", "امس", "حي"} & vector.keys()


def test_keyword_vector_has_unit_length_and_weighs_generic_war_words_less():
    vector = keyword_vector("قصف مدفعي على مستشفى الشفاء في عفرين وقصف آخر")
    assert math.isclose(math.sqrt(sum(w * w for w in vector.values())), 1.0)
    # "قصف" appears twice but is war vocabulary; "مستشفى" names this event.
    assert vector["قصف"] < vector[normalize_for_matching("مستشفى")]


def test_keyword_vector_folds_spellings():
    assert keyword_vector("وقالت لـ”قسد” إنّ الهجومَ فاشل") == keyword_vector(
        "قالت قسد إن الهجوم فاشل"
    )


def test_keyword_vector_of_an_empty_text_is_empty():
    assert keyword_vector("في من على ١٤") == {}


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        ({"x": 1.0}, {"x": 2.0}, 1.0),
        ({"x": 1.0}, {"y": 1.0}, 0.0),
        ({}, {"y": 1.0}, 0.0),
        ({}, {}, 0.0),
        ({"x": 1.0}, {"x": 1.0, "y": 1.0}, 1 / math.sqrt(2)),
        ({"x": 3.0, "y": 4.0}, {"x": 4.0, "y": 3.0}, 24 / 25),
    ],
)
def test_cosine(a, b, expected):
    assert cosine(a, b) == pytest.approx(expected)
    assert cosine(b, a) == pytest.approx(expected)


DAY = datetime(2025, 12, 15, 10, tzinfo=UTC)


@pytest.mark.parametrize(
    ("other", "factor"),
    [
        (None, 1.0),  # a date unknown: no penalty
        (DAY, 1.0),
        (DAY + timedelta(hours=30), 1.0),
        (DAY - timedelta(days=2), 1.0),
        (DAY + timedelta(days=6), 0.75),
        (DAY - timedelta(days=10), 0.5),
        (DAY + timedelta(days=10, hours=1), 0.0),
        (DAY + timedelta(days=400), 0.0),
        (DAY.replace(tzinfo=None) + timedelta(days=1), 1.0),  # one naive date
    ],
)
def test_time_factor(other, factor):
    assert time_factor(DAY, other) == pytest.approx(factor)
    assert time_factor(other, DAY) == pytest.approx(factor)


FIRST_REPORT = (
    "قالت مصادر محلية إن طائرة مسيرة استهدفت منزلاً في قرية الحريجي بريف دير الزور، "
    "ما أدى إلى مقتل ثلاثة مدنيين بينهم طفلان، واتهمت المصادر فصائل موالية لدمشق."
)
SECOND_REPORT = (
    "نفت وزارة الدفاع أي علاقة لها بالضربة التي طالت قرية الحريجي، "
    "وقالت إن قواتها لم تستخدم الطائرات المسيرة في المنطقة منذ أسابيع."
)
OTHER_EVENT = (
    "أعلنت قوى الأمن الداخلي تفكيك خلية تنشط في تهريب الأسلحة بمدينة دير الزور، "
    "وضبط مستودع يحوي ذخائر وعبوات ناسفة معدة للتفجير."
)


def test_two_sides_of_one_event_in_a_village_are_one_story():
    first = features(FIRST_REPORT, frozenset({"sdf"}), DAY)
    second = features(SECOND_REPORT, frozenset({"syrian_mod"}), DAY + timedelta(days=1))
    assert story_score(first, second) >= SAME_STORY_THRESHOLD


def test_another_event_in_the_same_governorate_is_another_story():
    first = features(FIRST_REPORT, frozenset({"sdf"}), DAY)
    other = features(OTHER_EVENT, frozenset({"syrian_moi"}), DAY)
    assert story_score(first, other) < SAME_STORY_THRESHOLD


def test_the_same_text_two_weeks_apart_is_another_story():
    first = features(FIRST_REPORT, frozenset({"sdf"}), DAY)
    later = features(FIRST_REPORT, frozenset({"sdf"}), DAY + timedelta(days=14))
    assert story_score(first, later) == 0.0
    assert story_score(first, features(FIRST_REPORT, frozenset({"sdf"}), None)) > 1.0


def test_story_features_compare_with_a_story_of_accumulated_features():
    # What the clustering service builds for a story: summed keywords, united places.
    first, second = (
        features(FIRST_REPORT, frozenset(), DAY),
        features(SECOND_REPORT, frozenset(), DAY),
    )
    story = StoryFeatures(
        actors=frozenset(),
        places=first.places | second.places,
        keywords={
            k: first.keywords.get(k, 0) + second.keywords.get(k, 0)
            for k in first.keywords | second.keywords
        },
        published=DAY,
    )
    assert story_score(features(FIRST_REPORT, frozenset(), DAY), story) >= SAME_STORY_THRESHOLD


# The corpus, read in place: titles and bodies as stored, actors left out (the registry is
# matched by the caller; without it the score leans on places and keywords only).


@pytest.fixture(scope="module")
def corpus() -> dict[str, dict[str, tuple[str, StoryFeatures]]]:
    """part -> number -> (story_id, features)."""
    if not CORPUS.is_dir():
        missing_service(f"the shared corpus is not at {CORPUS}")
    parts = {}
    for part in ("seeds", "dev"):
        lines = (CORPUS / part / "sources.tsv").read_text(encoding="utf-8").splitlines()
        articles = {}
        for line in lines[1:]:
            name, _url, _outlet, story = line.split("\t")[:4]
            text = (CORPUS / part / "articles" / name).read_text(encoding="utf-8")
            articles[name[:3]] = (story, features(text, frozenset(), None))
        parts[part] = articles
    return parts


def pairwise(articles: dict[str, tuple[str, StoryFeatures]]) -> tuple[float, float, float]:
    """Precision, recall and F1 of "same story" decisions over all article pairs."""
    true_positive = false_positive = false_negative = 0
    for (_, (story_a, a)), (_, (story_b, b)) in itertools.combinations(articles.items(), 2):
        same = story_score(a, b) >= SAME_STORY_THRESHOLD
        true_positive += same and story_a == story_b
        false_positive += same and story_a != story_b
        false_negative += not same and story_a == story_b
    precision = true_positive / (true_positive + false_positive) if true_positive else 0.0
    recall = true_positive / (true_positive + false_negative) if true_positive else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def test_seed_stories(corpus):
    seeds = {number: feats for number, (_story, feats) in corpus["seeds"].items()}
    # 000, 001 and 002: the Ghanim al-Ali clashes east of Raqqa, told by three texts.
    for a, b in itertools.combinations(["000", "001", "002"], 2):
        assert story_score(seeds[a], seeds[b]) >= SAME_STORY_THRESHOLD, (a, b)
    # 003 (an ISIS cell in Deir ez-Zor) and 004 (Baghouz) are other events.
    for a, b in itertools.product(["003", "004"], ["000", "001", "002"]):
        assert story_score(seeds[a], seeds[b]) < SAME_STORY_THRESHOLD, (a, b)
    assert pairwise(corpus["seeds"]) == (1.0, 1.0, 1.0)


def test_dev_pairwise_same_story_decisions(corpus):
    precision, recall, f1 = pairwise(corpus["dev"])
    print(f"dev, {len(corpus['dev'])} articles: precision {precision:.2f}, "
          f"recall {recall:.2f}, F1 {f1:.2f}")  # fmt: skip
    # Reached: P 1.00, R 0.81, F1 0.89 (no actors, no dates). A regression guard with a
    # margin, not a figure tuned to these files.
    assert f1 >= 0.8
    assert precision >= 0.85
