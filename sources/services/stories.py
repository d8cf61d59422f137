"""Clustering articles into stories, and the analyst's corrections (move, merge).

A new article joins the best-scoring story active in its time window (shared places and
actors, keyword similarity: sources/text/similarity.py), or starts a new one. A
re-publication joins its original's story; the paragraphs it adds of its own are scored
on their own and, when they tell another event, become a StorySegment of another story.
Candidate stories are found through indexed keys (places, actors), never by scanning.
"""

import json
from collections import Counter, defaultdict
from dataclasses import replace
from datetime import datetime, timedelta

from django.db import DatabaseError, connection, transaction
from django.db.models import Count
from django.utils import timezone

from claims.extraction.matcher import AliasIndex
from claims.selectors import alias_index
from conflictdesk.db import array_literal
from sources.models import Article, ArticleOverlap, Story, StoryKey, StorySegment
from sources.services.dedup import lock_index
from sources.text.normalize import TokenSpan, token_spans
from sources.text.similarity import SAME_STORY_THRESHOLD, StoryFeatures, features, story_score

WINDOW = timedelta(days=10)
# Each candidate is scored on its stored features: few, well chosen, keep it cheap.
MAX_CANDIDATES = 12
MAX_KEYWORDS = 60


def _moment(article: Article) -> datetime:
    return article.published_at or article.created_at or timezone.now()


def _live(story: Story | None, book: "StoryBook") -> Story | None:
    """The story itself, or the one it was merged into."""
    seen = set()
    while story is not None and story.merged_into_id and story.pk not in seen:
        seen.add(story.pk)
        story = book.story(story.merged_into_id)
    return story


def article_features(
    text: str, *, aliases: AliasIndex | None = None, spans: list[TokenSpan] | None = None
) -> StoryFeatures:
    """An article's story features (places, actors, keywords), without its date: needs no
    database once `aliases` is given, so it is computed before the index lock is taken.

    The text is tokenized once (`token_spans`, or `spans` when the caller has them), for
    its places and its actors alike."""
    aliases = aliases or alias_index()
    spans = token_spans(text) if spans is None else spans
    actors = aliases.actors_in_keys([span.key for span in spans])
    return features(text, actors, None, spans=spans)


def _features(
    text: str, moment: datetime | None, aliases: AliasIndex | None = None
) -> StoryFeatures:
    return replace(article_features(text, aliases=aliases), published=moment)


def _story_features(story: Story, moment: datetime) -> StoryFeatures:
    # Compare with the nearer end of the story's time span.
    nearest = story.last_seen
    if story.first_seen and moment < story.first_seen:
        nearest = story.first_seen
    return StoryFeatures(
        actors=frozenset(story.actors),
        places=frozenset(story.places),
        keywords=dict(story.keywords),
        published=nearest,
    )


def _keys(feats: StoryFeatures) -> set[str]:
    return {f"place:{place}" for place in feats.places} | {f"actor:{a}" for a in feats.actors}


def candidate_keys(feats: StoryFeatures) -> set[str]:
    """The keys a story must share with these features to be a candidate. Places tell
    events apart; actors (the SDF is in every other article) only when the article names
    no place."""
    return {f"place:{place}" for place in feats.places} or _keys(feats)


def _best_story(
    feats: StoryFeatures, moment: datetime, book: "StoryBook", exclude=()
) -> Story | None:
    keys = candidate_keys(feats)
    if not keys:
        return None
    candidates = book.candidates(keys, moment, list(exclude))
    scored = [(story_score(feats, _story_features(story, moment)), story) for story in candidates]
    scored = [(score, story) for score, story in scored if score >= SAME_STORY_THRESHOLD]
    return max(scored, key=lambda pair: (pair[0], -pair[1].pk))[1] if scored else None


# The candidates query of each shape (how many keys, how many stories excluded), as the
# ORM compiles it: the statement is built once per shape, then run with its parameters
# (compiling it cost more than running it). Only a statement whose parameters are found to
# be exactly (window end, keys..., window start, excluded...) is kept.
_CANDIDATES_SQL: dict[tuple[int, int], str] = {}


