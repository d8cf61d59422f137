"""Parties, the claims they put forward, and where each claim is reported."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Length
from django.db.models.lookups import Exact
from django.utils.translation import gettext_lazy as _

from sources.text import normalize, normalize_for_matching


class ActorKind(models.TextChoices):
    STATE = "state", _("State")
    GOVERNMENT = "government", _("Government")
    MINISTRY = "ministry", _("Ministry")
    ARMED_GROUP = "armed_group", _("Armed group")
    UNIT = "unit", _("Unit")
    MILITIA = "militia", _("Militia")
    COALITION = "coalition", _("Coalition")
    MEDIA = "media", _("Media outlet")
    ORGANIZATION = "organization", _("Organization")
    POLITICAL = "political", _("Political body")
    PERSON = "person", _("Person")
    COLLECTIVE = "collective", _("Unnamed sources")
    TRIBE = "tribe", _("Tribe or clan")


class ActorStatus(models.TextChoices):
    # The registry and editors make confirmed actors; extraction proposes new ones
    # ("المدعو ..."، "القيادي في ...") for an editor to confirm.
    CONFIRMED = "confirmed", _("Confirmed")
    PROPOSED = "proposed", _("Proposed")


class Actor(models.Model):
    """A party: state, ministry, armed group, unit, militia, coalition, outlet or person."""

    Kind = ActorKind
    Status = ActorStatus

    key = models.SlugField(_("registry key"), max_length=100, unique=True)
    name_ar = models.CharField(_("Arabic name"), max_length=300)
    name_en = models.CharField(_("English name"), max_length=300, blank=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    parent = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="members"
    )
    country = models.CharField(_("country"), max_length=2, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.CONFIRMED
    )
    outlet = models.OneToOneField(
        "sources.Outlet",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="actor",
        help_text=_("For media actors: the outlet they publish as."),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("actor")
        verbose_name_plural = _("actors")
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=[c.value for c in ActorKind]), name="actor_kind_valid"
            ),
            models.CheckConstraint(
                condition=Q(status__in=[c.value for c in ActorStatus]), name="actor_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(parent__isnull=True) | ~Q(parent=F("id")),
                name="actor_not_its_own_parent",
            ),
        ]
        indexes = [
            # Actor pages and pickers list actors by kind and name.
            models.Index(fields=["kind", "name_ar"], name="actor_kind_name_idx"),
        ]

    def __str__(self) -> str:
        return self.name_ar

    def clean(self) -> None:
        ancestor = self.parent
        seen = {self.pk}
        while ancestor is not None:
            if ancestor.pk in seen:
                raise ValidationError({"parent": _("An actor cannot be its own ancestor.")})
            seen.add(ancestor.pk)
            ancestor = ancestor.parent


class MergedActorKey(models.Model):
    """The registry key of an actor an editor merged into another. Loading the registry
    again folds that key's entry into the actor it was merged into (its names and aliases
    stay aliases there, its roles and members go there) instead of creating it anew."""

    key = models.SlugField(_("registry key"), max_length=100, unique=True)
    actor = models.ForeignKey(
        Actor, on_delete=models.CASCADE, related_name="merged_keys", verbose_name=_("actor")
    )
    merged_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("merged registry key")
        verbose_name_plural = _("merged registry keys")

    def __str__(self) -> str:
        return f"{self.key} → {self.actor_id}"


class ActorAliasOrigin(models.TextChoices):
    REGISTRY = "registry", _("Registry")
    EDITOR = "editor", _("Editor")
    MACHINE = "machine", _("Machine")


class ActorAlias(models.Model):
    """A surface form of an actor, stored with its normalized form for matching.

    "قسد", "قوات سوريا الديمقراطية" and "SDF" are three aliases of one actor;
    "لـ”قسد”" and "وقسد" need no alias of their own, since normalization folds them.
    """

    Origin = ActorAliasOrigin

    actor = models.ForeignKey(Actor, on_delete=models.CASCADE, related_name="aliases")
    surface = models.CharField(_("surface form"), max_length=300)
    normalized = models.CharField(_("normalized form"), max_length=300, editable=False)
    origin = models.CharField(
        _("origin"), max_length=10, choices=Origin.choices, default=Origin.REGISTRY
    )
    # Proposed by extraction ("X الملقب بـ Y"): matching ignores it until an editor
    # confirms it; it takes effect on the next extraction.
    proposed = models.BooleanField(_("proposed"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("alias")
        verbose_name_plural = _("aliases")
        constraints = [
            models.UniqueConstraint(
                fields=["actor", "normalized"], name="actoralias_unique_per_actor"
            ),
            models.CheckConstraint(condition=~Q(normalized=""), name="actoralias_not_blank"),
        ]
        indexes = [
            # Matching looks aliases up by their normalized form.
            models.Index(fields=["normalized"], name="actoralias_normalized_idx"),
        ]

    def __str__(self) -> str:
        return self.surface

    def clean(self) -> None:
        self.normalized = normalize_for_matching(self.surface)
        if not self.normalized:
            raise ValidationError({"surface": _("The alias has no letters to match.")})


class ActorRole(models.Model):
    """A person's role in an organisation: Farhad Shami, director of the SDF media center."""

    person = models.ForeignKey(Actor, on_delete=models.CASCADE, related_name="roles")
    organization = models.ForeignKey(Actor, on_delete=models.CASCADE, related_name="people_roles")
    title_ar = models.CharField(_("Arabic title"), max_length=300)
    title_en = models.CharField(_("English title"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("role")
        verbose_name_plural = _("roles")
        constraints = [
            models.UniqueConstraint(
                fields=["person", "organization", "title_ar"], name="actorrole_unique"
            ),
            models.CheckConstraint(
                condition=~Q(person=F("organization")), name="actorrole_not_self"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person} — {self.title_ar}"


class Tag(models.Model):
    slug = models.SlugField(_("slug"), max_length=80, unique=True, allow_unicode=True)
    label_ar = models.CharField(_("Arabic label"), max_length=120)
    label_en = models.CharField(_("English label"), max_length=120, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("tag")
        verbose_name_plural = _("tags")

    def __str__(self) -> str:
        return self.label_ar


class ClaimType(models.TextChoices):
    ACCUSATION = "accusation", _("Accusation")
    DENIAL = "denial", _("Denial")
    COUNTERCLAIM = "counterclaim", _("Counterclaim")
    ASSERTION = "assertion", _("Assertion")
    DEMAND = "demand", _("Demand")
    NO_COMMENT = "no_comment", _("No comment")
    CONFIRMATION = "confirmation", _("Confirmation")


class ClaimStatus(models.TextChoices):
    PROPOSED = "proposed", _("Proposed")
    CONFIRMED = "confirmed", _("Confirmed")
    REJECTED = "rejected", _("Rejected")


class ClaimResponseStatus(models.TextChoices):
    # Derived from the claims that answer an accusation; empty for other types.
    NONE = "", _("Not an accusation")
    UNANSWERED = "unanswered", _("Unanswered")
    DENIED = "denied", _("Denied")
    COUNTERED = "countered", _("Countered")
    CONFIRMED = "confirmed", _("Confirmed")
    NO_COMMENT = "no_comment", _("No comment")


class Claim(models.Model):
    """One proposition put forward by a party, however many articles report it."""

    Type = ClaimType
    Status = ClaimStatus
    ResponseStatus = ClaimResponseStatus

    type = models.CharField(_("type"), max_length=15, choices=Type.choices)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PROPOSED
    )
    # No index of its own: the indexes below that begin with the claimant serve it.
    claimant = models.ForeignKey(
        Actor,
        on_delete=models.PROTECT,
        related_name="claims_made",
        verbose_name=_("claimant"),
        db_index=False,
    )
    speaker = models.ForeignKey(
        Actor,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="claims_voiced",
        verbose_name=_("speaker"),
    )
    # A source as the text reports it: "مصدر عسكري في قسد"، "ناشطون".
    speaker_description = models.CharField(_("source as reported"), max_length=300, blank=True)
    targets = models.ManyToManyField(
        Actor, blank=True, related_name="claims_against", verbose_name=_("targets")
    )
    text = models.TextField(_("text"))
    # The text folded by the project's normalization, for search; derived in clean().
    normalized_text = models.TextField(_("normalized text"), blank=True, editable=False)
    responds_to = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="responses",
        verbose_name=_("responds to"),
    )
    response_status = models.CharField(
        _("response status"),
        max_length=12,
        choices=ResponseStatus.choices,
        default=ResponseStatus.NONE,
        blank=True,
    )
    story = models.ForeignKey(
        "sources.Story",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="claims",
    )
    tags = models.ManyToManyField(Tag, blank=True, related_name="claims")
    # Which extraction rule and cue produced a machine claim; shown to analysts.
    rule = models.CharField(_("rule"), max_length=100, blank=True)
    cue = models.CharField(_("cue"), max_length=100, blank=True)
    # The outlet an anonymous source spoke to ("قال مصدر عسكري لنورث برس").
    reported_via = models.ForeignKey(
        Actor,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="claims_relayed",
        verbose_name=_("reported via"),
    )
    # A person edited the claim: re-extraction leaves it and its mentions alone.
    locked = models.BooleanField(_("edited by a person"), default=False)
    # First appearance: the earliest mention's outlet and date (kept by the services).
    first_seen_at = models.DateTimeField(_("first seen"), null=True, blank=True)
    first_outlet = models.ForeignKey(
        "sources.Outlet",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="claims_first_reported",
    )
    # Optimistic concurrency: every write bumps it; a write from a stale version fails.
    version = models.PositiveIntegerField(_("version"), default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("claim")
        verbose_name_plural = _("claims")
        constraints = [
            models.CheckConstraint(
                condition=Q(type__in=[c.value for c in ClaimType]), name="claim_type_valid"
            ),
            models.CheckConstraint(
                condition=Q(status__in=[c.value for c in ClaimStatus]), name="claim_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(response_status__in=[c.value for c in ClaimResponseStatus]),
                name="claim_response_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(type="accusation") | Q(response_status=""),
                name="claim_response_status_only_on_accusations",
            ),
            models.CheckConstraint(condition=Q(version__gte=1), name="claim_version_positive"),
            models.CheckConstraint(
                condition=Q(responds_to__isnull=True) | ~Q(responds_to=F("id")),
                name="claim_does_not_answer_itself",
            ),
        ]
        indexes = [
            # Incremental sync: updated_since with a stable tie-break on id.
            models.Index(fields=["updated_at", "id"], name="claim_updated_idx"),
            # Review queue: proposed claims oldest first.
            models.Index(fields=["status", "created_at"], name="claim_status_created_idx"),
            # List filters by type (and unanswered accusations on the dashboard).
            models.Index(fields=["type", "response_status"], name="claim_type_response_idx"),
            models.Index(fields=["claimant", "-created_at"], name="claim_claimant_idx"),
            # A claimant's claims most recently changed first (the API's default order):
            # a page of a claimant of 9k claims read in 0.1 ms, not 5 (docs/BENCH-WEB.md).
            models.Index(
                fields=["claimant", "updated_at", "id"], name="claim_claimant_updated_idx"
            ),
            # A claimant's claims of one type: the list filtered by both counts its
            # matches from this index alone (else PostgreSQL intersects the claimant's
            # rows with every claim of the type: 30-50 ms at 1M claims).
            models.Index(fields=["claimant", "type"], name="claim_claimant_type_idx"),
            models.Index(fields=["story", "created_at"], name="claim_story_idx"),
            # Actor pages: how the accusations against an actor were answered, read from
            # the index alone (PostgreSQL's INCLUDE) for each target row.
            models.Index(
                fields=["id"],
                include=["response_status"],
                condition=Q(type="accusation"),
                name="claim_accusation_status_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_type_display()}: {self.text[:80]}"

    def clean(self) -> None:
        self.normalized_text = normalize(self.text)


class ClaimLinkKind(models.TextChoices):
    DENIES = "denies", _("denies")
    COUNTERS = "counters", _("counters")
    CONFIRMS = "confirms", _("confirms")
    REPEATS = "repeats", _("repeats")
    RETRACTS = "retracts", _("retracts")
    UPDATES = "updates", _("updates")


class ClaimLink(models.Model):
    """A typed link between two claims: this claim denies, counters ... that one."""

    Kind = ClaimLinkKind

    source = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="links_out")
    target = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="links_in")
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("claim link")
        verbose_name_plural = _("claim links")
        constraints = [
            models.UniqueConstraint(fields=["source", "target", "kind"], name="claimlink_unique"),
            models.CheckConstraint(condition=~Q(source=F("target")), name="claimlink_not_self"),
            models.CheckConstraint(
                condition=Q(kind__in=[c.value for c in ClaimLinkKind]), name="claimlink_kind_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.source_id} {self.kind} {self.target_id}"


class Mention(models.Model):
    """One place where a claim is reported: an exact span of an article's body.

    Invariant: `article.body[start:end] == quote` (`article.title[...]` for a mention in
    the headline). The database enforces the bounds and
    that the quote is as long as the span; `clean()` checks the text itself, and the
    services that create mentions call it.
    """

    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="mentions")
    article = models.ForeignKey(
        "sources.Article", on_delete=models.CASCADE, related_name="mentions"
    )
    # A headline carries claims too: then the offsets point into article.title.
    in_title = models.BooleanField(_("in the headline"), default=False)
    start = models.PositiveIntegerField(_("start offset"))
    end = models.PositiveIntegerField(_("end offset"))
    quote = models.TextField(_("quote"))
    cue = models.CharField(_("cue word"), max_length=100, blank=True)
    direct = models.BooleanField(_("direct quote"), default=False)
    # Null means the machine attributed it; otherwise the editor who did.
    attributed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="attributed_mentions",
    )
    rule = models.CharField(_("rule"), max_length=100, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("mention")
        verbose_name_plural = _("mentions")
        constraints = [
            models.CheckConstraint(condition=Q(start__gte=0), name="mention_start_not_negative"),
            models.CheckConstraint(condition=Q(end__gt=F("start")), name="mention_span_not_empty"),
            models.CheckConstraint(
                condition=Exact(Length("quote"), F("end") - F("start")),
                name="mention_quote_fills_span",
            ),
            models.UniqueConstraint(
                fields=["claim", "article", "in_title", "start", "end"],
                name="mention_unique_span",
            ),
        ]
        indexes = [
            # The article reader loads an article's mentions in reading order.
            models.Index(fields=["article", "start"], name="mention_article_idx"),
        ]

    def __str__(self) -> str:
        return self.quote[:80]

    def clean(self) -> None:
        if self.start is None or self.end is None or self.article_id is None:
            return
        body = self.article.title if self.in_title else self.article.body
        if not 0 <= self.start < self.end <= len(body):
            raise ValidationError(
                _("The span %(start)s–%(end)s lies outside the article (length %(length)s).")
                % {"start": self.start, "end": self.end, "length": len(body)}
            )
        if body[self.start : self.end] != self.quote:
            raise ValidationError({"quote": _("The quote is not the article's text at the span.")})

    @property
    def attributed_by_label(self) -> str:
        return self.attributed_by.get_username() if self.attributed_by_id else "machine"


class ClaimEvent(models.Model):
    """The history of a claim: who changed what, when. Written by services, in the same
    transaction as the change it records."""

    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="events")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True
    )
    action = models.CharField(_("action"), max_length=40)
    changes = models.JSONField(_("changes"), default=dict, blank=True)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("claim event")
        verbose_name_plural = _("claim events")
        ordering = ["at", "id"]
        indexes = [
            # A claim's history in order.
            models.Index(fields=["claim", "at"], name="claimevent_claim_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.action} @ {self.at:%Y-%m-%d %H:%M}"


class FigureCounts(models.TextChoices):
    KILLED = "killed", _("killed")
    WOUNDED = "wounded", _("wounded")
    ARRESTED = "arrested", _("arrested")
    FIGHTERS = "fighters", _("fighters")
    DRONES = "drones", _("drones")
    CIVILIANS = "civilians", _("civilians")
    DISPLACED = "displaced", _("displaced")
    ATTACKS = "attacks", _("attacks")
    VEHICLES = "vehicles", _("vehicles")
    OTHER = "other", _("other")


class Figure(models.Model):
    """A number a claim puts forward ("مقتل 7 عناصر"، "عشرات المعتقلين"), as a range, with
    what it counts, so that the accuser's and the accused's figures can be compared."""

    Counts = FigureCounts

    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="figures")
    mention = models.ForeignKey(
        Mention, on_delete=models.CASCADE, null=True, blank=True, related_name="figures"
    )
    low = models.PositiveIntegerField(_("at least"))
    high = models.PositiveIntegerField(_("at most"), null=True, blank=True)
    approx = models.BooleanField(_("approximate"), default=False)
    counts = models.CharField(_("counts"), max_length=12, choices=Counts.choices)
    subject = models.CharField(_("counted as written"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("figure")
        verbose_name_plural = _("figures")
        constraints = [
            models.CheckConstraint(
                condition=Q(high__isnull=True) | Q(high__gte=F("low")), name="figure_range_ordered"
            ),
            models.CheckConstraint(
                condition=Q(counts__in=[c.value for c in FigureCounts]), name="figure_counts_valid"
            ),
        ]

    def __str__(self) -> str:
        span = f"{self.low}" if self.high == self.low else f"{self.low}–{self.high or '…'}"
        return f"{span} {self.counts}"


class StoredRecord(models.Model):
    """A claim's API record (with its version) as the JSON text PostgreSQL wrote, kept
    so that a page of the API reads 50 stored texts instead of writing them again
    (claims.record_store). Triggers on every table a record is made from (migration
    0009) delete the row in the transaction that changes the claim, its mentions,
    targets, tags or figures, or an actor, alias, role, tag, article, outlet or user it
    names; a reader adds an empty row with a `mark` of its own and stores what it wrote
    only if that row is still there. A cache: the table is UNLOGGED (emptied by a
    crash), rows are made when a record is first read, and SQLite has the table but
    never uses it."""

    claim_id = models.BigIntegerField(primary_key=True)
    json = models.TextField(null=True)  # noqa: DJ001 (NULL: not written yet)
    mark = models.BigIntegerField(default=0)

    class Meta:
        default_permissions = ()

    def __str__(self) -> str:
        return f"record of claim {self.claim_id}"
