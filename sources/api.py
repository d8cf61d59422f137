"""Ingest through the API: upload files (202 with a job to poll), then poll the job."""

from django.conf import settings
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import permissions, serializers, status
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response
from rest_framework.reverse import reverse
from rest_framework.views import APIView

from conflictdesk.api import ErrorOutput
from sources.models import IngestedFile, IngestJob
from sources.services.uploads import job_files, job_finished, upload_receive


class CanIngest(permissions.BasePermission):
    def has_permission(self, request, view):
        if request.method in permissions.SAFE_METHODS:
            return request.user.has_perm("sources.view_ingestedfile")
        return request.user.has_perm("sources.add_ingestedfile")


class UploadInput(serializers.Serializer):
    files = serializers.ListField(
        child=serializers.FileField(allow_empty_file=True),
        allow_empty=False,
        max_length=settings.CONFLICTDESK_MAX_UPLOAD_FILES,
    )


class RecordOutput(serializers.ModelSerializer):
    articles = serializers.PrimaryKeyRelatedField(many=True, read_only=True)

    class Meta:
        model = IngestedFile
        fields = ["id", "record_index", "line", "status", "error", "attempts", "articles"]


class FileOutput(serializers.ModelSerializer):
    name = serializers.CharField(source="original_name")
    articles = serializers.PrimaryKeyRelatedField(many=True, read_only=True)
    records = RecordOutput(many=True, read_only=True)

    class Meta:
        model = IngestedFile
        fields = [
            "id", "name", "size", "checksum", "status", "error", "attempts",
            "received_at", "finished_at", "articles", "records",
        ]  # fmt: skip


class JobOutput(serializers.Serializer):
    id = serializers.UUIDField()
    url = serializers.CharField()
    created_at = serializers.DateTimeField()
    finished = serializers.BooleanField()
    files = FileOutput(many=True)


def _job_payload(request, job: IngestJob) -> dict:
    files = list(job_files(job=job))
    finished = job_finished(files)
    return JobOutput(
        {
            "id": job.pk,
            "url": reverse("api-ingest-job", kwargs={"job_id": job.pk}, request=request),
            "created_at": job.created_at,
            "finished": finished,
            "files": files,
        }
    ).data


class UploadView(APIView):
    permission_classes = [permissions.IsAuthenticated, CanIngest]
    parser_classes = [MultiPartParser]

    @extend_schema(
        request={"multipart/form-data": UploadInput},
        responses={202: JobOutput},
        summary="Upload article files (.txt, .html, .json, .jsonl) for ingestion",
    )
    def post(self, request):
        data = UploadInput(data={"files": request.FILES.getlist("files")})
        data.is_valid(raise_exception=True)
        job = upload_receive(
            files=data.validated_data["files"], user=request.user, origin=IngestedFile.Origin.API
        )
        payload = _job_payload(request, job)
        return Response(
            payload, status=status.HTTP_202_ACCEPTED, headers={"Location": payload["url"]}
        )


class JobView(APIView):
    permission_classes = [permissions.IsAuthenticated, CanIngest]

    @extend_schema(
        responses={200: JobOutput, 404: ErrorOutput},
        summary="Follow an upload: each file's status",
    )
    def get(self, request, job_id):
        return Response(_job_payload(request, get_object_or_404(IngestJob, pk=job_id)))
