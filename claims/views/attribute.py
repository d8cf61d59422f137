"""Select-to-attribute: editors create or edit a mention with exact offsets.

The reader's script (static/js/attribute.js) posts the span as body offsets in Python
characters, the text it saw there, the claim type and the parties by name; the server
resolves the names through the registry's normalization, checks the span against the
article and calls the attribution service. Answers are JSON for the script (`Accept:
application/json`), a redirect with a message for a plain form post; bad input is a 400
with the reason, and nothing is created.
"""

from django import forms
from django.contrib import messages
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from claims.models import Actor, Claim, Mention
from claims.selectors import actor_by_name
from claims.services import attribution
from conflictdesk.access import permission_needed
from conflictdesk.errors import Conflict, DomainError, NotFound
from sources.models import Article

MAX_TARGETS = 10


def _actor(name: str, label: str) -> Actor | None:
    if not name.strip():
        return None
    found = actor_by_name(name)
    if not found:
        raise forms.ValidationError(
            _("%(label)s: no actor is called “%(name)s” in the registry.")
            % {"label": label, "name": name.strip()}
        )
    if len(found) > 1:
        raise forms.ValidationError(
            _("%(label)s: “%(name)s” may be any of %(actors)s; type the full name.")
            % {
                "label": label,
                "name": name.strip(),
                "actors": "، ".join(actor.name_ar for actor in found[:5]),
            }
        )
    return found[0]


