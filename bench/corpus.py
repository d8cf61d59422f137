"""A deterministic corpus of generated Arabic articles for the benchmarks.

Run from the project root:
    python bench/corpus.py 1000 /tmp/corpus      # write 1000 .txt files
    python bench/corpus.py 2000 --stats          # sizes, kinds, overlap between articles

Every article is made from the sentences of the project's own invented sample articles
(samples/articles/*.txt, nothing else): sentences are shuffled across articles and varied
(places, numbers, people, units, outlets and weekdays swapped from small lists, and a share
of words replaced by other words of the samples), paragraph counts vary, and the furniture
the cleaner removes (share bars, datelines, credits, "اقرأ أيضاً", comment forms) is added
around the text. Files are ~1.5-5 KB of UTF-8 `.txt`: the title line, then paragraphs.

The stream is prefix-stable: the first k articles of a corpus of N are the same for every
N >= k (same seed). Of the articles:
- ~89% are new;
- ~10% re-publish an earlier one with light edits (a new opening paragraph, a few words
  changed, a paragraph dropped or cut at the end, other furniture): near duplicates;
- ~1% are exact copies of an earlier one: the same body under other furniture and title,
  so the bytes differ (a new file) but the normalized body is the same (exact duplicate).
No two articles have the same bytes (the ledger would take them as one file).

Why words are replaced: 70 sample sentences recombined as they are would make unrelated
articles share whole sentences, far more text than unrelated news articles share, and
every new article would be a near-duplicate candidate of thousands of stored ones.
`WORD_SWAP` is calibrated so that two unrelated generated articles share about as few
word 4-shingles as unrelated articles of the real press do (bench/bench_minhash.py: mean
Jaccard ~0.0004, nine pairs in ten share nothing); `--stats` measures it.
"""

from __future__ import annotations

import argparse
import random
import re
import sys
from collections import deque
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sources.text.clean import clean_article
from sources.text.readers import parse_txt

SAMPLES = Path(__file__).resolve().parents[1] / "samples" / "articles"
DEFAULT_SEED = 20260507

# Share of the words of a generated sentence replaced by another word of the samples.
WORD_SWAP = 0.5
# Sizes of the files, in bytes of UTF-8.
MIN_BYTES, MAX_BYTES = 1500, 5000
# Shares of the stream (cumulative thresholds on one random draw).
EXACT_COPY_SHARE = 0.01
NEAR_DUPLICATE_SHARE = 0.10
# Re-publications and copies are made of one of the last HISTORY articles.
HISTORY = 5000

