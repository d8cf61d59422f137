"""The claim record of DESIGN.md, as export files and the API serve it.

Records are built in bulk from plain rows (`values()`), a fixed number of queries per
batch of claims whatever its size: the claims, their targets, tags, figures and
mentions, the mentions' articles, and the actors, outlets and people they name — the
last three read once per RecordBuilder and remembered, since an export names the same
few hundred actors a million times. No model instance is made: building a record costs
a few dictionary look-ups, which is what lets an export stream tens of thousands of
claims a second.
"""

import csv
import queue
import threading
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from itertools import chain

import orjson
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ImproperlyConfigured
from django.db import connections, transaction
from django.db.models import BooleanField, F, Func, Prefetch, QuerySet, TextField
from django.db.models.functions import Cast

from claims.models import Actor, ActorAlias, ActorRole, Claim, Figure, Mention
from conflictdesk.db import prepared_cursor
from sources.models import Article, Outlet

# Read this many claims' rows at a time (a bound on the query parameters: SQLite allows
# 32,766 per statement).
RECORD_BATCH = 1000

_CLAIM_FIELDS = (
    "id", "type", "status", "text", "claimant_id", "speaker_id", "speaker_description",
    "reported_via_id", "responds_to_id", "response_status", "story_id", "first_seen_at",
    "first_outlet_id", "rule", "cue", "created_at", "updated_at", "version",
)  # fmt: skip
_MENTION_FIELDS = (
    "claim_id", "article_id", "quote", "start", "end", "in_title", "cue", "direct",
    "attributed_by_id",
)  # fmt: skip
_ARTICLE_FIELDS = ("id", "source_file", "url", "outlet_id", "title", "published_at")


def claims_with_record_data(claims: QuerySet[Claim]) -> QuerySet[Claim]:
    """The claims with the related rows the claim pages show, loaded in a fixed number of
    queries (the pages render from instances; records come from RecordBuilder)."""
    return claims.select_related(
        "claimant", "speaker", "reported_via", "first_outlet"
    ).prefetch_related(
        "targets__aliases",
        "tags",
        "figures",
        "claimant__aliases",
        "speaker__aliases",
        Prefetch("speaker__roles", queryset=ActorRole.objects.select_related("organization")),
        Prefetch(
            "mentions",
            queryset=Mention.objects.select_related("article__outlet", "attributed_by").order_by(
                "article_id", "in_title", "start"
            ),
        ),
    )


class _AnyOf(Func):
    """`column = ANY(<one array parameter>)` on PostgreSQL, `column IN (...)` elsewhere.
    A thousand ids as one parameter rather than a thousand: Django prepares and psycopg
    binds each of them (a third of an export's time, measured with cProfile)."""

    output_field = BooleanField()

    def __init__(self, column: str, values: Iterable[int]):
        super().__init__(F(column))
        self.values = list(values)

    def as_sql(self, compiler, connection, **extra_context):
        column, params = compiler.compile(self.source_expressions[0])
        if connection.vendor == "postgresql":
            return f"{column} = ANY(%s)", [*params, self.values]
        placeholders = ", ".join(["%s"] * len(self.values)) or "NULL"
        return f"{column} IN ({placeholders})", [*params, *self.values]


# Timestamps of the records, read as PostgreSQL's text (see _timestamps_as_text).
_CLAIM_TIMES = ("first_seen_at", "created_at", "updated_at")


def _timestamps_as_text(connection) -> bool:
    """Whether to read timestamps as text: on PostgreSQL, whose sessions Django keeps in
    UTC, the text form turns into the record's ISO 8601 by moving two characters, where
    making a datetime and printing it again costs a fifth of an export's time."""
    return connection.vendor == "postgresql" and connection.timezone_name == "UTC"


def _iso(value) -> str | None:
    """ISO 8601 as datetime.isoformat() writes it, from a datetime or from PostgreSQL's
    text form of a UTC timestamp ("2026-03-01 09:30:00.5+00")."""
    if not value:
        return None
    if not isinstance(value, str):
        return value.isoformat()
    if not value.endswith("+00") or value[10] != " ":
        raise ValueError(f"not a UTC timestamp: {value!r}")
    time = value[11:-3]
    if "." in time:
        whole, fraction = time.split(".")
        time = f"{whole}.{fraction:0<6}"
    return f"{value[:10]}T{time}+00:00"


