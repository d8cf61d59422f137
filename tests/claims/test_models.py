"""The claim record's invariants hold in the database and in the model layer."""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from claims.models import ActorAlias, Claim, Mention
from tests.factories import (
    ActorAliasFactory,
    ActorFactory,
    ArticleFactory,
    ClaimFactory,
    ClaimLinkFactory,
    MentionFactory,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

BODY = "قال المتحدث إن الفصائل هاجمت نقاطنا. ونفت الوزارة ذلك في بيان."


def _integrity_error(create):
    with pytest.raises(IntegrityError), transaction.atomic():
        create()


def test_a_mention_whose_quote_is_the_text_at_its_span_is_valid():
    article = ArticleFactory(body=BODY)
    start = BODY.index("الفصائل")
    end = BODY.index(".")
    mention = MentionFactory(article=article, start=start, end=end, quote=BODY[start:end])
    mention.full_clean()
    assert Mention.objects.get(pk=mention.pk).quote == article.body[start:end]


def test_a_mention_whose_quote_differs_from_the_article_text_is_rejected_by_clean():
    article = ArticleFactory(body=BODY)
    mention = Mention(claim=ClaimFactory(), article=article, start=0, end=7, quote="نفى الجيش"[:7])
    with pytest.raises(ValidationError, match="quote"):
        mention.full_clean()


def test_a_mention_span_past_the_end_of_the_article_is_rejected_by_clean():
    article = ArticleFactory(body=BODY)
    mention = Mention(
        claim=ClaimFactory(), article=article, start=len(BODY) - 2, end=len(BODY) + 3,
        quote="ن.xyz",
    )  # fmt: skip
    with pytest.raises(ValidationError, match="outside"):
        mention.full_clean()


@pytest.mark.parametrize(
    ("start", "end", "quote"),
    [
        (5, 5, ""),  # empty span
        (9, 4, "abcde"),  # end before start
        (0, 10, "short"),  # quote shorter than its span
        (0, 3, "longer than three"),  # quote longer than its span
    ],
)
def test_the_database_refuses_an_impossible_span(start, end, quote):
    claim, article = ClaimFactory(), ArticleFactory(body=BODY)
    _integrity_error(
        lambda: Mention.objects.create(
            claim=claim, article=article, start=start, end=end, quote=quote
        )
    )


def test_the_same_span_of_the_same_article_is_one_mention_per_claim():
    mention = MentionFactory()
    _integrity_error(
        lambda: Mention.objects.create(
            claim=mention.claim,
            article=mention.article,
            start=mention.start,
            end=mention.end,
            quote=mention.quote,
        )
    )


@pytest.mark.parametrize(
    "fields",
    [
        {"type": "rumour"},
        {"status": "maybe"},
        {"version": 0},
        {"type": Claim.Type.DENIAL, "response_status": Claim.ResponseStatus.DENIED},
        {"response_status": "ignored"},
    ],
)
def test_the_database_refuses_invalid_claim_values(fields):
    claimant = ActorFactory()
    values = {"type": Claim.Type.ACCUSATION, "claimant": claimant, "text": "نص"} | fields
    _integrity_error(lambda: Claim.objects.create(**values))


def test_a_claim_cannot_respond_to_itself():
    claim = ClaimFactory()
    claim.responds_to = claim
    _integrity_error(claim.save)


def test_a_claim_link_cannot_point_at_its_own_source():
    link = ClaimLinkFactory()
    link.target = link.source
    _integrity_error(link.save)


def test_an_alias_is_unique_per_normalized_form_and_actor():
    alias = ActorAliasFactory(surface="قسد")
    # "لـ”قسد”" folds to the same form, so it is the same alias for the same actor...
    _integrity_error(
        lambda: ActorAlias.objects.create(actor=alias.actor, surface="لـ”قسد”", normalized="قسد")
    )
    # ...while another actor may carry it (the registry reports such ambiguity).
    ActorAliasFactory(surface="قسد")


def test_alias_clean_derives_the_normalized_form_from_the_surface():
    alias = ActorAlias(actor=ActorFactory(), surface="وقُوّات سوريّا الدّيمقراطيّة")
    alias.full_clean(exclude=["normalized"])
    # Diacritics go, the proclitics و and ال are stripped, ة folds to ه.
    assert alias.normalized == "قوات سوريا ديمقراطيه"


def test_an_actor_cannot_be_its_own_ancestor():
    grandparent = ActorFactory()
    parent = ActorFactory(parent=grandparent)
    grandparent.parent = parent
    with pytest.raises(ValidationError, match="ancestor"):
        grandparent.full_clean()
