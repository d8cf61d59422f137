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

from collections import Counter, defaultdict
from dataclasses import dataclass

from django.db import connection
from django.db.models import Count

from conflictdesk.db import array_literal
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


class ChunkIndex:
    """The duplicate index as one ingest chunk sees it, under `lock_index()`: what the
    database holds, read for the whole chunk in a few statements, plus the chunk's own
    articles as they are stored, so that a copy finds its original in the same chunk.
    Lookups give what `duplicate_find` gives; the chunk's fingerprints and band keys are
    written in one statement each by `flush`, before the transaction commits."""

    def __init__(self, *, articles: list[tuple[str, list[int]]]) -> None:
        """`articles`: the content hash and band keys of each article of the chunk."""
        hashes = {content_hash for content_hash, _ in articles}
        self.originals: dict[str, Article] = {}
        # The first publication of each text: the lowest id wins.
        for original in Article.objects.filter(
            content_hash__in=hashes, duplicate_of__isnull=True
        ).order_by("-pk"):
            self.originals[original.content_hash] = original
        self.buckets: dict[int, list[int]] = defaultdict(list)
        all_keys = {key for _, keys in articles for key in keys}
        for key, article_id in _buckets_of(all_keys):
            self.buckets[key].append(article_id)
        self.signatures: dict[int, Signature] = {}
        self._load_signatures({pk for _, keys in articles for pk in self._candidates(keys)})
        self._fingerprints: list[ArticleFingerprint] = []
        # The chunk's own articles, which may not be inserted yet.
        self.articles: dict[int, Article] = {}
        # (key, article id) of the chunk's band keys, written by `flush`.
        self._new_buckets: list[tuple[int, int]] = []

    def _candidates(self, keys: list[int]) -> list[int]:
        shared = Counter(pk for key in set(keys) for pk in self.buckets.get(key, ()))
        return sorted(shared, key=lambda pk: (-shared[pk], pk))[:MAX_CANDIDATES]

    def _load_signatures(self, article_ids: set[int]) -> None:
        missing = article_ids - self.signatures.keys()
        if missing:
            for fp in ArticleFingerprint.objects.filter(article_id__in=missing):
                self.signatures[fp.article_id] = Signature.from_bytes(
                    bytes(fp.signature), fp.shingle_count
                )

    def find(
        self, *, content_hash: str, body: str, sig: Signature, keys: list[int]
    ) -> DuplicateMatch | None:
        original = self.originals.get(content_hash)
        if original is not None:
            return DuplicateMatch(original=original, containment=1.0, new_spans=[])
        candidates = self._candidates(keys)
        self._load_signatures(set(candidates))
        estimates = sorted(
            (
                (estimate_containment(sig, self.signatures[pk]), pk)
                for pk in candidates
                if pk in self.signatures
            ),
            reverse=True,
        )
        return _best_of(body, estimates, self.articles)

    def add(self, *, article: Article, sig: Signature, keys: list[int]) -> None:
        """A stored article of the chunk: later ones of the chunk find it."""
        if article.duplicate_of_id is None:
            self.originals.setdefault(article.content_hash, article)
        pk = article.pk
        self.articles[pk] = article
        for key in set(keys):
            self.buckets[key].append(pk)
            self._new_buckets.append((key, pk))
        self.signatures[article.pk] = sig
        self._fingerprints.append(
            ArticleFingerprint(
                article=article, signature=sig.to_bytes(), shingle_count=sig.shingle_count
            )
        )

    def flush(self) -> None:
        ArticleFingerprint.objects.bulk_create(self._fingerprints)
        _buckets_insert(self._new_buckets)
        self._fingerprints, self._new_buckets = [], []


# A chunk reads and writes ~2,400 band keys: on PostgreSQL both go as two arrays, with
# no model instance or query parameter per key for the ORM to build.
def _buckets_of(keys: set[int]) -> list[tuple[int, int]]:
    """The (key, article id) rows of LshBucket with one of these keys."""
    if connection.vendor != "postgresql":
        return list(LshBucket.objects.filter(key__in=keys).values_list("key", "article_id"))
    if not keys:
        return []
    table, key, article = _bucket_columns()
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {key}, {article} FROM {table} WHERE {key} = ANY(%s::bigint[])",
            [array_literal(keys)],
        )
        return cursor.fetchall()


def _buckets_insert(rows: list[tuple[int, int]]) -> None:
    """Insert LshBucket rows (key, article id), in one statement."""
    if not rows:
        return
    if connection.vendor != "postgresql":
        LshBucket.objects.bulk_create(
            [LshBucket(key=key, article_id=article_id) for key, article_id in rows]
        )
        return
    table, key, article = _bucket_columns()
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} ({key}, {article}) "
            "SELECT * FROM UNNEST(%s::bigint[], %s::bigint[])",
            [array_literal(row[0] for row in rows), array_literal(row[1] for row in rows)],
        )


def _bucket_columns() -> tuple[str, str, str]:
    quote = connection.ops.quote_name
    meta = LshBucket._meta
    return (
        quote(meta.db_table),
        quote(meta.get_field("key").column),
        quote(meta.get_field("article").column),
    )


def overlap_new(*, article: Article, match: DuplicateMatch) -> ArticleOverlap:
    """What a new article shares with its original, not yet saved (the article was made
    with `duplicate_of` already set when it is a duplicate)."""
    kind = ArticleOverlap.Kind.DUPLICATE if match.is_duplicate else ArticleOverlap.Kind.PARTIAL
    return ArticleOverlap(
        article=article,
        original=match.original,
        kind=kind,
        containment=match.containment,
        new_spans=match.new_spans,
    )


def overlap_create(*, article: Article, match: DuplicateMatch) -> ArticleOverlap:
    """Record what a new article shares with its original."""
    overlap = overlap_new(article=article, match=match)
    overlap.save(force_insert=True)
    return overlap


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
    return _best_of(body, estimates)


def _best_of(
    body: str, estimates: list[tuple[float, int]], known: dict[int, Article] | None = None
) -> DuplicateMatch | None:
    """The candidate holding most of `body`, checked on the real text of the few with the
    best estimates (estimates are noisy), or None when none holds enough of it. `known`:
    articles at hand (an ingest chunk's own), not read again."""
    known = known or {}
    promising = [pk for estimate, pk in estimates[:3] if estimate >= PARTIAL_CONTAINMENT * 0.7]
    if not promising:
        return None
    best: tuple[float, Article] | None = None
    at_hand = [known[pk] for pk in promising if pk in known]
    others = [pk for pk in promising if pk not in known]
    read = (
        Article.objects.filter(pk__in=others).only("pk", "body", "duplicate_of", "story")
        if others
        else []
    )
    for original in sorted([*read, *at_hand], key=lambda article: article.pk):
        containment = exact_containment(body, original.body)
        if best is None or containment > best[0]:
            best = (containment, original)
    if best is None or classify_overlap(best[0]) == "distinct":
        return None
    containment, original = best
    # Link to the first publication, not to another copy of it.
    if original.duplicate_of_id:
        original = known.get(original.duplicate_of_id) or Article.objects.get(
            pk=original.duplicate_of_id
        )
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
