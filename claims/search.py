"""Searching claims: the one search behind the claim list, its exports and the API's `q`.

A query is folded by the project's one normalization (`sources.text.normalize`, the form
`Claim.normalized_text` is stored in), so "د1عـ.ـش" finds "داعش" and "داعش" finds
"د1عـ.ـش". Every word of the query must occur in the claim's text, except that words
naming an actor — any registry alias, in any spelling: "قسد", "لقسد", "قوات سوريا
الديمقراطية", "SDF" — are also satisfied by the claims where that actor is the claimant,
the speaker or a target.

PostgreSQL: full-text search on `normalized_text`, through a stored vector column indexed
with GIN (migrations 0006, 0011): the `arabic` vector (stemmed), the `simple` vector (exact
words, for names the Arabic stemmer mangles: "السوري" → "سور") and each Arabic word's bare
forms (the words it is an attached form of: "وللحكومة" → الحكومة، حكومة ...) side by side.
A query word matches its stem or, exactly, itself (in either spelling of a final ة),
and all the words go into one tsquery, so the
index intersects them itself ("النقطة 77777": a word in every claim and a rare one cost
what the rare one costs). SQLite: each word is a substring of `normalized_text`.
"""

import re
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.db import connections, transaction
from django.db.models import (
    BooleanField,
    Exists,
    F,
    Func,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
)

from claims.models import Claim
from claims.selectors import alias_index_with_ids
from sources.text import normalize

# The search vector: the column `search_vector` that PostgreSQL keeps from normalized_text
# (migration 0006), indexed by TEXT_SEARCH_INDEX. The ORM does not know it: it is read
# beside the `normalized_text` column of the same table reference.
SEARCH_VECTOR_COLUMN = '"search_vector"'
TEXT_SEARCH_INDEX = "claim_search_vector_gin"

_WORD_RE = re.compile(r"\S+")
# Punctuation around a word ("(قسد)", "داعش،") is not part of it.
_EDGE_PUNCTUATION_RE = re.compile(r"^[\W_]+|[\W_]+$")
_HAS_LETTER_OR_DIGIT_RE = re.compile(r"[^\W_]")
_ARABIC_WORD_RE = re.compile(r"^[\u0621-\u064a]+$")
_TA_MARBUTA, _HA = "\u0629", "\u0647"
_ARTICLE = "ال"

# The proclitics the press glues to a word: a conjunction (و، ف), then a preposition (ب،
# ك، ل), then the article ال ("وبالحكومة"; ل + ال is written لل: "للحكومة").
_CONJUNCTIONS = ("", "و", "ف")
_PREPOSITIONS = ("", "ب", "ك", "ل")


@dataclass(frozen=True)
class SearchTerm:
    """What one part of a query asks: all its `words` in the claim's text or, when the
    part names actors, one of `actor_ids` as a party of the claim."""

    words: tuple[str, ...]
    actor_ids: frozenset[int] = field(default_factory=frozenset)


# A search term with at least this many matches is "broad" (PostgreSQL; claim_search).
BROAD_SEARCH = 5000