class RecordBuilder:
    """Makes claim records from claim ids, remembering the actors, outlets and users it
    has read. One builder serves one request or one export; `with_version` adds the
    claim's `version` (the API's records carry it for If-Match)."""

    def __init__(self, *, with_version: bool = False, using: str = "default"):
        self.with_version = with_version
        self.using = using
        self._actors: dict[int, dict] = {}  # id -> record with kind and aliases
        self._roles: dict[int, list[tuple[int | None, str]]] = {}  # person -> roles
        self._outlets: dict[int, str | None] = {}
        self._users: dict[int, str] = {}

    # The claims.

    def records(self, claim_ids: Sequence[int]) -> list[dict]:
        """The records of `claim_ids`, in that order (ids not found are left out)."""
        out: list[dict] = []
        for start in range(0, len(claim_ids), RECORD_BATCH):
            out += self._batch(claim_ids[start : start + RECORD_BATCH])
        return out

    def iter_records(self, claim_ids: Iterable[int]) -> Iterator[dict]:
        """Records for a stream of ids (an export), read RECORD_BATCH at a time."""
        batch: list[int] = []
        for claim_id in claim_ids:
            batch.append(claim_id)
            if len(batch) >= RECORD_BATCH:
                yield from self._batch(batch)
                batch = []
        if batch:
            yield from self._batch(batch)

    def _batch(self, ids: Sequence[int]) -> list[dict]:
        try:
            return self._read_batch(ids)
        except KeyError:
            # A row one statement named was gone by the next (an actor merged away, an
            # article deleted while the batch was read): read the batch again, afresh.
            # (On PostgreSQL the API reads records in one statement: SqlRecordWriter.)
            self._actors, self._roles, self._outlets, self._users = {}, {}, {}, {}
            return self._read_batch(ids)

    def _read_batch(self, ids: Sequence[int]) -> list[dict]:
        if not ids:
            return []
        db = self.using
        as_text = _timestamps_as_text(connections[db])
        claims = Claim.objects.using(db).filter(_AnyOf("id", ids)).order_by()
        if as_text:
            fields = [f for f in _CLAIM_FIELDS if f not in _CLAIM_TIMES]
            texts = {f"{name}_text": Cast(name, TextField()) for name in _CLAIM_TIMES}
            rows = {row["id"]: row for row in claims.values(*fields, **texts)}
            for row in rows.values():
                for name in _CLAIM_TIMES:
                    row[name] = row.pop(f"{name}_text")
        else:
            rows = {row["id"]: row for row in claims.values(*_CLAIM_FIELDS)}
        targets: dict[int, list[int]] = defaultdict(list)
        through = Claim.targets.through.objects.using(db).filter(_AnyOf("claim_id", ids))
        for claim_id, actor_id in through.order_by("actor_id").values_list("claim_id", "actor_id"):
            targets[claim_id].append(actor_id)
        tags: dict[int, list[str]] = defaultdict(list)
        tagged = Claim.tags.through.objects.using(db).filter(_AnyOf("claim_id", ids))
        for claim_id, slug in tagged.values_list("claim_id", "tag__slug"):
            tags[claim_id].append(slug)
        figures: dict[int, list[dict]] = defaultdict(list)
        for figure in (
            Figure.objects.using(db)
            .filter(_AnyOf("claim_id", ids))
            .order_by("id")
            .values("claim_id", "low", "high", "approx", "counts", "subject")
        ):
            figures[figure.pop("claim_id")].append(figure)
        mentions: dict[int, list[dict]] = defaultdict(list)
        for mention in (
            Mention.objects.using(db)
            .filter(_AnyOf("claim_id", ids))
            .order_by("article_id", "in_title", "start", "id")
            .values(*_MENTION_FIELDS)
        ):
            mentions[mention["claim_id"]].append(mention)
        article_ids = {m["article_id"] for ms in mentions.values() for m in ms}
        articles = Article.objects.using(db).filter(_AnyOf("id", article_ids)).order_by()
        if as_text:
            fields = [f for f in _ARTICLE_FIELDS if f != "published_at"]
            articles = articles.values(*fields, published_at_text=Cast("published_at", TextField()))
        else:
            articles = articles.values(*_ARTICLE_FIELDS)
        articles = {
            row["id"]: {
                **row,
                "published_at": row.get("published_at_text", row.get("published_at")),
            }
            for row in articles
        }

        actor_ids: set[int] = set()
        for row in rows.values():
            actor_ids.update(
                i for i in (row["claimant_id"], row["speaker_id"], row["reported_via_id"]) if i
            )
        for ids_ in targets.values():
            actor_ids.update(ids_)
        self._load_actors(actor_ids)
        self._load_roles({row["speaker_id"] for row in rows.values() if row["speaker_id"]})
        outlet_ids = {row["first_outlet_id"] for row in rows.values()}
        outlet_ids |= {row["outlet_id"] for row in articles.values()}
        self._load_outlets(outlet_ids)
        self._load_users({m["attributed_by_id"] for ms in mentions.values() for m in ms})

        records = []
        for claim_id in ids:
            row = rows.get(claim_id)
            if row is None:
                continue
            records.append(
                self._record(
                    row,
                    targets=targets.get(claim_id, ()),
                    tags=sorted(tags.get(claim_id, ())),
                    figures=figures.get(claim_id, []),
                    mentions=[
                        self._mention(m, articles[m["article_id"]])
                        for m in mentions.get(claim_id, ())
                    ],
                )
            )
        return records

    def _record(self, row: dict, *, targets, tags, figures, mentions) -> dict:
        first_outlet = row["first_outlet_id"]
        record = {
            "id": row["id"],
            "type": row["type"],
            "status": row["status"],
            "text": row["text"],
            "claimant": self._actor(row["claimant_id"]),
            "speaker": self._speaker(row["speaker_id"], row["claimant_id"]),
            "speaker_description": row["speaker_description"] or None,
            "reported_via": self._actor(row["reported_via_id"], with_kind=False),
            "targets": [self._actor(actor_id, with_kind=False) for actor_id in targets],
            "responds_to": row["responds_to_id"],
            "response_status": row["response_status"] or None,
            "story": row["story_id"],
            "tags": tags,
            "figures": figures,
            "first_seen": {
                "at": _iso(row["first_seen_at"]),
                "outlet": self._outlets.get(first_outlet) if first_outlet else None,
            },
            "rule": row["rule"],
            "cue": row["cue"],
            "mentions": mentions,
            "created_at": _iso(row["created_at"]),
            "updated_at": _iso(row["updated_at"]),
        }
        if self.with_version:
            record["version"] = row["version"]
        return record

    def _mention(self, mention: dict, article: dict) -> dict:
        outlet = article["outlet_id"]
        user = mention["attributed_by_id"]
        return {
            "article": {
                "id": article["id"],
                "source_file": article["source_file"],
                "url": article["url"] or None,
                "outlet": self._outlets.get(outlet) if outlet else None,
                "title": article["title"],
                "published_at": _iso(article["published_at"]),
            },
            "quote": mention["quote"],
            "start": mention["start"],
            "end": mention["end"],
            "in_title": mention["in_title"],
            "cue": mention["cue"],
            "direct": mention["direct"],
            "attributed_by": self._users.get(user, "") if user else "machine",
        }

    # Actors, outlets, users: read once per builder.

    def _actor(self, actor_id: int | None, *, with_kind: bool = True) -> dict | None:
        if actor_id is None:
            return None
        actor = self._actors[actor_id]
        record = {"id": actor_id, "name_ar": actor["name_ar"], "name_en": actor["name_en"]}
        if with_kind:
            record["kind"] = actor["kind"]
        record["aliases"] = list(actor["aliases"])
        return record

    def _speaker(self, speaker_id: int | None, claimant_id: int) -> dict | None:
        if speaker_id is None:
            return None
        actor = self._actors[speaker_id]
        roles = self._roles.get(speaker_id, [])
        role = next((title for org, title in roles if org == claimant_id), None)
        if role is None and roles:
            role = roles[0][1]
        return {
            "id": speaker_id,
            "name_ar": actor["name_ar"],
            "name_en": actor["name_en"],
            "role": role or "",
            "aliases": list(actor["aliases"]),
        }

    def _load_actors(self, ids: set[int]) -> None:
        missing = ids - self._actors.keys()
        if not missing:
            return
        aliases: dict[int, set[str]] = defaultdict(set)
        for actor_id, surface in (
            ActorAlias.objects.using(self.using)
            .filter(actor_id__in=missing)
            .values_list("actor_id", "surface")
        ):
            aliases[actor_id].add(surface)
        for row in (
            Actor.objects.using(self.using)
            .filter(pk__in=missing)
            .values("id", "name_ar", "name_en", "kind")
        ):
            row["aliases"] = tuple(sorted(aliases.get(row["id"], ())))
            self._actors[row["id"]] = row

    def _load_roles(self, people: set[int]) -> None:
        missing = people - self._roles.keys()
        if not missing:
            return
        for person in missing:
            self._roles[person] = []
        for person, organization, title in (
            ActorRole.objects.using(self.using)
            .filter(person_id__in=missing)
            .order_by("id")
            .values_list("person_id", "organization_id", "title_ar")
        ):
            self._roles[person].append((organization, title))

    def _load_outlets(self, ids: set[int | None]) -> None:
        missing = {i for i in ids if i} - self._outlets.keys()
        if missing:
            for pk, name_ar, name_en in (
                Outlet.objects.using(self.using)
                .filter(pk__in=missing)
                .values_list("pk", "name_ar", "name_en")
            ):
                self._outlets[pk] = name_en or name_ar

    def _load_users(self, ids: set[int | None]) -> None:
        missing = {i for i in ids if i} - self._users.keys()
        if missing:
            user_model = get_user_model()
            for user in user_model.objects.using(self.using).filter(pk__in=missing):
                self._users[user.pk] = user.get_username()


