"""The dashboard: counts, newest claims, ingest health, charts."""

from django.http import Http404

from conflictdesk.access import member_required


@member_required
def dashboard(request, **kwargs):
    raise Http404("not built yet")


@member_required
def chart_claims_per_week(request, **kwargs):
    raise Http404("not built yet")


@member_required
def chart_response_profile(request, **kwargs):
    raise Http404("not built yet")
