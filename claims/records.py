"""The claim record of DESIGN.md, as export files and the API serve it."""

from django.db.models import Prefetch, QuerySet

from claims.models import Actor, ActorRole, Claim, Mention


def claims_with_record_data(claims: QuerySet[Claim]) -> QuerySet[Claim]:
    """The claims with every row their records need, loaded in a fixed number of queries."""
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


def actor_record(actor: Actor | None, *, with_kind: bool = True) -> dict | None:
    if actor is None:
        return None
    record = {"id": actor.pk, "name_ar": actor.name_ar, "name_en": actor.name_en}
    if with_kind:
        record["kind"] = actor.kind
    record["aliases"] = sorted({alias.surface for alias in actor.aliases.all()})
    return record


def _speaker_record(claim: Claim) -> dict | None:
    speaker = claim.speaker
    if speaker is None:
        return None
    roles = list(speaker.roles.all())
    role = next((r for r in roles if r.organization_id == claim.claimant_id), None)
    role = role or (roles[0] if roles else None)
    record = {
        "id": speaker.pk,
        "name_ar": speaker.name_ar,
        "name_en": speaker.name_en,
        "role": role.title_ar if role else "",
        "aliases": sorted({alias.surface for alias in speaker.aliases.all()}),
    }
    return record


def mention_record(mention: Mention) -> dict:
    article = mention.article
    outlet = article.outlet
    return {
        "article": {
            "id": article.pk,
            "source_file": article.source_file,
            "url": article.url or None,
            "outlet": (outlet.name_en or outlet.name_ar) if outlet else None,
            "title": article.title,
            "published_at": article.published_at.isoformat() if article.published_at else None,
        },
        "quote": mention.quote,
        "start": mention.start,
        "end": mention.end,
        "in_title": mention.in_title,
        "cue": mention.cue,
        "direct": mention.direct,
        "attributed_by": mention.attributed_by_label,
    }


def _figure_record(figure) -> dict:
    return {
        "low": figure.low,
        "high": figure.high,
        "approx": figure.approx,
        "counts": figure.counts,
        "subject": figure.subject,
    }


def claim_record(claim: Claim) -> dict:
    """The claim as DESIGN.md gives it, with each actor's aliases, plus what extraction
    found about its sources and figures."""
    return {
        "id": claim.pk,
        "type": claim.type,
        "status": claim.status,
        "text": claim.text,
        "claimant": actor_record(claim.claimant),
        "speaker": _speaker_record(claim),
        "speaker_description": claim.speaker_description or None,
        "reported_via": actor_record(claim.reported_via, with_kind=False),
        "targets": [actor_record(t, with_kind=False) for t in claim.targets.all()],
        "responds_to": claim.responds_to_id,
        "response_status": claim.response_status or None,
        "story": claim.story_id,
        "tags": sorted(tag.slug for tag in claim.tags.all()),
        "figures": [_figure_record(f) for f in claim.figures.all()],
        "first_seen": {
            "at": claim.first_seen_at.isoformat() if claim.first_seen_at else None,
            "outlet": (claim.first_outlet.name_en or claim.first_outlet.name_ar)
            if claim.first_outlet
            else None,
        },
        "rule": claim.rule,
        "cue": claim.cue,
        "mentions": [mention_record(m) for m in claim.mentions.all()],
        "created_at": claim.created_at.isoformat(),
        "updated_at": claim.updated_at.isoformat(),
    }


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
