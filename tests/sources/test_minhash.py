"""Near-duplicate fingerprints: shingles, MinHash signatures, LSH band keys, the rule.

No database: the module is pure Python. Sentences are written for these tests; the corpus
is read in place, never copied.
"""

import itertools
import os
import random
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from sources.text.minhash import (
    BANDS,
    DUPLICATE_CONTAINMENT,
    NEW_PARAGRAPH_NOVELTY,
    NUM_PERM,
    PARTIAL_CONTAINMENT,
    Signature,
    band_keys,
    candidate_probability,
    classify_overlap,
    estimate_containment,
    estimate_jaccard,
    exact_containment,
    paragraph_novelty,
    paragraph_spans,
    shingles,
    signature,
)
from sources.text.normalize import normalize
from tests.conftest import missing_service

PROJECT_ROOT = Path(__file__).resolve().parents[2]
CORPUS = Path(__file__).resolve().parents[3] / "shared" / "corpus"

REPORT = (
    "اتهمت قوات سوريا الديمقراطية فصائل موالية لدمشق بالتنسيق مع عناصر من تنظيم داعش "
    "في ريف الرقة الشرقي"
)

# Words for generated texts (written for these tests). Random sequences of them share
# no 4-shingle by chance: 4-word sequences from 100 words number 10^8.
VOCABULARY = " ".join(
    [
        "قوات سوريا الديمقراطية فصائل الجيش الوطني وزارة الدفاع الداخلية التحالف الدولي تنظيم",
        "داعش مجلس دير الزور العسكري الرقة الحسكة القامشلي منبج عفرين حلب إدلب درعا بلدة قرية",
        "مدينة ريف شرق غرب شمال جنوب هجوم قصف اشتباكات طائرة مسيرة انتحارية مدفعية صاروخ عبوة",
        "ناسفة حاجز دورية نقطة عسكرية مقتل إصابة اعتقال عنصر قيادي مدني أطفال نساء مستشفى مدرسة",
        "سوق مخيم سجن معتقلين بيان رسمي مصدر محلي ناشطون مرصد حقوقي وكالة أنباء مراسل شهود عيان",
        "مساء صباح أمس اليوم الاثنين الثلاثاء الأربعاء الخميس الجمعة السبت الأحد نفى اتهم أكد",
        "أضاف أشار طالب حذر اعتبر تحقيق عاجل مسؤولية انتهاك هدنة اتفاق وقف إطلاق النار معبر نهر",
        "الفرات البادية الحدود التركية الروسية الأمريكية النفط القمح الكهرباء المياه",
    ]
).split()


def generated_text(rng: random.Random, words: int) -> list[str]:
    return [rng.choice(VOCABULARY) for _ in range(words)]


def exact_jaccard(text_a: str, text_b: str) -> float:
    a, b = shingles(text_a), shingles(text_b)
    return len(np.intersect1d(a, b)) / len(np.union1d(a, b))


@pytest.mark.parametrize(
    ("one", "other"),
    [
        # proclitics, quotes and shadda do not change a shingle
        ("قالت قسد إن الهجوم وقع ليلاً", "وقالت لـ”قسد” إنّ الهجوم وقع ليلاً"),
        # diacritics, tatweel and alef forms
        ("أعلنت وزارة الدفاع مقتل عنصرين", "أعلنَت وزارة الدفـاع مقتل عنصرين"),
        # obfuscated names are undone by the normalization
        ("هجوم لداعش على حاجز قرب البلدة", "هجوم لـ د1عـ.ـش على حاجز قرب البلدة"),
        # line breaks and punctuation are not words
        ("نفت قسد الاتهامات. وقالت إنها كاذبة", "نفت قسد الاتهامات\n\nوقالت: إنها كاذبة!"),
    ],
)
def test_spellings_of_the_same_words_give_the_same_shingles(one, other):
    assert np.array_equal(shingles(one), shingles(other))


@pytest.mark.parametrize(
    ("text", "count"),
    [
        ("", 0),
        ("،.!؟ ", 0),
        ("قسد", 1),  # shorter than a shingle: one shingle of all its words
        ("قسد تنفي الاتهامات", 1),
        ("قسد تنفي الاتهامات الموجهة", 1),
        ("قسد تنفي الاتهامات الموجهة إليها", 2),
        ("قسد تنفي الاتهامات الموجهة إليها من دمشق", 4),
        # a repeated passage adds no shingle: "a b c d a b c d" has 5 windows, 4 distinct
        ("قسد تنفي الاتهامات الموجهة قسد تنفي الاتهامات الموجهة", 4),
    ],
)
def test_shingle_count(text, count):
    hashes = shingles(text)
    assert hashes.dtype == np.uint64
    assert hashes.size == count
    assert hashes.tolist() == sorted(set(hashes.tolist()))