def claim_search(queryset: QuerySet[Claim], q: str) -> QuerySet[Claim]:
    """The claims of `queryset` that match the search `q`, in the queryset's own order.

    On PostgreSQL a narrow term's matches are collected from the indexes first, in a
    subquery the planner cannot merge into the list's query, so the search costs what
    its few matches cost. Merged, the planner could instead walk the list's sort order
    and test claim after claim, trusting its estimate of how common the words are —
    for a word missing from its statistics a flat 0.5% of the table per form searched:
    a rare name would then read a million claims. A broad term (BROAD_SEARCH matches or
    more, counted on the index) is left to the planner: walking the sort order finds a
    page of its matches at once, where collecting them all first would read them all.
    """
    terms = search_terms(q)
    postgres = connections[queryset.db].vendor == "postgresql"
    plain_words = tuple(word for term in terms if not term.actor_ids for word in term.words)
    if plain_words:
        in_text = _text_condition(plain_words, postgres=postgres)
        matching = Claim.objects.filter(in_text).values("pk")
        if not postgres or _broad(
            ("words", queryset.db, plain_words), lambda: _at_least(matching, BROAD_SEARCH)
        ):
            queryset = queryset.filter(in_text)
        else:
            queryset = queryset.filter(_IdIn(matching))
    for term in terms:
        if not term.actor_ids:
            continue
        ids = term.actor_ids
        in_text = _text_condition(term.words, postgres=postgres)
        targeted = Claim.targets.through.objects.filter(actor_id__in=ids).values("claim_id")
        branches = [
            Claim.objects.filter(claimant_id__in=ids).values("pk"),
            Claim.objects.filter(speaker_id__in=ids).values("pk"),
            targeted,
            Claim.objects.filter(in_text).values("pk"),
        ]
        if not postgres or _broad(
            ("actors", queryset.db, term.words, ids),
            lambda branches=branches: _broad_actor_term(branches),
        ):
            # Cheap tests first: the text is tested only for claims the actor is not in, and
            # the targets are probed claim by claim (_ProbedExists).
            against = Claim.targets.through.objects.filter(
                claim_id=OuterRef("pk"), actor_id__in=ids
            )
            queryset = queryset.filter(
                Q(claimant_id__in=ids) | Q(speaker_id__in=ids) | _ProbedExists(against) | in_text
            )
        else:
            # A union of indexed lookups rather than one OR: PostgreSQL cannot combine a
            # GIN match and a join on the targets in one index scan.
            queryset = queryset.filter(_IdIn(branches[0].union(*branches[1:])))
    return queryset


class _ProbedExists(Exists):
    """EXISTS tested row by row through an index (PostgreSQL), for the walk along a list's
    sort order. A plain EXISTS (or `pk IN (...)`) there becomes a hashed subplan: every
    claim against a large party (the SDF: 150k) hashed before the first row is read,
    60 ms for a page that needs a hundred probes of 10 µs. An OFFSET in the subquery
    keeps PostgreSQL from turning it into a hash (it cannot drop one)."""

    template = "EXISTS(%(subquery)s OFFSET 0)"

    def as_sqlite(self, compiler, connection, **extra_context):
        return super().as_sql(compiler, connection, template="EXISTS(%(subquery)s)")


class _IdIn(Func):
    """`id = ANY(ARRAY(<ids>))` (PostgreSQL), for a narrow term's matching ids.

    The array is computed once, from the indexes, before the outer query reads anything
    (`id IN (<ids>)` would be merged into it and planned on the planner's estimate of the
    matches, which for searched words is far too high); then the list reads its rows by
    primary key: fewer than BROAD_SEARCH of them.
    """

    output_field = BooleanField()

    def __init__(self, ids: QuerySet):
        super().__init__(F("pk"), Subquery(ids))

    def as_sql(self, compiler, connection, **extra_context):
        pk_sql, pk_params = compiler.compile(self.source_expressions[0])
        ids_sql, ids_params = compiler.compile(self.source_expressions[1])
        return f"{pk_sql} = ANY(ARRAY{ids_sql})", (*pk_params, *ids_params)


# Whether a term is broad, by term, for BROAD_TTL seconds in each process: counting
# costs up to 50 ms for words in 1% of the claims, and a client paging through a search
# asks again for every page. A stale answer only picks the slower of two plans that give
# the same rows.
BROAD_TTL = 300.0
_BROAD_MAX = 2048
_broad_answers: dict[tuple, tuple[float, bool]] = {}


def _broad(key: tuple, decide: Callable[[], bool]) -> bool:
    now = time.monotonic()
    known = _broad_answers.get(key)
    if known is not None and now - known[0] < BROAD_TTL:
        return known[1]
    answer = decide()
    if len(_broad_answers) >= _BROAD_MAX:
        _broad_answers.clear()
    _broad_answers[key] = (now, answer)
    return answer


