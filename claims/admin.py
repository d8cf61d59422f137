from django.contrib import admin

from claims.models import (
    Actor,
    ActorAlias,
    ActorRole,
    Claim,
    ClaimEvent,
    ClaimLink,
    Mention,
    MergedActorKey,
    Tag,
)
from sources.admin_search import NormalizedSearchMixin, fold_for_search
from sources.text import normalize_for_matching


class ActorAliasInline(admin.TabularInline):
    model = ActorAlias
    extra = 1
    readonly_fields = ("normalized",)


class ActorRoleInline(admin.TabularInline):
    model = ActorRole
    fk_name = "person"
    extra = 0
    raw_id_fields = ("organization",)


@admin.register(Actor)
class ActorAdmin(NormalizedSearchMixin, admin.ModelAdmin):
    list_display = ("name_ar", "name_en", "kind", "parent", "status")
    list_filter = ("kind", "status")
    list_select_related = ("parent",)
    search_fields = ("name_ar", "name_en", "key")
    normalized_search_fields = (("aliases__normalized", normalize_for_matching),)
    raw_id_fields = ("parent", "outlet")
    inlines = (ActorAliasInline, ActorRoleInline)


@admin.register(ActorAlias)
class ActorAliasAdmin(NormalizedSearchMixin, admin.ModelAdmin):
    list_display = ("surface", "normalized", "actor", "origin")
    list_filter = ("origin",)
    list_select_related = ("actor",)
    search_fields = ("surface",)
    normalized_search_fields = (("normalized", normalize_for_matching),)
    raw_id_fields = ("actor",)
    readonly_fields = ("normalized",)


@admin.register(ActorRole)
class ActorRoleAdmin(admin.ModelAdmin):
    list_display = ("person", "title_ar", "organization")
    list_select_related = ("person", "organization")
    raw_id_fields = ("person", "organization")


@admin.register(MergedActorKey)
class MergedActorKeyAdmin(admin.ModelAdmin):
    """Registry keys of merged actors. Deleting one lets the next registry load create
    that actor again."""

    list_display = ("key", "actor", "merged_at")
    list_select_related = ("actor",)
    search_fields = ("key", "actor__name_ar", "actor__name_en")
    raw_id_fields = ("actor",)


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin):
    list_display = ("label_ar", "label_en", "slug")
    search_fields = ("label_ar", "label_en", "slug")


class MentionInline(admin.TabularInline):
    model = Mention
    extra = 0
    raw_id_fields = ("article", "attributed_by")


@admin.register(Claim)
class ClaimAdmin(NormalizedSearchMixin, admin.ModelAdmin):
    list_display = ("text", "type", "status", "claimant", "response_status", "updated_at")
    list_filter = ("type", "status", "response_status", "tags")
    list_select_related = ("claimant",)
    search_fields = ("text", "claimant__name_ar", "claimant__name_en")
    normalized_search_fields = (
        ("normalized_text", fold_for_search),
        ("claimant__aliases__normalized", normalize_for_matching),
    )
    raw_id_fields = ("claimant", "speaker", "responds_to", "story")
    filter_horizontal = ("targets", "tags")
    readonly_fields = ("version", "created_at", "updated_at")
    inlines = (MentionInline,)


@admin.register(Mention)
class MentionAdmin(admin.ModelAdmin):
    list_display = ("quote", "claim", "article", "start", "end", "cue", "direct")
    list_select_related = ("claim", "article")
    raw_id_fields = ("claim", "article", "attributed_by")


@admin.register(ClaimLink)
class ClaimLinkAdmin(admin.ModelAdmin):
    list_display = ("source", "kind", "target", "created_at")
    raw_id_fields = ("source", "target", "created_by")


@admin.register(ClaimEvent)
class ClaimEventAdmin(admin.ModelAdmin):
    list_display = ("claim", "action", "user", "at")
    raw_id_fields = ("claim", "user")
    readonly_fields = ("claim", "user", "action", "changes", "at")
