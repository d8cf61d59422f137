"""PDF dossiers of a story or an actor."""

from django.http import Http404

from conflictdesk.access import member_required


@member_required
def story_dossier(request, **kwargs):
    raise Http404("not built yet")


@member_required
def actor_dossier(request, **kwargs):
    raise Http404("not built yet")
