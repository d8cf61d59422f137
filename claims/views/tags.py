"""The tag vocabulary: analysts add tags, admins curate."""

from django.http import Http404

from conflictdesk.access import member_required


@member_required
def tag_list(request, **kwargs):
    raise Http404("not built yet")


@member_required
def tag_edit(request, **kwargs):
    raise Http404("not built yet")
