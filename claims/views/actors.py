"""Actor pages: names, aliases, members and roles, claims made and against, response profile.

Editors (see conflictdesk/roles.py) add and remove aliases, confirm what extraction
proposed and merge duplicates, each through a service in claims/services/actors.py.
"""

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST, require_safe

from claims import selectors
from claims.models import Actor, ActorAlias, Claim
from claims.services import actors as services
from conflictdesk.access import member_required, permission_needed
from conflictdesk.errors import DomainError

PAGE_SIZE = 50
STATUS_CHOICES = [
    ("", gettext_lazy("Any status")),
    ("confirmed", gettext_lazy("Confirmed")),
    ("proposed", gettext_lazy("Proposed, to confirm")),
    ("proposed_aliases", gettext_lazy("With proposed aliases")),
]
# The response profile, in the order the page shows it.
PROFILE = [
    Claim.ResponseStatus.DENIED,
    Claim.ResponseStatus.COUNTERED,
    Claim.ResponseStatus.CONFIRMED,
    Claim.ResponseStatus.NO_COMMENT,
    Claim.ResponseStatus.UNANSWERED,
]


class ActorFilterForm(forms.Form):
    q = forms.CharField(
        label=gettext_lazy("Name or alias"),
        required=False,
        max_length=300,
        widget=forms.TextInput(attrs={"type": "search", "dir": "auto", "class": "form-control"}),
    )
    kind = forms.ChoiceField(
        label=gettext_lazy("Kind"),
        required=False,
        choices=[("", gettext_lazy("Any kind")), *Actor.Kind.choices],
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    status = forms.ChoiceField(
        label=gettext_lazy("Status"),
        required=False,
        choices=STATUS_CHOICES,
        widget=forms.Select(attrs={"class": "form-select"}),
    )


class AliasForm(forms.Form):
    surface = forms.CharField(
        label=gettext_lazy("New alias"),
        max_length=ActorAlias._meta.get_field("surface").max_length,
        widget=forms.TextInput(attrs={"dir": "auto", "class": "form-control"}),
    )


class MergeForm(forms.Form):
    target = forms.CharField(
        label=gettext_lazy("Merge into"),
        max_length=300,
        help_text=gettext_lazy("The actor that stays: its registry key, name or an alias."),
        widget=forms.TextInput(
            attrs={"dir": "auto", "class": "form-control", "list": "merge-targets"}
        ),
    )


def _query_without_page(request: HttpRequest) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


@require_safe
@member_required
def actor_list(request: HttpRequest) -> HttpResponse:
    form = ActorFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    actors = selectors.actor_directory(
        q=filters.get("q", ""),
        kind=filters.get("kind", ""),
        status=filters.get("status", ""),
        language=translation.get_language(),
    )
    page = Paginator(actors, PAGE_SIZE).get_page(request.GET.get("page"))
    page.object_list = selectors.with_actor_counts(page.object_list)
    return render(
        request,
        "actors/list.html",
        {"form": form, "page": page, "query": _query_without_page(request)},
    )


@require_safe
@member_required
def actor_detail(request: HttpRequest, pk: int) -> HttpResponse:
    actor = get_object_or_404(selectors.actor_page(), pk=pk)
    answered = selectors.with_actor_counts([actor])[0].response_profile
    profile = [(status.value, status.label, answered.get(status.value, 0)) for status in PROFILE]
    context = {
        "actor": actor,
        "aliases": sorted(actor.aliases.all(), key=lambda a: (a.proposed, a.origin, a.surface)),
        "has_proposed_aliases": any(alias.proposed for alias in actor.aliases.all()),
        "claims": selectors.actor_claims(actor_id=actor.pk),
        "accusations": selectors.accusations_against(actor_id=actor.pk),
        "profile": profile,
        "profile_total": sum(n for _, _, n in profile),
        "alias_form": AliasForm(),
        "merge_form": MergeForm(),
    }
    context["can_merge"] = request.user.has_perms(["claims.change_actor", "claims.delete_actor"])
    if context["can_merge"]:
        context["merge_choices"] = selectors.actor_merge_choices(exclude=actor.pk)
    return render(request, "actors/detail.html", context)


def _form_error(request: HttpRequest, form: forms.Form) -> None:
    for errors in form.errors.values():
        for error in errors:
            messages.error(request, error)


@require_POST
@permission_needed("claims.add_actoralias")
def alias_add(request: HttpRequest, pk: int) -> HttpResponse:
    actor = get_object_or_404(Actor.objects.only("pk"), pk=pk)
    form = AliasForm(request.POST)
    if not form.is_valid():
        _form_error(request, form)
        return redirect("claims:actor_detail", pk=actor.pk)
    try:
        alias = services.alias_add(
            actor_id=actor.pk, surface=form.cleaned_data["surface"], user=request.user
        )
    except DomainError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Alias added: %(alias)s") % {"alias": alias.surface})
    return redirect("claims:actor_detail", pk=actor.pk)


@require_POST
@permission_needed("claims.delete_actoralias")
def alias_remove(request: HttpRequest, pk: int, alias_id: int) -> HttpResponse:
    actor = get_object_or_404(Actor.objects.only("pk"), pk=pk)
    alias = get_object_or_404(ActorAlias.objects.only("pk"), pk=alias_id, actor=actor)
    try:
        removed = services.alias_remove(actor_id=actor.pk, alias_id=alias.pk, user=request.user)
    except DomainError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Alias removed: %(alias)s") % {"alias": removed.surface})
    return redirect("claims:actor_detail", pk=actor.pk)


def _merge_target(value: str) -> tuple[Actor | None, str]:
    """The actor a typed id, key, name or alias designates, or why there is none."""
    value = value.strip()
    found = list(Actor.objects.filter(pk=int(value))) if value.isdigit() else []
    found = found or selectors.actor_by_name(value)
    if not found:
        return None, _("No actor is called “%(name)s”.") % {"name": value}
    if len(found) > 1:
        names = "، ".join(f"{a.name_ar} ({a.key})" for a in found[:5])
        return None, _("“%(name)s” names several actors: %(names)s. Use the registry key.") % {
            "name": value,
            "names": names,
        }
    return found[0], ""


@require_POST
@permission_needed("claims.change_actor", "claims.delete_actor")
def actor_merge(request: HttpRequest, pk: int) -> HttpResponse:
    source = get_object_or_404(Actor.objects.only("pk", "name_ar"), pk=pk)
    form = MergeForm(request.POST)
    if not form.is_valid():
        _form_error(request, form)
        return redirect("claims:actor_detail", pk=source.pk)
    target, problem = _merge_target(form.cleaned_data["target"])
    if target is None:
        messages.error(request, problem)
        return redirect("claims:actor_detail", pk=source.pk)
    try:
        result = services.actor_merge(source_id=source.pk, target_id=target.pk, user=request.user)
    except DomainError as exc:
        messages.error(request, str(exc))
        return redirect("claims:actor_detail", pk=source.pk)
    messages.success(
        request,
        _(
            "%(source)s was merged into %(target)s: %(aliases)s aliases, %(roles)s roles, "
            "%(members)s members and %(claims)s claims moved."
        )
        % {
            "source": source.name_ar,
            "target": result.target.name_ar,
            "aliases": result.aliases_moved,
            "roles": result.roles_moved,
            "members": result.members_moved,
            "claims": len(result.claims),
        },
    )
    return redirect("claims:actor_detail", pk=result.target.pk)


@require_POST
@permission_needed("claims.change_actor", "claims.change_actoralias")
def actor_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    actor = get_object_or_404(Actor.objects.only("pk"), pk=pk)
    try:
        confirmed = services.actor_confirm(actor_id=actor.pk, user=request.user)
    except DomainError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Confirmed: %(name)s") % {"name": confirmed.name_ar})
    return redirect("claims:actor_detail", pk=actor.pk)