def claim_record(claim: Claim | int, *, with_version: bool = False) -> dict:
    """One claim's record (the claim or its id): what DESIGN.md gives, with each actor's
    aliases, plus what extraction found about its sources and figures."""
    claim_id = claim if isinstance(claim, int) else claim.pk
    if SqlRecordWriter.available():
        # One statement: a record read while an editor merges actors or deletes an
        # article is whole, before or after, never half of each.
        records = [
            orjson.loads(text)
            for text in SqlRecordWriter(with_version=with_version).texts([claim_id])
        ]
    else:
        records = RecordBuilder(with_version=with_version).records([claim_id])
    if not records:
        raise Claim.DoesNotExist(f"no claim {claim_id}")
    return records[0]


CSV_COLUMNS = [
    "id", "type", "status", "text", "claimant_id", "claimant_ar", "claimant_en", "speaker_ar",
    "speaker_en", "speaker_role", "speaker_description", "targets_ar", "targets_en",
    "responds_to", "response_status", "story", "tags", "figures", "mention_count",
    "first_seen_at", "first_outlet", "first_source_file", "first_quote", "first_start",
    "first_end", "rule", "cue", "created_at", "updated_at",
]  # fmt: skip


def claim_csv_row(record: dict) -> list:
    """One spreadsheet row for a claim record: lists joined with " | "."""
    speaker = record["speaker"] or {}
    first = record["mentions"][0] if record["mentions"] else None
    return [
        record["id"], record["type"], record["status"], record["text"],
        record["claimant"]["id"], record["claimant"]["name_ar"], record["claimant"]["name_en"],
        speaker.get("name_ar", ""), speaker.get("name_en", ""), speaker.get("role", ""),
        record["speaker_description"] or "",
        " | ".join(t["name_ar"] for t in record["targets"]),
        " | ".join(t["name_en"] for t in record["targets"]),
        record["responds_to"] or "", record["response_status"] or "", record["story"] or "",
        " | ".join(record["tags"]),
        " | ".join(
            f"{f['low']}{'' if f['high'] == f['low'] else '-' + str(f['high'] or '')} {f['counts']}"
            for f in record["figures"]
        ),
        len(record["mentions"]), record["first_seen"]["at"] or "",
        record["first_seen"]["outlet"] or "",
        first["article"]["source_file"] if first else "", first["quote"] if first else "",
        first["start"] if first else "", first["end"] if first else "",
        record["rule"], record["cue"], record["created_at"], record["updated_at"],
    ]  # fmt: skip