def test_a_short_text_does_not_equal_a_shingle_of_a_longer_one():
    assert not np.isin(shingles("قسد تنفي الاتهامات"), shingles("قسد تنفي الاتهامات", k=2)).any()


def test_shingle_size_must_be_positive():
    with pytest.raises(ValueError, match="at least 1"):
        shingles(REPORT, k=0)


def test_signature_values_are_pinned():
    """Stored signatures stay comparable only if the hash functions never change."""
    sig = signature(REPORT)
    assert sig.shingle_count == 14
    assert sig.values[:4].tolist() == [94404164, 82282829, 205289236, 50971239]
    assert band_keys(sig)[:2] == [33322039274177599, 217218238815199165]


def test_signatures_are_the_same_in_another_process():
    # Another process, another hash seed: nothing may depend on Python's salted hash().
    script = (
        "from sources.text.minhash import band_keys, shingles, signature\n"
        f"sig = signature({REPORT!r})\n"
        "print(sig.to_bytes().hex(), sig.shingle_count, band_keys(sig), "
        f"shingles({REPORT!r}).tolist())\n"
    )
    outputs = set()
    for seed in ("1", "2024"):
        result = subprocess.run(
            [sys.executable, "-c", script],
            cwd=PROJECT_ROOT,
            env={**os.environ, "PYTHONHASHSEED": seed},
            capture_output=True,
            text=True,
            check=True,
        )
        outputs.add(result.stdout)
    sig = signature(REPORT)
    here = (
        f"{sig.to_bytes().hex()} {sig.shingle_count} {band_keys(sig)} {shingles(REPORT).tolist()}\n"
    )
    assert outputs == {here}


def test_signature_round_trips_through_bytes():
    sig = signature(REPORT)
    data = sig.to_bytes()
    assert isinstance(data, bytes)
    assert len(data) == NUM_PERM * 4
    again = Signature.from_bytes(data, sig.shingle_count)
    assert again == sig
    assert hash(again) == hash(sig)
    assert again.values.dtype == np.uint32
    # A database driver may hand back a memoryview of the BinaryField.
    assert Signature.from_bytes(bytes(memoryview(data)), sig.shingle_count) == sig


@pytest.mark.parametrize("size", [0, 511, 513, 1024])
def test_a_stored_signature_of_the_wrong_size_is_refused(size):
    with pytest.raises(ValueError, match="512 bytes"):
        Signature.from_bytes(b"\x00" * size, 3)


def test_signature_values_cannot_be_changed_in_place():
    sig = signature(REPORT)
    with pytest.raises(ValueError, match="read-only"):
        sig.values[0] = 1


def test_a_signature_has_num_perm_values():
    with pytest.raises(ValueError, match="128 values"):
        Signature(values=np.zeros(64, dtype=np.uint32), shingle_count=3)


def test_an_empty_text_has_an_empty_signature_and_no_band_keys():
    sig = signature("  ،  ")
    assert sig.is_empty
    assert band_keys(sig) == []
    assert estimate_jaccard(sig, sig) == 0.0
    assert estimate_containment(sig, signature(REPORT)) == 0.0


@pytest.mark.parametrize("seed", range(8))
@pytest.mark.parametrize("kept", [0.0, 0.3, 0.6, 0.9])
def test_jaccard_estimate_is_within_a_tenth_of_the_exact_value(seed, kept):
    rng = random.Random(seed * 100 + int(kept * 10))
    words = generated_text(rng, 400)
    # Keep a share of the text and rewrite the rest, in runs like an editor does.
    edited = list(words)
    for start in range(0, len(words), 40):
        if rng.random() >= kept:
            edited[start : start + 40] = generated_text(rng, 40)
    a, b = " ".join(words), " ".join(edited)
    assert abs(estimate_jaccard(signature(a), signature(b)) - exact_jaccard(a, b)) <= 0.1


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize(("copied", "own"), [(150, 50), (150, 150), (100, 300), (300, 0)])
def test_containment_estimate_follows_the_exact_value(seed, copied, own):
    # A republication: `copied` words of the original plus `own` words of its own.
    rng = random.Random(seed)
    original = generated_text(rng, 400)
    start = rng.randrange(0, 400 - copied)
    copy = " ".join(generated_text(rng, own) + original[start : start + copied])
    original_text = " ".join(original)
    exact = exact_containment(copy, original_text)
    estimate = estimate_containment(signature(copy), signature(original_text))
    assert abs(estimate - exact) <= 0.15


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        (REPORT, REPORT, 1.0),
        # all of a short report is inside a longer one, not the other way round
        (REPORT, REPORT + " وقالت مصادر محلية إن الاشتباكات استمرت حتى الصباح", 1.0),
        ("نفت وزارة الدفاع السورية أي علاقة لها بالهجوم على الحاجز", REPORT, 0.0),
        ("", REPORT, 0.0),
    ],
)
def test_exact_containment(a, b, expected):
    assert exact_containment(a, b) == pytest.approx(expected)


