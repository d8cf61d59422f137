"""One claim: mentions in context, response thread, history, review actions.

Every action is a POST through one service of claims.services.review, carrying the
version the person read. A plain form POST gets a message and a redirect; an htmx
request gets the refreshed part of the page (the detail's main column, or a review queue
item) with the message in it.
"""

import re
from collections.abc import Callable

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from claims.extraction.sentences import split_sentences
from claims.filters import actors_named
from claims.models import Actor, Claim, ClaimLink, Mention, Tag
from claims.selectors import claim_detail as claim_detail_queryset
from claims.selectors import claim_events, claim_thread
from claims.services import review as services
from conflictdesk.access import forbidden, member_required, permission_needed
from conflictdesk.errors import Conflict, DomainError, InvalidInput
from sources.text.minhash import paragraph_spans

# Who may do what (conflictdesk/roles.py): analysts review, tag and link; editors also
# change a claim's parties, merge and split (the right that goes with attributing quotes).
REVIEW_PERMISSION = "claims.change_claim"
TAG_CREATE_PERMISSION = "claims.add_tag"
LINK_ADD_PERMISSION = "claims.add_claimlink"
LINK_REMOVE_PERMISSION = "claims.delete_claimlink"
EDIT_PARTIES_PERMISSION = "claims.change_mention"
SPLIT_PERMISSIONS = ("claims.add_claim", "claims.change_mention")

STALE_MESSAGE = _(
    "Someone else changed this claim meanwhile; reload the page to see their change. "
    "Nothing was overwritten."
)
BAD_VERSION_MESSAGE = _("The form did not say which version of the claim you saw; reload.")

# "،" is the Arabic comma: "قسد، الفرقة 86".
LIST_SEPARATORS = re.compile(r"[,،؛;\n]+")


# Highlighting: the text is cut into segments, each rendered escaped by the template;
# nothing of the article is ever marked safe.


def _segments(text: str, window: tuple[int, int], start: int, end: int) -> list[dict]:
    low, high = window
    parts = [
        {"text": text[low:start], "mark": False},
        {"text": text[start:end], "mark": True},
        {"text": text[end:high], "mark": False},
    ]
    return [part for part in parts if part["text"]]


def _enclosing(spans: list[tuple[int, int]], start: int, end: int) -> tuple[int, int]:
    """The smallest run of spans (sentences, paragraphs) that holds [start, end)."""
    overlapping = [(low, high) for low, high in spans if low < end and start < high]
    if not overlapping:
        return start, end
    return min(overlapping[0][0], start), max(overlapping[-1][1], end)


class ContextCache:
    """Sentence and paragraph spans of each text, computed once per request."""

    def __init__(self) -> None:
        self._spans: dict[tuple[int, bool], tuple[list, list]] = {}

    def spans(self, article, in_title: bool, text: str) -> tuple[list, list]:
        key = (article.pk, in_title)
        if key not in self._spans:
            self._spans[key] = (split_sentences(text), paragraph_spans(text))
        return self._spans[key]


def mention_context(mention: Mention, cache: ContextCache | None = None) -> dict:
    """The mention's sentence and paragraph as segments, the mention marked.

    A headline mention has its headline as context and no paragraph. Offsets that do not
    point into the text (they always should) give the quote alone, unmarked.
    """
    article = mention.article
    text = article.title if mention.in_title else article.body
    start, end = mention.start, mention.end
    if not (0 <= start < end <= len(text)):
        return {"sentence": [{"text": mention.quote, "mark": False}], "paragraph": None}
    sentences, paragraphs = (cache or ContextCache()).spans(article, mention.in_title, text)
    sentence = _enclosing(sentences, start, end)
    paragraph = _enclosing(paragraphs, start, end)
    return {
        "sentence": _segments(text, sentence, start, end),
        "paragraph": (
            None
            if mention.in_title or paragraph == sentence
            else _segments(text, paragraph, start, end)
        ),
    }


# History: each event's changes, readable.

