"""Fill a benchmark database with a large, realistic data set: N articles, M claims.

Run from the project root with the project's venv, on a database whose name contains
"bench" (the script refuses any other, to protect development data):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/conflictdesk_bench \\
        .venv/bin/python bench/gen_bulk.py                            # 100k articles, 1M claims
    ... bench/gen_bulk.py --articles 10000 --claims 100000 --reset    # smaller, start again

What it does:
- creates the database if it does not exist, then `manage.py migrate`, `load_registry`
  (the project's real actor registry, with its 66 media outlets) and `demo_users`;
- refuses to run when articles or claims are already stored, unless `--reset` (which
  empties the article, story, claim and ingest tables: actors, outlets, users and tags
  stay);
- writes, by PostgreSQL COPY (psycopg 3 `cursor.copy`) in batches of ~25,000 claims:
  stories (about one per 8 articles), ingested files (the bytes kept, as ingestion
  does) and articles, claims with their targets, tags, typed links (denials,
  counterclaims and confirmations linked to the accusation they answer, whose
  `response_status` is derived as claims/services/extraction.py derives it), mentions
  (~1.3 per claim: a later article of the same story reports an earlier claim again),
  figures (claims.extraction.figures on the claim text) and claim events (`extracted`,
  and an analyst's or editor's `update` for reviewed claims);
- sets the id sequences and runs `VACUUM (ANALYZE)` on the filled tables (this server
  runs with autovacuum off: without statistics the planner guesses).

Where the text comes from (never ../shared/corpus): the claims the project's own
extraction engine finds in samples/articles/ (type, claimant, speaker, targets, rule,
cue, quote) and the hand-made claims of samples/gold.jsonl are the templates; each new
claim recombines one with bench/corpus.py's variation (places, people, units, outlets,
numbers swapped, and ~30% of the words after the cue and the claimant replaced by other
words of the samples), so claim texts are varied for search but keep their cue and party
names. Articles are built around their claims: the claim quotes, then filler sentences of
bench/corpus.py, in paragraphs, so that every mention is an exact span of its article
(`article.body[start:end] == quote`, or of the title for a headline mention).
`normalized_text` is `sources.text.normalize(text)`, as `Claim.clean()` computes it;
`Article.normalized` and `content_hash` are computed as sources/services/ingest.py does.

Not generated: MinHash fingerprints and LSH buckets, story keys and segments, article
overlaps, ingest jobs (bench/bench_ingest.py covers deduplication).

Deterministic for a given --seed and sizes.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import subprocess
import sys
import time
from bisect import bisect
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from itertools import accumulate
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import corpus  # noqa: E402  (bench/corpus.py)

SAMPLES = ROOT / "samples"
DEFAULT_SEED = 20260508
START = datetime(2025, 1, 1, tzinfo=UTC)
END = datetime(2026, 5, 1, tzinfo=UTC)
OPEN_STORIES = 64  # stories receiving articles at any time
MEAN_STORY_SIZE = 8.0  # articles per story
MENTIONS_PER_CLAIM = 1.3
HEADLINE_CLAIM_SHARE = 0.35
FLUSH_CLAIMS = 25_000

# Claim types in the proportions of the hand-made gold (samples/gold.jsonl).
TYPE_WEIGHTS = {
    "assertion": 0.39,
    "accusation": 0.29,
    "denial": 0.11,
    "counterclaim": 0.08,
    "demand": 0.075,
    "no_comment": 0.045,
    "confirmation": 0.01,
}
RESPONSE_TYPES = {"denial", "counterclaim", "confirmation", "no_comment"}
LINK_KIND = {"denial": "denies", "counterclaim": "counters", "confirmation": "confirms"}
STATUS_ORDER = [
    ("denial", "denied"),
    ("counterclaim", "countered"),
    ("confirmation", "confirmed"),
    ("no_comment", "no_comment"),
]
# The parties that dominate the press, most frequent first; the rest of the registry
# follows in a seeded order (a Zipf law over the whole list).
LEADING_CLAIMANTS = (
    "sdf", "syrian_mod", "turkey", "syrian_government", "isis", "sohr", "syrian_interior",
    "hajin_military_council", "us_led_coalition", "division_86", "syrian_army",
    "local_sources", "activists", "russia", "military_source", "security_source",
)  # fmt: skip
# Gold names that are not a registry actor's English name.
GOLD_NAMES = {
    "SDF": "sdf",
    "SOHR": "sohr",
    "analyst/observer": "analysts_observers",
    "SDF-affiliated media": "sdf",
    "PKK/YPG": "ypg",
    "unidentified armed group": "unidentified_gunmen",
    "local residents": "residents",
    "Syrian General Intelligence": "general_intelligence",
}
TAGS = (
    ("civilian-casualties", "ضحايا مدنيون", "Civilian casualties"),
    ("drone-strike", "ضربة بطائرة مسيّرة", "Drone strike"),
    ("arrests", "اعتقالات", "Arrests"),
    ("isis-cells", "خلايا داعش", "ISIS cells"),
    ("infiltration", "تسلل", "Infiltration"),
    ("shelling", "قصف مدفعي", "Shelling"),
    ("displacement", "نزوح", "Displacement"),
    ("prisoners", "أسرى ومعتقلون", "Prisoners and detainees"),
    ("smuggling", "تهريب", "Smuggling"),
    ("tribal-tension", "توتر عشائري", "Tribal tension"),
    ("ceasefire", "وقف إطلاق النار", "Ceasefire"),
    ("euphrates-front", "جبهة الفرات", "Euphrates front"),
    ("tabqa", "الطبقة", "Tabqa"),
    ("deir-ezzor", "دير الزور", "Deir ez-Zor"),
    ("hasakah", "الحسكة", "Hasakah"),
    ("manbij", "منبج", "Manbij"),
    ("kobani", "عين العرب", "Kobani"),
    ("checkpoints", "حواجز", "Checkpoints"),
    ("assassination", "اغتيال", "Assassination"),
    ("ied", "عبوة ناسفة", "IED"),
    ("needs-verification", "بحاجة إلى تحقق", "Needs verification"),
    ("contradictory-figures", "أرقام متضاربة", "Contradictory figures"),
    ("propaganda", "دعاية", "Propaganda"),
    ("humanitarian", "وضع إنساني", "Humanitarian"),
)
# The tables this script fills (children first), emptied by --reset.
FILLED_TABLES = (
    "claims_figure", "claims_claim_tags", "claims_claim_targets", "claims_claimevent",
    "claims_claimlink", "claims_mention", "claims_claim", "sources_storysegment",
    "sources_storykey", "sources_articleoverlap", "sources_articlefingerprint",
    "sources_lshbucket", "sources_article", "sources_ingestjob_files", "sources_ingestjob",
    "sources_ingestedfile", "sources_story",
)  # fmt: skip
WORDS_KEPT = 4  # the cue and the claimant at the start of a claim are not replaced
WORD_SWAP = 0.3


# Setup: the database, the registry, the users.


def database_checked(url: str) -> tuple[str, str]:
    """(server URL without the database, database name); exits unless the name
    contains "bench"."""
    parts = urlsplit(url)
    if not parts.scheme.startswith("postgres"):
        sys.exit(f"DATABASE_URL must be a PostgreSQL URL, not {url!r}")
    name = parts.path.lstrip("/")
    if "bench" not in name:
        sys.exit(f"refusing to fill database {name!r}: its name does not contain 'bench'")
    return url[: -len(parts.path)] if parts.path else url, name


def database_create_if_missing(server: str, name: str) -> None:
    import psycopg

    with psycopg.connect(f"{server}/postgres", autocommit=True) as connection:
        found = connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        if found.fetchone() is None:
            connection.execute(f'CREATE DATABASE "{name}"')
            print(f"created database {name}")


def manage(*arguments: str) -> None:
    subprocess.run(
        [sys.executable, "manage.py", *arguments],
        cwd=ROOT,
        check=True,
        stdout=subprocess.DEVNULL,
    )


# Reference data read from the database.


@dataclass
class Reference:
    actor_id: dict[str, int]
    actor_key: dict[int, str]
    claimants: list[int]  # Zipf order
    claimant_cum: list[float]
    media: list[int]
    people_of: dict[int, list[int]]  # organization -> people with a role in it
    outlets: list[int]
    outlet_cum: list[float]
    reviewers: list[int]
    tags: list[int]
    tag_cum: list[float]


def zipf_cum(count: int, exponent: float) -> list[float]:
    return list(accumulate(1.0 / (rank + 1) ** exponent for rank in range(count)))


def reference_load(rng: random.Random) -> Reference:
    from django.contrib.auth import get_user_model

    from claims.models import Actor, ActorRole, Tag
    from sources.models import Outlet

    actors = list(Actor.objects.filter(status=Actor.Status.CONFIRMED).order_by("pk"))
    actor_id = {a.key: a.pk for a in actors}
    candidates = [
        a.key
        for a in actors
        if a.kind not in {"person", "media"} and a.key not in LEADING_CLAIMANTS
    ]
    rng.shuffle(candidates)
    order = [key for key in LEADING_CLAIMANTS if key in actor_id] + candidates
    # Media outlets speak for themselves now and then (a correspondent's report).
    media = [a.pk for a in actors if a.kind == "media"]
    people_of: dict[int, list[int]] = defaultdict(list)
    for person, organization in ActorRole.objects.values_list("person_id", "organization_id"):
        people_of[organization].append(person)
    outlets = list(Outlet.objects.order_by("pk").values_list("pk", flat=True))
    rng.shuffle(outlets)
    users = get_user_model().objects.filter(username__in=["analyst", "editor"])
    reviewers = sorted(users.values_list("pk", flat=True))
    admin = get_user_model().objects.filter(username="admin").first()
    tags = []
    for slug, label_ar, label_en in TAGS:
        tag, _ = Tag.objects.get_or_create(
            slug=slug, defaults={"label_ar": label_ar, "label_en": label_en, "created_by": admin}
        )
        tags.append(tag.pk)
    if not reviewers or not outlets or len(order) < 20:
        sys.exit("the registry or the demo users are missing: run load_registry and demo_users")
    return Reference(
        actor_id=actor_id,
        actor_key={a.pk: a.key for a in actors},
        claimants=[actor_id[key] for key in order],
        claimant_cum=zipf_cum(len(order), 1.1),
        media=media,
        people_of=people_of,
        outlets=outlets,
        outlet_cum=zipf_cum(len(outlets), 0.9),
        reviewers=reviewers,
        tags=tags,
        tag_cum=zipf_cum(len(tags), 0.8),
    )


# Claim templates: what the project's extraction finds in the samples, and the gold.


@dataclass
class Template:
    type: str
    claimant: int | None
    speaker: int | None
    speaker_description: str
    targets: tuple[int, ...]
    rule: str
    cue: str
    direct: bool
    quote: str
    headline: bool
    has_figures: bool


def templates_load(ref: Reference) -> dict[str, list[Template]]:
    from claims.extraction.engine import extract
    from claims.extraction.figures import extract_figures
    from claims.services.extraction import registry_snapshot
    from sources.text.clean import clean_article
    from sources.text.readers import parse_txt

    registry = registry_snapshot()
    by_type: dict[str, list[Template]] = defaultdict(list)
    rules: dict[str, str] = {}
    titles = {}
    for path in sorted((SAMPLES / "articles").glob("*.txt")):
        parsed = parse_txt(path.read_text(encoding="utf-8"))
        titles[path.name] = parsed.title
        body = clean_article(parsed.text, title=parsed.title).body
        for headline, text in ((True, parsed.title), (False, body)):
            for c in extract(text, registry):
                rules.setdefault(c.type, c.rule)
                by_type[c.type].append(
                    Template(
                        type=c.type,
                        claimant=ref.actor_id.get(c.claimant or ""),
                        speaker=ref.actor_id.get(c.speaker or ""),
                        speaker_description=c.speaker_description[:300],
                        targets=tuple(ref.actor_id[t] for t in c.targets if t in ref.actor_id),
                        rule=c.rule[:100],
                        cue=c.cue[:100],
                        direct=c.direct,
                        quote=c.quote.strip(),
                        headline=headline,
                        has_figures=bool(extract_figures(c.quote)),
                    )
                )
    english = {}
    from claims.models import Actor

    for pk, name_en in Actor.objects.values_list("pk", "name_en"):
        english.setdefault(name_en.lower(), pk)

    def gold_actor(name: str | None) -> int | None:
        if not name:
            return None
        if name in GOLD_NAMES:
            return ref.actor_id.get(GOLD_NAMES[name])
        return english.get(name.lower())

    for line in (SAMPLES / "gold.jsonl").read_text(encoding="utf-8").splitlines():
        gold = json.loads(line)
        anchor = gold["anchor"].strip()
        by_type[gold["type"]].append(
            Template(
                type=gold["type"],
                claimant=gold_actor(gold["claimant"]),
                speaker=gold_actor(gold["speaker"]),
                speaker_description="",
                targets=tuple(filter(None, (gold_actor(t) for t in gold["targets"]))),
                rule=rules.get(gold["type"], f"vso_{gold['type']}"),
                cue=anchor.split()[0][:100],
                direct=False,
                quote=anchor,
                headline=anchor in titles.get(gold["file"], ""),
                has_figures=bool(extract_figures(anchor)),
            )
        )
    missing = set(TYPE_WEIGHTS) - set(by_type)
    if missing:
        sys.exit(f"no sample claim of type {', '.join(sorted(missing))}")
    return by_type


# The data set, built in memory one story at a time.


@dataclass(slots=True)
class ClaimRow:
    id: int
    type: str
    status: str
    claimant: int
    speaker: int | None
    speaker_description: str
    text: str
    rule: str
    cue: str
    direct: bool
    reported_via: int | None
    story: int
    created: datetime
    updated: datetime
    first_seen: datetime
    first_outlet: int | None
    targets: list[int]
    has_figures: bool
    responds_to: int | None = None
    response_status: str = ""
    answers: set = field(default_factory=set)
    reviewed_by: int | None = None
    reviewed_at: datetime | None = None
    first_mention: int | None = None


@dataclass
class StoryState:
    id: int
    remaining: int
    title: str = ""
    places: list = field(default_factory=list)
    actors: set = field(default_factory=set)
    first_seen: datetime | None = None
    last_seen: datetime | None = None
    created: datetime | None = None
    claims: list[ClaimRow] = field(default_factory=list)
    accusations: list[ClaimRow] = field(default_factory=list)


class Builder:
    def __init__(self, args, ref: Reference, templates: dict[str, list[Template]]) -> None:
        self.args = args
        self.rng = random.Random(args.seed)
        self.gen = corpus.Generator(args.seed)
        self.ref = ref
        self.templates = templates
        self.headlines = [t for ts in templates.values() for t in ts if t.headline]
        self.type_names = list(TYPE_WEIGHTS)
        self.type_cum = list(accumulate(TYPE_WEIGHTS.values()))
        self.ids = defaultdict(int)
        self.rows: dict[str, list[tuple]] = defaultdict(list)
        self.buffered_claims = 0
        self.open: list[StoryState] = []
        self.stats = defaultdict(int)
        self.vocabulary = self.gen.pool.vocabulary
        from claims.extraction.figures import extract_figures
        from sources.text import normalize

        self.normalize = normalize
        self.extract_figures = extract_figures
        self.span = (END - START).total_seconds()
        # Claims per article: exactly --claims in all, varied from article to article.
        weights = [self.rng.gammavariate(3.0, 1.0) for _ in range(args.articles)]
        cum = list(accumulate(weights))
        self.new_claims = [0] * args.articles
        for _ in range(args.claims):
            self.new_claims[bisect(cum, self.rng.random() * cum[-1])] += 1
        # Re-reports of earlier claims of the story, so that mentions ≈ 1.3 per claim;
        # the first article of a story has none to re-report.
        first_share = 1.0 / MEAN_STORY_SIZE
        self.reuse_mean = (
            (MENTIONS_PER_CLAIM - 1.0) * args.claims / args.articles / (1 - first_share)
        )

    def next_id(self, table: str) -> int:
        self.ids[table] += 1
        return self.ids[table]

    # Drawing.

    def _zipf(self, items: list[int], cum: list[float]) -> int:
        return items[bisect(cum, self.rng.random() * cum[-1])]

    def _swaps(self) -> list[tuple[str, str]]:
        # Farhad Shami is a registry person who speaks in the templates: keep his name.
        return [(old, new) for old, new in self.gen._swaps() if old not in {"فرهاد شامي", "شامي"}]

    def _vary_claim(self, quote: str, swaps) -> str:
        words = quote.split()
        head = " ".join(words[:WORDS_KEPT])
        tail = " ".join(words[WORDS_KEPT:])
        text = self.gen._vary(head, swaps, 0.0)
        if tail:
            text += " " + self.gen._vary(tail, swaps, WORD_SWAP)
        return text.replace("\n", " ").strip()

    def _fragment(self) -> str:
        return " ".join(self.rng.choices(self.vocabulary, k=self.rng.randint(3, 9)))

    # One article.

    def article(self, index: int) -> None:
        rng = self.rng
        story = self._story_for()
        swaps = self._swaps()
        when = START + timedelta(seconds=self.span * (index + rng.random()) / self.args.articles)
        published = when - timedelta(minutes=rng.randint(5, 600))
        created = when
        outlet = self._zipf(self.ref.outlets, self.ref.outlet_cum)
        article_id = self.next_id("article")
        budget = self.new_claims[index]
        review_p = self._review_share(index)

        title_claim = None
        if budget and rng.random() < HEADLINE_CLAIM_SHARE:
            template = rng.choice(self.headlines)
            title_claim = self._claim(template, story, created, published, outlet, swaps, review_p)
            title = title_claim.text[:500]
            budget -= 1
        else:
            title = self.gen._vary(rng.choice(self.gen.pool.titles), swaps, 0.25)[:500]

        units: list[tuple[str, ClaimRow | None]] = []
        for _ in range(budget):
            type_ = self.type_names[bisect(self.type_cum, rng.random() * self.type_cum[-1])]
            template = rng.choice(self.templates[type_])
            claim = self._claim(template, story, created, published, outlet, swaps, review_p)
            units.append((claim.text, claim))
        if story.claims and self.reuse_mean > 0:
            trials = 10
            count = sum(rng.random() < self.reuse_mean / trials for _ in range(trials))
            earlier = [c for c in story.claims if c.created < created]
            for claim in rng.sample(earlier, min(count, len(earlier))):
                units.append((claim.text, claim))
        lede = self.gen._sentence(swaps)
        fillers = [self.gen._sentence(swaps) for _ in range(rng.randint(1, 4))]
        units += [(f, None) for f in fillers]
        rng.shuffle(units)
        units.insert(0, (lede, None))

        # The body: paragraphs of 1-3 units, each mention an exact span of it.
        parts: list[str] = []
        mentions: list[tuple[ClaimRow, int, int]] = []
        offset = 0
        position = 0
        while position < len(units):
            size = rng.choice((1, 1, 2, 2, 3))
            paragraph_units = units[position : position + size]
            position += size
            if parts:
                parts.append("\n\n")
                offset += 2
            for number, (text, claim) in enumerate(paragraph_units):
                if number:
                    parts.append(" ")
                    offset += 1
                if claim is not None:
                    mentions.append((claim, offset, offset + len(text)))
                parts.append(text)
                offset += len(text)
                ending = "" if text.endswith((".", "؟", "!")) else "."
                if claim is not None and rng.random() < 0.3:
                    ending = "، " + self._fragment() + "."
                parts.append(ending)
                offset += len(ending)
        body = "".join(parts)

        head = self.gen._head(swaps)
        tail = self.gen._tail(swaps)
        raw_text = "\n\n".join([*head, body, *tail])
        data = f"{title}\n\n{raw_text}\n".encode()
        body_normalized = self.normalize(body)
        file_id = self.next_id("file")
        name = f"bulk_{index:06d}.txt"
        self.rows["file"].append(
            (file_id, hashlib.sha256(data).hexdigest(), "utf-8", len(data), name, "command", "",
             data, "done", "", 1, created, created, created, created)
        )  # fmt: skip
        self.rows["article"].append(
            (article_id, file_id, outlet, story.id, 0, name,
             f"https://example.org/conflictdesk-bench/{index}", title, raw_text, body,
             self.normalize(f"{title}\n{body}"), "", "",
             None if rng.random() < 0.03 else published,
             hashlib.sha256(body_normalized.encode("utf-8")).hexdigest(), created, created)
        )  # fmt: skip

        if title_claim is not None:
            self._mention(title_claim, article_id, True, 0, len(title), title, created)
        for claim, start, end in mentions:
            self._mention(claim, article_id, False, start, end, body[start:end], created)

        story.title = story.title or title
        story.first_seen = min(story.first_seen or published, published)
        story.last_seen = max(story.last_seen or published, published)
        story.created = story.created or created
        if len(story.places) < 3:
            story.places.append(dict(swaps).get("الطبقة", rng.choice(corpus.PLACES)))
        story.remaining -= 1
        self.stats["articles"] += 1
        if story.remaining <= 0:
            self._story_close(story)

    def _review_share(self, index: int) -> float:
        """Older claims are more often reviewed: the queue holds mostly recent ones."""
        age = index / self.args.articles
        return 0.6 if age < 0.8 else 0.02 + 0.58 * (1 - age) / 0.2

    def _story_for(self) -> StoryState:
        while len(self.open) < OPEN_STORIES:
            size = 1 + int(self.rng.expovariate(1 / (MEAN_STORY_SIZE - 1)))
            self.open.append(StoryState(id=self.next_id("story"), remaining=min(size, 80)))
        return self.rng.choice(self.open)

    def _claim(self, template, story, created, published, outlet, swaps, review_p) -> ClaimRow:
        rng = self.rng
        ref = self.ref
        keep = template.claimant is not None and rng.random() < 0.6
        claimant = template.claimant if keep else self._zipf(ref.claimants, ref.claimant_cum)
        if not keep and rng.random() < 0.02:
            claimant = rng.choice(ref.media)
        speaker = template.speaker if keep else None
        if speaker is None and ref.people_of.get(claimant) and rng.random() < 0.3:
            speaker = rng.choice(ref.people_of[claimant])
        if speaker == claimant:
            speaker = None
        targets = [t for t in template.targets if t != claimant] if keep else []
        if not targets and template.type == "accusation":
            for _ in range(1 if rng.random() < 0.8 else 2):
                target = self._zipf(ref.claimants, ref.claimant_cum)
                if target != claimant and target not in targets:
                    targets.append(target)
        claim = ClaimRow(
            id=self.next_id("claim"),
            type=template.type,
            status="proposed",
            claimant=claimant,
            speaker=speaker,
            speaker_description=template.speaker_description if keep else "",
            text=self._vary_claim(template.quote, swaps),
            rule=template.rule,
            cue=template.cue,
            direct=template.direct,
            reported_via=rng.choice(ref.media) if rng.random() < 0.04 else None,
            story=story.id,
            created=created,
            updated=created,
            first_seen=published,
            first_outlet=outlet,
            targets=targets,
            has_figures=template.has_figures,
            response_status="unanswered" if template.type == "accusation" else "",
        )
        if template.type in RESPONSE_TYPES and story.accusations:
            self._answer(claim, story)
        if rng.random() < review_p:
            claim.reviewed_by = rng.choice(ref.reviewers)
            claim.reviewed_at = created + timedelta(hours=rng.expovariate(1 / 40))
            claim.status = "confirmed" if rng.random() < 0.85 else "rejected"
            claim.updated = max(claim.updated, claim.reviewed_at)
        story.claims.append(claim)
        story.actors.add(claimant)
        if claim.type == "accusation":
            story.accusations.append(claim)
        self.stats["claims"] += 1
        self.buffered_claims += 1
        return claim

    def _answer(self, response: ClaimRow, story: StoryState) -> None:
        """The accused answers: the response's claimant becomes one of the accused, its
        target the accuser, and it is linked to the accusation (recent ones first)."""
        rng = self.rng
        recent = story.accusations[-6:]
        accusation = rng.choice(recent)
        if accusation.targets and rng.random() < 0.8:
            response.claimant = rng.choice(accusation.targets)
            response.speaker = None
            if self.ref.people_of.get(response.claimant) and rng.random() < 0.3:
                response.speaker = rng.choice(self.ref.people_of[response.claimant])
        if response.type != "no_comment" and rng.random() < 0.7:
            response.targets = [accusation.claimant]
        response.targets = [t for t in response.targets if t != response.claimant]
        if accusation.claimant == response.claimant:
            return
        response.responds_to = accusation.id
        accusation.answers.add(response.type)
        accusation.response_status = next(
            status for kind, status in STATUS_ORDER if kind in accusation.answers
        )
        accusation.updated = max(accusation.updated, response.created)
        if response.type in LINK_KIND:
            self.rows["link"].append(
                (self.next_id("link"), LINK_KIND[response.type], response.created, None,
                 response.id, accusation.id)
            )  # fmt: skip

    def _mention(self, claim, article_id, in_title, start, end, quote, created) -> None:
        mention_id = self.next_id("mention")
        if claim.first_mention is None:
            claim.first_mention = mention_id
        self.rows["mention"].append(
            (mention_id, claim.id, article_id, in_title, start, end, quote, claim.cue,
             claim.direct, None, claim.rule, created)
        )  # fmt: skip
        self.stats["mentions"] += 1

    def _story_close(self, story: StoryState) -> None:
        self.open.remove(story)
        for claim in story.claims:
            self._claim_rows(claim)
        actors = sorted(self.ref.actor_key[a] for a in story.actors)[:12]
        self.rows["story"].append(
            (story.id, story.title[:300], "", json.dumps(story.places, ensure_ascii=False),
             json.dumps(actors), "{}", story.first_seen, story.last_seen, story.created,
             story.last_seen or story.created)
        )  # fmt: skip
        self.stats["stories"] += 1

    def _claim_rows(self, claim: ClaimRow) -> None:
        rng = self.rng
        reviewed = claim.reviewed_by is not None
        self.rows["claim"].append(
            (claim.id, claim.type, claim.status, claim.claimant, claim.speaker,
             claim.speaker_description, claim.text, self.normalize(claim.text),
             claim.responds_to, claim.response_status, claim.story, claim.rule, claim.cue,
             claim.reported_via, reviewed, claim.first_seen, claim.first_outlet,
             2 if reviewed else 1, claim.created, claim.updated)
        )  # fmt: skip
        for target in claim.targets:
            self.rows["target"].append((self.next_id("target"), claim.id, target))
        if rng.random() < 0.12:
            for tag in {self._zipf(self.ref.tags, self.ref.tag_cum) for _ in range(2)}:
                self.rows["tag"].append((self.next_id("tag"), claim.id, tag))
        self.rows["event"].append(
            (self.next_id("event"), claim.id, None, "extracted",
             json.dumps({"rule": claim.rule, "cue": claim.cue}, ensure_ascii=False),
             claim.created)
        )  # fmt: skip
        if reviewed:
            self.rows["event"].append(
                (self.next_id("event"), claim.id, claim.reviewed_by, "update",
                 json.dumps({"status": ["proposed", claim.status]}), claim.reviewed_at)
            )  # fmt: skip
        if claim.has_figures and not self.args.no_figures:
            valid = {"killed", "wounded", "arrested", "fighters", "drones", "civilians",
                     "displaced", "attacks", "vehicles", "other"}  # fmt: skip
            for figure in self.extract_figures(claim.text):
                self.rows["figure"].append(
                    (self.next_id("figure"), claim.id, claim.first_mention, figure.low,
                     figure.high, figure.approx,
                     figure.counts if figure.counts in valid else "other", figure.subject[:100])
                )  # fmt: skip
                self.stats["figures"] += 1

    def close_all(self) -> None:
        for story in list(self.open):
            if story.created is None:  # opened, never given an article
                self.open.remove(story)
            else:
                self._story_close(story)


COPY_COLUMNS = {
    "story": "sources_story (id, title, summary, places, actors, keywords, first_seen, "
    "last_seen, created_at, updated_at)",
    "file": "sources_ingestedfile (id, checksum, encoding, size, original_name, origin, "
    "source_path, content, status, error, attempts, received_at, started_at, finished_at, "
    "updated_at)",
    "article": "sources_article (id, ingested_file_id, outlet_id, story_id, record_index, "
    "source_file, url, title, raw_text, body, normalized, dateline, author, published_at, "
    "content_hash, created_at, updated_at)",
    "claim": "claims_claim (id, type, status, claimant_id, speaker_id, speaker_description, "
    "text, normalized_text, responds_to_id, response_status, story_id, rule, cue, "
    "reported_via_id, locked, first_seen_at, first_outlet_id, version, created_at, updated_at)",
    "target": "claims_claim_targets (id, claim_id, actor_id)",
    "tag": "claims_claim_tags (id, claim_id, tag_id)",
    "link": "claims_claimlink (id, kind, created_at, created_by_id, source_id, target_id)",
    "mention": 'claims_mention (id, claim_id, article_id, in_title, start, "end", quote, cue, '
    "direct, attributed_by_id, rule, created_at)",
    "event": "claims_claimevent (id, claim_id, user_id, action, changes, at)",
    "figure": "claims_figure (id, claim_id, mention_id, low, high, approx, counts, subject)",
}
SEQUENCES = {
    "sources_story": "story",
    "sources_ingestedfile": "file",
    "sources_article": "article",
    "claims_claim": "claim",
    "claims_claim_targets": "target",
    "claims_claim_tags": "tag",
    "claims_claimlink": "link",
    "claims_mention": "mention",
    "claims_claimevent": "event",
    "claims_figure": "figure",
}


def flush(connection, builder: Builder) -> float:
    """COPY every buffered row, in one transaction; returns the seconds it took."""
    started = time.perf_counter()
    with connection.transaction(), connection.cursor() as cursor:
        for kind, columns in COPY_COLUMNS.items():
            rows = builder.rows.pop(kind, [])
            if not rows:
                continue
            with cursor.copy(f"COPY {columns} FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
    builder.buffered_claims = 0
    return time.perf_counter() - started


def tables_count(connection) -> dict[str, int]:
    return {
        table: connection.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
        for table in ("sources_article", "claims_claim", "sources_story")
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=100_000)
    parser.add_argument("--claims", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--reset", action="store_true", help="empty the filled tables first")
    parser.add_argument("--no-setup", action="store_true", help="skip migrate/load_registry")
    parser.add_argument("--no-figures", action="store_true", help="no Figure rows (faster)")
    parser.add_argument(
        "--nice", type=int, default=10, help="lower this process's priority (default 10)"
    )
    args = parser.parse_args()
    if args.nice > 0:
        os.nice(args.nice)  # the generator shares the machine; PostgreSQL is not reniced
    url = os.environ.get("DATABASE_URL", "")
    if not url:
        sys.exit("set DATABASE_URL to a PostgreSQL database whose name contains 'bench'")
    server, name = database_checked(url)
    if args.articles < 1 or args.claims < args.articles:
        sys.exit("need at least one article, and at least one claim per article")

    started = time.perf_counter()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "conflictdesk.settings")
    os.environ.setdefault("DJANGO_ENV", "development")
    os.environ["DEBUG"] = "false"  # no query log kept in memory
    database_create_if_missing(server, name)

    import psycopg

    with psycopg.connect(url, autocommit=True) as connection:
        has_tables = connection.execute(
            "SELECT to_regclass('claims_claim') IS NOT NULL"
        ).fetchone()[0]
        if has_tables:
            counts = tables_count(connection)
            if any(counts.values()) and not args.reset:
                sys.exit(
                    f"{name} already holds data ({counts}): use --reset to empty the "
                    "article, story, claim and ingest tables first"
                )
            if args.reset:
                connection.execute(f"TRUNCATE {', '.join(FILLED_TABLES)} RESTART IDENTITY")
                print(f"emptied {len(FILLED_TABLES)} tables")
    if not args.no_setup:
        manage("migrate", "-v0")
        manage("load_registry")
        manage("demo_users")
    print(f"setup (database, migrate, registry, users): {time.perf_counter() - started:.1f} s")

    import django

    django.setup()
    builder_started = time.perf_counter()
    rng = random.Random(args.seed)
    ref = reference_load(rng)
    templates = templates_load(ref)
    print(
        f"{sum(len(t) for t in templates.values())} claim templates "
        f"({', '.join(f'{k} {len(v)}' for k, v in sorted(templates.items()))}); "
        f"{len(ref.claimants)} possible claimants, {len(ref.outlets)} outlets"
    )
    builder = Builder(args, ref, templates)
    copy_seconds = 0.0
    with psycopg.connect(url) as connection:
        connection.execute("SET session_replication_role = replica")  # no FK triggers
        connection.execute("SET synchronous_commit = off")
        connection.commit()
        last_report = time.perf_counter()
        for index in range(args.articles):
            builder.article(index)
            if builder.buffered_claims >= FLUSH_CLAIMS:
                copy_seconds += flush(connection, builder)
            now = time.perf_counter()
            if now - last_report > 15 or index + 1 == args.articles:
                last_report = now
                elapsed = now - builder_started
                done = (index + 1) / args.articles
                print(
                    f"  {index + 1:>7} articles, {builder.stats['claims']:>8} claims, "
                    f"{builder.stats['mentions']:>8} mentions | {elapsed:6.0f} s "
                    f"(COPY {copy_seconds:.0f} s), ~{elapsed / done - elapsed:.0f} s left",
                    flush=True,
                )
        builder.close_all()
        copy_seconds += flush(connection, builder)
        generated = time.perf_counter() - builder_started
        connection.execute("SET session_replication_role = DEFAULT")
        for table in SEQUENCES:
            connection.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"GREATEST((SELECT max(id) FROM {table}), 1))"
            )
        connection.commit()
    print(f"generated and copied in {generated:.0f} s (of which COPY {copy_seconds:.0f} s)")

    analyzed = time.perf_counter()
    with psycopg.connect(url, autocommit=True) as connection:
        tables = [*SEQUENCES, "claims_actor", "claims_actoralias", "claims_tag", "sources_outlet"]
        for table in tables:
            connection.execute(f"VACUUM (ANALYZE) {table}")
        print(f"VACUUM (ANALYZE): {time.perf_counter() - analyzed:.0f} s")
        size = connection.execute("SELECT pg_size_pretty(pg_database_size(%s))", [name])
        print(f"database {name}: {size.fetchone()[0]}")
        for table in SEQUENCES:
            rows = connection.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
            total = connection.execute(
                f"SELECT pg_size_pretty(pg_total_relation_size('{table}'))"
            ).fetchone()[0]
            print(f"  {table:24} {rows:>10} rows  {total:>8}")
    stats = builder.stats
    print(
        f"{stats['articles']} articles, {stats['stories']} stories, {stats['claims']} claims, "
        f"{stats['mentions']} mentions ({stats['mentions'] / max(stats['claims'], 1):.2f} "
        f"per claim), {stats['figures']} figures"
    )
    print(f"total {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
