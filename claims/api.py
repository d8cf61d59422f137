"""Claims, actors, articles, stories and tags under /api/v1/: thin views over the
selectors (reads) and claims.services.review (the one write)."""

import json

from django.http import Http404, StreamingHttpResponse
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions, generics, renderers, status
from rest_framework.filters import OrderingFilter
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import APIView

from claims.filters import ActorFilter, ArticleFilter, ClaimFilter
from claims.models import Claim
from claims.record_store import api_record, api_records_json_rows, with_stored_texts
from claims.selectors import (
    actor_detail,
    actor_list,
    claim_export_lines,
    tag_list,
    with_actor_counts,
)
from claims.serializers import (
    PARTY_FIELDS,
    ActorDetailOutput,
    ActorOutput,
    ArticleDetailOutput,
    ArticleOutput,
    ClaimOutput,
    ClaimPatchInput,
    StoryDetailOutput,
    StoryOutput,
    TagOutput,
)
from claims.services.review import claim_update
from conflictdesk.api import (
    API_PERMISSIONS,
    PreconditionFailed,
    StrictFilterBackend,
    UpdatedCursorPagination,
    error_responses,
    etag_for,
    expected_version,
    if_none_match,
)
from conflictdesk.errors import Conflict
from conflictdesk.renderers import FastJSONRenderer
from sources.selectors import article_detail, article_list, story_detail, story_list

# Editing a claim's parties (type, targets, what it answers) is an editor's right, the
# one that goes with attributing quotes (DESIGN.md's roles table).
EDIT_PARTIES_PERMISSION = "claims.change_mention"


class ClaimPagination(UpdatedCursorPagination):
    ordering = ("-updated_at", "-id")


class ByIdPagination(UpdatedCursorPagination):
    ordering = ("id",)


class NewestFirstPagination(UpdatedCursorPagination):
    ordering = ("-id",)


def claim_etag(claim_id: int, version: int, updated_at: str) -> str:
    """A claim's ETag, from its record's `version` and `updated_at` (ISO 8601): the one
    formula for the ETag sent and the ones compared."""
    return etag_for(claim_id, version, updated_at)


IF_NONE_MATCH = OpenApiParameter(
    "If-None-Match",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    description="The ETag of your copy: 304 Not Modified when it is current.",
)
IF_MATCH = OpenApiParameter(
    "If-Match",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    description="The ETag or the version number you read (or send `version` in the "
    "body). A stale one gets 412 and changes nothing.",
)


class _StreamedRenderer(renderers.BaseRenderer):
    """Names a streamed format for content negotiation (`?format=`, `Accept`). The rows
    are written by ClaimListView itself; only an error body, which is JSON, would come
    here, and ClaimListView sends errors as JSON anyway."""

    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        return json.dumps(data, ensure_ascii=False).encode()


class CSVRenderer(_StreamedRenderer):
    media_type = "text/csv"
    format = "csv"


class JSONLinesRenderer(_StreamedRenderer):
    media_type = "application/x-ndjson"
    format = "jsonl"


STREAMED_RENDERERS = (CSVRenderer, JSONLinesRenderer)
STREAM_CHUNK = 2000


def _api_claim_response(claim_id: int) -> Response:
    """The claim's record with the ETag of that very record (its version and time)."""
    try:
        record = api_record(claim_id)
    except Claim.DoesNotExist as exc:  # deleted since the caller read it
        raise Http404 from exc
    etag = claim_etag(claim_id, record["version"], record["updated_at"])
    return Response(record, headers={"ETag": etag})


