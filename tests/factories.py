"""factory_boy factories for every model."""

import hashlib

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from claims.models import Actor, ActorAlias, ActorRole, Claim, ClaimLink, Mention, Tag
from sources.models import Article, IngestedFile, Outlet, Story
from sources.text import normalize, normalize_for_matching


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.PostGenerationMethodCall("set_password", "a-long-test-password")

    @factory.post_generation
    def role(self, create, extracted, **kwargs):
        if create and extracted:
            self.groups.add(Group.objects.get(name=extracted))
        if create:
            self.save()


class OutletFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Outlet

    name_ar = factory.Sequence(lambda n: f"وكالة أنباء {n}")
    name_en = factory.Sequence(lambda n: f"News agency {n}")


class StoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Story

    title = factory.Sequence(lambda n: f"اشتباكات في القرية {n}")


class IngestedFileFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = IngestedFile

    content = factory.Sequence(lambda n: f"عنوان {n}\nنص الخبر رقم {n}".encode())
    checksum = factory.LazyAttribute(lambda o: hashlib.sha256(o.content).hexdigest())
    size = factory.LazyAttribute(lambda o: len(o.content))
    original_name = factory.Sequence(lambda n: f"{n:03}.txt")
    origin = IngestedFile.Origin.COMMAND
    status = IngestedFile.Status.DONE


class ArticleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Article

    ingested_file = factory.SubFactory(IngestedFileFactory)
    outlet = factory.SubFactory(OutletFactory)
    source_file = factory.LazyAttribute(lambda o: o.ingested_file.original_name)
    title = factory.Sequence(lambda n: f"خبر رقم {n}")
    body = "اتهمت قوات سوريا الديمقراطية فصائل مسلحة بمهاجمة نقاطها قرب النهر."
    raw_text = factory.LazyAttribute(lambda o: o.body)
    normalized = factory.LazyAttribute(lambda o: normalize(o.body))
    content_hash = factory.LazyAttribute(
        lambda o: hashlib.sha256(o.normalized.encode()).hexdigest()
    )


class ActorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Actor

    key = factory.Sequence(lambda n: f"test_actor_{n}")
    name_ar = factory.Sequence(lambda n: f"فصيل الاختبار {n}")
    name_en = factory.Sequence(lambda n: f"Test faction {n}")
    kind = Actor.Kind.ARMED_GROUP


class ActorAliasFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ActorAlias

    actor = factory.SubFactory(ActorFactory)
    surface = factory.Sequence(lambda n: f"الفصيل {n}")
    normalized = factory.LazyAttribute(lambda o: normalize_for_matching(o.surface))


class ActorRoleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ActorRole

    person = factory.SubFactory(ActorFactory, kind=Actor.Kind.PERSON)
    organization = factory.SubFactory(ActorFactory)
    title_ar = "متحدث رسمي"


class TagFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Tag

    slug = factory.Sequence(lambda n: f"tag-{n}")
    label_ar = factory.Sequence(lambda n: f"وسم {n}")


class ClaimFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Claim

    type = Claim.Type.ACCUSATION
    response_status = Claim.ResponseStatus.UNANSWERED
    claimant = factory.SubFactory(ActorFactory)
    text = "فصائل مسلحة هاجمت نقاطها قرب النهر"
    normalized_text = factory.LazyAttribute(lambda o: normalize(o.text))


class ClaimLinkFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ClaimLink

    source = factory.SubFactory(ClaimFactory, type=Claim.Type.DENIAL, response_status="")
    target = factory.SubFactory(ClaimFactory)
    kind = ClaimLink.Kind.DENIES


class MentionFactory(factory.django.DjangoModelFactory):
    """A mention of the first sentence-ish span of the article: quote == body[start:end]."""

    class Meta:
        model = Mention

    claim = factory.SubFactory(ClaimFactory)
    article = factory.SubFactory(ArticleFactory)
    start = 0
    end = factory.LazyAttribute(lambda o: min(len(o.article.body), 30))
    quote = factory.LazyAttribute(lambda o: o.article.body[o.start : o.end])
    cue = "اتهمت"
