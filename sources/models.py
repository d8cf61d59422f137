"""Where texts come from: outlets, received files, articles and the stories they report."""

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
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("story")
        verbose_name_plural = _("stories")

    def __str__(self) -> str:
        return self.title


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

    checksum = models.CharField(_("SHA-256"), max_length=64, unique=True)
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
