"""The claim list's query parameters (django-filter)."""

import django_filters
from django.db.models import Q, QuerySet

from claims.models import Actor, ActorAlias, Claim, Mention, Tag
from sources.models import Outlet
from sources.text import normalize, normalize_for_matching


def actors_named(value: str) -> set[int]:
    """Actor ids for an id, a registry key, or a name or alias in any spelling:
    "قسد"، "لقسد" and "SDF" all find the Syrian Democratic Forces."""
    value = value.strip()
    if value.isdigit():
        return {int(value)}
    folded = normalize_for_matching(value)
    ids = set(ActorAlias.objects.filter(normalized=folded).values_list("actor_id", flat=True))
    ids |= set(
        Actor.objects.filter(
            Q(key=value) | Q(name_ar=value) | Q(name_en__iexact=value)
        ).values_list("pk", flat=True)
    )
    return ids


def with_descendants(actor_ids: set[int]) -> set[int]:
    """The actors and their members, members of members ...: one query per level."""
    found, frontier = set(actor_ids), set(actor_ids)
    while frontier:
        frontier = (
            set(Actor.objects.filter(parent_id__in=frontier).values_list("pk", flat=True)) - found
        )
        found |= frontier
    return found


class ClaimFilter(django_filters.FilterSet):
    type = django_filters.ChoiceFilter(choices=Claim.Type.choices)
    status = django_filters.ChoiceFilter(choices=Claim.Status.choices)
    response_status = django_filters.ChoiceFilter(
        choices=[c for c in Claim.ResponseStatus.choices if c[0]]
    )
    claimant = django_filters.CharFilter(
        method="filter_claimant",
        help_text="Actor id, registry key, or name or alias in any spelling (قسد، SDF).",
    )
    include_children = django_filters.BooleanFilter(
        method="filter_nothing",
        help_text="With claimant or target: include the actor's members (units of an army, "
        "ministries of a government), at every depth.",
    )
    target = django_filters.CharFilter(
        method="filter_target", help_text="Actor id, registry key, or name or alias."
    )
    story = django_filters.NumberFilter(field_name="story_id")
    tag = django_filters.CharFilter(method="filter_tag", help_text="Tag slug.")
    outlet = django_filters.CharFilter(
        method="filter_outlet",
        help_text="Outlet id or name: claims with a mention in an article of that outlet.",
    )
    created_after = django_filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="gte")
    created_before = django_filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="lt")
    first_seen_after = django_filters.IsoDateTimeFilter(
        field_name="first_seen_at", lookup_expr="gte"
    )
    first_seen_before = django_filters.IsoDateTimeFilter(
        field_name="first_seen_at", lookup_expr="lt"
    )
    updated_since = django_filters.IsoDateTimeFilter(
        field_name="updated_at",
        lookup_expr="gte",
        help_text="Claims changed at or after this time (ISO 8601), for incremental sync.",
    )
    q = django_filters.CharFilter(
        method="filter_q",
        help_text="Words of the claim's text, matched after Arabic normalization "
        "(hamza, alef, ta marbuta and diacritics folded).",
    )

    class Meta:
        model = Claim
        fields = []

    def _actors(self, value: str) -> set[int]:
        ids = actors_named(value)
        if self.form.cleaned_data.get("include_children"):
            ids = with_descendants(ids)
        return ids

    def filter_nothing(self, queryset: QuerySet, name: str, value) -> QuerySet:
        return queryset

    def filter_claimant(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(claimant_id__in=self._actors(value))

    def filter_target(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        # A subquery rather than a join: a claim against two matching actors stays one row.
        targeted = Claim.targets.through.objects.filter(actor_id__in=self._actors(value))
        return queryset.filter(pk__in=targeted.values("claim_id"))

    def filter_tag(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        tagged = Claim.tags.through.objects.filter(
            tag_id__in=Tag.objects.filter(slug=value).values("pk")
        )
        return queryset.filter(pk__in=tagged.values("claim_id"))

    def filter_outlet(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        value = value.strip()
        outlets = (
            Outlet.objects.filter(pk=int(value))
            if value.isdigit()
            else Outlet.objects.filter(Q(name_ar=value) | Q(name_en__iexact=value))
        )
        mentioned = Mention.objects.filter(article__outlet__in=outlets.values("pk"))
        return queryset.filter(pk__in=mentioned.values("claim_id"))

    def filter_q(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        # The query is folded like the stored text ("الإدارة" finds "الادارة").
        for word in normalize(value).split():
            queryset = queryset.filter(normalized_text__contains=word)
        return queryset