def _at_least(rows: QuerySet, count: int) -> bool:
    return count_up_to(rows, count) >= count


def _broad_actor_term(branches: list[QuerySet]) -> bool:
    """Whether an actor term's branches (claimant, speaker, target, then text) give
    BROAD_SEARCH rows between them, counting each only as far as needed: the actor
    branches through plain index scans, which stop at the count (a large party's 300k
    claims as claimant are not read), the text branch through the GIN index."""
    *by_actor, in_text = branches
    needed = BROAD_SEARCH
    for rows in by_actor:
        needed -= rows.order_by()[:needed].count()
        if needed <= 0:
            return True
    return _at_least(in_text, needed)


def count_up_to(rows: QuerySet, cap: int) -> int:
    """How many rows the query `rows` gives, counting no further than `cap`.

    On PostgreSQL, read through bitmap index scans only (the GIN index for words): never
    a scan testing rows one by one on the planner's guess of how many match. For a
    searched word that guess is far too high (an OR of its ~26 attached forms), so the
    planner would expect to meet `cap` matches soon along a sequential scan, and for a
    1% word read a hundred thousand claims to count a thousand."""
    connection = connections[rows.db]
    rows = rows.order_by()[:cap]
    if connection.vendor != "postgresql":
        return rows.count()
    with transaction.atomic(using=rows.db), connection.cursor() as cursor:
        cursor.execute(
            "SELECT current_setting('enable_seqscan'), current_setting('enable_indexscan'),"
            " set_config('enable_seqscan', 'off', true),"
            " set_config('enable_indexscan', 'off', true)"
        )
        seqscan, indexscan, *_ = cursor.fetchone()
        try:
            return rows.count()
        finally:
            # Local to the transaction, which may be the caller's: put them back now.
            cursor.execute(
                "SELECT set_config('enable_seqscan', %s, true),"
                " set_config('enable_indexscan', %s, true)",
                [seqscan, indexscan],
            )


def search_terms(q: str) -> list[SearchTerm]:
    """The query's words, normalized; consecutive words that form an actor's alias are
    one term carrying the actors' ids ("اتهامات قسد لداعش": اتهامات / قسد → SDF / لداعش →
    ISIS)."""
    text = normalize(q or "")
    spans = [match.span() for match in _WORD_RE.finditer(text)]
    words = [_EDGE_PUNCTUATION_RE.sub("", text[start:end]) for start, end in spans]
    # Each alias occurrence covers one or more words. Occurrences come left to right, and
    # an ambiguous alias gives one per actor over the same words: an occurrence that
    # shares a word with the previous one joins its group.
    groups: list[tuple[set[int], set[str]]] = []
    aliases, ids_of_key = alias_index_with_ids() if text else (None, {})
    for match in aliases.find(text) if text else []:
        covered = {i for i, (s, e) in enumerate(spans) if s < match.end and match.start < e}
        if groups and groups[-1][0] & covered:
            groups[-1][0].update(covered)
            groups[-1][1].add(match.actor)
        else:
            groups.append((covered, {match.actor}))
    group_at = {i: group for group in groups for i in group[0]}

    terms: list[SearchTerm] = []
    for i, word in enumerate(words):
        group = group_at.get(i)
        if group is None:
            if _HAS_LETTER_OR_DIGIT_RE.search(word):
                terms.append(SearchTerm(words=(word,)))
        elif i == min(group[0]):
            members = tuple(
                words[j] for j in sorted(group[0]) if _HAS_LETTER_OR_DIGIT_RE.search(words[j])
            )
            actor_ids = frozenset(ids_of_key[key] for key in group[1] if key in ids_of_key)
            terms.append(SearchTerm(words=members, actor_ids=actor_ids))
    return terms


def ta_marbuta_forms(word: str) -> list[str]:
    """The word and its other final-letter spelling: the press writes "الإدارة" and
    "الاداره" alike, and normalization keeps ة (only matching folds it)."""
    if word.endswith(_TA_MARBUTA):
        return [word, word[:-1] + _HA]
    if word.endswith(_HA) and len(word) > 1:
        return [word, word[:-1] + _TA_MARBUTA]
    return [word]