def test_containment_is_directional():
    longer = REPORT + " وأضاف المصدر أن الاشتباكات استمرت ساعات قبل أن تنسحب الفصائل"
    assert exact_containment(REPORT, longer) == 1.0
    assert 0.3 < exact_containment(longer, REPORT) < 0.7


@pytest.mark.parametrize(
    ("containment", "overlap"),
    [
        (1.0, "duplicate"),
        (0.58, "duplicate"),
        (DUPLICATE_CONTAINMENT, "duplicate"),
        (0.39, "partial"),
        (PARTIAL_CONTAINMENT, "partial"),
        (0.24, "distinct"),
        (0.0, "distinct"),
    ],
)
def test_classify_overlap(containment, overlap):
    assert classify_overlap(containment) == overlap


def test_band_keys_fit_a_bigint_and_never_collide_across_bands():
    keys = band_keys(signature(REPORT))
    assert len(keys) == BANDS
    assert all(isinstance(key, int) and -(2**63) <= key < 2**63 for key in keys)
    # The band index sits in the top 7 bits: key k of band i can only meet band i's keys.
    bands = [(key & (2**64 - 1)) >> 57 for key in keys]
    assert bands == list(range(BANDS))


@pytest.mark.parametrize(
    ("jaccard", "low", "high"),
    [
        (0.25, 0.99, 1.0),  # containment 0.4 between texts of equal length
        (0.40, 0.999, 1.0),
        (0.02, 0.0, 0.05),  # unrelated articles sharing a few stock phrases
        (0.005, 0.0, 0.005),
    ],
)
def test_candidate_probability(jaccard, low, high):
    assert low <= candidate_probability(jaccard) <= high


def test_pairs_at_containment_04_become_candidates():
    # 200 generated pairs of equal length sharing 40% of their text (Jaccard 0.25): the
    # banding should miss about 1 in 200 (candidate_probability(0.25) = 0.9956).
    rng = random.Random(7)
    found = 0
    for _ in range(200):
        shared = generated_text(rng, 100)
        a = " ".join([*generated_text(rng, 75), *shared, *generated_text(rng, 75)])
        b = " ".join([*generated_text(rng, 150), *shared])
        assert abs(exact_containment(a, b) - 0.4) < 0.03
        found += bool(set(band_keys(signature(a))) & set(band_keys(signature(b))))
    assert found >= 195


@pytest.mark.parametrize(
    ("text", "spans"),
    [
        ("", []),
        ("سطر واحد", [(0, 8)]),
        ("الأول\nالثاني", [(0, 5), (6, 12)]),
        ("الأول\n\n  الثاني  \n\n", [(0, 5), (9, 15)]),
        ("\r\nالأول\r\n\r\nالثاني", [(2, 7), (11, 17)]),
    ],
)
def test_paragraph_spans(text, spans):
    assert paragraph_spans(text) == spans
    assert all(text[start:end].strip() == text[start:end] for start, end in spans)


def test_paragraph_novelty_tells_republished_from_new_paragraphs():
    original = (
        "قالت مصادر محلية إن اشتباكات عنيفة اندلعت بين الطرفين في محيط قرية غانم العلي.\n"
        "وأضافت المصادر أن طائرة مسيرة استهدفت نقطة عسكرية قرب الجسر."
    )
    paragraphs = [
        "قالت مصادر محلية إن اشتباكات عنيفة اندلعت بين الطرفين في محيط قرية غانم العلي.",
        "وفي سياق منفصل أعلنت قوى الأمن الداخلي اعتقال خلية في مدينة الحسكة.",
        "وأضافت المصادر أن طائرة مسيرة استهدفت نقطة عسكرية قرب الجسر، وفق ما نقلته وكالات.",
        "",
        "الجسر",  # shorter than a shingle, and in the original
        "عاجل",  # shorter than a shingle, and not in it
    ]
    novelty = paragraph_novelty(paragraphs, original)
    assert novelty[0] == 0.0
    assert novelty[1] == 1.0
    assert 0.0 < novelty[2] < NEW_PARAGRAPH_NOVELTY  # re-published with a tail added
    assert novelty[3:] == [0.0, 0.0, 1.0]


