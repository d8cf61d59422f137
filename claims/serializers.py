"""What the API reads (input) and writes (output); one serializer per use.

A claim is served as the claim record of DESIGN.md, built by claims.records.claim_record
(the same function export_claims uses), plus its `version` for If-Match. The fields
declared on ClaimOutput describe that record for the schema.
"""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from claims.models import Actor, Claim, Tag
from claims.records import claim_record
from claims.selectors import RESPONSE_PROFILE
from sources.models import Article, Outlet, Story


class ActorRefOutput(serializers.Serializer):
    id = serializers.IntegerField()
    name_ar = serializers.CharField()
    name_en = serializers.CharField()
    kind = serializers.CharField(required=False, help_text="Absent on targets.")
    aliases = serializers.ListField(child=serializers.CharField())


class SpeakerOutput(serializers.Serializer):
    id = serializers.IntegerField()
    name_ar = serializers.CharField()
    name_en = serializers.CharField()
    role = serializers.CharField()
    aliases = serializers.ListField(child=serializers.CharField())


class MentionArticleOutput(serializers.Serializer):
    id = serializers.IntegerField()
    source_file = serializers.CharField()
    url = serializers.CharField(allow_null=True)
    outlet = serializers.CharField(allow_null=True)
    title = serializers.CharField()
    published_at = serializers.DateTimeField(allow_null=True)


class MentionRecordOutput(serializers.Serializer):
    article = MentionArticleOutput()
    quote = serializers.CharField(help_text="Exactly article.body[start:end] (title if in_title).")
    start = serializers.IntegerField()
    end = serializers.IntegerField()
    in_title = serializers.BooleanField()
    cue = serializers.CharField()
    direct = serializers.BooleanField()
    attributed_by = serializers.CharField(help_text='"machine" or the editor\'s username.')


class FigureOutput(serializers.Serializer):
    low = serializers.IntegerField()
    high = serializers.IntegerField(allow_null=True)
    approx = serializers.BooleanField()
    counts = serializers.CharField()
    subject = serializers.CharField()


class FirstSeenOutput(serializers.Serializer):
    at = serializers.DateTimeField(allow_null=True)
    outlet = serializers.CharField(allow_null=True)


class ClaimOutput(serializers.Serializer):
    id = serializers.IntegerField()
    type = serializers.ChoiceField(choices=Claim.Type.choices)
    status = serializers.ChoiceField(choices=Claim.Status.choices)
    text = serializers.CharField()
    claimant = ActorRefOutput()
    speaker = SpeakerOutput(allow_null=True)
    speaker_description = serializers.CharField(allow_null=True)
    reported_via = ActorRefOutput(allow_null=True)
    targets = ActorRefOutput(many=True)
    responds_to = serializers.IntegerField(allow_null=True)
    response_status = serializers.ChoiceField(
        choices=[c for c in Claim.ResponseStatus.choices if c[0]], allow_null=True
    )
    story = serializers.IntegerField(allow_null=True)
    tags = serializers.ListField(child=serializers.CharField())
    figures = FigureOutput(many=True)
    first_seen = FirstSeenOutput()
    rule = serializers.CharField()
    cue = serializers.CharField()
    mentions = MentionRecordOutput(many=True)
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()
    version = serializers.IntegerField(help_text="Send it back in If-Match to change the claim.")

    def to_representation(self, instance: Claim) -> dict:
        return claim_record(instance, with_version=True)


class ClaimPatchInput(serializers.Serializer):
    """What a PATCH may change. Analysts: status and tags; editors also type, targets
    and responds_to (DESIGN.md: "edit claims' parties")."""

    type = serializers.ChoiceField(choices=Claim.Type.choices, required=False)
    status = serializers.ChoiceField(choices=Claim.Status.choices, required=False)
    targets = serializers.PrimaryKeyRelatedField(
        queryset=Actor.objects.all(), many=True, required=False
    )
    tags = serializers.SlugRelatedField(
        slug_field="slug", queryset=Tag.objects.all(), many=True, required=False
    )
    responds_to = serializers.PrimaryKeyRelatedField(
        queryset=Claim.objects.all(), allow_null=True, required=False
    )
    version = serializers.IntegerField(
        min_value=1,
        required=False,
        help_text="The version read, when If-Match is not sent.",
    )


PARTY_FIELDS = frozenset({"type", "targets", "responds_to"})


class ActorParentOutput(serializers.ModelSerializer):
    class Meta:
        model = Actor
        fields = ["id", "key", "name_ar", "name_en"]


class ResponseProfileOutput(serializers.Serializer):
    """How the accusations against an actor were answered: a count per response status."""

    unanswered = serializers.IntegerField()
    denied = serializers.IntegerField()
    countered = serializers.IntegerField()
    confirmed = serializers.IntegerField()
    no_comment = serializers.IntegerField()


