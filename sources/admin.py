from django.contrib import admin

from sources.admin_search import NormalizedSearchMixin, fold_for_search
from sources.models import Article, IngestedFile, Outlet, Story


@admin.register(Outlet)
class OutletAdmin(admin.ModelAdmin):
    list_display = ("name_ar", "name_en", "alignment", "domain")
    list_filter = ("alignment",)
    search_fields = ("name_ar", "name_en", "domain")


@admin.register(Story)
class StoryAdmin(admin.ModelAdmin):
    list_display = ("title", "created_at", "updated_at")
    search_fields = ("title",)


@admin.register(IngestedFile)
class IngestedFileAdmin(admin.ModelAdmin):
    list_display = ("original_name", "status", "origin", "size", "attempts", "received_at")
    list_filter = ("status", "origin")
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
    )


@admin.register(Article)
class ArticleAdmin(NormalizedSearchMixin, admin.ModelAdmin):
    list_display = ("title", "outlet", "story", "duplicate_of", "published_at", "created_at")
    list_filter = ("outlet", "story")
    list_select_related = ("outlet", "story", "duplicate_of")
    search_fields = ("title", "source_file")
    normalized_search_fields = (("normalized", fold_for_search),)
    raw_id_fields = ("ingested_file", "duplicate_of", "story")
    readonly_fields = ("normalized", "content_hash", "raw_text")
