"""The dashboard: counts that match the data, ingest health, and the two charts as SVG."""

import xml.etree.ElementTree as ET

import pytest
from django.conf import settings
from django.core.cache import cache
from django.urls import reverse
from django.utils import translation

from claims.models import Claim
from sources.models import IngestedFile
from tests.factories import (
    ActorFactory,
    ArticleFactory,
    ClaimFactory,
    IngestedFileFactory,
    StoryFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture(autouse=True)
def _fresh_cache():
    # The charts are cached per process: each test draws its own.
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def roles():
    from conflictdesk.roles import roles_sync

    roles_sync()


@pytest.fixture
def analyst(client, roles):
    client.force_login(UserFactory(role="analyst"))
    return client


def english(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


@pytest.fixture
def data():
    """A small desk: three parties, claims of several types and statuses, files."""
    sdf = ActorFactory(name_ar="قوات الاختبار الديمقراطية", name_en="Test Democratic Forces")
    mod = ActorFactory(name_ar="وزارة دفاع الاختبار", name_en="Test Defence Ministry")
    isis = ActorFactory(name_ar="تنظيم الاختبار", name_en="Test Organisation")
    story = StoryFactory()
    StoryFactory(merged_into=story)
    original = ArticleFactory(story=story)
    ArticleFactory(story=story, duplicate_of=original)
    ArticleFactory()
    unanswered = [
        ClaimFactory(claimant=sdf, response_status=Claim.ResponseStatus.UNANSWERED)
        for _ in range(3)
    ]
    for claim in unanswered:
        claim.targets.add(mod)
    denied = ClaimFactory(claimant=sdf, response_status=Claim.ResponseStatus.DENIED)
    denied.targets.add(mod)
    countered = ClaimFactory(claimant=mod, response_status=Claim.ResponseStatus.COUNTERED)
    countered.targets.add(isis)
    for _ in range(2):
        ClaimFactory(claimant=mod, type=Claim.Type.DENIAL, response_status="")
    ClaimFactory(claimant=isis, type=Claim.Type.ASSERTION, response_status="",
                 status=Claim.Status.CONFIRMED)  # fmt: skip
    ClaimFactory(claimant=sdf, type=Claim.Type.NO_COMMENT, response_status="",
                 status=Claim.Status.REJECTED)  # fmt: skip
    IngestedFileFactory.create_batch(2, status=IngestedFile.Status.DONE)
    IngestedFileFactory(status=IngestedFile.Status.FAILED, error="The file is not UTF-8 text.")
    return {"sdf": sdf, "mod": mod, "isis": isis}


def test_the_dashboard_counts_match_the_data(analyst, data):
    response = analyst.get(reverse("claims:dashboard"))
    assert response.status_code == 200
    counts = response.context["counts"]
    claims = list(Claim.objects.all())
    by_type = {value: n for value, _, n in counts["claims_by_type"]}
    by_status = {value: n for value, _, n in counts["claims_by_status"]}
    assert counts["claims"] == len(claims) == 9
    assert by_type == {t: sum(c.type == t for c in claims) for t in Claim.Type.values}
    assert by_type["accusation"] == 5
    assert by_status == {s: sum(c.status == s for c in claims) for s in Claim.Status.values}
    assert counts["unanswered_accusations"] == 3
    assert counts["articles"] == 3
    assert counts["duplicate_articles"] == 1
    assert counts["stories"] == 1  # the merged story is not counted twice
    html = response.content.decode()
    assert 'id="count-unanswered"' in html
    assert "?type=accusation&amp;response_status=unanswered" in html


def test_the_dashboard_shows_ingest_health_and_the_latest_failures(analyst, data):
    response = analyst.get(reverse("claims:dashboard"))
    ingest = response.context["ingest"]
    by_status = {value: n for value, _, n in ingest["by_status"]}
    assert by_status["failed"] == IngestedFile.objects.filter(status="failed").count() == 1
    assert by_status["done"] == IngestedFile.objects.filter(status="done").count()
    html = response.content.decode()
    assert "The file is not UTF-8 text." in html
    assert reverse("sources:ingest") in html


def test_the_newest_claims_link_to_their_pages(analyst, data):
    response = analyst.get(reverse("claims:dashboard"))
    html = response.content.decode()
    newest = Claim.objects.order_by("-created_at", "-pk")[:10]
    for claim in newest:
        assert reverse("claims:detail", args=[claim.pk]) in html
    assert reverse("claims:chart_per_week") in html
    assert reverse("claims:chart_responses") in html


def test_the_dashboard_takes_a_fixed_number_of_queries(
    analyst, data, django_assert_max_num_queries
):
    for _ in range(15):
        claim = ClaimFactory(claimant=ActorFactory())
        claim.targets.add(ActorFactory(), ActorFactory())
    # 12 for the page, 3 for the cache key of the counts (the counts are one GROUP BY).
    with django_assert_max_num_queries(16):
        response = analyst.get(reverse("claims:dashboard"))
    assert response.status_code == 200


def parse_svg(response) -> ET.Element:
    assert response.status_code == 200
    assert response["Content-Type"] == "image/svg+xml"
    root = ET.fromstring(response.content)
    assert root.tag == f"{SVG}svg"
    return root


def texts(root: ET.Element) -> str:
    # The charts put a right-to-left mark before Arabic labels (see claims/charts.py).
    return " ".join((t.text or "").replace("\u200f", "") for t in root.iter(f"{SVG}text"))


def test_the_weekly_chart_names_the_claimants_in_the_ui_language(analyst, data):
    root = parse_svg(analyst.get(reverse("claims:chart_per_week")))
    drawn = texts(root)
    assert data["sdf"].name_ar in drawn
    assert data["mod"].name_ar in drawn
    assert data["sdf"].name_en not in drawn
    styles = [t.get("style", "") for t in root.iter(f"{SVG}text")]
    assert styles
    assert all("font-family: 'Amiri'" in style for style in styles)
    # The glyphs travel with the SVG: an <img> cannot use the page's fonts.
    assert "@font-face" in analyst.get(reverse("claims:chart_per_week")).content.decode()

    cache.clear()
    drawn = texts(parse_svg(english(analyst).get(reverse("claims:chart_per_week"))))
    assert data["sdf"].name_en in drawn
    assert data["sdf"].name_ar not in drawn


def test_the_response_chart_shows_each_accused_party_and_how_it_answered(analyst, data):
    root = parse_svg(analyst.get(reverse("claims:chart_responses")))
    drawn = texts(root)
    assert data["mod"].name_ar in drawn
    assert data["isis"].name_ar in drawn
    # The sdf is accused of nothing, so it has no bar.
    assert data["sdf"].name_ar not in drawn
    statuses = Claim.ResponseStatus
    with translation.override("ar"):
        legend = [str(s.label) for s in (statuses.DENIED, statuses.COUNTERED,
                  statuses.NO_COMMENT, statuses.UNANSWERED)]  # fmt: skip
    for label in legend:
        assert label in drawn
    assert all("Amiri" in t.get("style", "") for t in root.iter(f"{SVG}text"))


def test_the_charts_render_with_no_data(analyst):
    Claim.objects.all().delete()
    for name in ("claims:chart_per_week", "claims:chart_responses"):
        root = parse_svg(analyst.get(reverse(name)))
        assert texts(root).strip()


def test_a_chart_is_cached_and_revalidated_with_its_etag(
    analyst, data, django_assert_max_num_queries
):
    first = analyst.get(reverse("claims:chart_responses"))
    etag = first["ETag"]
    with django_assert_max_num_queries(6):
        again = analyst.get(reverse("claims:chart_responses"))
    assert again.content == first.content
    unchanged = analyst.get(reverse("claims:chart_responses"), HTTP_IF_NONE_MATCH=etag)
    assert unchanged.status_code == 304
    # A new claim changes the chart's key: it is drawn again.
    ClaimFactory(claimant=data["sdf"]).targets.add(data["isis"])
    changed = analyst.get(reverse("claims:chart_responses"), HTTP_IF_NONE_MATCH=etag)
    assert changed.status_code == 200
    assert changed["ETag"] != etag


def test_the_svg_may_use_its_inline_styles_and_data_font(analyst, data):
    policy = analyst.get(reverse("claims:chart_per_week"))["Content-Security-Policy"]
    assert "font-src 'self' data:" in policy
    assert "script-src 'self'" in policy


@pytest.mark.parametrize(
    "name", ["claims:dashboard", "claims:chart_per_week", "claims:chart_responses"]
)
def test_outsiders_see_nothing(client, roles, name):
    response = client.get(reverse(name))
    assert response.status_code == 302
    client.force_login(UserFactory())
    assert client.get(reverse(name)).status_code == 403