# Records written by PostgreSQL.


def _iso_sql(column: str) -> str:
    """SQL for a UTC timestamp in ISO 8601 exactly as datetime.isoformat() writes it
    (microseconds only when there are some), or NULL."""
    utc = f"({column} AT TIME ZONE 'UTC')"
    return (
        f"(to_char({utc}, 'YYYY-MM-DD\"T\"HH24:MI:SS')"
        f" || CASE WHEN mod(extract(microseconds FROM {column})::bigint, 1000000) = 0 THEN ''"
        f" ELSE to_char({utc}, '.US') END || '+00:00')"
    )


_CLAIM_COLUMNS = [
    "id", "type", "status", "text", "claimant_id", "speaker_id", "speaker_description",
    "reported_via_id", "responds_to_id", "response_status", "story_id", "first_seen_at",
    "first_outlet_id", "rule", "cue", "created_at", "updated_at", "version",
]  # fmt: skip


# JSON written by string concatenation: PostgreSQL's json_build_object costs about twice
# as much per value (it looks up each argument's type at every call), and its output has
# spaces around every colon and comma. Each helper gives the JSON text of a value.


def _str(expr: str) -> str:
    return f"coalesce(to_json({expr})::text, 'null')"


def _num(expr: str) -> str:
    return f"coalesce(({expr})::text, 'null')"


def _bool(expr: str) -> str:
    return f"(CASE WHEN {expr} THEN 'true' WHEN NOT {expr} THEN 'false' ELSE 'null' END)"


def _time(column: str) -> str:
    return f"coalesce('\"' || {_iso_sql(column)} || '\"', 'null')"


def _object(*pairs: tuple[str, str]) -> str:
    """The JSON text of an object: (key, SQL giving the value's JSON text) in order."""
    parts = []
    for index, (key, value) in enumerate(pairs):
        parts += [f"'{',' if index else '{'}\"{key}\":'", value]
    return "(" + " || ".join([*parts, "'}'"]) + ")"


def _array(item: str, order: str) -> str:
    """An aggregate's JSON array text (NULL over no rows)."""
    return f"'[' || string_agg({item}, ',' ORDER BY {order}) || ']'"


# The speaker's role: the title of a role in the claimant's organization, else the
# first role recorded (RecordBuilder._speaker), else "".
_SPEAKER_ROLE = """coalesce((
    SELECT r.title_ar FROM claims_actorrole r WHERE r.person_id = c.speaker_id
    ORDER BY coalesce(r.organization_id = c.claimant_id, false) DESC, r.id LIMIT 1
), '')"""


