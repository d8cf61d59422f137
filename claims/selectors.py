"""Reading claims data: query sets with their related rows, and cached lookups."""

from collections import defaultdict

from django.db.models import Count, IntegerField, Max, OuterRef, Prefetch, QuerySet, Subquery
from django.db.models.functions import Coalesce

from claims.extraction.matcher import AliasIndex
from claims.models import Actor, ActorAlias, ActorRole, Claim, Tag
from claims.records import claims_with_record_data

_alias_index_cache: dict[str, tuple[tuple, AliasIndex]] = {}


def alias_index() -> AliasIndex:
    """The registry's aliases as a matcher, rebuilt only when the aliases changed.

    The cache key is cheap to read (count and newest id of aliases, newest actor
    update), so a worker notices an editor's new alias on its next article.
    """
    stamp = (
        ActorAlias.objects.aggregate(n=Count("id"), last=Max("id")).values(),
        Actor.objects.aggregate(last=Max("updated_at"))["last"],
    )
    stamp = (tuple(stamp[0]), stamp[1])
    cached = _alias_index_cache.get("index")
    if cached and cached[0] == stamp:
        return cached[1]
    mapping: dict[str, set[str]] = defaultdict(set)
    confirmed = ActorAlias.objects.filter(proposed=False, actor__status=Actor.Status.CONFIRMED)
    for normalized, key in confirmed.values_list("normalized", "actor__key"):
        mapping[normalized].add(key)
    index = AliasIndex(mapping)
    _alias_index_cache["index"] = (stamp, index)
    return index


def claim_list() -> QuerySet[Claim]:
    """Every claim with what its record needs (claims.records), for lists and details."""
    return claims_with_record_data(Claim.objects.all())


RESPONSE_PROFILE = [s.value for s in Claim.ResponseStatus if s.value]


def _count(queryset: QuerySet, group_by: str):
    counted = queryset.order_by().values(group_by).annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


def actor_list() -> QuerySet[Actor]:
    """Actors with their aliases and parent, their members' count and their response
    profile (how the accusations against them were answered), in a fixed number of
    queries: each count is a subquery, so no join multiplies the rows."""
    accused = Claim.targets.through.objects.filter(
        actor_id=OuterRef("pk"), claim__type=Claim.Type.ACCUSATION
    )
    counts = {
        f"accused_{status}": _count(accused.filter(claim__response_status=status), "actor_id")
        for status in RESPONSE_PROFILE
    }
    return (
        Actor.objects.select_related("parent")
        .prefetch_related("aliases")
        .annotate(
            members_count=_count(Actor.objects.filter(parent_id=OuterRef("pk")), "parent_id"),
            **counts,
        )
    )


def actor_detail() -> QuerySet[Actor]:
    return actor_list().prefetch_related(
        Prefetch("roles", queryset=ActorRole.objects.select_related("organization")),
        Prefetch("people_roles", queryset=ActorRole.objects.select_related("person")),
    )


def tag_list() -> QuerySet[Tag]:
    return Tag.objects.all()
