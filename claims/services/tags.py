"""The tag vocabulary: analysts add tags, admins rename, delete and merge them.

Deleting or merging a tag changes the tags of the claims that carry it: each such claim
gets a ClaimEvent, a new version and a new `updated_at` (API clients syncing with
`updated_since` see the change), in the same transaction.
"""

from collections import defaultdict

from django.contrib.admin.models import ADDITION, CHANGE, DELETION
from django.contrib.auth.base_user import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from claims.models import Claim, ClaimEvent, Tag
from claims.services.actors import admin_log
from conflictdesk.errors import Conflict, InvalidInput, NotFound
from sources.text import normalize

SLUG_LENGTH = Tag._meta.get_field("slug").max_length
LABEL_LENGTH = Tag._meta.get_field("label_ar").max_length


def tag_slug(*, label_ar: str, label_en: str = "") -> str:
    """The slug from the English label ("War crimes" → "war-crimes"), or else from the
    Arabic one, folded like all Arabic text ("إعدامات ميدانية" → "اعدامات-ميدانية")."""
    slug = slugify(label_en) or slugify(normalize(label_ar), allow_unicode=True)
    return slug[:SLUG_LENGTH].strip("-")


def _labels(label_ar: str, label_en: str) -> tuple[str, str]:
    label_ar, label_en = " ".join(label_ar.split()), " ".join(label_en.split())
    if not label_ar:
        raise InvalidInput(_("A tag needs an Arabic label."))
    if len(label_ar) > LABEL_LENGTH or len(label_en) > LABEL_LENGTH:
        raise InvalidInput(_("A label is at most %(n)s characters.") % {"n": LABEL_LENGTH})
    return label_ar, label_en


def _same_label(label_ar: str, exclude: int | None = None) -> Tag | None:
    folded = normalize(label_ar)
    for tag in Tag.objects.exclude(pk=exclude).only("pk", "slug", "label_ar"):
        if normalize(tag.label_ar) == folded:
            return tag
    return None


def _tag(tag_id: int, *, lock: bool = False) -> Tag:
    rows = Tag.objects.select_for_update() if lock else Tag.objects
    tag = rows.filter(pk=tag_id).first()
    if tag is None:
        raise NotFound(_("There is no tag %(id)s.") % {"id": tag_id})
    return tag


def tag_create(*, label_ar: str, label_en: str = "", user: AbstractBaseUser | None) -> Tag:
    """Add a tag. A tag with the same slug or the same Arabic label (in any spelling)
    already exists: refused, naming it."""
    label_ar, label_en = _labels(label_ar, label_en)
    slug = tag_slug(label_ar=label_ar, label_en=label_en)
    if not slug:
        raise InvalidInput(_("The label has no letters or digits to make a slug from."))
    existing = Tag.objects.filter(slug=slug).first() or _same_label(label_ar)
    if existing is not None:
        raise Conflict(_("The tag “%(label)s” already exists.") % {"label": existing.label_ar})
    try:
        with transaction.atomic():
            tag = Tag.objects.create(
                slug=slug,
                label_ar=label_ar,
                label_en=label_en,
                created_by=user if user is not None and user.is_authenticated else None,
            )
            admin_log(user=user, obj=tag, flag=ADDITION, message={"added": {}})
    except IntegrityError as exc:
        # Someone added the same tag at the same moment.
        raise Conflict(_("The tag “%(label)s” already exists.") % {"label": label_ar}) from exc
    return tag


@transaction.atomic
def tag_update(*, tag_id: int, label_ar: str, label_en: str, user: AbstractBaseUser | None) -> Tag:
    """Rename a tag's labels. The slug stays, so links and API filters keep working."""
    tag = _tag(tag_id, lock=True)
    label_ar, label_en = _labels(label_ar, label_en)
    clash = _same_label(label_ar, exclude=tag.pk)
    if clash is not None:
        raise Conflict(
            _("Another tag is already labelled “%(label)s”: merge them instead.")
            % {"label": clash.label_ar}
        )
    changed = [
        name
        for name, value in (("label_ar", label_ar), ("label_en", label_en))
        if getattr(tag, name) != value
    ]
    tag.label_ar, tag.label_en = label_ar, label_en
    tag.save(update_fields=["label_ar", "label_en"])
    if changed:
        admin_log(user=user, obj=tag, flag=CHANGE, message={"changed": {"fields": changed}})
    return tag


def _claims_retag(
    *, claim_ids: list[int], action: str, before: dict, user: AbstractBaseUser | None
) -> None:
    if not claim_ids:
        return
    after = _tags_of(claim_ids)
    Claim.objects.filter(pk__in=claim_ids).update(
        version=F("version") + 1, updated_at=timezone.now()
    )
    ClaimEvent.objects.bulk_create(
        ClaimEvent(
            claim_id=claim_id,
            user=user if user is not None and user.is_authenticated else None,
            action=action,
            changes={"tags": [sorted(before[claim_id]), sorted(after[claim_id])]},
        )
        for claim_id in claim_ids
    )


def _tags_of(claim_ids: list[int]) -> dict[int, list[str]]:
    tags: dict[int, list[str]] = defaultdict(list)
    for claim_id, slug in Claim.tags.through.objects.filter(claim_id__in=claim_ids).values_list(
        "claim_id", "tag__slug"
    ):
        tags[claim_id].append(slug)
    return tags


@transaction.atomic
def tag_delete(*, tag_id: int, user: AbstractBaseUser | None) -> int:
    """Delete a tag; the claims that carried it lose it. Returns how many claims."""
    tag = _tag(tag_id, lock=True)
    claim_ids = sorted(tag.claims.values_list("pk", flat=True))
    before = _tags_of(claim_ids)
    admin_log(user=user, obj=tag, flag=DELETION, message={"deleted": {"claims": len(claim_ids)}})
    tag.delete()
    _claims_retag(claim_ids=claim_ids, action="tag_delete", before=before, user=user)
    return len(claim_ids)


@transaction.atomic
def tag_merge(*, source_id: int, target_id: int, user: AbstractBaseUser | None) -> Tag:
    """Merge one tag into another: the source's claims get the target, the source goes."""
    if source_id == target_id:
        raise InvalidInput(_("A tag cannot be merged into itself."))
    tags = {t.pk: t for t in Tag.objects.select_for_update().filter(pk__in=[source_id, target_id])}
    if source_id not in tags or target_id not in tags:
        missing = target_id if source_id in tags else source_id
        raise NotFound(_("There is no tag %(id)s.") % {"id": missing})
    source, target = tags[source_id], tags[target_id]
    claim_ids = sorted(source.claims.values_list("pk", flat=True))
    before = _tags_of(claim_ids)
    through = Claim.tags.through
    has_target = set(
        through.objects.filter(tag=target, claim_id__in=claim_ids).values_list(
            "claim_id", flat=True
        )
    )
    through.objects.bulk_create(
        [
            through(claim_id=claim_id, tag=target)
            for claim_id in claim_ids
            if claim_id not in has_target
        ]
    )
    admin_log(user=user, obj=source, flag=DELETION, message={"merged_into": target.slug})
    source.delete()
    message = {"merged": {"slug": source.slug, "claims": len(claim_ids)}}
    admin_log(user=user, obj=target, flag=CHANGE, message=message)
    _claims_retag(claim_ids=claim_ids, action="tag_merge", before=before, user=user)
    return target