FIELD_LABELS = {
    "type": _("type"),
    "status": _("status"),
    "targets": _("targets"),
    "tags": _("tags"),
    "responds_to": _("responds to"),
    "text": _("text"),
    "claimant": _("claimant"),
    "speaker": _("speaker"),
    "speaker_description": _("source as reported"),
    "link": _("link"),
    "merged": _("merged claim"),
    "merged_into": _("merged into"),
    "mentions": _("mentions moved"),
    "links": _("links moved"),
    "answers": _("answers moved"),
    "mention": _("mention"),
    "split_into": _("new claim"),
    "split_from": _("split from"),
    "rule": _("rule"),
    "cue": _("cue"),
}
ACTION_LABELS = {
    "extracted": _("found by the machine"),
    "update": _("edited"),
    "confirm": _("confirmed"),
    "reject": _("rejected"),
    "tag": _("tags changed"),
    "link": _("linked"),
    "unlink": _("link removed"),
    services.MERGE_ACTION: _("merged another claim into this one"),
    services.MERGED_INTO_ACTION: _("merged into another claim"),
    "split": _("a mention split off"),
    "split_from": _("created by splitting a mention off"),
}
CLAIM_FIELDS = {"responds_to", "merged", "merged_into", "split_into", "split_from", "answers"}
ACTOR_FIELDS = {"claimant", "speaker", "targets"}
THREAD_RELATIONS = {
    "answers": pgettext_lazy("thread", "this claim answers it"),
    "answered_by": pgettext_lazy("thread", "it answers this claim"),
    # "%(kind)s" is a link kind: denies, counters, confirms, repeats, retracts, updates.
    "out": pgettext_lazy("thread", "this claim %(kind)s it"),
    "in": pgettext_lazy("thread", "it %(kind)s this claim"),
}


def _relation_label(relation: dict) -> str:
    link = relation["link"]
    label = str(THREAD_RELATIONS[relation["relation"]])
    return label % {"kind": link.get_kind_display()} if link is not None else label


def _actor_ids(events: list) -> set[int]:
    ids: set[int] = set()
    for event in events:
        for name, value in event.changes.items():
            if name not in ACTOR_FIELDS or not isinstance(value, list):
                continue
            for side in value:
                ids |= set(side) if isinstance(side, list) else {side}
    return {i for i in ids if isinstance(i, int)}


def _value(name: str, value, actors: dict[int, Actor]) -> dict:
    """One side of a change as the template shows it: text, and claim ids to link."""
    if value is None or value == [] or value == "":
        return {"text": "—", "claims": []}
    if name in CLAIM_FIELDS:
        ids = value if isinstance(value, list) else [value]
        return {"text": "", "claims": [i for i in ids if isinstance(i, int)]}
    if name in ACTOR_FIELDS:
        ids = value if isinstance(value, list) else [value]
        names = [str(actors[i]) if i in actors else f"#{i}" for i in ids]
        return {"text": "، ".join(names), "claims": []}
    if name == "type" and value in Claim.Type.values:
        return {"text": Claim.Type(value).label, "claims": []}
    if name == "status" and value in Claim.Status.values:
        return {"text": Claim.Status(value).label, "claims": []}
    if name == "tags":
        return {"text": "، ".join(value), "claims": []}
    if name == "link" and isinstance(value, dict):
        kind = value.get("kind")
        label = ClaimLink.Kind(kind).label if kind in ClaimLink.Kind.values else kind
        return {"text": str(label), "claims": [], "link": (value["source"], value["target"])}
    return {"text": str(value), "claims": []}


def history(events: list) -> list[dict]:
    actors = Actor.objects.in_bulk(_actor_ids(events)) if _actor_ids(events) else {}
    rows = []
    for event in events:
        changes = []
        for name, value in event.changes.items():
            # The services store [before, after]; extraction stores plain values.
            pair = isinstance(value, list) and len(value) == 2
            changes.append(
                {
                    "label": FIELD_LABELS.get(name, name),
                    "before": _value(name, value[0], actors) if pair else None,
                    "after": _value(name, value[1] if pair else value, actors),
                }
            )
        rows.append(
            {
                "event": event,
                "action": ACTION_LABELS.get(event.action, event.action),
                "changes": changes,
            }
        )
    return rows


# The page.


def _speaker_role(claim: Claim) -> str:
    if claim.speaker is None:
        return ""
    roles = list(claim.speaker.roles.all())
    role = next((r for r in roles if r.organization_id == claim.claimant_id), None)
    role = role or (roles[0] if roles else None)
    return role.title_ar if role else ""


def _can(user) -> dict:
    return {
        "review": user.has_perm(REVIEW_PERMISSION),
        "tag": user.has_perm(REVIEW_PERMISSION),
        "create_tags": user.has_perm(TAG_CREATE_PERMISSION),
        "link": user.has_perm(LINK_ADD_PERMISSION),
        "unlink": user.has_perm(LINK_REMOVE_PERMISSION),
        "parties": user.has_perm(EDIT_PARTIES_PERMISSION),
        "split": user.has_perms(SPLIT_PERMISSIONS),
        "merge": user.has_perm(EDIT_PARTIES_PERMISSION),
    }