def _records_sql(with_version: bool, *, with_mark: bool = False) -> str:
    """One statement that writes the records of an array of claim ids as JSON text, in
    the array's order: the claims of the batch, then their targets, tags, figures and
    mentions each aggregated in one pass (hash joins, not a subquery per claim), and
    each actor's JSON made once per batch. The same record as RecordBuilder._record.
    `with_mark`: rows of (claim id, its stored record's mark, JSON), the mark read in the
    same snapshot as the data (claims.record_store)."""
    user = get_user_model()._meta
    username = f"u.{user.get_field(user.model.USERNAME_FIELD).column}"

    def actor(*, kind: bool) -> str:
        pairs = [("id", _num("a.id")), ("name_ar", _str("a.name_ar")),
                 ("name_en", _str("a.name_en"))]  # fmt: skip
        if kind:
            pairs.append(("kind", _str("a.kind")))
        return _object(*pairs, ("aliases", "al.surfaces"))

    speaker = _object(
        ("id", _num("sp.id")),
        ("name_ar", _str("sp.name_ar")),
        ("name_en", _str("sp.name_en")),
        (
            "role",
            _str(_SPEAKER_ROLE),
        ),
        ("aliases", "sp.aliases"),
    )
    figure = _object(
        ("low", _num("f.low")),
        ("high", _num("f.high")),
        ("approx", _bool("f.approx")),
        ("counts", _str("f.counts")),
        ("subject", _str("f.subject")),
    )
    article = _object(
        ("id", _num("ar.id")),
        ("source_file", _str("ar.source_file")),
        ("url", _str("nullif(ar.url, '')")),
        ("outlet", _str("coalesce(nullif(ao.name_en, ''), ao.name_ar)")),
        ("title", _str("ar.title")),
        ("published_at", _time("ar.published_at")),
    )
    mention = _object(
        ("article", article),
        ("quote", _str("m.quote")),
        ("start", _num("m.start")),
        ("end", _num('m."end"')),
        ("in_title", _bool("m.in_title")),
        ("cue", _str("m.cue")),
        ("direct", _bool("m.direct")),
        ("attributed_by", _str(
            f"CASE WHEN m.attributed_by_id IS NULL THEN 'machine' ELSE coalesce({username}, '') END"
        )),
    )  # fmt: skip
    record = _object(
        ("id", _num("c.id")),
        ("type", _str("c.type")),
        ("status", _str("c.status")),
        ("text", _str("c.text")),
        ("claimant", "cl.with_kind"),
        ("speaker", f"CASE WHEN c.speaker_id IS NULL THEN 'null' ELSE {speaker} END"),
        ("speaker_description", _str("nullif(c.speaker_description, '')")),
        ("reported_via", "coalesce(rv.plain, 'null')"),
        ("targets", "coalesce(tl.list, '[]')"),
        ("responds_to", _num("c.responds_to_id")),
        ("response_status", _str("nullif(c.response_status, '')")),
        ("story", _num("c.story_id")),
        ("tags", "coalesce(gl.list, '[]')"),
        ("figures", "coalesce(fl.list, '[]')"),
        ("first_seen", _object(
            ("at", _time("c.first_seen_at")),
            ("outlet", _str("coalesce(nullif(fo.name_en, ''), fo.name_ar)")),
        )),
        ("rule", _str("c.rule")),
        ("cue", _str("c.cue")),
        ("mentions", "coalesce(ml.list, '[]')"),
        ("created_at", _time("c.created_at")),
        ("updated_at", _time("c.updated_at")),
        *([("version", _num("c.version"))] if with_version else []),
    )  # fmt: skip
    # One look-up in the primary key per claim (a join let the planner walk the whole
    # index of a large table). NULL unless every transaction older than the row's mark
    # had ended when this statement's snapshot was taken (claims.record_store, step 3).
    mark = (
        ", (SELECT sr.mark FROM claims_storedrecord sr WHERE sr.claim_id = c.id"
        " AND sr.mark < txid_snapshot_xmin(txid_current_snapshot())) AS stored_mark"
        if with_mark
        else ""
    )
    return f"""
WITH ids AS (
    SELECT id, ord FROM unnest(%(ids)s::bigint[]) WITH ORDINALITY AS t(id, ord)
), batch AS MATERIALIZED (
    SELECT ids.ord, {", ".join("c." + f for f in _CLAIM_COLUMNS)}{mark}
    FROM ids JOIN claims_claim c ON c.id = ids.id
), targets AS MATERIALIZED (
    SELECT t.claim_id, t.actor_id FROM claims_claim_targets t
    WHERE t.claim_id = ANY(%(ids)s::bigint[])
), named AS (
    SELECT claimant_id AS id FROM batch
    UNION SELECT speaker_id FROM batch WHERE speaker_id IS NOT NULL
    UNION SELECT reported_via_id FROM batch WHERE reported_via_id IS NOT NULL
    UNION SELECT actor_id FROM targets
), actors AS MATERIALIZED (
    SELECT a.id, a.name_ar, a.name_en, al.surfaces AS aliases,
        {actor(kind=True)} AS with_kind, {actor(kind=False)} AS plain
    FROM claims_actor a
    LEFT JOIN LATERAL (
        SELECT coalesce({_array("to_json(s.surface)::text", 's.surface COLLATE "C"')}, '[]')
            AS surfaces
        FROM (SELECT DISTINCT surface FROM claims_actoralias WHERE actor_id = a.id) s
    ) al ON true
    WHERE a.id IN (SELECT id FROM named)
), target_lists AS (
    SELECT t.claim_id, {_array("a.plain", "t.actor_id")} AS list
    FROM targets t JOIN actors a ON a.id = t.actor_id GROUP BY t.claim_id
), tag_lists AS (
    SELECT ct.claim_id, {_array("to_json(tg.slug)::text", 'tg.slug COLLATE "C"')} AS list
    FROM claims_claim_tags ct JOIN claims_tag tg ON tg.id = ct.tag_id
    WHERE ct.claim_id = ANY(%(ids)s::bigint[]) GROUP BY ct.claim_id
), figure_lists AS (
    SELECT f.claim_id, {_array(figure, "f.id")} AS list
    FROM claims_figure f WHERE f.claim_id = ANY(%(ids)s::bigint[]) GROUP BY f.claim_id
), mention_lists AS (
    SELECT m.claim_id,
        {_array(mention, "m.article_id, m.in_title, m.start, m.id")} AS list
    FROM claims_mention m
    JOIN sources_article ar ON ar.id = m.article_id
    LEFT JOIN sources_outlet ao ON ao.id = ar.outlet_id
    LEFT JOIN {user.db_table} u ON u.id = m.attributed_by_id
    WHERE m.claim_id = ANY(%(ids)s::bigint[]) GROUP BY m.claim_id
)
SELECT {"c.id, c.stored_mark, " if with_mark else ""}{record}
FROM batch c
JOIN actors cl ON cl.id = c.claimant_id
LEFT JOIN actors sp ON sp.id = c.speaker_id
LEFT JOIN actors rv ON rv.id = c.reported_via_id
LEFT JOIN sources_outlet fo ON fo.id = c.first_outlet_id
LEFT JOIN target_lists tl ON tl.claim_id = c.id
LEFT JOIN tag_lists gl ON gl.claim_id = c.id
LEFT JOIN figure_lists fl ON fl.claim_id = c.id
LEFT JOIN mention_lists ml ON ml.claim_id = c.id
ORDER BY c.ord
"""