class AttributionForm(forms.Form):
    FIELDS = [("body", gettext_lazy("Body")), ("title", gettext_lazy("Headline"))]

    start = forms.IntegerField(label=gettext_lazy("Start"), min_value=0)
    end = forms.IntegerField(label=gettext_lazy("End"), min_value=0)
    field = forms.ChoiceField(choices=FIELDS, required=False)
    # The text the editor saw at the span: a check that page and article still agree.
    quote = forms.CharField(required=False, strip=False, max_length=20000)
    claim = forms.IntegerField(required=False, min_value=1)
    type = forms.ChoiceField(
        label=gettext_lazy("Type"), choices=[("", "—"), *Claim.Type.choices], required=False
    )
    claimant = forms.CharField(label=gettext_lazy("Claimant"), required=False, max_length=300)
    speaker = forms.CharField(label=gettext_lazy("Speaker"), required=False, max_length=300)
    responds_to = forms.IntegerField(required=False, min_value=1)
    direct = forms.BooleanField(required=False)
    cue = forms.CharField(required=False, max_length=100)
    version = forms.IntegerField(required=False, min_value=1)

    def __init__(self, *args, targets: list[str], new_claim_needs_parties: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.target_names = [name for name in targets if name.strip()]
        self.new_claim_needs_parties = new_claim_needs_parties

    def clean(self):
        data = super().clean()
        errors = []
        named = {"claimant": bool((data.get("claimant") or "").strip())}
        for name, label in (("claimant", _("Claimant")), ("speaker", _("Speaker"))):
            try:
                data[name] = _actor(data.get(name) or "", label)
            except forms.ValidationError as error:
                data[name] = None
                errors.append(error)
        targets = []
        if len(self.target_names) > MAX_TARGETS:
            errors.append(
                forms.ValidationError(_("Name at most %(n)s targets.") % {"n": MAX_TARGETS})
            )
        for name in self.target_names[:MAX_TARGETS]:
            try:
                targets.append(_actor(name, _("Target")))
            except forms.ValidationError as error:
                errors.append(error)
        data["targets"] = targets
        for name in ("claim", "responds_to"):
            if data.get(name):
                found = Claim.objects.filter(pk=data[name]).first()
                if found is None:
                    errors.append(
                        forms.ValidationError(_("There is no claim %(id)s.") % {"id": data[name]})
                    )
                data[name] = found
        if not data.get("claim") and self.new_claim_needs_parties:
            if not data.get("type"):
                errors.append(forms.ValidationError(_("Choose the claim type.")))
            if not named["claimant"]:
                errors.append(
                    forms.ValidationError(_("Name the claimant: the party that makes the claim."))
                )
        if errors:
            raise forms.ValidationError(errors)
        return data


def _wants_json(request) -> bool:
    return "application/json" in request.headers.get("Accept", "")


def _form_errors(form: forms.Form) -> str:
    return " ".join(
        message if name == "__all__" else f"{form.fields[name].label or name}: {message}"
        for name, messages_ in form.errors.items()
        for message in messages_
    )


def _refused(request, article: Article, message: str, status: int = 400):
    if _wants_json(request):
        return JsonResponse({"error": message}, status=status)
    return render(
        request,
        "articles/attribute_error.html",
        {"article": article, "message": message},
        status=status,
    )


def _status_of(error: DomainError) -> int:
    if isinstance(error, Conflict):
        return 409
    if isinstance(error, NotFound):
        return 404
    return 400


def _quote_agrees(article: Article, data: dict) -> bool:
    """The text the editor saw at the span is the article's text there (blanks aside:
    a browser shows line breaks between paragraphs its own way)."""
    if not data.get("quote"):
        return True
    text = article.title if data.get("field") == "title" else article.body
    seen = text[data["start"] : data["end"]]
    return " ".join(seen.split()) == " ".join(data["quote"].split())


def _done(request, mention: Mention, created_claim: bool, message: str):
    url = (
        reverse("sources:article_detail", args=[mention.article_id])
        + f"?m={mention.pk}#mention-{mention.pk}"
    )
    if _wants_json(request):
        return JsonResponse(
            {
                "mention": mention.pk,
                "claim": mention.claim_id,
                "created_claim": created_claim,
                "quote": mention.quote,
                "start": mention.start,
                "end": mention.end,
                "redirect": url,
            },
            status=201 if created_claim else 200,
        )
    messages.success(request, message)
    return redirect(url)


_MISMATCH = gettext_lazy(
    "The selected text does not match the article at these offsets "
    "(the page may be out of date): reload the page and select again."
)


def _attribution(data: dict, user) -> dict:
    """What an attribution form says, as the attribution services take it: the span, the
    claim it joins or the new claim's parties and type, and who did it."""
    return {
        "start": data["start"],
        "end": data["end"],
        "claim": data["claim"],
        "type": data["type"] or None,
        "claimant": data["claimant"],
        "speaker": data["speaker"],
        "targets": data["targets"],
        "responds_to": data["responds_to"],
        "direct": data["direct"],
        "cue": data["cue"],
        "user": user,
    }


@require_POST
@permission_needed("claims.add_mention", "claims.add_claim")
def mention_attribute(request, pk):
    article = get_object_or_404(Article, pk=pk)
    form = AttributionForm(
        request.POST, targets=request.POST.getlist("targets"), new_claim_needs_parties=True
    )
    if not form.is_valid():
        return _refused(request, article, _form_errors(form))
    data = form.cleaned_data
    if not _quote_agrees(article, data):
        return _refused(request, article, str(_MISMATCH))
    try:
        mention = attribution.mention_attribute(
            article=article,
            in_title=data.get("field") == "title",
            **_attribution(data, request.user),
        )
    except DomainError as error:
        return _refused(request, article, str(error), status=_status_of(error))
    created = data["claim"] is None
    message = (
        _("The quote was attributed as a new claim.")
        if created
        else _("The quote was added to claim %(id)s.") % {"id": mention.claim_id}
    )
    return _done(request, mention, created, message)


@require_POST
@permission_needed("claims.change_mention", "claims.add_claim")
def mention_edit(request, mention_id):
    mention = get_object_or_404(Mention.objects.select_related("article"), pk=mention_id)
    article = mention.article
    form = AttributionForm(
        request.POST, targets=request.POST.getlist("targets"), new_claim_needs_parties=False
    )
    if not form.is_valid():
        return _refused(request, article, _form_errors(form))
    data = form.cleaned_data
    data["field"] = "title" if mention.in_title else "body"
    if not _quote_agrees(article, data):
        return _refused(request, article, str(_MISMATCH))
    if not data["version"]:
        return _refused(request, article, _("The claim version you read is missing."))
    if data["type"] and not data["claimant"] and not data["claim"]:
        return _refused(request, article, _("Name the claimant: the party that makes the claim."))
    try:
        edited = attribution.mention_edit(
            mention_id=mention.pk,
            expected_version=data["version"],
            **_attribution(data, request.user),
        )
    except DomainError as error:
        return _refused(request, article, str(error), status=_status_of(error))
    return _done(request, edited, False, _("The attribution was changed."))