# What the per-article swaps draw from. Surfaces found in the samples, and replacements.
SAMPLE_PLACES = (
    "أم الطرفاوي", "دبسي عفنان", "رجم الصوان", "تل زيوان", "دير الزور", "الطبقة", "الرقة",
    "هجين", "الشعفة", "العشارة", "الباغوز", "الشدادي", "الحسكة", "الفيضة", "عامودا",
    "قامشلو", "القامشلي", "الصفيرة", "الجبسة",
)  # fmt: skip
PLACES = (
    "الطبقة", "الرقة", "هجين", "الشعفة", "العشارة", "الباغوز", "الشدادي", "الحسكة", "عامودا",
    "القامشلي", "منبج", "عين عيسى", "تل تمر", "الميادين", "البوكمال", "ذيبان", "الشحيل",
    "عين العرب", "تل أبيض", "رأس العين", "مسكنة", "دير حافر", "جرابلس", "عفرين", "تل رفعت",
    "الكسرة", "البصيرة", "الصور", "مركدة", "الهول", "تل براك", "الدرباسية", "المالكية",
)  # fmt: skip
# Invented villages: a prefix and a name, for the "قرية ..." of a new article.
VILLAGE_PREFIXES = ("تل", "عين", "أم", "رجم", "خربة", "كفر", "أبو", "جب")
VILLAGE_NAMES = (
    "الحمام", "الصوان", "الغزلان", "حمدان", "الشيخ", "العلي", "البيضاء", "الخضر", "حسن",
    "جمعة", "الزيتون", "النخيل", "السمرة", "الحصان", "عيسى", "الأحمر", "الكبير", "حطين",
)  # fmt: skip
SAMPLE_PEOPLE = (
    ("فرهاد شامي", "شامي"),
    ("أبو حاتم شقرا", "أبو شقرا"),
    ("أحمد فياض الهايس", "الهايس"),
    ("عمار الحسين", "الحسين"),
    ("سلوى الحسن", "الحسن"),
    ("مازن العلي", "العلي"),
)
FIRST_NAMES = (
    "أحمد", "محمد", "خالد", "سامر", "نادر", "هيفاء", "ريم", "عمر", "آزاد", "شيار", "لينا",
    "يوسف", "حسن", "مروان", "جوان", "رامي", "سوزان", "فراس", "وليد", "نور",
)  # fmt: skip
LAST_NAMES = (
    "الحمد", "العبدالله", "الخلف", "عيسى", "حسو", "الأحمد", "الجاسم", "العيسى", "خليل",
    "الشيخ", "بكر", "درويش", "الراوي", "النجار", "السالم", "الفرج", "إبراهيم", "قاسم",
)  # fmt: skip
SAMPLE_UNITS = ("الفرقة 86", "مجلس هجين العسكري")
UNITS = (
    "الفرقة 86", "الفرقة 72", "الفرقة 60", "اللواء 93", "مجلس دير الزور العسكري",
    "مجلس منبج العسكري", "مجلس الرقة العسكري", "الفوج 17", "قوات الصناديد", "الفرقة 25",
)  # fmt: skip
SAMPLE_OUTLETS = ("نورث برس", "سانا", "رووداو", "عنب بلدي", "تلفزيون سوريا", "هاوار")
OUTLETS = (
    "نورث برس", "سانا", "رووداو", "عنب بلدي", "تلفزيون سوريا", "هاوار", "الأناضول",
    "زمان الوصل", "الشرق الأوسط", "عربي 21", "فرات بوست", "صوت العاصمة",
)  # fmt: skip
WEEKDAYS = ("السبت", "الأحد", "الاثنين", "الثلاثاء", "الأربعاء", "الخميس", "الجمعة")
MONTHS = ("كانون الثاني/يناير", "شباط/فبراير", "آذار/مارس", "نيسان/أبريل", "أيار/مايو")

# Furniture the cleaner removes: share bars, comment forms (as in the samples).
SHARE_BARS = (
    "Facebook Twitter WhatsApp Telegram",
    "Facebook\nWhatsApp\nTelegram",
    "مشاركة : فيسبوك تويتر واتساب",
    "شارك على فيسبوك | تويتر | تلغرام",
)
COMMENT_FORMS = (
    "اترك رد\n\nلن يتم نشر عنوان بريدك الإلكتروني، والحقول المطلوبة معلّمة بنجمة *",
    "اترك رد\n\nلن يتم نشر عنوان بريدك الإلكتروني.",
)

_SENTENCE_END_RE = re.compile(r"(?<=[.؟!])\s+")
_NUMBER_RE = re.compile(r"[0-9\u0660-\u0669]+")


@dataclass
class Article:
    """A generated article: its parts, so that a re-publication can be made of it."""

    index: int
    kind: str  # "new", "near" (near duplicate) or "copy" (exact copy)
    title: str
    head: list[str]  # furniture above the text
    paragraphs: list[str]
    tail: list[str]  # furniture below the text
    original: int | None = None  # index of the article re-published or copied
    _data: bytes | None = field(default=None, repr=False)

    @property
    def name(self) -> str:
        return f"{self.index:06d}_{self.kind}.txt"

    @property
    def data(self) -> bytes:
        if self._data is None:
            blocks = [self.title, *self.head, *self.paragraphs, *self.tail]
            self._data = ("\n\n".join(blocks) + "\n").encode("utf-8")
        return self._data


@dataclass(frozen=True)
class _Pool:
    sentences: tuple[str, ...]
    titles: tuple[str, ...]
    vocabulary: tuple[str, ...]


def _shingle_set(text: str, k: int = 4) -> set[tuple[str, ...]]:
    words = text.split()
    return {tuple(words[i : i + k]) for i in range(max(1, len(words) - k + 1))}


