"""The ingest page: upload files, follow a job, watch the ledger, retry failures."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from sources.forms import LedgerFilterForm, UploadForm
from sources.models import IngestedFile, IngestJob
from sources.services.ingest import file_retry
from sources.services.uploads import job_files, job_finished, upload_receive


@login_required
@permission_required("sources.view_ingestedfile", raise_exception=True)
def ingest_page(request):
    form = UploadForm()
    if request.method == "POST":
        if not request.user.has_perm("sources.add_ingestedfile"):
            return render(request, "403.html", status=403)
        form = UploadForm(request.POST, request.FILES)
        if form.is_valid():
            job = upload_receive(
                files=form.cleaned_data["files"],
                user=request.user,
                origin=IngestedFile.Origin.UPLOAD,
            )
            return redirect("sources:job", job_id=job.pk)
    filters = LedgerFilterForm(request.GET or None)
    rows = IngestedFile.objects.order_by("-received_at", "-pk").defer("content")
    if filters.is_valid():
        data = filters.cleaned_data
        if data["status"]:
            rows = rows.filter(status=data["status"])
        if data["origin"]:
            rows = rows.filter(origin=data["origin"])
        if data["q"]:
            rows = rows.filter(original_name__icontains=data["q"])
    page = Paginator(rows, 50).get_page(request.GET.get("page"))
    return render(request, "sources/ingest.html", {"form": form, "filters": filters, "page": page})


@login_required
@permission_required("sources.view_ingestedfile", raise_exception=True)
def job_page(request, job_id):
    job = get_object_or_404(IngestJob, pk=job_id)
    files = list(job_files(job=job))
    pending = not job_finished(files)
    return render(request, "sources/job.html", {"job": job, "files": files, "pending": pending})


@require_POST
@login_required
@permission_required("sources.add_ingestedfile", raise_exception=True)
def retry(request, file_id):
    file = get_object_or_404(IngestedFile, pk=file_id)
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
