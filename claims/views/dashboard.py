"""The dashboard: counts, newest claims, ingest health, charts."""

import hashlib
from collections.abc import Callable

from csp.constants import UNSAFE_INLINE
from csp.decorators import csp_update
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import translation
from django.utils.cache import get_conditional_response, patch_cache_control
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from claims import charts, selectors
from claims.models import Claim
from conflictdesk.access import member_required

# Charts are cached this long (seconds) per language and state of the data: the
# dashboard stays fast however often it is loaded, and is at most this stale.
CHART_TTL = 60
TOP_CLAIMANTS = 5
CHART_WEEKS = 12
TOP_ACCUSED = 8
# The response profile's segments, coloured like the claim types that make them
# (static/css/conflictdesk.css): a denial is green, a counterclaim brown ...
RESPONSE_COLOURS = [
    (Claim.ResponseStatus.DENIED, "#1f6f43"),
    (Claim.ResponseStatus.COUNTERED, "#8a4b08"),
    (Claim.ResponseStatus.CONFIRMED, "#0b5f87"),
    (Claim.ResponseStatus.NO_COMMENT, "#6c757d"),
    (Claim.ResponseStatus.UNANSWERED, "#b3261e"),
]
# An SVG shown through <img> is a document of its own: matplotlib styles its shapes
# with style attributes, and the labels' font is a data: font inside it.
_SVG_POLICY = {"style-src": [UNSAFE_INLINE], "font-src": ["data:"]}


def display_name(actor: dict, language: str) -> str:
    """An actor's name in the UI language: the English name in English when it has one."""
    if language.startswith("en") and actor.get("name_en"):
        return actor["name_en"]
    return actor["name_ar"]


def _counts_cached() -> dict:
    """The counts group every claim (a second at 1M claims): cached for a minute, under a
    key that changes with the newest claim change, article and story, so a new or edited
    claim shows at once; only a story merge may take up to a minute to show."""
    from django.core.cache import cache
    from django.db.models import Max

    from claims.models import Claim
    from sources.models import Article, Story

    stamp = (
        Claim.objects.aggregate(m=Max("updated_at"))["m"],
        Article.objects.aggregate(m=Max("pk"))["m"],
        Story.objects.aggregate(m=Max("pk"))["m"],
    )
    key = "dashboard-counts-" + hashlib.sha256(repr(stamp).encode()).hexdigest()[:32]
    counts = cache.get(key)
    if counts is None:
        counts = selectors.dashboard_counts()
        cache.set(key, counts, 60)
    return counts


@require_safe
@member_required
def dashboard(request: HttpRequest) -> HttpResponse:
    context = {
        "counts": _counts_cached(),
        "ingest": selectors.ingest_health(),
        "newest": selectors.claims_newest(limit=10),
        "unanswered": selectors.accusations_unanswered(limit=5),
        "top_claimants": TOP_CLAIMANTS,
        "chart_weeks": CHART_WEEKS,
        "top_accused": TOP_ACCUSED,
    }
    return render(request, "dashboard.html", context)


def _svg_response(request: HttpRequest, name: str, draw: Callable[[str], bytes]) -> HttpResponse:
    """The chart from the cache, or drawn and cached. The ETag names the language and the
    state of the data, so a browser revalidating gets a 304 without any drawing."""
    language = translation.get_language() or "ar"
    stamp = repr((name, language, selectors.charts_stamp()))
    key = "conflictdesk:chart:" + hashlib.sha256(stamp.encode()).hexdigest()
    etag = f'"{key[-32:]}"'
    response = get_conditional_response(request, etag=etag)
    if response is None:
        svg = cache.get(key)
        if svg is None:
            svg = draw(language)
            cache.set(key, svg, CHART_TTL)
        response = HttpResponse(svg, content_type="image/svg+xml")
    response["ETag"] = etag
    patch_cache_control(response, private=True, no_cache=True)
    return response


def _draw_claims_per_week(language: str) -> bytes:
    data = selectors.claims_per_week(top=TOP_CLAIMANTS, weeks=CHART_WEEKS)
    return charts.render_claims_per_week(
        ticks=[date_format(day, "MONTH_DAY_FORMAT") for day in data["weeks"]],
        series=[(display_name(actor, language), counts) for actor, counts in data["series"]],
        others=data["others"],
        others_label=_("Other parties"),
        ylabel=_("Claims"),
        empty_text=_("No claims yet."),
        rtl=translation.get_language_bidi(),
    )


def _draw_response_profile(language: str) -> bytes:
    profiles = selectors.response_profiles(top=TOP_ACCUSED)
    return charts.render_response_profile(
        rows=[
            (display_name(entry, language), [entry["counts"][s] for s, _ in RESPONSE_COLOURS])
            for entry in profiles
        ],
        categories=[
            charts.Category(label=str(status.label), colour=colour)
            for status, colour in RESPONSE_COLOURS
        ],
        xlabel=_("Accusations against the party"),
        empty_text=_("No accusations yet."),
        rtl=translation.get_language_bidi(),
    )


@require_safe
@member_required
@csp_update(_SVG_POLICY)
def chart_claims_per_week(request: HttpRequest) -> HttpResponse:
    return _svg_response(request, "claims-per-week", _draw_claims_per_week)


@require_safe
@member_required
@csp_update(_SVG_POLICY)
def chart_response_profile(request: HttpRequest) -> HttpResponse:
    return _svg_response(request, "response-profile", _draw_response_profile)
