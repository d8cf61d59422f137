from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from sources.admin_search import NormalizedSearchMixin, fold_for_search
from sources.models import Article, ArticleOverlap, IngestedFile, IngestJob, Outlet, Story
from sources.services.ingest import file_retry
from sources.services.stories import article_move, story_merge


@admin.register(Outlet)
class OutletAdmin(admin.ModelAdmin):
    list_display = ("name_ar", "name_en", "alignment", "domain")
    list_filter = ("alignment",)
    search_fields = ("name_ar", "name_en", "domain")


@admin.register(Story)
class StoryAdmin(admin.ModelAdmin):
    list_display = ("title", "first_seen", "last_seen", "merged_into")
    list_filter = ("merged_into",)
    search_fields = ("title",)
    readonly_fields = ("places", "actors", "keywords", "first_seen", "last_seen", "merged_into")
    actions = ("merge_into_oldest",)

    @admin.action(
        description=_("Merge the selected stories into the oldest of them"),
        permissions=["change"],
    )
    def merge_into_oldest(self, request, queryset):
        stories = list(queryset.order_by("pk"))
        for story in stories[1:]:
            story_merge(source=story, target=stories[0])
        self.message_user(request, _("Merged %(n)s stories.") % {"n": len(stories) - 1})


@admin.register(IngestJob)
class IngestJobAdmin(admin.ModelAdmin):
    list_display = ("id", "origin", "created_by", "created_at")
    raw_id_fields = ("files",)


@admin.register(ArticleOverlap)
class ArticleOverlapAdmin(admin.ModelAdmin):
    list_display = ("article", "kind", "original", "containment")
    list_filter = ("kind",)
    raw_id_fields = ("article", "original")


@admin.register(IngestedFile)
class IngestedFileAdmin(admin.ModelAdmin):
    list_display = ("original_name", "status", "origin", "size", "attempts", "received_at")
    list_filter = ("status", "origin")
    actions = ("retry",)
    search_fields = ("original_name", "checksum", "error")
    exclude = ("content",)
    readonly_fields = (
        "checksum",
        "size",
        "original_name",
        "origin",
        "source_path",
        "status",
        "error",
        "attempts",
        "received_at",
        "started_at",
        "finished_at",
        "parent",
        "record_index",
        "line",
        "encoding",
    )

    @admin.action(description=_("Retry the selected failed files"), permissions=["add"])
    def retry(self, request, queryset):
        count = sum(file_retry(file_id=pk) for pk in queryset.values_list("pk", flat=True))
        self.message_user(request, _("Queued again: %(n)s") % {"n": count}, messages.SUCCESS)


@admin.register(Article)
class ArticleAdmin(NormalizedSearchMixin, admin.ModelAdmin):
    list_display = ("title", "outlet", "story", "duplicate_of", "published_at", "created_at")
    list_filter = ("outlet", "story")
    list_select_related = ("outlet", "story", "duplicate_of")
    search_fields = ("title", "source_file")
    normalized_search_fields = (("normalized", fold_for_search),)
    raw_id_fields = ("ingested_file", "duplicate_of", "story")
    readonly_fields = ("normalized", "content_hash", "raw_text")

    def save_model(self, request, obj, form, change):
        # Moving an article to another story goes through the service: claims follow.
        moved = change and "story" in form.changed_data and obj.story_id
        super().save_model(request, obj, form, change)
        if moved:
            article_move(article=obj, story=obj.story)
