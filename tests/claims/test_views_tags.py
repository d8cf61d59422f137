"""The tag vocabulary through HTTP: analysts add, admins rename, delete and merge."""

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from claims.models import ClaimEvent, Tag
from claims.services.tags import tag_slug
from tests.factories import ClaimFactory, TagFactory, UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


@pytest.fixture
def roles():
    from conflictdesk.roles import roles_sync

    roles_sync()


def signed_in(client, role):
    user = UserFactory(role=role)
    client.force_login(user)
    return user


def messages_of(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


@pytest.fixture
def tagged():
    war_crimes = TagFactory(slug="war-crimes", label_ar="جرائم حرب", label_en="War crimes")
    drones = TagFactory(slug="drones", label_ar="مسيرات", label_en="Drones")
    unused = TagFactory(slug="unused", label_ar="غير مستخدم")
    claims = ClaimFactory.create_batch(3)
    for claim in claims:
        claim.tags.add(war_crimes)
    claims[0].tags.add(drones)
    return {"war_crimes": war_crimes, "drones": drones, "unused": unused, "claims": claims}


@pytest.mark.parametrize(
    ("label_ar", "label_en", "slug"),
    [
        ("جرائم حرب", "War crimes", "war-crimes"),
        ("إعدامات ميدانية", "", "اعدامات-ميدانية"),  # folded: hamza on alef
        ("قَصْفُ المدنيين", "", "قصف-المدنيين"),  # diacritics dropped
        ("تهجير", "  Forced   displacement ", "forced-displacement"),
    ],
)
def test_a_tags_slug_comes_from_the_english_label_or_else_the_arabic(label_ar, label_en, slug):
    assert tag_slug(label_ar=label_ar, label_en=label_en) == slug


def test_the_tag_list_counts_claims_and_links_to_the_filtered_claim_list(
    client, roles, tagged, django_assert_max_num_queries
):
    signed_in(client, "analyst")
    for n in range(20):
        TagFactory(label_ar=f"وسم إضافي {n}")
    with django_assert_max_num_queries(7):
        response = client.get(reverse("claims:tag_list"))
    assert response.status_code == 200
    counts = {tag.slug: tag.claim_count for tag in response.context["page"]}
    assert counts["war-crimes"] == tagged["war_crimes"].claims.count() == 3
    assert counts["drones"] == 1
    assert counts["unused"] == 0
    html = response.content.decode()
    assert f"{reverse('claims:list')}?tag=war-crimes" in html
    # Analysts may add tags but not curate them.
    assert 'id="tag-form"' in html
    assert reverse("claims:tag_edit", args=[tagged["drones"].pk]) not in html


def test_an_analyst_adds_a_tag(client, roles):
    user = signed_in(client, "analyst")
    response = client.post(
        reverse("claims:tag_list"), {"label_ar": "اغتيالات", "label_en": "Assassinations"}
    )
    assert response.status_code == 302
    tag = Tag.objects.get(slug="assassinations")
    assert tag.label_ar == "اغتيالات"
    assert tag.created_by == user
    response = client.post(reverse("claims:tag_list"), {"label_ar": "تجنيد الأطفال"})
    assert Tag.objects.filter(slug="تجنيد-الاطفال", label_en="").exists()


def test_a_duplicate_tag_is_refused_with_a_clear_message(client, roles, tagged):
    signed_in(client, "analyst")
    before = Tag.objects.count()
    response = client.post(
        reverse("claims:tag_list"), {"label_ar": "جرائم الحرب", "label_en": "War Crimes"}
    )
    assert response.status_code == 200
    assert any("already exists" in m for m in messages_of(response))
    # The same Arabic label in another spelling is the same tag.
    response = client.post(reverse("claims:tag_list"), {"label_ar": "مُسيّرات"})
    assert any("already exists" in m for m in messages_of(response))
    response = client.post(reverse("claims:tag_list"), {"label_ar": ""})
    assert response.status_code == 200
    assert response.context["form"].errors
    assert Tag.objects.count() == before


@pytest.mark.parametrize("role", ["analyst", "editor"])
def test_only_admins_curate_the_vocabulary(client, roles, tagged, role):
    signed_in(client, role)
    url = reverse("claims:tag_edit", args=[tagged["drones"].pk])
    assert client.get(url).status_code == 403
    assert client.post(url, {"action": "delete"}).status_code == 403
    assert Tag.objects.filter(pk=tagged["drones"].pk).exists()


def test_an_admin_renames_a_tag_and_its_slug_stays(client, roles, tagged):
    signed_in(client, "admin")
    tag = tagged["drones"]
    url = reverse("claims:tag_edit", args=[tag.pk])
    assert client.get(url).status_code == 200
    response = client.post(
        url, {"action": "rename", "label_ar": "طائرات مسيرة", "label_en": "Drone strikes"}
    )
    assert response.status_code == 302
    tag.refresh_from_db()
    assert (tag.label_ar, tag.label_en, tag.slug) == ("طائرات مسيرة", "Drone strikes", "drones")
    response = client.post(url, {"action": "rename", "label_ar": "جرائم حَرب", "label_en": ""})
    assert any("Another tag" in m for m in messages_of(response))


def test_an_admin_deletes_a_tag_and_each_claim_records_it(client, roles, tagged):
    user = signed_in(client, "admin")
    tag = tagged["war_crimes"]
    versions = {c.pk: c.version for c in tagged["claims"]}
    response = client.post(reverse("claims:tag_edit", args=[tag.pk]), {"action": "delete"})
    assert response.status_code == 302
    assert not Tag.objects.filter(pk=tag.pk).exists()
    for claim in tagged["claims"]:
        claim.refresh_from_db()
        assert claim.version == versions[claim.pk] + 1
        assert not claim.tags.filter(slug="war-crimes").exists()
        event = ClaimEvent.objects.get(claim=claim, action="tag_delete")
        assert event.user == user
        assert "war-crimes" in event.changes["tags"][0]
        assert "war-crimes" not in event.changes["tags"][1]


def test_an_admin_merges_a_tag_into_another(client, roles, tagged):
    signed_in(client, "admin")
    source, target = tagged["drones"], tagged["war_crimes"]
    extra = ClaimFactory()
    extra.tags.add(source)
    response = client.post(
        reverse("claims:tag_edit", args=[source.pk]), {"action": "merge", "target": target.pk}
    )
    assert response.status_code == 302
    assert not Tag.objects.filter(pk=source.pk).exists()
    assert target.claims.count() == 4
    assert list(extra.tags.values_list("slug", flat=True)) == ["war-crimes"]
    event = ClaimEvent.objects.get(claim=extra, action="tag_merge")
    assert event.changes["tags"] == [["drones"], ["war-crimes"]]
    # The claim that had both keeps one.
    assert tagged["claims"][0].tags.count() == 1


def test_outsiders_see_no_tags(client, roles):
    assert client.get(reverse("claims:tag_list")).status_code == 302
    client.force_login(UserFactory())
    assert client.get(reverse("claims:tag_list")).status_code == 403
    assert client.post(reverse("claims:tag_list"), {"label_ar": "وسم"}).status_code == 403