def tags_text(claim: Claim) -> str:
    return "، ".join(tag.label_ar or tag.slug for tag in claim.tags.all())


def _detail_context(request: HttpRequest, claim: Claim, *, edit_form=None, flash=None) -> dict:
    cache = ContextCache()
    mentions = sorted(
        claim.mentions.all(),
        key=lambda m: (m.article.published_at is None, m.article.published_at, m.article_id),
    )
    events = list(claim_events(claim))
    merged_into = next(
        (
            e.changes["merged_into"][1]
            for e in reversed(events)
            if e.action == services.MERGED_INTO_ACTION
        ),
        None,
    )
    thread = claim_thread(claim)
    for entry in thread:
        for relation in entry["relations"]:
            relation["label"] = _relation_label(relation)
    thread.append({"claim": claim, "relations": [], "self": True})
    thread.sort(
        key=lambda entry: (
            entry["claim"].first_seen_at or entry["claim"].created_at,
            entry["claim"].pk,
        )
    )
    can = _can(request.user)
    if edit_form is None:
        edit_form = ClaimEditForm(initial=ClaimEditForm.initial_for(claim), parties=can["parties"])
    return {
        "claim": claim,
        "speaker_role": _speaker_role(claim),
        "mentions": [{"mention": m, **mention_context(m, cache)} for m in mentions],
        "thread": thread,
        "history": history(events),
        "merged_into": merged_into,
        "can": can,
        "edit_form": edit_form,
        "tags_text": tags_text(claim),
        "link_kinds": ClaimLink.Kind.choices,
        "all_tags": Tag.objects.order_by("label_ar") if can["tag"] else [],
        "flash": flash,
        "actor_names": (
            Actor.objects.order_by("name_ar").values_list("name_ar", flat=True).distinct()
            if can["parties"]
            else []
        ),
    }


@member_required
def claim_detail(request: HttpRequest, pk: int) -> HttpResponse:
    claim = get_object_or_404(claim_detail_queryset(), pk=pk)
    return render(request, "claims/detail.html", _detail_context(request, claim))


# Actions.


def _is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


def _version(request: HttpRequest) -> int | None:
    try:
        version = int(request.POST.get("version", ""))
    except ValueError:
        return None
    return version if version >= 1 else None