@cache
def sample_pool() -> _Pool:
    """The sentences and titles of samples/articles, boilerplate removed by the project's
    own cleaner; a sentence that repeats an earlier one (sample 02 re-publishes 01) once."""
    paths = sorted(SAMPLES.glob("*.txt"))
    if not paths:
        raise SystemExit(f"no sample articles in {SAMPLES}")
    sentences: list[str] = []
    seen: list[set[tuple[str, ...]]] = []
    titles = []
    for path in paths:
        parsed = parse_txt(path.read_text(encoding="utf-8"))
        titles.append(parsed.title)
        body = clean_article(parsed.text, title=parsed.title).body
        for paragraph in body.split("\n\n"):
            for sentence in _SENTENCE_END_RE.split(paragraph.strip()):
                if len(sentence.split()) < 6:
                    continue
                shingles = _shingle_set(sentence)
                if any(len(shingles & other) >= 0.5 * len(shingles) for other in seen):
                    continue
                seen.append(shingles)
                sentences.append(sentence)
    vocabulary = sorted(
        {word.strip(".،,:؛") for s in sentences for word in s.split()} - {""},
    )
    vocabulary = [word for word in vocabulary if len(word) >= 2 and not word.isdigit()]
    return _Pool(tuple(sentences), tuple(titles), tuple(vocabulary))


