"""Arabic normalization: each case is a small piece of the spec, written as an example."""

import subprocess
import sys
from itertools import pairwise
from pathlib import Path

import pytest

from sources.text.normalize import (
    contains_arabic,
    fold,
    normalize,
    normalize_for_matching,
    strip_proclitics,
    token_spans,
    tokens,
)

PROJECT_ROOT = Path(__file__).resolve().parents[2]

# Messy inputs reused by the property tests below (written for these tests).
MESSY = [
    "قال المركز الإعلامي لـ”قسد” إنّ",
    "هجوم “د1عـ.ـش” على البلدة",
    "بيانٌ لِقُوّاتِ سوريا الديمقراطيّة",
    "و\u200bزارة الدفـاع\u200f أعلنت",
    "\ufeffالجيشُ  الوطني\n\nفي ٢٠٢٤",
    "ق.س.د و د١عش و قـسـد",
    "«داعش» و ‹قسد› و „الجيش‟",
    "20غيرهم عام 2024 طائرة F-16 من U.S.",
    "الرقة.وقال مصدر #تل_رفعت د.محمد",
    "مستشفى على الطريق إلى المدينة",
    "أحمد وإسلام وآمنة وٱلله",
    "ﻻ ﺃحد هنا",
    "مسؤول و\u0654 ا\u0653من",
    "   ",
    "",
]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        # alef forms
        ("أحمد", "احمد"),
        ("إسلام", "اسلام"),
        ("آمن", "امن"),
        ("ٱلله", "الله"),
        # alef maksura, and the letters that stay as they are
        ("مستشفى", "مستشفي"),
        ("على", "علي"),
        ("مسؤول", "مسؤول"),
        ("رئيس", "رئيس"),
        ("الرقة", "الرقة"),
        # Persian keyboard letters
        ("کی", "كي"),
        # diacritics, superscript alef, Quranic marks
        ("مُحَمَّدٌ", "محمد"),
        ("الجيشُ", "الجيش"),
        ("شُكْرًا", "شكرا"),
        ("هٰذا", "هذا"),
        ("الرحيم\u06d6", "الرحيم"),
        # decomposed hamza and maddah compose before being folded
        ("و\u0654", "ؤ"),
        ("ا\u0653من", "امن"),
        # tatweel
        ("قـسـد", "قسد"),
        ("الدفـــاع", "الدفاع"),
        ("لـ", "ل"),
        # digits
        ("٢٠٢٤", "2024"),
        ("۱۴۰۳", "1403"),
        ("٢٫٥", "2.5"),
        ("٥٠٪", "50%"),
        # zero-width, bidi and soft hyphen
        ("دا\u200bعش", "داعش"),
        ("\u200fقسد\u200f", "قسد"),
        ("\ufeffخبر", "خبر"),
        ("قس\u00adد", "قسد"),
        ("\u202bنص\u202c", "نص"),
        ("\u2067قسد\u2069", "قسد"),
        ("ق\u061cسد", "قسد"),
        # whitespace
        ("  قوات\n\tسوريا\u00a0 الديمقراطية  ", "قوات سوريا الديمقراطية"),
        ("\u2003قسد\u3000", "قسد"),
        # quote marks
        ("“قسد”", '"قسد"'),
        ("«داعش»", '"داعش"'),
        ("„الجيش‟", '"الجيش"'),
        ("‹قسد›", '"قسد"'),
        ("″قسد″", '"قسد"'),
        ("‘قسد’", "'قسد'"),
        ("‚قسد′", "'قسد'"),
        # Arabic punctuation stays
        ("لماذا؟", "لماذا؟"),
        ("قسد، داعش؛", "قسد، داعش؛"),
        # Latin is lower-cased
        ("ISIS", "isis"),
        ("SDF و YPG", "sdf و ypg"),
        ("Élysée", "élysée"),
        # presentation forms and ligatures become plain letters
        ("ﻻ", "لا"),
        ("ﺃﻫﻼ", "اهلا"),
        ("ﷲ", "الله"),
    ],
)
def test_normalize_folds_each_character_class(raw: str, expected: str) -> None:
    assert normalize(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("د1عـ.ـش", "داعش"),
        ("“د1عـ.ـش”", '"داعش"'),
        ("د١عش", "داعش"),
        ("د۱عش", "داعش"),
        ("دـ1ـعش", "داعش"),
        ("ق.س.د", "قسد"),
        ("ق-س-د", "قسد"),
        ("ق_س_د", "قسد"),
        ("ق*س*د", "قسد"),
        ("ق·س·د", "قسد"),
        ("داعـ*ـش", "داعش"),
        ("لـ-قسد", "لقسد"),
        ("دَ1عـ.ـش", "داعش"),
    ],
)
def test_normalize_undoes_obfuscation_inside_a_word(raw: str, expected: str) -> None:
    assert normalize(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("20غيرهم", "20غيرهم"),
        ("2018النظام", "2018النظام"),
        ("عربي21", "عربي21"),
        ("عام 2024", "عام 2024"),
        ("F-16", "f-16"),
        ("F16", "f16"),
        ("U.S.", "u.s."),
        ("من 3 إلى 5", "من 3 الي 5"),
        ("ب11ب", "ب11ب"),
        ("ب2ب", "ب2ب"),
        # a missing space after a full stop must not glue two words
        ("الرقة.وقال", "الرقة.وقال"),
        ("#تل_رفعت", "#تل_رفعت"),
        ("د.محمد", "د.محمد"),
        ("قسد-داعش", "قسد-داعش"),
        ("قسد.", "قسد."),
    ],
)
def test_normalize_leaves_digits_and_separators_that_are_not_obfuscation(
    raw: str, expected: str
) -> None:
    assert normalize(raw) == expected


