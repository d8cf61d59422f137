"""Select-to-attribute: editors create or edit a mention with exact offsets."""

from django.http import Http404

from conflictdesk.access import member_required


@member_required
def mention_attribute(request, **kwargs):
    raise Http404("not built yet")


@member_required
def mention_edit(request, **kwargs):
    raise Http404("not built yet")