@extend_schema(
    summary="List claims (the claim record of DESIGN.md), filtered, cursor-paginated",
    description="Default order: most recently changed first. For incremental sync use "
    "`ordering=updated_at&updated_since=<the last updated_at you saw>` and follow `next`.\n\n"
    "`?format=csv` or `?format=jsonl` (or `Accept: text/csv`, `Accept: "
    "application/x-ndjson`) streams every claim the filters select, in the requested "
    "order, as one file: no pagination. JSON lines hold the same record as `results`; "
    "CSV rows are the flattened record of `manage.py export_claims --format csv`, after "
    "a UTF-8 byte-order mark.",
    parameters=[
        OpenApiParameter(
            "format",
            OpenApiTypes.STR,
            enum=["json", "csv", "jsonl"],
            description="`csv` or `jsonl`: the whole filtered list, streamed.",
        )
    ],
    responses={
        (200, "application/json"): ClaimOutput,
        (200, "text/csv"): OpenApiResponse(
            OpenApiTypes.STR, description="Every selected claim, one CSV row each."
        ),
        (200, "application/x-ndjson"): OpenApiResponse(
            OpenApiTypes.STR, description="Every selected claim, one JSON record per line."
        ),
        **error_responses(400),
    },
)
class ClaimListView(generics.ListAPIView):
    permission_classes = API_PERMISSIONS
    read_permission = "claims.view_claim"
    serializer_class = ClaimOutput
    renderer_classes = [*api_settings.DEFAULT_RENDERER_CLASSES, *STREAMED_RENDERERS]
    filter_backends = [StrictFilterBackend, OrderingFilter]
    filterset_class = ClaimFilter
    ordering_fields = ["updated_at", "created_at", "id"]
    ordering = ["-updated_at"]
    pagination_class = ClaimPagination

    def get_queryset(self):
        # Only what the cursor needs, as plain rows: the records are built in bulk.
        return Claim.objects.values("id", "updated_at", "created_at")

    def list(self, request, *args, **kwargs):
        fmt = request.accepted_renderer.format
        claims = self.filter_queryset(self.get_queryset())
        first = claims.query.order_by[0] if claims.query.order_by else "-updated_at"
        if fmt not in {renderer.format for renderer in STREAMED_RENDERERS}:
            # The cursor needs the id and the ordering's field: reading (and parsing) the
            # other timestamp too cost a quarter of the page query's time.
            rows = claims.values(*{"id", str(first).lstrip("-")})
            # The page's stored records come with it, in one statement.
            page = self.paginate_queryset(with_stored_texts(rows))
            records = api_records_json_rows(page)
            return self.get_paginated_response(records)
        # A file is not paginated, but a malformed page_size is refused all the same.
        self.paginator.get_page_size(request)
        # The ordering's own tie-break, as the pages have it: id.
        claims = claims.order_by(first, "-pk" if str(first).startswith("-") else "pk")
        lines = claim_export_lines(claims, fmt=fmt, with_version=True, chunk_size=STREAM_CHUNK)
        response = StreamingHttpResponse(
            lines, content_type=f"{request.accepted_renderer.media_type}; charset=utf-8"
        )
        response["Content-Disposition"] = f'attachment; filename="claims.{fmt}"'
        return response

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        # Errors keep the one JSON shape (conflictdesk.api), whatever format was asked.
        if isinstance(response, Response) and isinstance(
            response.accepted_renderer, STREAMED_RENDERERS
        ):
            response.accepted_renderer = FastJSONRenderer()
            response.accepted_media_type = "application/json"
        return response