def _candidates(keys: set[str], moment: datetime, exclude: list) -> list[Story]:
    """The stories sharing a key with the article, active in its time window, most keys
    shared first: at most MAX_CANDIDATES."""
    params = [moment + WINDOW, *keys, moment - WINDOW, *exclude]
    sql = _CANDIDATES_SQL.get((len(keys), len(exclude)))
    if sql is not None:
        return list(Story.objects.raw(sql, params))
    queryset = (
        Story.objects.filter(
            keys__key__in=keys,
            merged_into__isnull=True,
            last_seen__gte=moment - WINDOW,
            first_seen__lte=moment + WINDOW,
        )
        .exclude(pk__in=exclude)
        .annotate(shared=Count("keys"))
        .order_by("-shared", "-last_seen", "pk")
        .only("pk", "places", "actors", "keywords", "first_seen", "last_seen")[:MAX_CANDIDATES]
    )
    try:
        compiled, compiled_params = queryset.query.sql_with_params()
    except Exception:  # nothing to keep: the queryset says why when it runs
        compiled_params = None
    if compiled_params is not None and list(compiled_params) == params:
        _CANDIDATES_SQL[(len(keys), len(exclude))] = compiled
    return list(queryset)


def _absorb(
    story: Story, feats: StoryFeatures, moment: datetime, book: "StoryBook | None" = None
) -> None:
    # A story's keys are its places and actors: only new ones need a row.
    new_keys = _keys(feats) - _keys(
        StoryFeatures(places=frozenset(story.places), actors=frozenset(story.actors))
    )
    story.places = sorted(set(story.places) | feats.places)
    story.actors = sorted(set(story.actors) | feats.actors)
    weights = dict(story.keywords)
    for word, weight in feats.keywords.items():
        weights[word] = weights.get(word, 0.0) + weight
    # Ties are broken by the word, not by the order the keywords were read in.
    top = sorted(weights.items(), key=lambda item: (-item[1], item[0]))[:MAX_KEYWORDS]
    story.keywords = dict(top)
    story.first_seen = min(filter(None, [story.first_seen, moment]))
    story.last_seen = max(filter(None, [story.last_seen, moment]))
    (book or StoryBook()).save(story, sorted(new_keys))


_SAVED_FIELDS = ("places", "actors", "keywords", "first_seen", "last_seen", "updated_at")


def _story_save(story: Story, new_keys: list[str]) -> None:
    """`story.save(update_fields=_SAVED_FIELDS)` and its new keys' StoryKey rows (ignoring
    those that exist). On PostgreSQL one statement does both, written out rather than
    built by the ORM for each article; the values are prepared as `save` prepares them."""
    if connection.vendor != "postgresql":
        story.save(update_fields=list(_SAVED_FIELDS))
        if new_keys:
            StoryKey.objects.bulk_create(
                [StoryKey(story=story, key=key) for key in new_keys], ignore_conflicts=True
            )
        return
    quote = connection.ops.quote_name
    meta, key_meta = Story._meta, StoryKey._meta
    fields = [meta.get_field(name) for name in _SAVED_FIELDS]
    # pre_save sets `updated_at` (auto_now) on the instance, as save does.
    values = [field.get_db_prep_save(field.pre_save(story, False), connection) for field in fields]
    table, pk = quote(meta.db_table), quote(meta.pk.column)
    assignments = ", ".join(f"{quote(field.column)} = %s" for field in fields)
    key_table = quote(key_meta.db_table)
    key_story = quote(key_meta.get_field("story").column)
    key_key = quote(key_meta.get_field("key").column)
    with connection.cursor() as cursor:
        cursor.execute(
            f"WITH updated AS (UPDATE {table} SET {assignments} WHERE {table}.{pk} = %s "
            f"RETURNING {table}.{pk} AS id), "
            f"inserted AS (INSERT INTO {key_table} ({key_story}, {key_key}) "
            "SELECT updated.id, new.key FROM updated, "
            "UNNEST(%s::varchar[]) WITH ORDINALITY AS new(key, position) "
            "ORDER BY new.position ON CONFLICT DO NOTHING) "
            "SELECT count(*) FROM updated",
            [*values, story.pk, array_literal(new_keys)],
        )
        (updated,) = cursor.fetchone()
    if not updated:
        raise DatabaseError("Save with update_fields did not affect any rows.")


def _new_story(title: str, feats: StoryFeatures, moment: datetime, book: "StoryBook") -> Story:
    story = book.create(title[:300] or "—")
    _absorb(story, feats, moment, book)
    return story