def test_normalize_keeps_ta_marbuta_and_matching_folds_it() -> None:
    assert normalize("المدينة") == "المدينة"
    assert normalize_for_matching("المدينة") == "مدينه"
    assert normalize_for_matching("مدينة") == normalize_for_matching("مدينه")


@pytest.mark.parametrize(
    ("raw", "key"),
    [
        *[
            (raw, "قسد")
            for raw in [
                "قسد",
                "وقسد",
                "لقسد",
                "بقسد",
                "فقسد",
                "وبقسد",
                "لـ”قسد”",
                'لـ "قسد"',
                "لـ(قسد)",
                'و"قسد"',
                "لـقسد",
                "قـسـد",
                "ق.س.د",
                "قِسْد",
            ]
        ],
        *[
            (raw, "داعش")
            for raw in ["داعش", "د1عـ.ـش", "د١عش", "“داعش”", "لداعش", "بـ«داعش»", "دَاعِش"]
        ],
        *[
            (raw, "قوات سوريا ديمقراطيه")
            for raw in [
                "قوات سوريا الديمقراطية",
                "لقوات سوريا الديمقراطية",
                "وقوات سوريا الديمقراطية",
                'لـ"قوات سوريا الديمقراطية"',
            ]
        ],
        *[
            (raw, "زاره دفاع")
            for raw in ["وزارة الدفاع", "لوزارة الدفاع", "بوزارة الدفاع", "ووزارة الدفاع"]
        ],
        *[
            (raw, "جيش")
            for raw in ["الجيش", "والجيش", "بالجيش", "وبالجيش", "للجيش", "فالجيش", "كالجيش"]
        ],
        *[(raw, "مركز") for raw in ["المركز", "للمركز", "وللمركز", "فللمركز"]],
    ],
)
def test_every_written_form_of_an_actor_gives_the_same_matching_key(raw: str, key: str) -> None:
    assert normalize_for_matching(raw) == key


@pytest.mark.parametrize(
    ("token", "expected"),
    [
        ("وقسد", "قسد"),
        ("والجيش", "جيش"),
        ("بالجيش", "جيش"),
        ("وبالجيش", "جيش"),
        ("كالجيش", "جيش"),
        ("للمركز", "مركز"),
        ("فللمركز", "مركز"),
        ("الحر", "حر"),
        ("للحر", "حر"),
        # short words survive: the stem would be too short
        ("لا", "لا"),
        ("في", "في"),
        ("من", "من"),
        ("هو", "هو"),
        ("ولد", "ولد"),
        ("بلد", "بلد"),
        ("بيت", "بيت"),
        ("لنا", "لنا"),
        ("وهو", "وهو"),
        ("ال", "ال"),
        ("وال", "وال"),
        # known over-stripping, the same for aliases and articles
        ("وزاره", "زاره"),
        ("لوزاره", "زاره"),
        ("والي", "الي"),
        # not Arabic: untouched
        ("video", "video"),
        ("2024", "2024"),
    ],
)
def test_strip_proclitics(token: str, expected: str) -> None:
    assert strip_proclitics(token) == expected


