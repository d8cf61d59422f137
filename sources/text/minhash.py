"""Near-duplicate fingerprints: word shingles, MinHash signatures and LSH band keys.

Pure Python and numpy (no Django), so it can be tested and benchmarked alone. The database
stores each article's `Signature` (`to_bytes`, 512 bytes) and its `band_keys` (one indexed
bigint row each). A new article is compared only with the stored articles that share a
band key: one index probe per key, and only a handful of candidates however many articles
are stored, since an unrelated article shares a key with odds of a few in 100,000
(bench/bench_minhash.py: 0.06 candidates per lookup at 1k stored articles, 0.2 at 10k).

What the figures mean. Texts are compared on their word 4-shingles (4 consecutive matching
tokens of `normalize_for_matching`). The containment of A in B is the share of A's shingles
that B also has: how much of A was already published in B. A lightly edited wire copy loses
many shingles (each changed word breaks up to four: "أمس الأربعاء" → "يوم الأربعاء",
"أيار" → "مايو", a reworded lead, a site's own header), so copies that are sentence for
sentence the same text measure 0.36-0.80 in the corpus, while independent reports of the
same event stay below 0.22 and unrelated articles below 0.14 (a shared comment-form footer).
The thresholds sit in that gap.

The rule, for a new article A and the stored article B it overlaps most:
- duplicate (containment of A in B >= DUPLICATE_CONTAINMENT = 0.4): A re-publishes B.
  A is stored (nothing received is dropped) with `duplicate_of` = B, or B's own original if
  B is itself a copy; the claims in its re-published paragraphs are further Mentions of
  B's claims, not new evidence.
- partial (>= PARTIAL_CONTAINMENT = 0.25): A shares a substantial run of text with B
  (a quoted wire passage, a re-published section) but is not a copy of it: no
  `duplicate_of`, a partial-overlap record (A, B, containment) links them instead.
- distinct: below 0.25, nothing is recorded.
A heavily edited copy (its own lead, a cut end, the site's furniture) can measure either
side of 0.4; either way it is linked to its original. What counts as new evidence is then
decided paragraph by paragraph (`paragraph_spans`, `paragraph_novelty`): a paragraph of A
with novelty >= NEW_PARAGRAPH_NOVELTY = 0.5 (at least half of its shingles absent from B)
is genuinely new and its claims count as new evidence, even in a duplicate. Seed 002
re-publishes most of seed 000 (containment 0.58: a duplicate) and opens with a separate
story (an SDF raid in Murat) whose paragraphs have novelty 1.0.

Use `exact_containment` on the real texts to decide; `estimate_containment` (from two
signatures, about ±0.1) only ranks the candidates that share band keys.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Literal

import numpy as np

from sources.text.normalize import tokens

__all__ = [
    "BANDS",
    "DUPLICATE_CONTAINMENT",
    "NEW_PARAGRAPH_NOVELTY",
    "NUM_PERM",
    "PARTIAL_CONTAINMENT",
    "ROWS",
    "SHINGLE_SIZE",
    "Signature",
    "band_keys",
    "candidate_probability",
    "classify_overlap",
    "estimate_containment",
    "estimate_jaccard",
    "exact_containment",
    "paragraph_novelty",
    "paragraph_spans",
    "shingles",
    "signature",
]

SHINGLE_SIZE = 4
NUM_PERM = 128

DUPLICATE_CONTAINMENT = 0.4
PARTIAL_CONTAINMENT = 0.25
NEW_PARAGRAPH_NOVELTY = 0.5

Overlap = Literal["duplicate", "partial", "distinct"]

# The universal hash family h(x) = (a*x + b) mod p with the Mersenne prime p = 2^31 - 1:
# with a, b, x < 2^31 the product fits in 64 bits, so numpy computes it exactly (no
# wrap-around) and each signature value fits in a uint32.
_PRIME = (1 << 31) - 1
# Marks "no shingle at all"; real values are < _PRIME.
_EMPTY_VALUE = np.iinfo(np.uint32).max


def _seeded(label: str, index: int, modulus: int) -> int:
    # Seeds come from a fixed hash, not from numpy's random generators (whose streams may
    # change between numpy versions): a signature stored today compares with one computed
    # by a later release.
    digest = hashlib.blake2b(f"conflictdesk-minhash-{label}-{index}".encode(), digest_size=8)
    return int.from_bytes(digest.digest(), "little") % modulus


_A = np.array([1 + _seeded("a", i, _PRIME - 1) for i in range(NUM_PERM)], dtype=np.uint64)
_B = np.array([_seeded("b", i, _PRIME) for i in range(NUM_PERM)], dtype=np.uint64)

# Shingle hashing: tokens are hashed once each (blake2b, cached: news vocabulary repeats),
# then the k token hashes of a shingle are combined as a polynomial (wrapping uint64
# arithmetic, deterministic on every platform) and mixed with the splitmix64 finalizer.
_COMBINE = np.uint64(0x9E3779B97F4A7C15)
_MIX_1 = np.uint64(0xBF58476D1CE4E5B9)
_MIX_2 = np.uint64(0x94D049BB133111EB)


@lru_cache(maxsize=1 << 16)
def _token_hash(token: str) -> int:
    return int.from_bytes(hashlib.blake2b(token.encode(), digest_size=8).digest(), "little")


def _mix(values: np.ndarray) -> np.ndarray:
    values = values ^ (values >> np.uint64(30))
    values = values * _MIX_1
    values = values ^ (values >> np.uint64(27))
    values = values * _MIX_2
    return values ^ (values >> np.uint64(31))


def _shingles_of_tokens(words: list[str], k: int) -> np.ndarray:
    if not words:
        return np.empty(0, dtype=np.uint64)
    token_hashes = np.fromiter(map(_token_hash, words), dtype=np.uint64, count=len(words))
    # A text shorter than k words is one shingle of all its words.
    width = min(k, len(words))
    count = len(words) - width + 1
    combined = token_hashes[:count].copy()
    for offset in range(1, width):
        combined = combined * _COMBINE + token_hashes[offset : offset + count]
    # Mixing the width in keeps a 3-word text from equalling a 4-word shingle by chance.
    combined = combined + np.uint64(width)
    return np.unique(_mix(combined))


def shingles(text: str, k: int = SHINGLE_SIZE) -> np.ndarray:
    """Sorted unique 64-bit hashes of the word k-shingles of `normalize_for_matching(text)`.

    Deterministic across processes and versions (blake2b, not Python's salted `hash`).
    "قالت قسد إنّ" and "وقالت لـ”قسد” إن" give the same shingles.
    """
    if k < 1:
        raise ValueError(f"shingle size must be at least 1, not {k}")
    return _shingles_of_tokens(tokens(text), k)


@dataclass(frozen=True, eq=False)
class Signature:
    """MinHash signature: NUM_PERM minimum hash values, and how many shingles the text had.

    The count lets `estimate_containment` turn a Jaccard estimate into containment.
    """

    values: np.ndarray = field(repr=False)
    shingle_count: int

    def __post_init__(self) -> None:
        values = np.array(self.values, dtype=np.uint32)  # a private, read-only copy
        if values.shape != (NUM_PERM,):
            raise ValueError(f"a signature has {NUM_PERM} values, not {values.shape}")
        if self.shingle_count < 0:
            raise ValueError("shingle_count cannot be negative")
        values.flags.writeable = False
        object.__setattr__(self, "values", values)

    @property
    def is_empty(self) -> bool:
        """A text without a single word: it duplicates nothing and is not indexed."""
        return self.shingle_count == 0

    def to_bytes(self) -> bytes:
        """The values as 512 little-endian bytes (the count is stored in its own column)."""
        return self.values.astype("<u4").tobytes()

    @classmethod
    def from_bytes(cls, data: bytes, shingle_count: int) -> Signature:
        if len(data) != NUM_PERM * 4:
            raise ValueError(f"a stored signature has {NUM_PERM * 4} bytes, not {len(data)}")
        return cls(values=np.frombuffer(data, dtype="<u4"), shingle_count=shingle_count)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Signature):
            return NotImplemented
        return self.shingle_count == other.shingle_count and np.array_equal(
            self.values, other.values
        )

    def __hash__(self) -> int:
        return hash((self.shingle_count, self.to_bytes()))

    def __repr__(self) -> str:
        head = ", ".join(str(value) for value in self.values[:3])
        return f"Signature(shingle_count={self.shingle_count}, values=[{head}, ...])"


def _signature_of_shingles(hashes: np.ndarray) -> Signature:
    if hashes.size == 0:
        return Signature(values=np.full(NUM_PERM, _EMPTY_VALUE), shingle_count=0)
    prime = np.uint64(_PRIME)
    reduced = hashes % prime
    # One (shingles × NUM_PERM) matrix, computed in place (a 5 KB article has ~450
    # shingles: 58k entries, ~0.2 ms); every entry < 2^62, so nothing wraps.
    permuted = np.multiply(reduced[:, None], _A[None, :])
    permuted += _B
    np.remainder(permuted, prime, out=permuted)
    return Signature(values=permuted.min(axis=0), shingle_count=int(hashes.size))


def signature(text: str, k: int = SHINGLE_SIZE) -> Signature:
    """MinHash signature of the word k-shingles of `text` (NUM_PERM fixed hash functions)."""
    return _signature_of_shingles(shingles(text, k))


def signature_of_tokens(words: list[str], k: int = SHINGLE_SIZE) -> Signature:
    """`signature(text)` from `tokens(text)`, when the caller has them."""
    return _signature_of_shingles(_shingles_of_tokens(words, k))


# LSH banding. A pair with Jaccard similarity s agrees on each signature value with
# probability s, independently across values. Containment is what matters here, but the
# index can only see Jaccard: with containment c of A in B and |B| = ρ|A|,
# J = c / (1 + ρ - c). The corpus duplicates (c >= 0.36 one way, >= 0.44 the other) have
# J = 0.25-0.63; c = 0.4 between texts of equal length is J = 0.25. Unrelated articles on
# the same topic share a few stock phrases ("قوات سوريا الديمقراطية قسد"): J <= 0.02 after
# boilerplate is removed.
#
# Disjoint bands of r rows catch a pair with probability 1 - (1 - s^r)^b. With the 128
# values, at s = 0.25:  b=32,r=4 → 0.12;  b=42,r=3 → 0.48;  b=64,r=2 → 0.984. Only r = 2
# comes near 0.99, and r = 1 would make nearly every same-topic pair a candidate.
# To pass 0.99 the pairs overlap: the 128 values form 32 blocks of 4 and each block gives
# its 3 adjacent pairs (v0,v1), (v1,v2), (v2,v3), so b = 96 bands of r = 2 rows. A block
# misses when no two adjacent values of it agree: probability 1 - 3s² + 2s³, hence
#     P(candidate) = 1 - (1 - 3s² + 2s³)^32
#     s = 0.20 → 0.970   s = 0.25 → 0.9956   s = 0.30 → 0.9996   s = 0.40 → 1.0000
#     s = 0.005 → 0.0024   s = 0.01 → 0.0095   s = 0.02 → 0.037   s = 0.05 → 0.21
# i.e. containment >= 0.4 between texts of similar length is found with probability >= 0.99,
# at 1.5 times the false candidates of b=64,r=2. A false candidate costs one signature
# comparison (`estimate_containment`) before any text is read.
ROWS = 2
_BLOCK = 4
_BLOCKS = NUM_PERM // _BLOCK
BANDS = _BLOCKS * (_BLOCK - ROWS + 1)
_BAND_FIRST = np.array(
    [block * _BLOCK + step for block in range(_BLOCKS) for step in range(_BLOCK - 1)]
)
# The band index goes in the top 7 bits of the key, so keys of different bands never
# collide; the two values, mixed, fill the 57 bits below.
_BAND_SHIFT = np.uint64(57)
_BAND_TAGS = np.arange(BANDS, dtype=np.uint64) << _BAND_SHIFT
_LOW_BITS = np.uint64((1 << 57) - 1)


def candidate_probability(jaccard: float) -> float:
    """Probability that two texts with this Jaccard similarity share a band key."""
    block_miss = 1 - 3 * jaccard**2 + 2 * jaccard**3
    return 1 - block_miss**_BLOCKS


def band_keys(sig: Signature) -> list[int]:
    """BANDS LSH keys of the signature, as signed 64-bit ints (a PostgreSQL bigint).

    Two texts are near-duplicate candidates when they share at least one key. An empty
    text has no keys: it is a candidate for nothing.
    """
    if sig.is_empty:
        return []
    values = sig.values.astype(np.uint64)
    first = values[_BAND_FIRST]
    second = values[_BAND_FIRST + 1]
    mixed = _mix((first << np.uint64(32)) | second)
    keys = _BAND_TAGS | (mixed & _LOW_BITS)
    return keys.view(np.int64).tolist()


def estimate_jaccard(a: Signature, b: Signature) -> float:
    """Share of agreeing signature values: an estimate of the shingle Jaccard (±0.1)."""
    if a.is_empty or b.is_empty:
        return 0.0
    return float(np.count_nonzero(a.values == b.values)) / NUM_PERM


def estimate_containment(a: Signature, b: Signature) -> float:
    """Estimated share of a's shingles found in b: |A∩B| = J(|A| + |B|) / (1 + J)."""
    if a.is_empty or b.is_empty:
        return 0.0
    jaccard = estimate_jaccard(a, b)
    shared = jaccard * (a.shingle_count + b.shingle_count) / (1 + jaccard)
    return min(1.0, shared / a.shingle_count)


def _containment(hashes: np.ndarray, other: np.ndarray) -> float:
    if hashes.size == 0:
        return 0.0
    return float(np.count_nonzero(np.isin(hashes, other, assume_unique=True))) / hashes.size


def exact_containment(text_a: str, text_b: str, k: int = SHINGLE_SIZE) -> float:
    """Share of text_a's word k-shingles that text_b also has (0 when text_a has none)."""
    return _containment(shingles(text_a, k), shingles(text_b, k))


def paragraph_novelty(paragraphs_a: list[str], text_b: str, k: int = SHINGLE_SIZE) -> list[float]:
    """For each paragraph of a, the share of its shingles NOT found in text_b.

    A re-published paragraph gives about 0, a paragraph of its own about 1. A paragraph
    shorter than k words is looked up as a whole in text_b's shingles of its own length;
    a paragraph without a word has nothing new: 0.
    """
    words_b = tokens(text_b)
    of_b: dict[int, np.ndarray] = {}
    novelty = []
    for paragraph in paragraphs_a:
        words = tokens(paragraph)
        if not words:
            novelty.append(0.0)
            continue
        width = min(k, len(words))
        if width not in of_b:
            of_b[width] = _shingles_of_tokens(words_b, width)
        novelty.append(1.0 - _containment(_shingles_of_tokens(words, width), of_b[width]))
    return novelty


def paragraph_spans(text: str) -> list[tuple[int, int]]:
    """[start, end) of each non-blank line of `text`, without its surrounding spaces.

    Outlets separate paragraphs by a blank line (seed 000) or by a single line break
    (seed 002), so a line is the unit `paragraph_novelty` judges.
    """
    spans = []
    position = 0
    for line in text.splitlines(keepends=True):
        stripped = line.strip()
        if stripped:
            start = position + line.index(stripped)
            spans.append((start, start + len(stripped)))
        position += len(line)
    return spans


def classify_overlap(containment_a_in_b: float) -> Overlap:
    """The overlap class of a new article with a stored one, from the containment of the
    new one in the stored one: "duplicate", "partial" or "distinct" (module docstring)."""
    if containment_a_in_b >= DUPLICATE_CONTAINMENT:
        return "duplicate"
    if containment_a_in_b >= PARTIAL_CONTAINMENT:
        return "partial"
    return "distinct"