def attached_forms(word: str) -> list[str]:
    """The word as it appears with proclitics glued to it: "داعش" → وداعش، لداعش،
    بالداعش ...; "الحكومة" → والحكومة، بالحكومة، للحكومة ....

    PostgreSQL's Arabic stemmer strips some proclitics and not others ("بداعش" → داعش
    but "لداعش" and "لقسد" stay), so a word must also be found in these forms. This is
    the rule; PostgreSQL applies it backwards when it stores a claim's search vector
    (`claim_search_bare_forms`, migration 0011: each attached form in the text also
    stores the word), so the query asks for the word alone. SQLite's substring match
    finds them as they are. Only for Arabic words.
    """
    if not _ARABIC_WORD_RE.match(word):
        return [word]
    has_article = word.startswith(_ARTICLE) and len(word) > 3
    with_article = [word] if has_article else [word, _ARTICLE + word]
    forms: list[str] = []
    for conjunction in _CONJUNCTIONS:
        for preposition in _PREPOSITIONS:
            for form in with_article:
                if preposition == "ل" and form.startswith(_ARTICLE):
                    forms.append(conjunction + "لل" + form[2:])
                else:
                    forms.append(conjunction + preposition + form)
    return forms


class _TextMatches(Func):
    """`<search vector> @@ (<word 1> && <word 2> ...)`, each word being
    `to_tsquery('arabic', <its spellings>) || to_tsquery('simple', <its spellings>)`."""

    output_field = BooleanField()

    def __init__(self, words: Iterable[tuple[str, str]]):
        queries = [Value(query) for pair in words for query in pair]
        super().__init__(F("normalized_text"), *queries)

    def as_sql(self, compiler, connection, **extra_context):
        text_sql, text_params = compiler.compile(self.source_expressions[0])
        params = []
        words = []
        queries = self.source_expressions[1:]
        for stemmed, exact in zip(queries[0::2], queries[1::2], strict=True):
            stemmed_sql, stemmed_params = compiler.compile(stemmed)
            exact_sql, exact_params = compiler.compile(exact)
            words.append(
                f"(to_tsquery('arabic'::regconfig, {stemmed_sql})"
                f" || to_tsquery('simple'::regconfig, {exact_sql}))"
            )
            params += [*stemmed_params, *exact_params]
        column = connection.ops.quote_name("normalized_text")
        if text_params or not text_sql.endswith(column):
            raise ValueError(f"not a column of the claims table: {text_sql}")
        vector = text_sql[: -len(column)] + SEARCH_VECTOR_COLUMN
        return f"{vector} @@ ({' && '.join(words)})", params


def _tsquery(forms: Iterable[str]) -> str:
    """A to_tsquery() text matching any of `forms`, each quoted as one lexeme."""
    quoted = ("'" + form.replace("\\", "\\\\").replace("'", "''") + "'" for form in forms)
    return " | ".join(dict.fromkeys(quoted))


def _text_condition(words: tuple[str, ...], *, postgres: bool) -> Q:
    if postgres:
        queries = []
        for word in words:
            # The stored vector holds every word the text's words are attached forms of
            # (migration 0011, claim_search_bare_forms): the word itself is enough.
            spellings = ta_marbuta_forms(word)
            queries.append((_tsquery(spellings), _tsquery(spellings)))
        return Q(_TextMatches(queries))
    # A substring match finds the word after any proclitic ("لداعش"), except ل + ال,
    # which drops the alef: "الحكومة" is "للحكومة" after ل.
    condition = Q()
    for word in words:
        either = Q()
        for spelling in ta_marbuta_forms(word):
            either |= Q(normalized_text__contains=spelling)
            if spelling.startswith(_ARTICLE) and len(spelling) > 3:
                either |= Q(normalized_text__contains="لل" + spelling[2:])
        condition &= either
    return condition
