"""The claim list: filters, normalized Arabic search, sorting, exports."""

from django.http import Http404

from conflictdesk.access import member_required


@member_required
def claim_list(request, **kwargs):
    raise Http404("not built yet")


@member_required
def claim_export(request, **kwargs):
    raise Http404("not built yet")
