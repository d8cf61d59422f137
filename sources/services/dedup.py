"""Exact and near duplicates, through a persisted LSH index.

The rule (see sources/text/minhash.py for the figures behind it):
- the same normalized text as an earlier article: `duplicate_of` it (containment 1);
- most of the article already published (containment >= DUPLICATE_CONTAINMENT): a
  re-publication, linked by `duplicate_of` and an ArticleOverlap of kind `duplicate`;
- a substantial part already published (>= PARTIAL_CONTAINMENT): an ArticleOverlap of
  kind `partial`, no `duplicate_of`;
- either way, the article's paragraphs that the original does not have are recorded as
  `new_spans`: they are new evidence and count as such.

A lookup is one indexed query on the band keys plus the check of a few candidates, so
its cost does not grow with the number of stored articles.
"""

from dataclasses import dataclass

from django.db import connection
from django.db.models import Count

from sources.models import Article, ArticleFingerprint, ArticleOverlap, LshBucket
from sources.text.minhash import (
    DUPLICATE_CONTAINMENT,
    NEW_PARAGRAPH_NOVELTY,
    PARTIAL_CONTAINMENT,
    Signature,
    classify_overlap,
    estimate_containment,
    exact_containment,
    paragraph_novelty,
    paragraph_spans,
)

# How many candidates sharing band keys are checked more closely, most shared first.
MAX_CANDIDATES = 20


# The advisory lock that serializes writers of the duplicate index and of stories.
_INDEX_LOCK = 0x636F6E666C6963  # "conflic"


def lock_index() -> None:
    """Hold, until the end of the transaction, the lock that lets one writer at a time
    look up and extend the duplicate index and the stories. PostgreSQL takes an
    advisory lock; SQLite already serializes writing transactions."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_INDEX_LOCK])


@dataclass(frozen=True)
class DuplicateMatch:
    """What an article duplicates: the first publication, how much of the article it
    holds, and the article's own paragraphs (new evidence)."""

    original: Article
    containment: float
    new_spans: list[list[int]]

    @property
    def is_duplicate(self) -> bool:
        return self.containment >= DUPLICATE_CONTAINMENT


def duplicate_find(
    *, content_hash: str, body: str, sig: Signature, keys: list[int], exclude: int | None = None
) -> DuplicateMatch | None:
    """The earlier article this text duplicates, wholly or in part, or None. Reads only:
    the caller holds `lock_index()` from here to the insert of the article and its index
    rows, so that two copies processed at the same moment see each other."""
    return _exact_duplicate(content_hash=content_hash, exclude=exclude) or _near_duplicate(
        body=body, sig=sig, keys=keys, exclude=exclude
    )


def article_index(
    *, article: Article, sig: Signature, keys: list[int], match: DuplicateMatch | None
) -> ArticleOverlap | None:
    """Store a new article's fingerprint and band keys, and its overlap with what it
    duplicates (`duplicate_find`; the article was created with `duplicate_of` already
    set). Runs inside the caller's transaction, which holds `lock_index()`."""
    ArticleFingerprint.objects.create(
        article=article, signature=sig.to_bytes(), shingle_count=sig.shingle_count
    )
    LshBucket.objects.bulk_create([LshBucket(key=key, article=article) for key in set(keys)])
    if match is None:
        return None
    kind = ArticleOverlap.Kind.DUPLICATE if match.is_duplicate else ArticleOverlap.Kind.PARTIAL
    return ArticleOverlap.objects.create(
        article=article,
        original=match.original,
        kind=kind,
        containment=match.containment,
        new_spans=match.new_spans,
    )


def _exact_duplicate(*, content_hash: str, exclude: int | None = None) -> DuplicateMatch | None:
    original = (
        Article.objects.filter(content_hash=content_hash, duplicate_of__isnull=True)
        .exclude(pk=exclude)
        .order_by("pk")
        .first()
    )
    if original is None:
        return None
    return DuplicateMatch(original=original, containment=1.0, new_spans=[])


def _near_duplicate(
    *, body: str, sig: Signature, keys: list[int], exclude: int | None = None
) -> DuplicateMatch | None:
    candidate_ids = list(
        LshBucket.objects.filter(key__in=keys)
        .exclude(article=exclude)
        .values("article")
        .annotate(shared=Count("id"))
        .order_by("-shared", "article")
        .values_list("article", flat=True)[:MAX_CANDIDATES]
    )
    if not candidate_ids:
        return None
    fingerprints = ArticleFingerprint.objects.filter(article_id__in=candidate_ids)
    estimates = sorted(
        (
            (
                estimate_containment(
                    sig, Signature.from_bytes(bytes(fp.signature), fp.shingle_count)
                ),
                fp.article_id,
            )
            for fp in fingerprints
        ),
        reverse=True,
    )
    # Estimates are noisy; check the few promising candidates on their real text.
    promising = [pk for estimate, pk in estimates[:3] if estimate >= PARTIAL_CONTAINMENT * 0.7]
    if not promising:
        return None
    best: tuple[float, Article] | None = None
    for original in Article.objects.filter(pk__in=promising).only(
        "pk", "body", "duplicate_of", "story"
    ):
        containment = exact_containment(body, original.body)
        if best is None or containment > best[0]:
            best = (containment, original)
    if best is None or classify_overlap(best[0]) == "distinct":
        return None
    containment, original = best
    # Link to the first publication, not to another copy of it.
    if original.duplicate_of_id:
        original = Article.objects.get(pk=original.duplicate_of_id)
    return DuplicateMatch(
        original=original, containment=containment, new_spans=_new_spans(body, original.body)
    )


def _new_spans(body: str, original_body: str) -> list[list[int]]:
    # Paragraphs are lines: many outlets separate them with a single line break.
    spans = paragraph_spans(body)
    novelty = paragraph_novelty([body[start:end] for start, end in spans], original_body)
    return [
        [start, end]
        for (start, end), new in zip(spans, novelty, strict=True)
        if new >= NEW_PARAGRAPH_NOVELTY
    ]
