"""The tag vocabulary: analysts add tags, admins curate (rename, delete, merge)."""

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from claims import selectors
from claims.models import Tag
from claims.services import tags as services
from conflictdesk.access import forbidden, member_required, permission_needed
from conflictdesk.errors import DomainError

PAGE_SIZE = 100
LABEL_LENGTH = Tag._meta.get_field("label_ar").max_length


class TagForm(forms.Form):
    label_ar = forms.CharField(
        label=gettext_lazy("Arabic label"),
        max_length=LABEL_LENGTH,
        widget=forms.TextInput(attrs={"dir": "rtl", "lang": "ar", "class": "form-control"}),
    )
    label_en = forms.CharField(
        label=gettext_lazy("English label"),
        max_length=LABEL_LENGTH,
        required=False,
        widget=forms.TextInput(attrs={"dir": "ltr", "lang": "en", "class": "form-control"}),
    )


class TagMergeForm(forms.Form):
    target = forms.ModelChoiceField(
        label=gettext_lazy("Merge into"),
        queryset=Tag.objects.none(),
        widget=forms.Select(attrs={"class": "form-select"}),
    )

    def __init__(self, *args, tag: Tag, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["target"].queryset = Tag.objects.exclude(pk=tag.pk).order_by("label_ar")
        self.fields["target"].label_from_instance = lambda t: (
            f"{t.label_ar} — {t.label_en}" if t.label_en else t.label_ar
        )


@require_http_methods(["GET", "HEAD", "POST"])
@member_required
def tag_list(request: HttpRequest) -> HttpResponse:
    """Every tag with its number of claims; analysts add tags here (POST)."""
    form = TagForm()
    if request.method == "POST":
        if not request.user.has_perm("claims.add_tag"):
            return forbidden(request)
        form = TagForm(request.POST)
        if form.is_valid():
            try:
                tag = services.tag_create(
                    label_ar=form.cleaned_data["label_ar"],
                    label_en=form.cleaned_data["label_en"],
                    user=request.user,
                )
            except DomainError as exc:
                messages.error(request, str(exc))
            else:
                messages.success(request, _("Tag added: %(label)s") % {"label": tag.label_ar})
                return redirect("claims:tag_list")
    page = Paginator(selectors.tag_directory(), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "tags/list.html", {"form": form, "page": page, "query": ""})


@require_http_methods(["GET", "HEAD", "POST"])
@permission_needed("claims.change_tag", "claims.delete_tag")
def tag_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Admins rename a tag's labels, delete it, or merge it into another."""
    tag = get_object_or_404(selectors.tag_directory(), pk=pk)
    form = TagForm(initial={"label_ar": tag.label_ar, "label_en": tag.label_en})
    merge_form = TagMergeForm(tag=tag)
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "rename":
                form = TagForm(request.POST)
                if form.is_valid():
                    services.tag_update(tag_id=tag.pk, user=request.user, **form.cleaned_data)
                    messages.success(request, _("Tag renamed."))
                    return redirect("claims:tag_edit", pk=tag.pk)
            elif action == "delete":
                count = services.tag_delete(tag_id=tag.pk, user=request.user)
                messages.success(
                    request,
                    _("Tag “%(label)s” deleted; %(count)s claims lost it.")
                    % {"label": tag.label_ar, "count": count},
                )
                return redirect("claims:tag_list")
            elif action == "merge":
                merge_form = TagMergeForm(request.POST, tag=tag)
                if merge_form.is_valid():
                    target = services.tag_merge(
                        source_id=tag.pk,
                        target_id=merge_form.cleaned_data["target"].pk,
                        user=request.user,
                    )
                    messages.success(
                        request,
                        _("Tag “%(source)s” merged into “%(target)s”.")
                        % {"source": tag.label_ar, "target": target.label_ar},
                    )
                    return redirect("claims:tag_edit", pk=target.pk)
            else:
                messages.error(request, _("Unknown action."))
        except DomainError as exc:
            messages.error(request, str(exc))
    return render(request, "tags/edit.html", {"tag": tag, "form": form, "merge_form": merge_form})
