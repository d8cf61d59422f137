"""Where texts come from: outlets, received files, articles and the stories they report."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class OutletAlignment(models.TextChoices):
    STATE = "state", _("State media")
    SDF_ALIGNED = "sdf_aligned", _("SDF-aligned")
    OPPOSITION = "opposition", _("Opposition")
    INDEPENDENT = "independent", _("Independent")
    INTERNATIONAL = "international", _("International")
    FOREIGN_STATE = "foreign_state", _("Foreign state media")
    UNKNOWN = "unknown", _("Unknown")


class Outlet(models.Model):
    Alignment = OutletAlignment

    name_ar = models.CharField(_("Arabic name"), max_length=200, blank=True)
    name_en = models.CharField(_("English name"), max_length=200, blank=True)
    alignment = models.CharField(
        _("alignment"), max_length=20, choices=Alignment.choices, default=Alignment.UNKNOWN
    )
    domain = models.CharField(_("web domain"), max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("outlet")
        verbose_name_plural = _("outlets")
        constraints = [
            models.CheckConstraint(
                condition=~Q(name_ar="") | ~Q(name_en=""), name="outlet_has_a_name"
            ),
            models.CheckConstraint(
                condition=Q(alignment__in=[c.value for c in OutletAlignment]),
                name="outlet_alignment_valid",
            ),
        ]

    def __str__(self) -> str:
        return self.name_ar or self.name_en


class Story(models.Model):
    """A cluster of articles about the same event (place, time window, parties)."""

    title = models.CharField(_("title"), max_length=300)
    summary = models.TextField(_("summary"), blank=True)
    # What clustering compares a new article with (sources/services/stories.py): the
    # places, actors and weighted keywords of the story's articles, and its time span.
    places = models.JSONField(default=list, blank=True)
    actors = models.JSONField(default=list, blank=True)
    keywords = models.JSONField(default=dict, blank=True)
    first_seen = models.DateTimeField(_("first seen"), null=True, blank=True)
    last_seen = models.DateTimeField(_("last seen"), null=True, blank=True)
    merged_into = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="merged"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("story")
        verbose_name_plural = _("stories")
        indexes = [
            # Clustering looks only at stories active in the time window.
            models.Index(fields=["last_seen"], name="story_last_seen_idx"),
        ]

    def __str__(self) -> str:
        return self.title


class IngestJob(models.Model):
    """One upload (web or API) of one or more files, for its sender to follow."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True
    )
    origin = models.CharField(_("origin"), max_length=10)
    # A file received before is linked to the new job too, so its sender sees it.
    files = models.ManyToManyField("IngestedFile", related_name="jobs", blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("ingest job")
        verbose_name_plural = _("ingest jobs")

    def __str__(self) -> str:
        return str(self.id)


class IngestedFileStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    PROCESSING = "processing", _("Processing")
    DONE = "done", _("Done")
    DUPLICATE = "duplicate", _("Duplicate")
    FAILED = "failed", _("Failed")


class IngestedFileOrigin(models.TextChoices):
    COMMAND = "command", _("Command line")
    INBOX = "inbox", _("Inbox folder")
    UPLOAD = "upload", _("Web upload")
    API = "api", _("API")


class IngestedFile(models.Model):
    """Every file ever received, before anything else is done with it.

    The ledger loses nothing: a file that cannot be read stays here as `failed` with the
    reason, and the same bytes received twice are one row (unique checksum).
    """

    Status = IngestedFileStatus
    Origin = IngestedFileOrigin

    # A .json/.jsonl file is split into one child row per record, each with its own
    # status, so that one bad record fails alone.
    parent = models.ForeignKey(
        "self", on_delete=models.CASCADE, null=True, blank=True, related_name="records"
    )
    record_index = models.PositiveIntegerField(_("record index"), null=True, blank=True)
    line = models.PositiveIntegerField(_("line"), null=True, blank=True)
    checksum = models.CharField(_("SHA-256"), max_length=64)
    encoding = models.CharField(_("encoding"), max_length=30, blank=True)
    size = models.PositiveBigIntegerField(_("size in bytes"))
    original_name = models.CharField(_("original name"), max_length=255)
    origin = models.CharField(_("origin"), max_length=10, choices=Origin.choices)
    source_path = models.CharField(_("source path"), max_length=1024, blank=True)
    # The received bytes are kept so that a retry, or a rule change, can read them again.
    content = models.BinaryField(_("content"))
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.QUEUED
    )
    error = models.TextField(_("error"), blank=True)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    received_at = models.DateTimeField(_("received at"), auto_now_add=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("ingested file")
        verbose_name_plural = _("ingested files")
        constraints = [
            # The same bytes received twice are one file.
            models.UniqueConstraint(
                fields=["checksum"],
                condition=Q(parent__isnull=True),
                name="ingestedfile_unique_checksum",
            ),
            models.UniqueConstraint(
                fields=["parent", "record_index"],
                condition=Q(parent__isnull=False),
                name="ingestedfile_unique_record",
            ),
            models.CheckConstraint(
                condition=Q(parent__isnull=True) | Q(record_index__isnull=False),
                name="ingestedfile_record_has_index",
            ),
            models.CheckConstraint(
                condition=Q(status__in=[c.value for c in IngestedFileStatus]),
                name="ingestedfile_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(origin__in=[c.value for c in IngestedFileOrigin]),
                name="ingestedfile_origin_valid",
            ),
            models.CheckConstraint(
                condition=~Q(status="failed") | ~Q(error=""),
                name="ingestedfile_failure_has_reason",
            ),
        ]
        indexes = [
            # The ingest monitor: files by status, newest first.
            models.Index(fields=["status", "-received_at"], name="ingestedfile_status_idx"),
            # Re-queueing files left queued while the broker was down.
            models.Index(fields=["status", "updated_at"], name="ingestedfile_stalled_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.original_name} ({self.status})"


class Article(models.Model):
    """One ingested news text.

    `body` is the clean text the reader sees; mention offsets point into it, so it is
    never rewritten by normalization. `normalized` is the folded form used for search
    and duplicate detection.
    """

    ingested_file = models.ForeignKey(
        IngestedFile, on_delete=models.PROTECT, related_name="articles"
    )
    outlet = models.ForeignKey(
        Outlet, on_delete=models.SET_NULL, null=True, blank=True, related_name="articles"
    )
    story = models.ForeignKey(
        Story, on_delete=models.SET_NULL, null=True, blank=True, related_name="articles"
    )
    duplicate_of = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="duplicates"
    )
    # A .txt file holds one article (record 0); a .jsonl file one per line.
    record_index = models.PositiveIntegerField(_("record in file"), default=0)
    source_file = models.CharField(_("source file name"), max_length=255)
    url = models.URLField(_("URL"), max_length=1000, blank=True)
    title = models.CharField(_("title"), max_length=500)
    raw_text = models.TextField(_("raw text"))
    body = models.TextField(_("body"))
    normalized = models.TextField(_("normalized text"))
    dateline = models.CharField(_("dateline"), max_length=200, blank=True)
    author = models.CharField(_("author"), max_length=200, blank=True)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    content_hash = models.CharField(_("normalized content hash"), max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("article")
        verbose_name_plural = _("articles")
        constraints = [
            # Processing a file twice (a redelivered task) must not store it twice.
            models.UniqueConstraint(
                fields=["ingested_file", "record_index"], name="article_unique_record"
            ),
            models.CheckConstraint(condition=~Q(body=""), name="article_body_not_empty"),
            models.CheckConstraint(
                condition=Q(duplicate_of__isnull=True) | ~Q(duplicate_of=models.F("id")),
                name="article_not_duplicate_of_itself",
            ),
        ]
        indexes = [
            # Exact-duplicate lookup at ingest.
            models.Index(fields=["content_hash"], name="article_content_hash_idx"),
            # Lists and API filters: newest first, by outlet, by story.
            models.Index(fields=["-published_at", "-id"], name="article_published_idx"),
            models.Index(fields=["outlet", "-published_at"], name="article_outlet_idx"),
            models.Index(fields=["story", "published_at"], name="article_story_idx"),
        ]

    def __str__(self) -> str:
        return self.title


class StoryKey(models.Model):
    """An indexed feature of a story (a place or an actor), to find candidate stories for
    a new article without scanning them all."""

    story = models.ForeignKey(Story, on_delete=models.CASCADE, related_name="keys")
    key = models.CharField(max_length=200)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["key", "story"], name="storykey_unique")]

    def __str__(self) -> str:
        return self.key


class StorySegment(models.Model):
    """Paragraphs of an article that belong to another story than its main one: a
    re-publication that adds news of its own carries a second story."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="segments")
    story = models.ForeignKey(Story, on_delete=models.CASCADE, related_name="segments")
    start = models.PositiveIntegerField()
    end = models.PositiveIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["article", "story"], name="storysegment_unique"),
            models.CheckConstraint(
                condition=Q(end__gt=models.F("start")), name="storysegment_span"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.article_id}[{self.start}:{self.end}] -> {self.story_id}"


class ArticleFingerprint(models.Model):
    """The MinHash signature of an article's text, for near-duplicate checks."""

    article = models.OneToOneField(Article, on_delete=models.CASCADE, related_name="fingerprint")
    signature = models.BinaryField()
    shingle_count = models.PositiveIntegerField()

    def __str__(self) -> str:
        return f"fingerprint of {self.article_id}"


class LshBucket(models.Model):
    """One LSH band key of an article. A lookup is one indexed query on `key`, so its cost
    does not grow with the number of stored articles."""

    key = models.BigIntegerField()
    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="lsh_buckets")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["key", "article"], name="lshbucket_unique")]

    def __str__(self) -> str:
        return f"{self.key} -> {self.article_id}"


class OverlapKind(models.TextChoices):
    DUPLICATE = "duplicate", _("Duplicate")
    PARTIAL = "partial", _("Partial overlap")


class ArticleOverlap(models.Model):
    """How much of an article an earlier one already published, and what is new in it."""

    Kind = OverlapKind

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="overlaps")
    original = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="copies")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    containment = models.FloatField(_("share of the article found in the original"))
    # [start, end) offsets into article.body of paragraphs the original does not have.
    new_spans = models.JSONField(default=list, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["article", "original"], name="articleoverlap_unique"),
            models.CheckConstraint(
                condition=~Q(article=models.F("original")), name="articleoverlap_not_self"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.article_id} {self.kind} of {self.original_id} ({self.containment:.2f})"
