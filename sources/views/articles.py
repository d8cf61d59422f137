"""Articles: the list and the reader with mentions highlighted."""

from django.http import Http404

from conflictdesk.access import member_required


@member_required
def article_list(request, **kwargs):
    raise Http404("not built yet")


@member_required
def article_detail(request, **kwargs):
    raise Http404("not built yet")


@member_required
def article_move(request, **kwargs):
    raise Http404("not built yet")
