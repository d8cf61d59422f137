"""The review queue: proposed claims oldest first, keyboard shortcuts, bulk actions.

The page works without JavaScript (each claim's buttons are plain forms, the bulk bar a
plain form); static/js/review.js adds the keyboard (j/k, c, r, t, ?) and htmx swaps one
claim in place after its confirm, reject or tag.
"""

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Exists, OuterRef
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext, ngettext
from django.views.decorators.http import require_POST

from claims.filters import ClaimFilter
from claims.models import Claim, Tag
from claims.selectors import review_queue as review_queue_claims
from claims.services import review as services
from claims.views.detail import (
    REVIEW_PERMISSION,
    TAG_CREATE_PERMISSION,
    ContextCache,
    mention_context,
    next_url,
    split_names,
)
from conflictdesk.access import member_required, permission_needed
from conflictdesk.errors import DomainError
from sources.models import Story

PAGE_SIZE = 25
# The queue filters by these; other query parameters (page, focus) are the page's own.
FILTERS = ("type", "story", "tag")


def _item(claim: Claim, cache: ContextCache) -> dict:
    """A claim as the queue shows it: its first mention in context (sentence marked, the
    paragraph for the claim in focus) and how many more reports it has."""
    mentions = list(claim.mentions.all())
    first = mentions[0] if mentions else None
    return {
        "claim": claim,
        "mention": first,
        "context": mention_context(first, cache) if first else None,
        "more_mentions": max(len(mentions) - 1, 0),
    }


def _filtered(request: HttpRequest):
    params = {name: request.GET[name] for name in FILTERS if request.GET.get(name)}
    return ClaimFilter(data=params, queryset=review_queue_claims()), params


@member_required
def review_queue(request: HttpRequest) -> HttpResponse:
    claims, params = _filtered(request)
    page = Paginator(claims.qs, PAGE_SIZE).get_page(request.GET.get("page"))
    cache = ContextCache()
    can_review = request.user.has_perm(REVIEW_PERMISSION)
    context = {
        "items": [_item(claim, cache) for claim in page.object_list],
        "page": page,
        "filter_form": claims.form,
        "params": params,
        "types": Claim.Type.choices,
        # The most recent stories with claims to review: the menu stays short (a
        # 1M-claim desk has thousands of stories); older ones are reachable by URL.
        "stories": Story.objects.filter(
            Exists(Claim.objects.filter(story=OuterRef("pk"), status=Claim.Status.PROPOSED)),
            merged_into__isnull=True,
            last_seen__isnull=False,
        )
        .order_by("-last_seen")
        .only("pk", "title")[:100],
        "tags": Tag.objects.order_by("label_ar"),
        "can_review": can_review,
        "can_create_tags": request.user.has_perm(TAG_CREATE_PERMISSION),
        "here": request.get_full_path(),
    }
    return render(request, "review/queue.html", context)


def review_item_response(
    request: HttpRequest, claim_id: int, *, flash: dict | None, status: int = 200
) -> HttpResponse:
    """One claim of the queue, re-rendered after an action (htmx swaps it in place)."""
    claim = get_object_or_404(review_queue_claims(status=None), pk=claim_id)
    context = {
        "item": _item(claim, ContextCache()),
        "flash": flash,
        "can_review": request.user.has_perm(REVIEW_PERMISSION),
        "can_create_tags": request.user.has_perm(TAG_CREATE_PERMISSION),
        "here": next_url(request, reverse("claims:review")),
    }
    return render(request, "review/_item.html", context, status=status)


def _bulk_items(values: list[str]) -> list[tuple[int, int]]:
    """The ticked claims as (id, version the person saw): each box's value is "id:version"."""
    items = []
    for value in values:
        claim_id, _, version = value.partition(":")
        if claim_id.isdigit() and version.isdigit():
            items.append((int(claim_id), int(version)))
    return items


def _ids(claim_ids: list[int]) -> str:
    return ", ".join(f"#{claim_id}" for claim_id in claim_ids)


@require_POST
@permission_needed(REVIEW_PERMISSION)
def review_bulk(request: HttpRequest) -> HttpResponse:
    """Confirm, reject or tag every ticked claim, each from the version shown."""
    back = redirect(next_url(request, reverse("claims:review")))
    items = _bulk_items(request.POST.getlist("claims"))
    if not items:
        messages.warning(request, gettext("Tick the claims to act on first."))
        return back
    action = request.POST.get("action")
    status = {"confirm": Claim.Status.CONFIRMED, "reject": Claim.Status.REJECTED}.get(action)
    try:
        tags = (
            services.tags_for_names(
                names=split_names(request.POST.get("tags", "")),
                user=request.user,
                create=request.user.has_perm(TAG_CREATE_PERMISSION),
            )
            if action == "tag"
            else []
        )
        if action == "tag" and not tags:
            raise DomainError(gettext("Type the tags to add."))
        if status is None and action != "tag":
            raise DomainError(gettext("Choose confirm, reject or tag."))
        result = services.claims_review_bulk(
            items=items, user=request.user, status=status, add_tags=tags
        )
    except DomainError as exc:
        messages.error(request, str(exc))
        return back
    if result.done:
        done = {
            "confirm": ngettext(
                "%(n)d claim confirmed.", "%(n)d claims confirmed.", len(result.done)
            ),
            "reject": ngettext("%(n)d claim rejected.", "%(n)d claims rejected.", len(result.done)),
            "tag": ngettext("%(n)d claim tagged.", "%(n)d claims tagged.", len(result.done)),
        }[action]
        messages.success(request, done % {"n": len(result.done)})
    if result.stale:
        messages.error(
            request,
            gettext(
                "Someone else changed claims %(ids)s meanwhile; they were left as they were. "
                "Reload the page to see their change."
            )
            % {"ids": _ids(result.stale)},
        )
    if result.missing:
        messages.error(
            request, gettext("Claims %(ids)s no longer exist.") % {"ids": _ids(result.missing)}
        )
    return back
