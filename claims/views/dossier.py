"""PDF dossiers of a story or an actor, for any member to download."""

from django.db.models import Prefetch
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.views.decorators.http import require_GET

from claims.dossier import actor_pdf, story_pdf
from claims.models import Actor, ActorRole
from conflictdesk.access import member_required
from sources.models import Story


def _attachment(pdf: bytes, stem: str) -> HttpResponse:
    # An ASCII name made of ids and a date only: no header injection, no encoding issues.
    filename = f"{stem}-{timezone.localdate():%Y-%m-%d}.pdf"
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response


@require_GET
@member_required
def story_dossier(request, pk: int):
    story = get_object_or_404(Story, pk=pk)
    return _attachment(
        story_pdf(story=story, user=request.user.get_username()), f"story-{story.pk}"
    )


@require_GET
@member_required
def actor_dossier(request, pk: int):
    actors = Actor.objects.select_related("parent").prefetch_related(
        "aliases", Prefetch("roles", queryset=ActorRole.objects.select_related("organization"))
    )
    actor = get_object_or_404(actors, pk=pk)
    return _attachment(
        actor_pdf(actor=actor, user=request.user.get_username()), f"actor-{actor.pk}"
    )