class ActorOutput(serializers.ModelSerializer):
    parent = ActorParentOutput(allow_null=True)
    aliases = serializers.SerializerMethodField()
    members_count = serializers.IntegerField()
    response_profile = serializers.SerializerMethodField()

    class Meta:
        model = Actor
        fields = [
            "id", "key", "name_ar", "name_en", "kind", "status", "country", "parent",
            "aliases", "members_count", "response_profile", "created_at", "updated_at",
        ]  # fmt: skip

    def get_aliases(self, actor: Actor) -> list[str]:
        return sorted({alias.surface for alias in actor.aliases.all() if not alias.proposed})

    @extend_schema_field(ResponseProfileOutput)
    def get_response_profile(self, actor: Actor) -> dict:
        return {status: getattr(actor, f"accused_{status}") for status in RESPONSE_PROFILE}


class RoleOutput(serializers.Serializer):
    actor = ActorParentOutput(help_text="The organisation (in roles) or the person (in people).")
    title_ar = serializers.CharField()
    title_en = serializers.CharField()


class ActorDetailOutput(ActorOutput):
    roles = serializers.SerializerMethodField()
    people = serializers.SerializerMethodField()

    class Meta(ActorOutput.Meta):
        fields = [*ActorOutput.Meta.fields, "roles", "people"]

    @extend_schema_field(RoleOutput(many=True))
    def get_roles(self, actor: Actor) -> list[dict]:
        return [
            RoleOutput(
                {"actor": r.organization, "title_ar": r.title_ar, "title_en": r.title_en}
            ).data
            for r in actor.roles.all()
        ]

    @extend_schema_field(RoleOutput(many=True))
    def get_people(self, actor: Actor) -> list[dict]:
        return [
            RoleOutput({"actor": r.person, "title_ar": r.title_ar, "title_en": r.title_en}).data
            for r in actor.people_roles.all()
        ]


class OutletOutput(serializers.ModelSerializer):
    class Meta:
        model = Outlet
        fields = ["id", "name_ar", "name_en", "alignment", "domain"]


class ArticleOutput(serializers.ModelSerializer):
    outlet = OutletOutput(allow_null=True)

    class Meta:
        model = Article
        fields = [
            "id", "title", "outlet", "source_file", "url", "published_at", "dateline",
            "author", "story", "duplicate_of", "created_at", "updated_at",
        ]  # fmt: skip


class ArticleMentionOutput(serializers.Serializer):
    id = serializers.IntegerField()
    claim = serializers.IntegerField(source="claim_id")
    claim_type = serializers.CharField(source="claim.type")
    claimant = ActorParentOutput(source="claim.claimant")
    quote = serializers.CharField()
    start = serializers.IntegerField()
    end = serializers.IntegerField()
    in_title = serializers.BooleanField()
    cue = serializers.CharField()
    direct = serializers.BooleanField()
    attributed_by = serializers.CharField(source="attributed_by_label")


class ArticleDetailOutput(ArticleOutput):
    mentions = ArticleMentionOutput(many=True)

    class Meta(ArticleOutput.Meta):
        fields = [*ArticleOutput.Meta.fields, "body", "mentions"]


class StoryOutput(serializers.ModelSerializer):
    article_count = serializers.IntegerField()
    claim_count = serializers.IntegerField()

    class Meta:
        model = Story
        fields = [
            "id", "title", "summary", "first_seen", "last_seen", "merged_into",
            "article_count", "claim_count", "created_at", "updated_at",
        ]  # fmt: skip


class StoryArticleOutput(serializers.ModelSerializer):
    outlet = OutletOutput(allow_null=True)

    class Meta:
        model = Article
        fields = ["id", "title", "outlet", "published_at", "duplicate_of"]


class StoryResponseOutput(serializers.ModelSerializer):
    claimant = ActorParentOutput()

    class Meta:
        model = Claim
        fields = ["id", "type", "status", "text", "claimant", "created_at"]


class StoryClaimOutput(serializers.ModelSerializer):
    responses = StoryResponseOutput(many=True)

    class Meta:
        model = Claim
        fields = [
            "id", "type", "status", "text", "response_status", "responds_to", "targets_ids",
            "first_seen_at", "responses",
        ]  # fmt: skip
        extra_kwargs = {"response_status": {"allow_null": True}}

    targets_ids = serializers.SerializerMethodField()

    def get_targets_ids(self, claim: Claim) -> list[int]:
        return [t.pk for t in claim.targets.all()]


class StoryPartyOutput(serializers.Serializer):
    claimant = ActorParentOutput()
    claims = StoryClaimOutput(many=True)


class StoryDetailOutput(StoryOutput):
    articles = StoryArticleOutput(many=True)
    parties = serializers.SerializerMethodField(
        help_text="The story's claims grouped by claimant, each with the claims answering it."
    )

    class Meta(StoryOutput.Meta):
        fields = [*StoryOutput.Meta.fields, "articles", "parties"]

    @extend_schema_field(StoryPartyOutput(many=True))
    def get_parties(self, story: Story) -> list[dict]:
        parties: dict[int, dict] = {}
        for claim in story.claims.all():
            party = parties.setdefault(
                claim.claimant_id, {"claimant": claim.claimant, "claims": []}
            )
            party["claims"].append(claim)
        return StoryPartyOutput(list(parties.values()), many=True).data


class TagOutput(serializers.ModelSerializer):
    class Meta:
        model = Tag
        fields = ["id", "slug", "label_ar", "label_en"]
