"""Stories: the list and the story view, each party's claims side by side."""

from django.http import Http404

from conflictdesk.access import member_required


@member_required
def story_list(request, **kwargs):
    raise Http404("not built yet")


@member_required
def story_detail(request, **kwargs):
    raise Http404("not built yet")


@member_required
def story_merge(request, **kwargs):
    raise Http404("not built yet")