class Generator:
    """The article stream for one seed. `next()` gives the next article."""

    def __init__(self, seed: int = DEFAULT_SEED, *, word_swap: float = WORD_SWAP) -> None:
        self.rng = random.Random(seed)
        self.pool = sample_pool()
        self.word_swap = word_swap
        self.count = 0
        self.history: deque[Article] = deque(maxlen=HISTORY)

    # Varying text.

    def _swaps(self) -> list[tuple[str, str]]:
        """One article's consistent replacements: each sample place, person, unit, outlet
        and weekday becomes another (the same one throughout the article)."""
        rng = self.rng
        pairs: list[tuple[str, str]] = []
        for full, short in SAMPLE_PEOPLE:
            first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
            pairs.append((full, f"{first} {last}"))
            pairs.append((short, last))
        pairs += [(unit, rng.choice(UNITS)) for unit in SAMPLE_UNITS]
        pairs += [(outlet, rng.choice(OUTLETS)) for outlet in SAMPLE_OUTLETS]
        for place in SAMPLE_PLACES:
            if rng.random() < 0.4:
                village = f"{rng.choice(VILLAGE_PREFIXES)} {rng.choice(VILLAGE_NAMES)}"
                pairs.append((place, village))
            else:
                pairs.append((place, rng.choice(PLACES)))
        pairs += [(day, rng.choice(WEEKDAYS)) for day in WEEKDAYS]
        # Longest first: "أبو حاتم شقرا" before "أبو شقرا", "فرهاد شامي" before "شامي".
        pairs.sort(key=lambda pair: -len(pair[0]))
        return pairs

    def _number(self, match: re.Match[str]) -> str:
        value = int(match.group().translate(str.maketrans("٠١٢٣٤٥٦٧٨٩", "0123456789")))
        if 2000 <= value <= 2100:
            return str(self.rng.randint(2024, 2026))
        return str(self.rng.randint(2, 30) if value <= 30 else self.rng.randint(31, 999))

    def _vary(self, text: str, swaps: list[tuple[str, str]], word_swap: float) -> str:
        rng = self.rng
        for old, new in swaps:
            if old in text:
                text = text.replace(old, new)
        text = _NUMBER_RE.sub(self._number, text)
        if word_swap <= 0:
            return text
        words = text.split(" ")
        vocabulary = self.pool.vocabulary
        for index, word in enumerate(words):
            if rng.random() < word_swap:
                end = "." if word.endswith(".") else ("،" if word.endswith("،") else "")
                words[index] = rng.choice(vocabulary) + end
        return " ".join(words)

    def _sentence(self, swaps: list[tuple[str, str]]) -> str:
        return self._vary(self.rng.choice(self.pool.sentences), swaps, self.word_swap)

    def _paragraph(self, swaps: list[tuple[str, str]]) -> str:
        count = 1 if self.rng.random() < 0.6 else 2
        return " ".join(self._sentence(swaps) for _ in range(count))

    # Furniture the cleaner takes out.

    def _head(self, swaps: list[tuple[str, str]]) -> list[str]:
        rng = self.rng
        head = []
        if rng.random() < 0.3:
            head.append(rng.choice(SHARE_BARS))
        roll = rng.random()
        if roll < 0.45:
            place = dict(swaps).get("الرقة", rng.choice(PLACES))
            head.append(f"{place} – {rng.choice(OUTLETS)}")
        elif roll < 0.65:
            day, month = rng.choice(WEEKDAYS), rng.choice(MONTHS)
            head.append(f"{day} {rng.randint(1, 28)} {month} 2026")
        return head

    def _tail(self, swaps: list[tuple[str, str]]) -> list[str]:
        rng = self.rng
        tail = []
        if rng.random() < 0.15:
            tail.append(f"اقرأ أيضاً: {self._vary(rng.choice(self.pool.titles), swaps, 0.2)}")
        if rng.random() < 0.2:
            tail.append(f"تحرير: {rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}")
        if rng.random() < 0.1:
            tail.append(rng.choice(COMMENT_FORMS))
        return tail

    # The three kinds of article.

    def new_article(self) -> Article:
        rng = self.rng
        swaps = self._swaps()
        title = self._vary(rng.choice(self.pool.titles), swaps, self.word_swap / 2)
        head, tail = self._head(swaps), self._tail(swaps)
        target = rng.randint(MIN_BYTES, MAX_BYTES)
        size = sum(len(part.encode("utf-8")) + 2 for part in (title, *head, *tail))
        paragraphs: list[str] = []
        while size < target or len(paragraphs) < 3:
            paragraph = self._paragraph(swaps)
            grown = size + len(paragraph.encode("utf-8")) + 2
            if grown > MAX_BYTES:
                if size >= MIN_BYTES and len(paragraphs) >= 3:
                    break
                continue  # too long for what is left: draw another one
            paragraphs.append(paragraph)
            size = grown
        return Article(self.count, "new", title, head, paragraphs, tail)

    def republication(self, original: Article) -> Article:
        """Another outlet's copy: its own furniture, perhaps its own opening paragraph or
        title, a few words changed, a paragraph dropped or the end cut."""
        rng = self.rng
        swaps = self._swaps()
        paragraphs = []
        # Paragraphs are dropped or cut only from an article long enough to stay >= 1.5 KB.
        long_enough = len(original.data) > 2 * MIN_BYTES
        for paragraph in original.paragraphs:
            roll = rng.random()
            if roll < 0.07 and long_enough:
                continue  # dropped
            if roll < 0.22:
                words = paragraph.split(" ")
                for _ in range(rng.randint(1, 2)):
                    words[rng.randrange(len(words))] = rng.choice(self.pool.vocabulary)
                paragraph = " ".join(words)
            paragraphs.append(paragraph)
        if rng.random() < 0.3 and long_enough:
            paragraphs.pop()
        if rng.random() < 0.35:
            opening = self._paragraph(swaps)
            # Within the size range: the opening replaces the last paragraph when needed.
            if len(original.data) + len(opening.encode("utf-8")) > MAX_BYTES:
                paragraphs.pop()
            paragraphs.insert(0, opening)
        title = original.title
        if rng.random() < 0.5:
            title = self._vary(rng.choice(self.pool.titles), swaps, self.word_swap / 2)
        if title == original.title and paragraphs == original.paragraphs:
            # Not one change drawn: change a word, so that it is not the same text.
            words = paragraphs[0].split(" ")
            words[rng.randrange(len(words))] = rng.choice(self.pool.vocabulary)
            paragraphs[0] = " ".join(words)
        head, tail = self._head(swaps), self._tail(swaps)
        return Article(self.count, "near", title, head, paragraphs, tail, original.index)

    def copy(self, original: Article) -> Article:
        """The same body under other furniture and another title: new bytes, same text."""
        swaps = self._swaps()
        title = self._vary(self.rng.choice(self.pool.titles), swaps, self.word_swap / 2)
        head = self._head(swaps)
        tail = self._tail(swaps)
        if title == original.title and head == original.head and tail == original.tail:
            # The very same bytes would be the same file, not a copy: another furniture.
            tail = [*tail, f"تحرير: {self.rng.choice(FIRST_NAMES)} {self.rng.choice(LAST_NAMES)}"]
        paragraphs = list(original.paragraphs)
        return Article(self.count, "copy", title, head, paragraphs, tail, original.index)

    def next(self) -> Article:
        roll = self.rng.random()
        if self.history and roll < EXACT_COPY_SHARE:
            article = self.copy(self.rng.choice(self.history))
        elif self.history and roll < EXACT_COPY_SHARE + NEAR_DUPLICATE_SHARE:
            article = self.republication(self.rng.choice(self.history))
        else:
            article = self.new_article()
        self.history.append(article)
        self.count += 1
        return article

    def __iter__(self) -> Iterator[Article]:
        while True:
            yield self.next()