class StoryBook:
    """Where story assignment reads candidate stories and writes what it changes. This
    one goes to the database for each: one article at a time (`ChunkStories` keeps a
    whole ingest chunk's stories in memory and writes them once)."""

    def candidates(self, keys: set[str], moment: datetime, exclude: list) -> list[Story]:
        return _candidates(keys, moment, exclude)

    def story(self, pk: int) -> Story:
        return Story.objects.get(pk=pk)

    def create(self, title: str) -> Story:
        return Story.objects.create(title=title)

    def save(self, story: Story, new_keys: list[str]) -> None:
        _story_save(story, new_keys)

    def segment(self, *, article: Article, story: Story, start: int, end: int) -> None:
        StorySegment.objects.update_or_create(
            article=article, story=story, defaults={"start": start, "end": end}
        )

    def article_joins(self, article: Article, story: Story) -> None:
        if article.pk is not None:
            Article.objects.filter(pk=article.pk).update(story=story)


class UnsavedArticleStories(StoryBook):
    """`StoryBook` for articles inserted after their story is decided (an ingest chunk
    written at once): nothing to update on the article, and its segments are written by
    `flush`, once the articles are inserted."""

    def __init__(self) -> None:
        self.segments: dict[tuple[int, int], StorySegment] = {}

    def article_joins(self, article: Article, story: Story) -> None:
        """Nothing to write: the article is inserted with its story."""

    def segment(self, *, article: Article, story: Story, start: int, end: int) -> None:
        self.segments[(article.pk, story.pk)] = StorySegment(
            article=article, story=story, start=start, end=end
        )

    def flush(self) -> None:
        StorySegment.objects.bulk_create(list(self.segments.values()))
        self.segments = {}


class ChunkStories(UnsavedArticleStories):
    """The stories as one ingest chunk sees them, under `lock_index()` (no other writer
    changes a story meanwhile): the candidates of the whole chunk read in one statement,
    every story read once and changed in memory as the chunk's articles join it, then
    written by `flush` in a few statements, after the chunk's articles are inserted.

    Candidates are what `StoryBook` would find at the same point: the stories sharing a
    key, active in the time window, not merged, most keys shared first, then the latest,
    then the oldest id. A key or a moment the first read did not cover is read when asked
    for."""

    # Undated articles are dated when they are assigned, a little after the read.
    MARGIN = timedelta(days=1)
    # A chunk whose articles are further apart in time than this, or whose candidates
    # are more stories than MAX_READ, is not worth holding in memory (an archive of many
    # years, or actors shared by thousands of stories): `read` says so and the caller
    # looks stories up one article at a time.
    MAX_SPREAD = 2 * WINDOW
    MAX_READ = 2000

    def __init__(self) -> None:
        super().__init__()
        self.stories: dict[int, Story] = {}
        self.story_keys: dict[int, set[str]] = {}
        self.by_key: dict[str, set[int]] = defaultdict(set)
        self.read_keys: set[str] = set()
        self.read_moments: tuple[datetime, datetime] | None = None
        self.changed: dict[int, Story] = {}
        self.added_keys: list[tuple[int, str]] = []

    def read(self, wanted: list[tuple[set[str], datetime]]) -> bool:
        """Read at once the candidates of these (keys, moment) pairs. False, reading
        nothing more, when they are too far apart in time or too many (MAX_SPREAD,
        MAX_READ): the chunk is better served one article at a time."""
        keys = set().union(*(keys for keys, _ in wanted)) if wanted else set()
        if not keys:
            return True
        moments = [moment for _, moment in wanted]
        if max(moments) - min(moments) > self.MAX_SPREAD:
            return False
        self.read_moments = (min(moments) - self.MARGIN, max(moments) + self.MARGIN)
        return self._read(keys, limit=self.MAX_READ)

    def _cover(self, keys: set[str], moment: datetime) -> None:
        if self.read_moments is None or not (
            self.read_moments[0] <= moment <= self.read_moments[1]
        ):
            low, high = self.read_moments or (moment, moment)
            self.read_moments = (min(low, moment - self.MARGIN), max(high, moment + self.MARGIN))
            self._read(self.read_keys | keys)
        elif not keys <= self.read_keys:
            self._read(keys - self.read_keys)

    def _read(self, keys: set[str], limit: int | None = None) -> bool:
        low, high = self.read_moments
        rows = (
            Story.objects.filter(
                pk__in=StoryKey.objects.filter(key__in=keys).values("story"),
                merged_into__isnull=True,
                last_seen__gte=low - WINDOW,
                first_seen__lte=high + WINDOW,
            )
            .exclude(pk__in=list(self.stories))
            .only("pk", "places", "actors", "keywords", "first_seen", "last_seen", "merged_into")
        )
        stories = list(rows if limit is None else rows[: limit + 1])
        if limit is not None and len(stories) > limit:
            return False
        self._register(stories)
        self.read_keys |= keys
        return True

    def _register(self, stories: list[Story]) -> None:
        if not stories:
            return
        keys = defaultdict(set)
        for story_id, key in StoryKey.objects.filter(
            story__in=[story.pk for story in stories]
        ).values_list("story", "key"):
            keys[story_id].add(key)
        for story in stories:
            self.stories[story.pk] = story
            self.story_keys[story.pk] = keys[story.pk]
            for key in keys[story.pk]:
                self.by_key[key].add(story.pk)

    def candidates(self, keys: set[str], moment: datetime, exclude: list) -> list[Story]:
        self._cover(keys, moment)
        shared = Counter(pk for key in keys for pk in self.by_key.get(key, ()))
        low, high = moment - WINDOW, moment + WINDOW
        found = [
            story
            for pk in shared
            if pk not in exclude
            and (story := self.stories[pk]).merged_into_id is None
            and story.last_seen is not None
            and story.last_seen >= low
            and story.first_seen is not None
            and story.first_seen <= high
        ]
        found.sort(key=lambda story: story.pk)
        found.sort(key=lambda story: story.last_seen, reverse=True)
        found.sort(key=lambda story: shared[story.pk], reverse=True)
        return found[:MAX_CANDIDATES]

    def story(self, pk: int) -> Story:
        if pk not in self.stories:
            self._register([Story.objects.get(pk=pk)])
        return self.stories[pk]

    def create(self, title: str) -> Story:
        story = Story.objects.create(title=title)
        self.stories[story.pk] = story
        self.story_keys[story.pk] = set()
        return story

    def save(self, story: Story, new_keys: list[str]) -> None:
        self.changed[story.pk] = story
        known = self.story_keys[story.pk]
        for key in new_keys:
            if key not in known:
                known.add(key)
                self.by_key[key].add(story.pk)
                self.added_keys.append((story.pk, key))

    def flush(self) -> None:
        """Write the changed stories, their new keys and the segments: after the chunk's
        articles are inserted (a segment refers to its article)."""
        stories = list(self.changed.values())
        now = timezone.now()
        for story in stories:
            story.updated_at = now
        if connection.vendor == "postgresql":
            _stories_update(stories, now)
            _story_keys_insert(self.added_keys)
        else:
            Story.objects.bulk_update(stories, list(_SAVED_FIELDS))
            StoryKey.objects.bulk_create(
                [StoryKey(story_id=pk, key=key) for pk, key in self.added_keys],
                ignore_conflicts=True,
            )
        self.changed, self.added_keys = {}, []
        super().flush()