# The corpus, read in place.

DUPLICATE_PAIRS = [
    ("seeds", "002", "000"),
    ("dev", "006", "005"),
    ("dev", "011", "010"),
    ("dev", "013", "012"),
    ("dev", "024", "023"),
]


def sources_rows(part: str) -> list[list[str]]:
    lines = (CORPUS / part / "sources.tsv").read_text(encoding="utf-8").splitlines()
    return [line.split("\t") for line in lines[1:]]


@pytest.fixture(scope="module")
def corpus() -> dict[tuple[str, str], tuple[str, str]]:
    """(set, number) -> (story_id, text) for every corpus article."""
    if not CORPUS.is_dir():
        missing_service(f"the shared corpus is not at {CORPUS}")
    articles = {}
    for part in ("seeds", "dev"):
        for name, _url, _outlet, story, *_ in sources_rows(part):
            text = (CORPUS / part / "articles" / name).read_text(encoding="utf-8")
            articles[part, name[:3]] = (story, text)
    return articles


def test_the_corpus_lists_the_duplicate_pairs_tested_here(corpus):
    listed = {
        (part, row[0][:3], row[4][:3])
        for part in ("seeds", "dev")
        for row in sources_rows(part)
        if len(row) > 4 and row[4]
    }
    assert listed == set(DUPLICATE_PAIRS)


@pytest.mark.parametrize(("part", "copy", "original"), DUPLICATE_PAIRS)
def test_corpus_duplicates_are_candidates_and_linked(corpus, part, copy, original):
    copy_text, original_text = corpus[part, copy][1], corpus[part, original][1]
    copy_sig, original_sig = signature(copy_text), signature(original_text)
    shared = set(band_keys(copy_sig)) & set(band_keys(original_sig))
    assert shared, "the pair must meet in at least one LSH bucket"

    exact = exact_containment(copy_text, original_text)
    estimate = estimate_containment(copy_sig, original_sig)
    print(f"{part}/{copy} -> {original}: {len(shared)} shared keys, containment "
          f"{exact:.2f} (estimate {estimate:.2f})")  # fmt: skip
    assert classify_overlap(exact) in ("duplicate", "partial")
    assert abs(estimate - exact) <= 0.1
    # Whichever of the two arrives first, the other is found in it.
    reverse = exact_containment(original_text, copy_text)
    assert max(exact, reverse) >= DUPLICATE_CONTAINMENT


def test_articles_of_different_stories_rarely_share_a_band_key(corpus):
    keys = {name: set(band_keys(signature(text))) for name, (_story, text) in corpus.items()}
    cross = [(a, b) for a, b in itertools.combinations(corpus, 2) if corpus[a][0] != corpus[b][0]]
    colliding = [(a, b) for a, b in cross if keys[a] & keys[b]]
    print(f"{len(colliding)} of {len(cross)} cross-story pairs share a band key: {colliding}")
    assert len(colliding) <= 0.02 * len(cross)
    # And none of them is a duplicate once checked on the text.
    for a, b in colliding:
        text_a, text_b = corpus[a][1], corpus[b][1]
        assert classify_overlap(exact_containment(text_a, text_b)) == "distinct"
        assert classify_overlap(exact_containment(text_b, text_a)) == "distinct"


def test_seed_002_opening_story_is_new_and_its_republished_paragraphs_are_not(corpus):
    copy, original = corpus["seeds", "002"][1], corpus["seeds", "000"][1]
    paragraphs = [copy[start:end] for start, end in paragraph_spans(copy)]
    novelty = paragraph_novelty(paragraphs, original)
    folded_original = normalize(original)
    republished = [normalize(p) in folded_original for p in paragraphs]
    opening = republished.index(True)

    # 002 opens with a story of its own (a raid in Deir ez-Zor): new evidence.
    assert opening >= 4
    assert all(value >= NEW_PARAGRAPH_NOVELTY for value in novelty[:opening])
    # The paragraphs it copies from 000 bring nothing new.
    copied = [value for value, again in zip(novelty, republished, strict=True) if again]
    assert len(copied) >= 7
    assert all(value <= 0.1 for value in copied)
