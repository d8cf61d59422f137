"""The ingest page: upload files, follow a job, watch the ledger, retry failures.

The upload form works without JavaScript (a plain multipart POST, then the job page).
static/js/ingest.js sends the same POST once per file, asking for JSON: the answer names
the job's API endpoint, which the page polls for the file's outcome.
"""

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import BooleanField, Count, ExpressionWrapper, Q
from django.http import HttpRequest, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from conflictdesk.access import forbidden, member_required, permission_needed
from sources.forms import LedgerFilterForm, UploadForm
from sources.models import IngestedFile, IngestJob
from sources.services.ingest import file_retry
from sources.services.uploads import job_files, job_finished, upload_receive

PAGE_SIZE = 50
ACCEPTED = ".txt,.html,.htm,.json,.jsonl"


def _wants_json(request: HttpRequest) -> bool:
    return "application/json" in request.headers.get("Accept", "")


def _bootstrap(form: forms.Form) -> forms.Form:
    """Bootstrap classes on this form's widgets (each form holds its own widget copies)."""
    for field in form.fields.values():
        widget = field.widget
        if isinstance(widget, forms.Select):
            widget.attrs["class"] = "form-select form-select-sm"
        elif isinstance(widget, forms.FileInput):
            widget.attrs.update({"class": "form-control", "accept": ACCEPTED})
        else:
            widget.attrs["class"] = "form-control form-control-sm"
    return form


def _ledger(filters: LedgerFilterForm):
    """The received files, newest first, narrowed by the filters; without their bytes."""
    # A failed file can be retried only if its bytes were kept (one refused on arrival,
    # e.g. over the size limit, must be sent again).
    retryable = Q(status=IngestedFile.Status.FAILED) & ~Q(content=b"")
    rows = (
        IngestedFile.objects.order_by("-received_at", "-pk")
        .defer("content")
        .annotate(retryable=ExpressionWrapper(retryable, output_field=BooleanField()))
    )
    if filters.is_valid():
        data = filters.cleaned_data
        if data["status"]:
            rows = rows.filter(status=data["status"])
        if data["origin"]:
            rows = rows.filter(origin=data["origin"])
        if data["q"]:
            rows = rows.filter(original_name__icontains=data["q"])
    return rows


def _status_counts() -> list[tuple[str, str, int]]:
    counted = dict(
        IngestedFile.objects.order_by()
        .values_list("status")
        .annotate(n=Count("pk"))
        .values_list("status", "n")
    )
    return [(value, label, counted.get(value, 0)) for value, label in IngestedFile.Status.choices]


def _job_links(job: IngestJob) -> dict:
    return {
        "job": str(job.pk),
        "job_url": reverse("api-ingest-job", kwargs={"job_id": job.pk}),
        "page_url": reverse("sources:job", kwargs={"job_id": job.pk}),
    }


@require_http_methods(["GET", "HEAD", "POST"])
@member_required
def ingest_page(request):
    form = UploadForm()
    if request.method == "POST":
        if not request.user.has_perm("sources.add_ingestedfile"):
            return forbidden(request)
        form = UploadForm(request.POST, request.FILES)
        if form.is_valid():
            job = upload_receive(
                files=form.cleaned_data["files"],
                user=request.user,
                origin=IngestedFile.Origin.UPLOAD,
            )
            if _wants_json(request):
                return JsonResponse(_job_links(job), status=202)
            return redirect("sources:job", job_id=job.pk)
        if _wants_json(request):
            errors = [e["message"] for errs in form.errors.get_json_data().values() for e in errs]
            return JsonResponse({"errors": errors}, status=400)
    filters = _bootstrap(LedgerFilterForm(request.GET or None))
    page = Paginator(_ledger(filters), PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "form": _bootstrap(form),
        "filters": filters,
        "page": page,
        "counts": _status_counts(),
        "current_status": filters.cleaned_data.get("status", "") if filters.is_valid() else "",
        "max_file_bytes": settings.CONFLICTDESK_MAX_FILE_BYTES,
        "max_files": settings.CONFLICTDESK_MAX_UPLOAD_FILES,
    }
    return render(request, "sources/ingest.html", context)


@member_required
def job_page(request, job_id):
    job = get_object_or_404(IngestJob.objects.select_related("created_by"), pk=job_id)
    files = list(job_files(job=job))
    pending = not job_finished(files)
    return render(request, "sources/job.html", {"job": job, "files": files, "pending": pending})


@require_POST
@permission_needed("sources.add_ingestedfile")
def retry(request, file_id):
    file = get_object_or_404(IngestedFile.objects.defer("content"), pk=file_id)
    if file_retry(file_id=file.pk):
        messages.success(request, _("Queued again: %(name)s") % {"name": file.original_name})
    else:
        messages.warning(request, _("Only failed files can be retried."))
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = "sources:ingest"
    return redirect(target)
