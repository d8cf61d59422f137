"""The claim list: filters, normalized Arabic search, sorting, exports.

The whole state of the list is its query string (a GET form), so a list can be saved,
shared, and exported as it is: the CSV and JSONL links carry the same parameters, and the
export reads the same filtered, sorted claims (claims.filters).
"""

from django.http import Http404, HttpRequest, HttpResponse, QueryDict, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from claims.filters import (
    CLAIM_SORTS,
    DEFAULT_SORT,
    ClaimFilter,
    actors_named,
    claim_page,
    claims_sorted,
)
from claims.models import Claim
from claims.search import count_up_to
from claims.selectors import actor_choices, claim_export_lines, claim_list_rows, tag_list
from conflictdesk.access import member_required
from sources.models import Outlet

PAGE_SIZE = 50
# Counting every match of a broad filter over a million claims costs more than the page
# itself: the list counts at most this many and shows "more than".
COUNT_CAP = 1000
EXPORT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "jsonl": "application/x-ndjson; charset=utf-8",
}
# Where the reader is in the list, not what the list is: left out of export links.
CURSOR_PARAMS = ("after", "before")


def _list_state(request: HttpRequest) -> tuple[ClaimFilter, str]:
    filters = ClaimFilter(request.GET, queryset=Claim.objects.all())
    sort = request.GET.get("sort", "")
    return filters, sort if sort in CLAIM_SORTS else DEFAULT_SORT


def _query(params: QueryDict, *, without: tuple[str, ...] = ()) -> str:
    kept = params.copy()
    for name in without:
        kept.pop(name, None)
    return kept.urlencode()


def _unchosen(name: str, value: str) -> bool:
    return value == "" or (name == "sort" and value == DEFAULT_SORT)


@member_required
def claim_list(request: HttpRequest) -> HttpResponse:
    # The form sends every field, "type=&tag=&sort=newest" included: send the reader to
    # the same list without the empty ones and the default order, so that the URL to
    # save or share says only what was chosen.
    if any(_unchosen(name, value) for name, value in request.GET.items()):
        kept = QueryDict(mutable=True)
        for name, values in request.GET.lists():
            if chosen := [value for value in values if not _unchosen(name, value)]:
                kept.setlist(name, chosen)
        return redirect(f"{request.path}?{kept.urlencode()}" if kept else request.path)

    filters, sort = _list_state(request)
    claims = filters.qs
    page = claim_page(
        claim_list_rows(claims),
        sort=sort,
        after=request.GET.get("after", ""),
        before=request.GET.get("before", ""),
        size=PAGE_SIZE,
    )
    rows = claims.values("pk")
    if filters.form.cleaned_data.get("q"):
        # The planner's guess of a search's matches is far too high: count them from the
        # index (claims.search.count_up_to) rather than along a scan of the table.
        count = count_up_to(rows, COUNT_CAP + 1)
    else:
        count = rows.order_by()[: COUNT_CAP + 1].count()
    unknown_actors = [
        (name, value)
        for name in ("claimant", "target")
        if (value := filters.form.cleaned_data.get(name)) and not actors_named(value)
    ]
    state = _query(request.GET, without=CURSOR_PARAMS)
    return render(
        request,
        "claims/list.html",
        {
            "page": page,
            "count": min(count, COUNT_CAP),
            "count_capped": count > COUNT_CAP,
            "filters": filters,
            "values": request.GET,
            "errors": filters.errors,
            "unknown_actors": unknown_actors,
            "sort": sort,
            "sorts": [(key, spec.label) for key, spec in CLAIM_SORTS.items()],
            "types": Claim.Type.choices,
            "statuses": Claim.Status.choices,
            "response_statuses": [c for c in Claim.ResponseStatus.choices if c[0]],
            "tags": tag_list().order_by("label_ar"),
            "outlets": Outlet.objects.only("pk", "name_ar", "name_en").order_by("name_ar"),
            "actors": actor_choices(),
            "state": state,
            "filtered": bool(state),
            "at_start": not any(request.GET.get(name) for name in CURSOR_PARAMS),
        },
    )


@member_required
def claim_export(request: HttpRequest, fmt: str) -> StreamingHttpResponse:
    """The list as the page shows it — same filters, same order — as a file, streamed."""
    if fmt not in EXPORT_TYPES:
        raise Http404(_("Unknown export format."))
    filters, sort = _list_state(request)
    claims = claims_sorted(filters.qs, sort)
    response = StreamingHttpResponse(
        claim_export_lines(claims, fmt=fmt), content_type=EXPORT_TYPES[fmt]
    )
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = f'attachment; filename="claims-{stamp}.{fmt}"'
    return response