class ClaimDetailView(APIView):
    permission_classes = API_PERMISSIONS
    read_permission = "claims.view_claim"
    write_permission = "claims.change_claim"

    @extend_schema(
        summary="One claim, with an ETag",
        parameters=[IF_NONE_MATCH],
        responses={
            200: ClaimOutput,
            304: OpenApiResponse(description="Not modified: your copy is current."),
            **error_responses(404),
        },
    )
    def get(self, request, pk: int):
        claim = get_object_or_404(Claim.objects.only("pk", "version", "updated_at"), pk=pk)
        etag = claim_etag(claim.pk, claim.version, claim.updated_at.isoformat())
        if if_none_match(request, etag):
            return Response(status=status.HTTP_304_NOT_MODIFIED, headers={"ETag": etag})
        return _api_claim_response(pk)

    @extend_schema(
        summary="Change a claim's type, status, targets, tags or what it answers",
        description="Analysts may change status and tags; editors also type, targets and "
        "responds_to. Needs If-Match (or `version`): a stale write gets 412.",
        parameters=[IF_MATCH],
        request=ClaimPatchInput,
        responses={200: ClaimOutput, **error_responses(400, 404, 412, 428)},
    )
    def patch(self, request, pk: int):
        current = get_object_or_404(Claim.objects.only("pk", "version", "updated_at"), pk=pk)
        data = ClaimPatchInput(data=request.data)
        data.is_valid(raise_exception=True)
        changes = dict(data.validated_data)
        body_version = changes.pop("version", None)
        if PARTY_FIELDS & set(changes) and not request.user.has_perm(EDIT_PARTIES_PERMISSION):
            raise exceptions.PermissionDenied()
        version = expected_version(
            request,
            etag=claim_etag(current.pk, current.version, current.updated_at.isoformat()),
            version=current.version,
            body_version=body_version,
        )
        try:
            claim_update(claim_id=pk, user=request.user, expected_version=version, changes=changes)
        except Conflict as exc:
            raise PreconditionFailed() from exc
        return _api_claim_response(pk)


@extend_schema(
    summary="List actors: aliases, parent, members and how accusations against them were answered",
    responses={200: ActorOutput, **error_responses(400)},
)
class ActorListView(generics.ListAPIView):
    permission_classes = API_PERMISSIONS
    read_permission = "claims.view_actor"
    serializer_class = ActorOutput
    filterset_class = ActorFilter
    pagination_class = ByIdPagination

    def get_queryset(self):
        return actor_list()

    def paginate_queryset(self, queryset):
        return with_actor_counts(super().paginate_queryset(queryset))


@extend_schema(
    summary="One actor, with its roles and the people who hold roles in it",
    responses={200: ActorDetailOutput, **error_responses(404)},
)
class ActorDetailView(generics.RetrieveAPIView):
    permission_classes = API_PERMISSIONS
    read_permission = "claims.view_actor"
    serializer_class = ActorDetailOutput

    def get_queryset(self):
        return actor_detail()

    def get_object(self):
        return with_actor_counts([super().get_object()])[0]


@extend_schema(
    summary="List articles (metadata, no body), newest first",
    responses={200: ArticleOutput, **error_responses(400)},
)
class ArticleListView(generics.ListAPIView):
    permission_classes = API_PERMISSIONS
    read_permission = "sources.view_article"
    serializer_class = ArticleOutput
    filterset_class = ArticleFilter
    pagination_class = NewestFirstPagination

    def get_queryset(self):
        return article_list()


@extend_schema(
    summary="One article: body and every mention, with offsets into the body",
    responses={200: ArticleDetailOutput, **error_responses(404)},
)
class ArticleDetailView(generics.RetrieveAPIView):
    permission_classes = API_PERMISSIONS
    read_permission = "sources.view_article"
    serializer_class = ArticleDetailOutput

    def get_queryset(self):
        return article_detail()


@extend_schema(
    summary="List stories, newest first",
    responses={200: StoryOutput, **error_responses(400)},
)
class StoryListView(generics.ListAPIView):
    permission_classes = API_PERMISSIONS
    read_permission = "sources.view_story"
    serializer_class = StoryOutput
    pagination_class = NewestFirstPagination

    def get_queryset(self):
        return story_list()


@extend_schema(
    summary="One story: its articles, and its claims grouped by party with their answers",
    responses={200: StoryDetailOutput, **error_responses(404)},
)
class StoryDetailView(generics.RetrieveAPIView):
    permission_classes = API_PERMISSIONS
    read_permission = "sources.view_story"
    serializer_class = StoryDetailOutput

    def get_queryset(self):
        return story_detail()


@extend_schema(summary="List tags", responses={200: TagOutput, **error_responses(400)})
class TagListView(generics.ListAPIView):
    permission_classes = API_PERMISSIONS
    read_permission = "claims.view_tag"
    serializer_class = TagOutput
    pagination_class = ByIdPagination

    def get_queryset(self):
        return tag_list()
