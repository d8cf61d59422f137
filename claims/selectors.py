"""Reading claims data: query sets with their related rows, and cached lookups."""

from collections import defaultdict

from django.db.models import Count, Max

from claims.extraction.matcher import AliasIndex
from claims.models import Actor, ActorAlias

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
