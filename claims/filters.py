"""The claim list's query parameters: filters (django-filter), sort orders and the
cursor of a page. The API, the claim list page and its exports read the same ones."""

import base64
import binascii
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache

import django_filters
from django import forms
from django.db.models import F, Q, QuerySet
from django.db.models.functions import Coalesce
from django.utils.dateparse import parse_datetime
from django.utils.functional import Promise
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field

from claims.models import Actor, ActorAlias, Claim, Mention, Tag
from claims.search import claim_search
from conflictdesk.db import prepared_cursor
from sources.models import Article, Outlet
from sources.text import normalize_for_matching

# The largest value of a bigint primary key.
MAX_ID = 2**63 - 1


def actors_named(value: str) -> set[int]:
    """Actor ids for an id, a registry key, or a name or alias in any spelling:
    "قسد"، "لقسد" and "SDF" all find the Syrian Democratic Forces."""
    value = value.strip()
    if value.isdigit():
        return {int(value)}
    # One prepared statement (PostgreSQL): as two ORM queries this was 1.2 ms of every
    # list filtered by claimant or target.
    with prepared_cursor() as cursor:
        cursor.execute(_ACTORS_NAMED, {"folded": normalize_for_matching(value), "value": value})
        return {actor_id for (actor_id,) in cursor.fetchall()}


_ACTORS_NAMED = f"""
SELECT actor_id FROM {ActorAlias._meta.db_table} WHERE normalized = %(folded)s
UNION SELECT id FROM {Actor._meta.db_table}
WHERE key = %(value)s OR name_ar = %(value)s OR UPPER(name_en) = UPPER(%(value)s)
"""


def with_descendants(actor_ids: set[int]) -> set[int]:
    """The actors and their members, members of members ...: one query per level."""
    found, frontier = set(actor_ids), set(actor_ids)
    while frontier:
        frontier = (
            set(Actor.objects.filter(parent_id__in=frontier).values_list("pk", flat=True)) - found
        )
        found |= frontier
    return found


_FORM_CLASSES_MAX = 512


class FilterSet(django_filters.FilterSet):
    """django-filter's FilterSet with its form class made once per class and language
    instead of at every request (making it took about a twentieth of an API list page's
    time). The fields are the filters' own and every form still copies them, so
    no request sees another's values."""

    _form_classes: dict = {}

    def get_form_class(self):
        key = (type(self), get_language())
        form_class = self._form_classes.get(key)
        if form_class is None:
            if len(self._form_classes) >= _FORM_CLASSES_MAX:
                # with_filters() makes a class per combination of filters a request
                # names: keep the memory bounded, whatever clients send.
                self._form_classes.clear()
            form_class = self._form_classes[key] = super().get_form_class()
        return form_class

    @classmethod
    def with_filters(cls, names: Iterable[str]) -> type["FilterSet"]:
        """This filter set with only the filters named in `names` (the API passes a
        request's parameters): the others would be empty and filter nothing, yet each
        request would deep-copy, build and validate them all (a tenth of an API page's
        time). Forms that show every filter (the claim list page) use the class itself."""
        return _only_filters(cls, frozenset(cls.base_filters.keys() & set(names)))


@lru_cache(maxsize=512)
def _only_filters(cls: type[FilterSet], names: frozenset[str]) -> type[FilterSet]:
    if len(names) == len(cls.base_filters):
        return cls
    subclass = type(cls)(cls.__name__, (cls,), {"__module__": cls.__module__})
    subclass.base_filters = {
        name: filter_ for name, filter_ in cls.base_filters.items() if name in names
    }
    return subclass


@extend_schema_field({"type": "integer", "minimum": 1, "maximum": MAX_ID})
class IdFilter(django_filters.NumberFilter):
    """A row id: a whole number a database key can hold (else 400, never a 500)."""

    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(*args, **kwargs)


class ClaimFilter(FilterSet):
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
    story = IdFilter(field_name="story_id")
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
        help_text="Words of the claim's text, matched after Arabic normalization (alef "
        "forms, diacritics, tatweel and spelling tricks such as د1عـ.ـش folded; ة and ه "
        "alike at a word's end). A word that is an actor's alias (قسد، SDF) also finds "
        "the claims where that actor is the claimant, the speaker or a target.",
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
        return claim_search(queryset, value)


@dataclass(frozen=True)
class ClaimSort:
    """One order of the claim list: by `key` (never null), ties broken by id."""

    label: str | Promise
    key: F | Coalesce
    descending: bool
    value: Callable[[Claim], datetime]  # `key` of a loaded claim, for the page cursor