def _csv_rows_sql() -> str:
    """One statement that writes, for an array of claim ids in its order, each claim's
    CSV row (CSV_COLUMNS, claim_csv_row's values) as a JSON array: an export reads it back
    with orjson and hands it to csv.writer, without the whole record."""

    def text_or_empty(expr: str) -> str:
        return _str(f"coalesce({expr}, '')")

    def number_or_empty(expr: str) -> str:
        return f"coalesce(({expr})::text, '\"\"')"

    def time_or_empty(column: str) -> str:
        return f"coalesce('\"' || {_iso_sql(column)} || '\"', '\"\"')"

    role = f"CASE WHEN c.speaker_id IS NULL THEN '' ELSE {_SPEAKER_ROLE} END"
    # "3-5 killed", "3 killed" (high equal to low), "3- killed" (no high, or 0).
    figure = """f.low::text || CASE WHEN f.high IS NOT DISTINCT FROM f.low THEN ''
        ELSE '-' || CASE WHEN coalesce(f.high, 0) = 0 THEN '' ELSE f.high::text END END
        || ' ' || f.counts"""
    values = [
        _num("c.id"), _str("c.type"), _str("c.status"), _str("c.text"), _num("c.claimant_id"),
        _str("cl.name_ar"), _str("cl.name_en"), text_or_empty("sp.name_ar"),
        text_or_empty("sp.name_en"), _str(role), text_or_empty("c.speaker_description"),
        text_or_empty("tl.names_ar"), text_or_empty("tl.names_en"),
        number_or_empty("c.responds_to_id"), text_or_empty("c.response_status"),
        number_or_empty("c.story_id"), text_or_empty("gl.slugs"), text_or_empty("fl.list"),
        "coalesce(fm.n, 0)::text", time_or_empty("c.first_seen_at"),
        text_or_empty("coalesce(nullif(fo.name_en, ''), fo.name_ar)"),
        text_or_empty("fm.source_file"), text_or_empty("fm.quote"),
        number_or_empty("fm.start"), number_or_empty('fm."end"'), _str("c.rule"),
        _str("c.cue"), _time("c.created_at"), _time("c.updated_at"),
    ]  # fmt: skip
    if len(values) != len(CSV_COLUMNS):
        raise ImproperlyConfigured("the CSV statement and CSV_COLUMNS differ")
    return f"""
WITH ids AS (
    SELECT id, ord FROM unnest(%(ids)s::bigint[]) WITH ORDINALITY AS t(id, ord)
), target_names AS (
    SELECT t.claim_id, string_agg(a.name_ar, ' | ' ORDER BY t.actor_id) AS names_ar,
        string_agg(a.name_en, ' | ' ORDER BY t.actor_id) AS names_en
    FROM claims_claim_targets t JOIN claims_actor a ON a.id = t.actor_id
    WHERE t.claim_id = ANY(%(ids)s::bigint[]) GROUP BY t.claim_id
), tag_slugs AS (
    SELECT ct.claim_id, string_agg(tg.slug, ' | ' ORDER BY tg.slug COLLATE "C") AS slugs
    FROM claims_claim_tags ct JOIN claims_tag tg ON tg.id = ct.tag_id
    WHERE ct.claim_id = ANY(%(ids)s::bigint[]) GROUP BY ct.claim_id
), figure_texts AS (
    SELECT f.claim_id, string_agg({figure}, ' | ' ORDER BY f.id) AS list
    FROM claims_figure f WHERE f.claim_id = ANY(%(ids)s::bigint[]) GROUP BY f.claim_id
), first_mentions AS (
    SELECT DISTINCT ON (m.claim_id) m.claim_id, ar.source_file, m.quote, m.start, m."end",
        count(*) OVER (PARTITION BY m.claim_id) AS n
    FROM claims_mention m JOIN sources_article ar ON ar.id = m.article_id
    WHERE m.claim_id = ANY(%(ids)s::bigint[])
    ORDER BY m.claim_id, m.article_id, m.in_title, m.start, m.id
)
SELECT '[' || {" || ',' || ".join(values)} || ']'
FROM ids JOIN claims_claim c ON c.id = ids.id
JOIN claims_actor cl ON cl.id = c.claimant_id
LEFT JOIN claims_actor sp ON sp.id = c.speaker_id
LEFT JOIN sources_outlet fo ON fo.id = c.first_outlet_id
LEFT JOIN target_names tl ON tl.claim_id = c.id
LEFT JOIN tag_slugs gl ON gl.claim_id = c.id
LEFT JOIN figure_texts fl ON fl.claim_id = c.id
LEFT JOIN first_mentions fm ON fm.claim_id = c.id
ORDER BY ids.ord
"""