def _stories_update(stories: list[Story], now: datetime) -> None:
    """`bulk_update` of the stories' features on PostgreSQL, the values as arrays."""
    if not stories:
        return
    quote = connection.ops.quote_name
    meta = Story._meta
    table = quote(meta.db_table)
    column = {name: quote(meta.get_field(name).column) for name in ("id", *_SAVED_FIELDS)}
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET {column['places']} = v.places::jsonb, "
            f"{column['actors']} = v.actors::jsonb, {column['keywords']} = v.keywords::jsonb, "
            f"{column['first_seen']} = v.first_seen, {column['last_seen']} = v.last_seen, "
            f"{column['updated_at']} = %s "
            "FROM UNNEST(%s::bigint[], %s::text[], %s::text[], %s::text[], "
            "%s::timestamptz[], %s::timestamptz[]) "
            "AS v(id, places, actors, keywords, first_seen, last_seen) "
            f"WHERE {table}.{column['id']} = v.id",
            [
                now,
                array_literal(story.pk for story in stories),
                array_literal(json.dumps(story.places) for story in stories),
                array_literal(json.dumps(story.actors) for story in stories),
                array_literal(json.dumps(story.keywords) for story in stories),
                array_literal(story.first_seen for story in stories),
                array_literal(story.last_seen for story in stories),
            ],
        )


def _story_keys_insert(rows: list[tuple[int, str]]) -> None:
    if not rows:
        return
    quote = connection.ops.quote_name
    meta = StoryKey._meta
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {quote(meta.db_table)} ({quote(meta.get_field('story').column)}, "
            f"{quote(meta.get_field('key').column)}) "
            "SELECT * FROM UNNEST(%s::bigint[], %s::varchar[]) ON CONFLICT DO NOTHING",
            [array_literal(row[0] for row in rows), array_literal(row[1] for row in rows)],
        )


