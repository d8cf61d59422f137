"""One claim: mentions in context, response thread, history, review actions."""

from django.http import Http404

from conflictdesk.access import member_required


@member_required
def claim_detail(request, **kwargs):
    raise Http404("not built yet")


@member_required
def claim_review(request, **kwargs):
    raise Http404("not built yet")


@member_required
def claim_edit(request, **kwargs):
    raise Http404("not built yet")


@member_required
def claim_tags(request, **kwargs):
    raise Http404("not built yet")


@member_required
def claim_link_add(request, **kwargs):
    raise Http404("not built yet")


@member_required
def claim_link_remove(request, **kwargs):
    raise Http404("not built yet")


@member_required
def claim_merge(request, **kwargs):
    raise Http404("not built yet")


@member_required
def mention_split(request, **kwargs):
    raise Http404("not built yet")