# The stored API records (claims.record_store) of an array of claim ids, in its order:
# (id, the JSON text or NULL where none is stored, whether the claim has a row at all).
STORED_TEXTS_SQL = """
SELECT t.id, r.json, r.claim_id IS NOT NULL
FROM unnest(%(ids)s::bigint[]) WITH ORDINALITY AS t(id, ord)
LEFT JOIN claims_storedrecord r ON r.claim_id = t.id
ORDER BY t.ord
"""


class SqlRecordWriter:
    """Claim records as JSON text written by PostgreSQL (one statement per batch of
    RECORD_BATCH ids), for the exports and the API's lists; the same records as
    RecordBuilder, which other databases use, and the same bytes as orjson writes for
    them (a test compares the two claim by claim).
    Python only passes the text on: this is what lets an export stream tens of thousands
    of claims a second and a page of 50 cost one query."""

    def __init__(
        self,
        *,
        with_version: bool = False,
        using: str = "default",
        csv: bool = False,
        stored: bool = False,
    ):
        """`csv`: each claim's CSV row as a JSON array instead (see _csv_rows_sql).
        `stored` (API records, with_version): the texts claims.record_store keeps are
        read, and only the others written; read in one snapshot (an export's), a stored
        text is the record of the data in that snapshot, since the trigger that deletes
        it commits with the change. Nothing is stored here."""
        if stored and (csv or not with_version):
            raise ValueError("only the API's records (with version) are stored")
        self.using = using
        self.stored = stored
        self.sql = _csv_rows_sql() if csv else _records_sql(with_version, with_mark=stored)

    @staticmethod
    def available(using: str = "default") -> bool:
        return connections[using].vendor == "postgresql"

    def texts(self, claim_ids: Sequence[int]) -> list[str]:
        """The records of `claim_ids` as JSON text, in that order (ids not found left out)."""
        out: list[str] = []
        with prepared_cursor(self.using) as cursor:
            for batch in _batches(claim_ids, RECORD_BATCH):
                out += self._texts_on(cursor, batch)
        return out

    def iter_texts(self, claim_ids: Iterable[int], *, snapshot: str | None = None) -> Iterator[str]:
        """JSON texts for a stream of ids (an export), RECORD_BATCH at a time. With the
        `snapshot` of the caller's transaction (export_snapshot), every other batch is
        written by a second connection that reads that same snapshot, so two PostgreSQL
        backends work at once (as pg_dump --jobs does) and the file is still one
        consistent view of the data."""
        batches = _batches(claim_ids, RECORD_BATCH)
        first, second = next(batches, None), next(batches, None)
        if first is None:
            return
        if snapshot is None or second is None:
            # A single batch (most filtered exports) needs no second connection.
            with prepared_cursor(self.using) as cursor:
                for batch in chain([first], [second] if second else [], batches):
                    yield from self._texts_on(cursor, batch)
            return
        yield from _Helper(self, snapshot).texts(chain([first, second], batches))

    def _texts_on(self, cursor, batch: list[int]) -> list[str]:
        if self.stored:
            return self._stored_texts_on(cursor, batch)
        cursor.execute(self.sql, {"ids": batch})
        return [row[0] for row in cursor.fetchall()]

    def _stored_texts_on(self, cursor, batch: list[int]) -> list[str]:
        cursor.execute(STORED_TEXTS_SQL, {"ids": batch})
        rows = cursor.fetchall()
        missing = [claim_id for claim_id, text, _ in rows if text is None]
        written = {}
        if missing:
            cursor.execute(self.sql, {"ids": missing})
            written = {claim_id: text for claim_id, _mark, text in cursor.fetchall()}
        texts = (text if text is not None else written.get(claim_id) for claim_id, text, _ in rows)
        return [text for text in texts if text is not None]


def _batches(ids: Iterable[int], size: int) -> Iterator[list[int]]:
    batch: list[int] = []
    for claim_id in ids:
        batch.append(claim_id)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