def generate(n: int, seed: int = DEFAULT_SEED) -> Iterator[Article]:
    """The first n articles of the stream for `seed`."""
    generator = Generator(seed)
    for _ in range(n):
        yield generator.next()


def articles(n: int, seed: int = DEFAULT_SEED) -> Iterator[tuple[str, bytes]]:
    """(file name, bytes) of the first n articles, generated on the fly."""
    for article in generate(n, seed):
        yield article.name, article.data


def write_corpus(folder: Path, n: int, seed: int = DEFAULT_SEED) -> list[Path]:
    """Write the first n articles as .txt files into `folder` (created if needed)."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, data in articles(n, seed):
        path = folder / name
        path.write_bytes(data)
        paths.append(path)
    return paths


def probes(
    stored: Sequence[Article], count: int, *, seed: int, republished_share: float = 0.1
) -> list[Article]:
    """Articles to look up against a stored corpus: new articles from another seed, and
    re-publications of stored ones (`republished_share` of them)."""
    generator = Generator(seed)
    rng = random.Random(seed)
    out = []
    for _ in range(count):
        if rng.random() < republished_share:
            out.append(generator.republication(rng.choice(stored)))
        else:
            out.append(generator.new_article())
        generator.count += 1
    return out


def _stats(n: int, seed: int, pairs: int = 3000) -> None:
    import statistics

    import numpy as np

    from sources.text.minhash import exact_containment, shingles

    corpus = list(generate(n, seed))
    sizes = [len(article.data) for article in corpus]
    kinds = {kind: sum(a.kind == kind for a in corpus) for kind in ("new", "near", "copy")}
    print(f"{n} articles, seed {seed}: {kinds}")
    print(
        f"size: min {min(sizes)} B, median {statistics.median(sizes):.0f} B, "
        f"max {max(sizes)} B; paragraphs: median "
        f"{statistics.median(len(a.paragraphs) for a in corpus):.0f}"
    )
    bodies = [
        clean_article((parsed := parse_txt(a.data.decode())).text, title=parsed.title).body
        for a in corpus
    ]
    sets = [shingles(body) for body in bodies]
    rng = random.Random(seed)
    related = {(a.index, a.original) for a in corpus if a.original is not None}
    values = []
    while len(values) < pairs:
        a, b = rng.sample(range(n), 2)
        if (a, b) in related or (b, a) in related:
            continue
        shared = np.intersect1d(sets[a], sets[b]).size
        values.append(shared / (sets[a].size + sets[b].size - shared))
    none = sum(value == 0 for value in values) / len(values)
    print(
        f"unrelated pairs: mean Jaccard {statistics.fmean(values):.5f}, "
        f"max {max(values):.3f}, {none:.0%} share no 4-shingle"
    )
    near = [a for a in corpus if a.kind == "near"]
    containments = [exact_containment(bodies[a.index], bodies[a.original]) for a in near]
    if containments:
        print(
            f"near duplicates: containment in the original {min(containments):.2f}-"
            f"{max(containments):.2f} (median {statistics.median(containments):.2f}), "
            f"{sum(c >= 0.4 for c in containments) / len(containments):.0%} >= 0.4"
        )
    copies = [a for a in corpus if a.kind == "copy"]
    same = sum(bodies[a.index] == bodies[a.original] for a in copies)
    print(f"exact copies: {same} of {len(copies)} have the very body of their original")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("n", type=int, help="number of articles")
    parser.add_argument("folder", type=Path, nargs="?", help="write the files here")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--stats", action="store_true", help="print what the corpus is like")
    args = parser.parse_args()
    if args.folder is not None:
        paths = write_corpus(args.folder, args.n, args.seed)
        print(f"wrote {len(paths)} files to {args.folder}")
    if args.stats or args.folder is None:
        _stats(args.n, args.seed)


if __name__ == "__main__":
    main()