STEMS = ["قسد", "جيش", "مركز", "تحالف", "وزاره", "فصائل", "بلده"]
ONE_LETTER_PROCLITICS = ["و", "ف", "ب", "ك", "ل", "وب", "ول", "وك", "فب", "فل"]
ARTICLE_PROCLITICS = ["ال", "وال", "فال", "بال", "كال", "وبال", "فبال", "لل", "ولل", "فلل"]


@pytest.mark.parametrize("stem", STEMS)
@pytest.mark.parametrize("prefix", ONE_LETTER_PROCLITICS + ARTICLE_PROCLITICS)
def test_a_proclitic_never_changes_the_stem_a_word_reduces_to(prefix: str, stem: str) -> None:
    assert strip_proclitics(prefix + stem) == strip_proclitics(stem)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("لـ”قسد”", ["قسد"]),
        ("بـ “التحالف”", ["تحالف"]),
        ('الـ"تحالف"', ["تحالف"]),
        ("وبـ”قسد”", ["قسد"]),
        ("قسد و داعش", ["قسد", "داعش"]),
        ("20غيرهم", ["20", "غيرهم"]),
        ("F-16", ["f", "16"]),
        ("F16", ["f", "16"]),
        ("U.S.", ["u", "s"]),
        ("الرقة.وقال", ["رقه", "قال"]),
        ("#تل_رفعت", ["تل", "رفعت"]),
        ("", []),
    ],
)
def test_tokens_split_on_punctuation_and_drop_lone_proclitics(
    raw: str, expected: list[str]
) -> None:
    assert tokens(raw) == expected
    assert normalize_for_matching(raw) == " ".join(expected)


@pytest.mark.parametrize("raw", MESSY)
def test_normalize_is_idempotent(raw: str) -> None:
    once = normalize(raw)
    assert normalize(once) == once
    key = normalize_for_matching(raw)
    assert normalize_for_matching(key) == key


@pytest.mark.parametrize("raw", MESSY)
def test_fold_has_the_characters_of_normalize_with_whitespace_uncollapsed(raw: str) -> None:
    assert " ".join(fold(raw, ta_marbuta=False).text.split()) == normalize(raw)
    assert " ".join(fold(raw).text.split()) == normalize(raw).replace("ة", "ه")


@pytest.mark.parametrize("raw", [text for text in MESSY if "ﻻ" not in text])
def test_fold_offsets_increase_strictly_and_point_into_the_original(raw: str) -> None:
    folded = fold(raw)
    assert len(folded.offsets) == len(folded.text)
    assert all(a < b for a, b in pairwise(folded.offsets))
    assert all(0 <= offset < len(raw) for offset in folded.offsets)


@pytest.mark.parametrize(
    ("raw", "needle"),
    [
        ("قال المركز الإعلامي لـ”قسد” إنّ", "قسد"),
        ("قال المركز الإعلامي لـ”قسد” إنّ", "المركز الاعلامي"),
        ("هجوم “د1عـ.ـش” على البلدة", "داعش"),
        ("بيانٌ لِقُوّاتِ سوريا الديمقراطيّة", "قوات سوريا الديمقراطية"),
        ("و\u200bزارة الدفـاع\u200f أعلنت", "وزارة الدفاع"),
        ("ق.س.د و د١عش و قـسـد", "قسد"),
        ("ق.س.د و د١عش و قـسـد", "داعش"),
        ("\ufeffالجيشُ  الوطني\n\nفي ٢٠٢٤", "2024"),
        ("\ufeffالجيشُ  الوطني\n\nفي ٢٠٢٤", "الجيش"),
        ("مستشفى على الطريق إلى المدينة", "المدينة"),
        ("«داعش» و ‹قسد› و „الجيش‟", "الجيش"),
        ("ﻻ ﺃحد هنا", "احد"),
    ],
)
def test_a_match_in_folded_text_maps_back_to_an_original_span_with_the_same_key(
    raw: str, needle: str
) -> None:
    folded = fold(raw)
    folded_needle = fold(needle).text
    starts = [i for i in range(len(folded.text)) if folded.text.startswith(folded_needle, i)]
    assert starts, f"{folded_needle!r} not in {folded.text!r}"
    for start in starts:
        original_start, original_end = folded.span_to_original(start, start + len(folded_needle))
        original = raw[original_start:original_end]
        assert normalize_for_matching(original) == normalize_for_matching(folded_needle)