def story_assign(
    *,
    article: Article,
    overlap: ArticleOverlap | None = None,
    feats: StoryFeatures | None = None,
    aliases: AliasIndex | None = None,
    book: StoryBook | None = None,
) -> Story:
    """Put a new article in a story (inside the caller's transaction). `feats` are the
    article's `article_features` of its title and body, when computed beforehand;
    `aliases` the registry's alias index, when the caller has it (else it is looked up);
    `book` where stories are read and written (the database, one statement at a time,
    unless a `ChunkStories` is given).

    The article may be not yet saved (the caller inserts it with its story, one statement
    fewer), unless its overlap has new spans and the stories are written straight to
    the database: those may become a StorySegment of it.
    `overlap` is what the article shares with its original (an ArticleOverlap, or the
    dedup.DuplicateMatch it is made from)."""
    book = book or StoryBook()
    if (
        article.pk is None
        and overlap is not None
        and overlap.new_spans
        and not isinstance(book, UnsavedArticleStories)
    ):
        raise ValueError("an article with new spans of its own is saved before its story")
    moment = _moment(article)
    full_text = f"{article.title}\n{article.body}"
    if feats is not None:
        feats = replace(feats, published=moment)
    story = None
    if overlap is not None and overlap.original.story_id is not None:
        story = _live(book.story(overlap.original.story_id), book)
    if story is None:
        feats = feats or _features(full_text, moment, aliases)
        story = _best_story(feats, moment, book)
        if story is None:
            story = _new_story(article.title, feats, moment, book)  # starts with these
        else:
            _absorb(story, feats, moment, book)
    else:
        if overlap.new_spans:
            # A re-publication with news of its own: score the added paragraphs against
            # the original's story before the article's features join it.
            full_text = _split_off_new_news(
                article=article,
                story=story,
                overlap=overlap,
                moment=moment,
                aliases=aliases,
                book=book,
            )
            feats = None  # the main story takes the text without the split-off paragraphs
        _absorb(story, feats or _features(full_text, moment, aliases), moment, book)
    book.article_joins(article, story)
    article.story = story
    return story


def _split_off_new_news(
    *,
    article: Article,
    story: Story,
    overlap: ArticleOverlap,
    moment: datetime,
    aliases: AliasIndex | None,
    book: StoryBook,
) -> str:
    """Give the added paragraphs their own story when they tell another event; return
    the text that belongs to the main story."""
    spans = overlap.new_spans
    new_text = "\n\n".join(article.body[start:end] for start, end in spans)
    feats = _features(new_text, moment, aliases)
    if story_score(feats, _story_features(story, moment)) >= SAME_STORY_THRESHOLD:
        return f"{article.title}\n{article.body}"
    other = _best_story(feats, moment, book, exclude=[story.pk]) or _new_story(
        article.title, feats, moment, book
    )
    _absorb(other, feats, moment, book)
    book.segment(
        article=article,
        story=other,
        start=min(s for s, _ in spans),
        end=max(e for _, e in spans),
    )
    kept, position = [], 0
    for start, end in sorted(spans):
        kept.append(article.body[position:start])
        position = end
    kept.append(article.body[position:])
    return "".join(kept)


def article_move(*, article: Article, story: Story) -> None:
    """An analyst moves an article to another story; its claims follow it."""
    with transaction.atomic():
        Article.objects.filter(pk=article.pk).update(story=story)
        from claims.models import Claim

        Claim.objects.filter(mentions__article=article).exclude(story=story).update(
            story=story, updated_at=timezone.now()
        )


def story_merge(*, source: Story, target: Story) -> Story:
    """An analyst merges two stories: everything of `source` goes to `target`."""
    if source.pk == target.pk:
        return target
    from claims.models import Claim

    with transaction.atomic():
        lock_index()  # no article joins `source` while it is being merged
        source = Story.objects.get(pk=source.pk)
        target = Story.objects.get(pk=target.pk)
        Article.objects.filter(story=source).update(story=target)
        StorySegment.objects.filter(story=source).exclude(
            article__in=StorySegment.objects.filter(story=target).values("article")
        ).update(story=target)
        Claim.objects.filter(story=source).update(story=target, updated_at=timezone.now())
        for key in source.keys.values_list("key", flat=True):
            StoryKey.objects.get_or_create(story=target, key=key)
        feats = StoryFeatures(
            actors=frozenset(source.actors),
            places=frozenset(source.places),
            keywords=dict(source.keywords),
            published=source.last_seen,
        )
        _absorb(target, feats, source.last_seen or timezone.now())
        if source.first_seen and (not target.first_seen or source.first_seen < target.first_seen):
            target.first_seen = source.first_seen
            target.save(update_fields=["first_seen", "updated_at"])
        source.merged_into = target
        source.save(update_fields=["merged_into", "updated_at"])
    return target