def next_url(request: HttpRequest, default: str) -> str:
    wanted = request.POST.get("next", "")
    if wanted and url_has_allowed_host_and_scheme(
        wanted, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return wanted
    return default


def _respond(
    request: HttpRequest,
    claim_id: int,
    action: Callable[[int], object],
    *,
    done: str,
) -> HttpResponse:
    """Run `action(version)` (one service call) and answer: a plain POST with a message
    and a redirect, an htmx request with the refreshed fragment and the message.

    A stale version is refused by the service (nothing changes) and answered 409.
    """
    version = _version(request)
    if version is None:
        level, text, status = messages.ERROR, gettext(BAD_VERSION_MESSAGE), 400
    else:
        try:
            action(version)
        except Conflict:
            level, text, status = messages.ERROR, gettext(STALE_MESSAGE), 409
        except DomainError as exc:
            level, text, status = messages.ERROR, str(exc), 400
        else:
            level, text, status = messages.SUCCESS, done, 200
    if _is_htmx(request):
        flash = {"level": "success" if level == messages.SUCCESS else "danger", "text": text}
        if request.POST.get("context") == "queue":
            from claims.views.review import review_item_response

            return review_item_response(request, claim_id, flash=flash, status=status)
        claim = get_object_or_404(claim_detail_queryset(), pk=claim_id)
        context = _detail_context(request, claim, flash=flash)
        return render(request, "claims/detail.html", context, status=status)
    messages.add_message(request, level, text)
    return redirect(next_url(request, reverse("claims:detail", args=[claim_id])))


@require_POST
@permission_needed(REVIEW_PERMISSION)
def claim_review(request: HttpRequest, pk: int) -> HttpResponse:
    """Confirm or reject (decision=confirm|reject)."""
    get_object_or_404(Claim.objects.only("pk"), pk=pk)
    decision = request.POST.get("decision")
    service = {"confirm": services.claim_confirm, "reject": services.claim_reject}.get(decision)
    done = (
        gettext("Claim %(id)s confirmed.")
        if decision == "confirm"
        else gettext("Claim %(id)s rejected.")
    ) % {"id": pk}

    def decide(version: int) -> None:
        if service is None:
            raise InvalidInput(gettext("Choose confirm or reject."))
        service(claim_id=pk, user=request.user, expected_version=version)

    return _respond(request, pk, decide, done=done)


def split_names(value: str) -> list[str]:
    return [name.strip() for name in LIST_SEPARATORS.split(value or "") if name.strip()]


@require_POST
@permission_needed(REVIEW_PERMISSION)
def claim_tags(request: HttpRequest, pk: int) -> HttpResponse:
    """Set the tags (`tags`: the whole list), add some (`add`) or remove one (`remove`,
    a slug). Names unknown to the vocabulary become new tags for those who may add them."""
    get_object_or_404(Claim.objects.only("pk"), pk=pk)
    post = request.POST

    def change(version: int) -> None:
        services.claim_tags_change(
            claim_id=pk,
            user=request.user,
            expected_version=version,
            names=split_names(post.get("tags", "")),
            add=split_names(post["add"]) if "add" in post else None,
            remove=[post["remove"]] if "remove" in post else None,
            create=request.user.has_perm(TAG_CREATE_PERMISSION),
        )

    return _respond(request, pk, change, done=gettext("Tags saved."))


CLAIM_ID = re.compile(r"(?:^#?|/claims/)(\d+)/?$")


def _claim_id(value: str) -> int | None:
    """A claim named by its id: "17", "#17" or the address of its page."""
    match = CLAIM_ID.search((value or "").strip())
    return int(match.group(1)) if match else None


@require_POST
@permission_needed(LINK_ADD_PERMISSION)
def claim_link_add(request: HttpRequest, pk: int) -> HttpResponse:
    get_object_or_404(Claim.objects.only("pk"), pk=pk)
    other = _claim_id(request.POST.get("other", ""))

    def link(version: int) -> None:
        if other is None:
            raise InvalidInput(gettext("Give the number of the other claim (e.g. 17 or #17)."))
        services.claim_link_add(
            claim_id=pk,
            user=request.user,
            expected_version=version,
            other_id=other,
            kind=request.POST.get("kind", ""),
            incoming=request.POST.get("direction") == "in",
        )

    return _respond(request, pk, link, done=gettext("Link added."))


@require_POST
@permission_needed(LINK_REMOVE_PERMISSION)
def claim_link_remove(request: HttpRequest, pk: int, link_id: int) -> HttpResponse:
    get_object_or_404(Claim.objects.only("pk"), pk=pk)
    return _respond(
        request,
        pk,
        lambda version: services.claim_link_remove(
            claim_id=pk, user=request.user, expected_version=version, link_id=link_id
        ),
        done=gettext("Link removed."),
    )


class ClaimEditForm(forms.Form):
    """The claim's text and source for analysts; its type and parties for editors.

    Actors are named as people type them: an id, a registry key, a name or any alias in
    any spelling ("قسد"، "لقسد"، "SDF").
    """

    text = forms.CharField(
        label=_("Text"), widget=forms.Textarea(attrs={"rows": 3, "dir": "auto"}), max_length=5000
    )
    speaker_description = forms.CharField(
        label=_("Source as reported"), required=False, max_length=300
    )
    type = forms.ChoiceField(label=_("Type"), choices=Claim.Type.choices)
    claimant = forms.CharField(label=_("Claimant"), max_length=300)
    speaker = forms.CharField(label=_("Speaker"), required=False, max_length=300)
    targets = forms.CharField(
        label=_("Targets"),
        required=False,
        max_length=2000,
        help_text=_("Separated by commas."),
    )
    responds_to = forms.CharField(
        label=_("Responds to claim"),
        required=False,
        max_length=200,
        help_text=_("The number of the claim it answers; empty for none."),
    )
    PARTY_FIELDS = ("type", "claimant", "speaker", "targets", "responds_to")

    def __init__(self, *args, parties: bool, claim: Claim | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.claim = claim
        if not parties:
            for name in self.PARTY_FIELDS:
                del self.fields[name]
        for name in ("claimant", "speaker", "targets"):
            if name in self.fields:
                self.fields[name].widget.attrs.update({"list": "actor-names", "dir": "auto"})
        for field in self.fields.values():
            css = "form-select" if isinstance(field, forms.ChoiceField) else "form-control"
            field.widget.attrs.setdefault("class", css)

    @staticmethod
    def initial_for(claim: Claim) -> dict:
        return {
            "text": claim.text,
            "speaker_description": claim.speaker_description,
            "type": claim.type,
            "claimant": claim.claimant.name_ar,
            "speaker": claim.speaker.name_ar if claim.speaker else "",
            "targets": "، ".join(t.name_ar for t in claim.targets.all()),
            "responds_to": str(claim.responds_to_id or ""),
        }

    def _actor(self, value: str, current: list[Actor]) -> Actor:
        for actor in current:
            if value in (actor.name_ar, actor.key, str(actor.pk)):
                return actor
        ids = actors_named(value)
        if len(ids) > 1:
            exact = Actor.objects.filter(pk__in=ids, name_ar=value)
            ids = set(exact.values_list("pk", flat=True)) or ids
        if not ids:
            raise forms.ValidationError(gettext("No actor is named “%(name)s”.") % {"name": value})
        if len(ids) > 1:
            raise forms.ValidationError(
                gettext("“%(name)s” names several actors (%(ids)s): give the number.")
                % {"name": value, "ids": ", ".join(f"#{i}" for i in sorted(ids))}
            )
        return Actor.objects.get(pk=ids.pop())

    def clean_claimant(self) -> Actor:
        current = [self.claim.claimant] if self.claim else []
        return self._actor(self.cleaned_data["claimant"], current)

    def clean_speaker(self) -> Actor | None:
        value = self.cleaned_data["speaker"].strip()
        current = [self.claim.speaker] if self.claim and self.claim.speaker else []
        return self._actor(value, current) if value else None

    def clean_targets(self) -> list[Actor]:
        current = list(self.claim.targets.all()) if self.claim else []
        return list(
            {
                a.pk: a
                for a in (
                    self._actor(n, current) for n in split_names(self.cleaned_data["targets"])
                )
            }.values()
        )

    def clean_responds_to(self) -> Claim | None:
        value = self.cleaned_data["responds_to"].strip()
        if not value:
            return None
        claim_id = _claim_id(value)
        answered = Claim.objects.filter(pk=claim_id).first() if claim_id else None
        if answered is None:
            raise forms.ValidationError(gettext("There is no claim “%(id)s”.") % {"id": value})
        if self.claim and answered.pk == self.claim.pk:
            raise forms.ValidationError(gettext("A claim cannot answer itself."))
        return answered


@require_POST
@permission_needed(REVIEW_PERMISSION)
def claim_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Edit the text and source (analysts); type and parties too (editors). Party fields
    sent by someone without the editor's right are refused, not ignored."""
    claim = get_object_or_404(claim_detail_queryset(), pk=pk)
    parties = request.user.has_perm(EDIT_PARTIES_PERMISSION)
    if not parties and any(name in request.POST for name in ClaimEditForm.PARTY_FIELDS):
        return forbidden(request)
    form = ClaimEditForm(request.POST, parties=parties, claim=claim)
    if not form.is_valid():
        messages.error(request, gettext("The claim was not saved: correct the fields marked."))
        context = _detail_context(request, claim, edit_form=form)
        context["edit_open"] = True
        return render(request, "claims/detail.html", context, status=400)
    return _respond(
        request,
        pk,
        lambda version: services.claim_update(
            claim_id=pk, user=request.user, expected_version=version, changes=form.cleaned_data
        ),
        done=gettext("Claim saved."),
    )


@require_POST
@permission_needed(EDIT_PARTIES_PERMISSION)
def claim_merge(request: HttpRequest, pk: int) -> HttpResponse:
    """Merge another claim (`other`) into this one."""
    get_object_or_404(Claim.objects.only("pk"), pk=pk)
    other = _claim_id(request.POST.get("other", ""))

    def merge(version: int) -> None:
        if other is None:
            raise InvalidInput(gettext("Give the number of the claim to merge into this one."))
        services.claim_merge(
            claim_id=pk, other_id=other, user=request.user, expected_version=version
        )

    done = gettext("Claim %(other)s merged into this one.") % {"other": other}
    return _respond(request, pk, merge, done=done)


@require_POST
@permission_needed(*SPLIT_PERMISSIONS)
def mention_split(request: HttpRequest, mention_id: int) -> HttpResponse:
    """Split a mention off its claim into a new claim, then open the new claim."""
    mention = get_object_or_404(Mention.objects.only("pk", "claim_id"), pk=mention_id)
    created: list[Claim] = []

    def split(version: int) -> None:
        created.append(
            services.mention_split(
                mention_id=mention_id, user=request.user, expected_version=version
            )
        )

    response = _respond(
        request, mention.claim_id, split, done=gettext("The mention is now a claim of its own.")
    )
    if created and not _is_htmx(request):
        return redirect(reverse("claims:detail", args=[created[0].pk]))
    return response