class _Helper:
    """A thread with a connection of its own in the exporting transaction's snapshot,
    writing the batches it is handed while the caller writes the others."""

    def __init__(self, writer: SqlRecordWriter, snapshot: str):
        self.writer = writer
        self.snapshot = snapshot
        self.requests: queue.Queue = queue.Queue()
        self.results: queue.Queue = queue.Queue()

    def texts(self, batches: Iterator[list[int]]) -> Iterator[str]:
        thread = threading.Thread(target=self._run, name="record-writer", daemon=True)
        thread.start()
        try:
            with prepared_cursor(self.writer.using) as cursor:
                handed = self._hand(batches)
                while handed:
                    mine = next(batches, None)
                    my_texts = self.writer._texts_on(cursor, mine) if mine else []
                    theirs = self._result()
                    handed = self._hand(batches)  # the helper starts before we yield
                    yield from theirs
                    yield from my_texts
        finally:
            self.requests.put(None)
            thread.join()

    def _hand(self, batches: Iterator[list[int]]) -> bool:
        batch = next(batches, None)
        if batch is not None:
            self.requests.put(batch)
        return batch is not None

    def _result(self) -> list[str]:
        kind, value = self.results.get()
        if kind == "error":
            raise value
        return value

    def _run(self) -> None:
        using = self.writer.using
        try:
            with transaction.atomic(using=using):
                with connections[using].cursor() as cursor:
                    cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
                    cursor.execute("SET TRANSACTION SNAPSHOT %s", [self.snapshot])
                with prepared_cursor(using) as cursor:
                    while (batch := self.requests.get()) is not None:
                        self.results.put(("ok", self.writer._texts_on(cursor, batch)))
        except Exception as exc:  # handed to the caller, which raises it
            self.results.put(("error", exc))
        finally:
            connections[using].close()


@contextmanager
def export_snapshot(using: str = "default") -> Iterator[str | None]:
    """A transaction for an export: on PostgreSQL, when it is the outermost one,
    REPEATABLE READ (every statement of the export sees the same data) with its snapshot
    exported for SqlRecordWriter's second connection; otherwise a plain atomic block,
    yielding None. On SQLite, none: its transactions take the write lock when they
    begin (transaction_mode IMMEDIATE, conflictdesk/settings.py), and an export streamed
    for minutes would hold off every ingest and review; each statement still reads one
    state of the file (WAL), but rows changed during the export may show in it."""
    connection = connections[using]
    if connection.vendor == "sqlite":
        yield None
        return
    outermost = not connection.in_atomic_block
    with transaction.atomic(using=using):
        if connection.vendor != "postgresql" or not outermost:
            yield None
            return
        with connection.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            cursor.execute("SELECT pg_export_snapshot()")
            (snapshot,) = cursor.fetchone()
        yield snapshot


def claim_records_json(
    claim_ids: Sequence[int], *, with_version: bool = False, using: str = "default"
) -> list:
    """The records of `claim_ids` for a JSON response rendered by orjson
    (conflictdesk.renderers.FastJSONRenderer): on PostgreSQL the JSON text it wrote, as
    orjson.Fragment; elsewhere RecordBuilder's dictionaries."""
    if SqlRecordWriter.available(using):
        writer = SqlRecordWriter(with_version=with_version, using=using)
        return [orjson.Fragment(text) for text in writer.texts(claim_ids)]
    return RecordBuilder(with_version=with_version, using=using).records(claim_ids)


class _Echo:
    """A file that hands back what is written to it, for csv.writer in a stream."""

    def write(self, value: str) -> str:
        return value


def record_lines(
    claim_ids: Iterable[int],
    *,
    fmt: str,
    with_version: bool = False,
    using: str = "default",
    snapshot: str | None = None,
) -> Iterator[str]:
    """The lines of an export file for a stream of claim ids, in their order: JSON lines
    of the record, or CSV rows (claim_csv_row) after a byte-order mark and the header (so
    spreadsheets read Arabic). On PostgreSQL the database writes them (SqlRecordWriter, in
    two connections given the `snapshot` of export_snapshot): a record's JSON text, which
    a JSON line copies, or a CSV row's values as a JSON array, read back with orjson."""
    if fmt not in ("jsonl", "csv"):
        raise ValueError(f"unknown export format {fmt!r}")
    writer = csv.writer(_Echo())
    if fmt == "csv":
        yield "\ufeff" + writer.writerow(CSV_COLUMNS)
    if SqlRecordWriter.available(using):
        stored = with_version and fmt == "jsonl" and settings.STORED_RECORDS
        sql_writer = SqlRecordWriter(
            with_version=with_version, using=using, csv=fmt == "csv", stored=stored
        )
        texts = sql_writer.iter_texts(claim_ids, snapshot=snapshot)
        if fmt == "jsonl":
            for text in texts:
                yield text + "\n"
        else:
            for text in texts:
                yield writer.writerow(orjson.loads(text))
        return
    records = RecordBuilder(with_version=with_version, using=using).iter_records(claim_ids)
    for record in records:
        if fmt == "jsonl":
            yield orjson.dumps(record, option=orjson.OPT_APPEND_NEWLINE).decode()
        else:
            yield writer.writerow(claim_csv_row(record))
