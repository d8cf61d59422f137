"""Actor pages: names, aliases, members and roles, claims made and against, response profile."""

from django.http import Http404

from conflictdesk.access import member_required


@member_required
def actor_list(request, **kwargs):
    raise Http404("not built yet")


@member_required
def actor_detail(request, **kwargs):
    raise Http404("not built yet")


@member_required
def alias_add(request, **kwargs):
    raise Http404("not built yet")


@member_required
def alias_remove(request, **kwargs):
    raise Http404("not built yet")


@member_required
def actor_merge(request, **kwargs):
    raise Http404("not built yet")


@member_required
def actor_confirm(request, **kwargs):
    raise Http404("not built yet")
