"""The review queue: proposed claims oldest first, keyboard shortcuts, bulk actions."""

from django.http import Http404

from conflictdesk.access import member_required


@member_required
def review_queue(request, **kwargs):
    raise Http404("not built yet")


@member_required
def review_bulk(request, **kwargs):
    raise Http404("not built yet")