@pytest.mark.parametrize(
    ("raw", "needle", "original"),
    [
        ("لـ”قسد”", "قسد", "قسد"),
        ("هجوم “د1عـ.ـش” على", "داعش", "د1عـ.ـش"),
        ("ق.س.د", "قسد", "ق.س.د"),
        ("قـسـد", "قسد", "قـسـد"),
        # the marks on the last letter come along, so a highlight keeps them
        ("الجيشُ قال", "الجيش", "الجيشُ"),
        ("قسّد", "قسد", "قسّد"),
        ("ا\u0653من", "امن", "ا\u0653من"),
        ("في الرقة", "الرقه", "الرقة"),
        ("دا\u200bعش", "داعش", "دا\u200bعش"),
    ],
)
def test_span_to_original_returns_exactly_the_written_form(
    raw: str, needle: str, original: str
) -> None:
    folded = fold(raw)
    start = folded.text.index(needle)
    original_start, original_end = folded.span_to_original(start, start + len(needle))
    assert raw[original_start:original_end] == original


def test_span_to_original_of_an_empty_span_is_an_empty_range() -> None:
    folded = fold("قـسـد")
    assert folded.span_to_original(1, 1) == (2, 2)
    assert folded.span_to_original(3, 3) == (5, 5)


def test_span_to_original_rejects_a_span_outside_the_folded_text() -> None:
    with pytest.raises(IndexError):
        fold("قسد").span_to_original(2, 4)


def test_an_expanded_ligature_maps_every_folded_char_to_the_ligature() -> None:
    folded = fold("ﻻ شيء")
    assert folded.text == "لا شيء"
    assert folded.offsets[:2] == (0, 0)
    assert folded.span_to_original(0, 1) == (0, 1)
    assert folded.span_to_original(0, 2) == (0, 1)


def test_fold_can_keep_ta_marbuta() -> None:
    assert fold("الرقة").text == "الرقه"
    assert fold("الرقة", ta_marbuta=False).text == "الرقة"


@pytest.mark.parametrize("raw", MESSY)
def test_token_spans_give_the_matching_tokens_and_where_they_stand(raw: str) -> None:
    spans = token_spans(raw)
    assert [span.key for span in spans] == tokens(raw)
    for span in spans:
        assert normalize_for_matching(raw[span.start : span.end]) == span.key


def test_token_spans_leave_the_proclitic_out_of_the_span() -> None:
    raw = "وقال لـ”قسد” إن"
    assert [(span.key, raw[span.start : span.end]) for span in token_spans(raw)] == [
        ("قال", "قال"),
        ("قسد", "قسد"),
        ("ان", "إن"),
    ]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("قسد", True), ("SDF قسد", True), ("ﻻ", True), ("SDF 2024", False), ("٢٠٢٤", False)],
)
def test_contains_arabic(raw: str, expected: bool) -> None:
    assert contains_arabic(raw) is expected


def test_the_module_imports_no_django() -> None:
    code = "import sys, sources.text.normalize; assert 'django' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], cwd=PROJECT_ROOT, check=True)


def _article_texts(shared_corpus: Path) -> list[str]:
    paths = sorted((PROJECT_ROOT / "samples" / "articles").glob("*.txt"))
    paths += sorted(shared_corpus.glob("*/articles/*.txt"))
    return [path.read_text(encoding="utf-8") for path in paths]


def test_the_keys_of_a_title_and_body_are_the_titles_then_the_bodys(shared_corpus) -> None:
    """Ingestion tokenizes "title\\nbody" once and takes the keys after the title's line as
    `tokens(body)` for the body's MinHash signature: a key never straddles the line."""
    pairs = [(title, body) for title in MESSY for body in MESSY]
    pairs += [("هجوم د1", "عـ.ـش على البلدة"), ("ق.س", ".د تتهم"), ("قـسـ", "ـد")]
    for text in _article_texts(shared_corpus):
        title, _, body = text.strip().partition("\n")
        pairs.append((title, body.strip()))
    assert len(pairs) > 250
    for title, body in pairs:
        spans = token_spans(f"{title}\n{body}")
        assert [span.key for span in spans if span.start > len(title)] == tokens(body)
        assert [span.key for span in spans if span.start < len(title)] == tokens(title)