# Each key has an index on (key, id) (migration 0004 and claim_updated_idx), so the first
# page and every page after it read only their rows, however many claims there are.
CLAIM_SORTS = {
    "newest": ClaimSort(_("Newest first"), F("created_at"), True, lambda c: c.created_at),
    "oldest": ClaimSort(_("Oldest first"), F("created_at"), False, lambda c: c.created_at),
    # A claim without a dated mention was first seen when it was found.
    "first_seen": ClaimSort(
        _("First seen, latest first"),
        Coalesce("first_seen_at", "created_at"),
        True,
        lambda c: c.first_seen_at or c.created_at,
    ),
    "first_seen_earliest": ClaimSort(
        _("First seen, earliest first"),
        Coalesce("first_seen_at", "created_at"),
        False,
        lambda c: c.first_seen_at or c.created_at,
    ),
    "updated": ClaimSort(_("Recently updated"), F("updated_at"), True, lambda c: c.updated_at),
}
DEFAULT_SORT = "newest"


def claims_sorted(claims: QuerySet[Claim], sort: str) -> QuerySet[Claim]:
    """The claims in the order named `sort` (the default order for an unknown name)."""
    spec = CLAIM_SORTS.get(sort) or CLAIM_SORTS[DEFAULT_SORT]
    if spec.descending:
        return claims.alias(sort_key=spec.key).order_by("-sort_key", "-pk")
    return claims.alias(sort_key=spec.key).order_by("sort_key", "pk")


def encode_cursor(value: datetime, pk: int) -> str:
    raw = f"{value.isoformat()}|{pk}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(token: str) -> tuple[datetime, int] | None:
    """The (sort key, id) a cursor holds; None for anything else (a mangled link starts
    over at the first page rather than failing)."""
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode()
        value, pk = raw.rsplit("|", 1)
        moment = parse_datetime(value)
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None
    if moment is None or not pk.isdigit():
        return None
    return moment, int(pk)


@dataclass
class ClaimPage:
    claims: list[Claim]
    # Cursors for the links: `after` gives the next page, `before` the previous one.
    next_cursor: str | None
    previous_cursor: str | None


def claim_page(
    claims: QuerySet[Claim], *, sort: str, after: str = "", before: str = "", size: int = 50
) -> ClaimPage:
    """One page of the claims in the order `sort`, after (or before) a cursor.

    Keyset pagination: the cursor is the last row's (key, id), and the next page is the
    rows past it in index order, so page 20,000 costs what page 1 does and rows added
    meanwhile never shift a page. Nothing counts the whole list.
    """
    spec = CLAIM_SORTS.get(sort) or CLAIM_SORTS[DEFAULT_SORT]
    backwards = bool(before) and not after
    token = before if backwards else after
    cursor = decode_cursor(token) if token else None
    backwards = backwards and cursor is not None
    descending = spec.descending != backwards
    rows = claims.alias(sort_key=spec.key)
    if cursor:
        value, pk = cursor
        # "key <= value" is what the index can seek to; the few rows of equal key and an
        # id on the wrong side of the cursor are then dropped.
        if descending:
            rows = rows.filter(Q(sort_key__lte=value) & ~Q(sort_key=value, pk__gte=pk))
        else:
            rows = rows.filter(Q(sort_key__gte=value) & ~Q(sort_key=value, pk__lte=pk))
    order = ("-sort_key", "-pk") if descending else ("sort_key", "pk")
    found = list(rows.order_by(*order)[: size + 1])
    more = len(found) > size
    found = found[:size]
    if backwards:
        found.reverse()
    has_next = more if not backwards else True
    has_previous = more if backwards else cursor is not None
    if not found:
        return ClaimPage(claims=[], next_cursor=None, previous_cursor=None)
    first, last = found[0], found[-1]
    return ClaimPage(
        claims=found,
        next_cursor=encode_cursor(spec.value(last), last.pk) if has_next else None,
        previous_cursor=encode_cursor(spec.value(first), first.pk) if has_previous else None,
    )


class ActorFilter(FilterSet):
    """An unknown parent id selects nothing (an empty page), like any other filter value."""

    kind = django_filters.ChoiceFilter(choices=Actor.Kind.choices)
    status = django_filters.ChoiceFilter(choices=Actor.Status.choices)
    parent = IdFilter(field_name="parent_id")

    class Meta:
        model = Actor
        fields = ["kind", "status", "parent"]


class ArticleFilter(FilterSet):
    outlet = IdFilter(field_name="outlet_id")
    story = IdFilter(field_name="story_id")
    duplicate_of = IdFilter(field_name="duplicate_of_id")

    class Meta:
        model = Article
        fields = ["outlet", "story", "duplicate_of"]
