"""The PDF dossier of a story or an actor: Arabic shaped and in reading order, Amiri
embedded, answers under each accusation, sources listed, for members only."""

import re
import shutil
import subprocess
import unicodedata
from datetime import UTC, datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from claims.models import Actor, Claim
from tests.conftest import REPO, missing_service
from tests.factories import (
    ActorFactory,
    ActorRoleFactory,
    ArticleFactory,
    ClaimFactory,
    MentionFactory,
    OutletFactory,
    StoryFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

SCREENSHOTS = REPO / "test-artifacts" / "screenshots"
ACCUSATION = "اتهمت قوات سوريا الديمقراطية الفرقة 86 بمهاجمة نقاطها قرب الطبقة فجر الأربعاء"
DENIAL = "نفت وزارة الدفاع السورية الاتهامات ووصفتها بأنها «عارية عن الصحة»"
COUNTER = "قالت الوزارة إن قسد هي من بدأت الهجوم، ما أدى إلى مقتل 2 من عناصرها (حسب البيان)"
BODY = f"{ACCUSATION}. وقال فرهاد شامي إن الهجوم استمر ساعتين."


@pytest.fixture(autouse=True)
def roles(db):
    from conflictdesk.roles import roles_sync

    roles_sync()


@pytest.fixture
def analyst(client):
    client.force_login(UserFactory(role="analyst"))
    return client


def poppler(tool: str) -> str:
    path = shutil.which(tool)
    if not path:
        missing_service(f"{tool} is missing: apt-get install poppler-utils")
    return path


def pdf_text(pdf: bytes, tmp_path, *options: str) -> str:
    """The text pdftotext reads back, in logical order, presentation forms folded back to
    letters (NFKC: "ﻗﻮﺍﺕ" → "قوات"), bidi marks dropped and blanks collapsed."""
    path = tmp_path / "dossier.pdf"
    path.write_bytes(pdf)
    out = subprocess.run(
        [poppler("pdftotext"), *options, str(path), "-"],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    ).stdout
    text = unicodedata.normalize("NFKC", out)
    text = re.sub("[\u200e\u200f\u202a-\u202e\u2066-\u2069]", "", text)
    return re.sub(r"\s+", " ", text)


def squeezed(text: str) -> str:
    """Without blanks: pdftotext moves a space across a right-to-left/left-to-right boundary
    ("الفرقة 86 بمهاجمة" reads back "الفرقة 86بمهاجمة"), so mixed lines compare without them.
    The letters and digits must still come in reading order."""
    return re.sub(r"\s+", "", text)


def mirrored(text: str) -> str:
    """Brackets swapped, as pdftotext reads back the mirrored brackets of a right-to-left
    run (see test_the_arabic_of_the_story_dossier_reads_in_order_with_amiri_embedded)."""
    return text.translate(str.maketrans("()«»", ")(»«"))


def words_with_boxes(pdf: bytes, tmp_path) -> list[tuple[str, float, float]]:
    """(word, xMin, xMax) of every word pdftotext finds, in points."""
    path = tmp_path / "boxes.pdf"
    path.write_bytes(pdf)
    html = subprocess.run(
        [poppler("pdftotext"), "-bbox", "-f", "1", "-l", "1", str(path), "-"],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    ).stdout
    found = re.findall(
        r'<word xMin="([\d.]+)" yMin="[\d.]+" xMax="([\d.]+)"[^>]*>([^<]*)</word>', html
    )
    return [(unicodedata.normalize("NFKC", w), float(a), float(b)) for a, b, w in found]


@pytest.fixture
def story():
    """A story of the Tabqa clashes: an accusation with a denial and a counterclaim, an
    unanswered one, a rejected misreading, reported by an Arabic- and a Latin-named outlet."""
    sdf = Actor.objects.get(key="sdf")
    division = ActorFactory(name_ar="الفرقة 86", name_en="Division 86")
    ministry = ActorFactory(name_ar="وزارة الدفاع السورية", name_en="Syrian Ministry of Defense")
    shami = ActorFactory(name_ar="فرهاد شامي", name_en="Farhad Shami", kind=Actor.Kind.PERSON)
    ActorRoleFactory(person=shami, organization=sdf, title_ar="مدير المركز الإعلامي")
    north = OutletFactory(name_ar="نورث برس", name_en="North Press")
    latin = OutletFactory(name_ar="", name_en="Enab Baladi English")
    story = StoryFactory(
        title="قسد تتهم الفرقة 86 بمهاجمة نقاطها جنوب الطبقة",
        summary="اشتباكات بين قسد وفصائل موالية لدمشق قرب الطبقة.",
        first_seen=datetime(2026, 3, 4, 6, tzinfo=UTC),
        last_seen=datetime(2026, 3, 5, 9, tzinfo=UTC),
    )
    first = ArticleFactory(
        story=story, outlet=north, body=BODY, title="قسد: الفرقة 86 هاجمت نقاطنا",
        published_at=datetime(2026, 3, 4, 7, tzinfo=UTC),
    )  # fmt: skip
    second = ArticleFactory(
        story=story, outlet=latin, body=BODY, title="SDF accuses Division 86",
        published_at=datetime(2026, 3, 4, 12, tzinfo=UTC),
    )  # fmt: skip
    seen = datetime(2026, 3, 4, 7, tzinfo=UTC)
    accusation = ClaimFactory(
        story=story, claimant=sdf, speaker=shami, text=ACCUSATION, first_seen_at=seen,
        first_outlet=north, response_status=Claim.ResponseStatus.DENIED,
        status=Claim.Status.CONFIRMED,
    )  # fmt: skip
    accusation.targets.add(division)
    MentionFactory(claim=accusation, article=first)
    MentionFactory(claim=accusation, article=second)
    for kind, text in ((Claim.Type.DENIAL, DENIAL), (Claim.Type.COUNTERCLAIM, COUNTER)):
        answer = ClaimFactory(
            story=story, type=kind, response_status="", claimant=ministry, text=text,
            responds_to=accusation, first_seen_at=datetime(2026, 3, 4, 12, tzinfo=UTC),
        )  # fmt: skip
        answer.targets.add(sdf)
        MentionFactory(claim=answer, article=second, start=5, end=25)
    lonely = ClaimFactory(
        story=story, claimant=sdf, text="قسد تتهم الفصائل بقصف قرية أم الطرفاوي & <b>بالهاون</b>",
    )  # fmt: skip
    lonely.targets.add(division)
    ClaimFactory(
        story=story, claimant=division, status=Claim.Status.REJECTED, text="نص رفضه المحلل خطأً"
    )
    story.division = division
    return story


def test_the_story_dossier_is_a_pdf_attachment_with_a_safe_name(analyst, story):
    response = analyst.get(reverse("claims:story_dossier", args=[story.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF-")
    disposition = response["Content-Disposition"]
    assert re.fullmatch(
        rf'attachment; filename="story-{story.pk}-\d{{4}}-\d{{2}}-\d{{2}}\.pdf"', disposition
    )
    assert disposition.isascii()


def test_the_arabic_of_the_story_dossier_reads_in_order_with_amiri_embedded(
    analyst, story, tmp_path
):
    pdf = analyst.get(reverse("claims:story_dossier", args=[story.pk])).content
    text = pdf_text(pdf, tmp_path)
    # Words in reading order, letters joined and in order: drawn unreordered, the PDF
    # would read back "الطبقة قرب نقاطها ..." or with each word's letters reversed.
    assert "قوات سوريا الديمقراطية" in text
    assert squeezed(ACCUSATION) in squeezed(text)
    assert "الديمقراطية سوريا قوات" not in text
    assert "ةيطارقميدلا" not in text
    # Numbers and Latin names inside Arabic lines keep their own order.
    assert "الفرقة86" in squeezed(text)
    assert "68ةقرفلا" not in squeezed(text)
    assert "Enab Baladi English" in text
    # Brackets in right-to-left runs are drawn mirrored, so that "(حسب البيان)" looks
    # right on the page. pdftotext puts the letters back in logical order but leaves each
    # glyph as drawn, so the brackets read back swapped; unmirrored (as python-bidi's Rust
    # get_display leaves them) they would read back as typed and look wrong on paper.
    assert ")حسب البيان(" in text
    assert "»عارية عن الصحة«" in text
    # Article-derived text is drawn as text, never read as markup.
    assert squeezed("& ><bبالهاون><b/") in squeezed(text)
    assert squeezed(mirrored(DENIAL)) in squeezed(text)
    assert squeezed(mirrored(COUNTER)) in squeezed(text)
    assert squeezed(story.title) in squeezed(text)
    assert "نص رفضه المحلل" not in text, "rejected claims are left out"
    assert "فرهاد شامي — مدير المركز الإعلامي" in text
    assert "نورث برس" in text
    assert squeezed("قسد: الفرقة 86 هاجمت نقاطنا") in squeezed(text)

    path = tmp_path / "fonts.pdf"
    path.write_bytes(pdf)
    fonts = subprocess.run(
        [poppler("pdffonts"), str(path)], capture_output=True, text=True, check=True
    ).stdout
    embedded = {
        line.split()[0].split("+")[-1]
        for line in fonts.splitlines()[2:]
        if line.split()[-5:-4] == ["yes"]
    }
    assert {"Amiri-Regular", "Amiri-Bold"} <= embedded, fonts

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [poppler("pdftoppm"), "-png", "-r", "110", "-f", "1", "-l", "1", "-singlefile",
         str(path), str(SCREENSHOTS / "dossier-story")],
        check=True, timeout=60,
    )  # fmt: skip
    assert (SCREENSHOTS / "dossier-story.png").stat().st_size > 10_000


def test_answers_are_printed_under_the_accusation_they_answer(analyst, story, tmp_path):
    pdf = analyst.get(reverse("claims:story_dossier", args=[story.pk])).content
    text = pdf_text(pdf, tmp_path)
    text = squeezed(text)
    accusation, denial, counter = (
        text.index(squeezed(mirrored(c))) for c in (ACCUSATION, DENIAL, COUNTER)
    )
    lonely = text.index(squeezed("قسد تتهم الفصائل بقصف"))
    # Denial and counterclaim follow their accusation, before the party's next claim.
    assert accusation < denial < lonely
    assert accusation < counter < lonely
    # They are not printed a second time under the ministry's own heading.
    assert text.count(squeezed(mirrored(DENIAL))) == 1
    assert text.count(squeezed(mirrored(COUNTER))) == 1


def test_the_arabic_ui_aligns_to_the_right_and_the_english_ui_to_the_left(client, story, tmp_path):
    client.force_login(UserFactory(role="editor"))
    url = reverse("claims:story_dossier", args=[story.pk])
    arabic = words_with_boxes(client.get(url, headers={"accept-language": "ar"}).content, tmp_path)
    english = client.get(url, headers={"accept-language": "en"}).content
    page_width = 595.27
    # The story title's first word (Arabic in both) sits at the right margin in the Arabic
    # UI. -bbox gives each word's glyphs in drawing (visual) order: reversed for Arabic.
    title_words = [w for w in arabic if w[0][::-1] == "قسد"]
    assert title_words
    assert max(b for _w, _a, b in title_words) > page_width - 70
    # English headings start at the left margin.
    boxes = words_with_boxes(english, tmp_path)
    summary = [a for w, a, _b in boxes if w == "Summary"]
    assert summary
    assert summary[0] < 70
    text = pdf_text(english, tmp_path)
    assert "Claims by party" in text
    assert "Syrian Ministry of Defense" in text
    # Claim texts stay as the articles wrote them. On an English page pdftotext reads a
    # line left to right, one right-to-left run at a time: "86" splits this one in two.
    assert squeezed("اتهمت قوات سوريا الديمقراطية الفرقة") in squeezed(text)
    assert squeezed("بمهاجمة نقاطها قرب الطبقة فجر الأربعاء") in squeezed(text)


def test_the_actor_dossier_lists_claims_made_and_against_with_the_answers(analyst, story, tmp_path):
    division = story.division
    response = analyst.get(reverse("claims:actor_dossier", args=[division.pk]))
    assert response.status_code == 200
    assert re.fullmatch(
        rf'attachment; filename="actor-{division.pk}-[\d-]+\.pdf"',
        response["Content-Disposition"],
    )
    text = pdf_text(response.content, tmp_path)
    assert "الفرقة 86" in text
    assert "Division 86" in text  # its other name
    # Claims against it, with the ministry's answers under the accusation. This page has
    # more Latin than Arabic (untranslated labels), so pdftotext reads its lines left to
    # right, one right-to-left run at a time: compare runs without digits or end marks.
    accusation = text.index("اتهمت قوات سوريا الديمقراطية الفرقة")
    denial = text.index("نفت وزارة الدفاع السورية الاتهامات ووصفتها بأنها")
    assert accusation < denial
    assert "قسد تتهم الفصائل بقصف قرية أم الطرفاوي" in text
    assert "نص رفضه المحلل" not in text
    english = pdf_text(
        analyst.get(
            reverse("claims:actor_dossier", args=[division.pk]), headers={"accept-language": "en"}
        ).content,
        tmp_path,
    )
    assert "Claims against" in english
    assert "How the accusations against it were answered" in english
    assert "Syrian Democratic Forces → Division 86" in english


@pytest.mark.parametrize("name", ["story_dossier", "actor_dossier"])
def test_only_members_get_a_dossier(client, story, name):
    pk = story.pk if name == "story_dossier" else Actor.objects.get(key="sdf").pk
    url = reverse(f"claims:{name}", args=[pk])
    response = client.get(url)
    assert response.status_code == 302
    assert "/login/" in response["Location"]
    client.force_login(UserFactory())  # signed in, but in no role
    assert client.get(url).status_code == 403
    client.force_login(UserFactory(role="analyst"))
    assert client.post(url).status_code == 405
    assert client.get(url).status_code == 200


def test_an_unknown_story_or_actor_is_not_found(analyst):
    assert analyst.get(reverse("claims:story_dossier", args=[999_999])).status_code == 404
    assert analyst.get(reverse("claims:actor_dossier", args=[999_999])).status_code == 404


def test_an_empty_story_still_gives_a_dossier(analyst, tmp_path):
    story = StoryFactory(title="قصة بلا ادعاءات")
    response = analyst.get(
        reverse("claims:story_dossier", args=[story.pk]), headers={"accept-language": "en"}
    )
    assert response.status_code == 200
    text = pdf_text(response.content, tmp_path)
    assert "قصة بلا ادعاءات" in text
    assert "No claims in this story yet." in text


def test_a_huge_story_is_cut_with_a_note(analyst, story, tmp_path, monkeypatch):
    monkeypatch.setattr("claims.dossier.MAX_CLAIMS", 2)
    response = analyst.get(
        reverse("claims:story_dossier", args=[story.pk]), headers={"accept-language": "en"}
    )
    text = pdf_text(response.content, tmp_path)
    assert "Showing the first 2 of 4 claims." in text


def big_story(claims: int):
    """A story with many claims, each with targets, two mentions and an answer."""
    story = StoryFactory()
    outlets = OutletFactory.create_batch(3)
    articles = [ArticleFactory(story=story, outlet=outlets[i % 3]) for i in range(6)]
    parties = ActorFactory.create_batch(4)
    for index in range(claims):
        claim = ClaimFactory(
            story=story, claimant=parties[index % 4], speaker=parties[(index + 1) % 4]
        )
        claim.targets.add(parties[(index + 2) % 4])
        MentionFactory(claim=claim, article=articles[index % 6])
        MentionFactory(claim=claim, article=articles[(index + 1) % 6])
        if index % 3 == 0:
            answer = ClaimFactory(
                story=story, type=Claim.Type.DENIAL, response_status="",
                claimant=parties[(index + 2) % 4], responds_to=claim,
            )  # fmt: skip
            MentionFactory(claim=answer, article=articles[(index + 2) % 6])
    return story


def test_the_story_dossier_takes_a_fixed_number_of_queries(analyst, django_assert_max_num_queries):
    small, large = big_story(3), big_story(150)
    counts = []
    for story in (small, large):
        with CaptureQueriesContext(connection) as queries:
            assert analyst.get(reverse("claims:story_dossier", args=[story.pk])).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1], counts
    with django_assert_max_num_queries(20):
        analyst.get(reverse("claims:story_dossier", args=[large.pk]))


def test_the_actor_dossier_takes_a_fixed_number_of_queries(analyst, django_assert_max_num_queries):
    story = big_story(120)
    actor = Claim.objects.filter(story=story).first().claimant
    with django_assert_max_num_queries(24):
        response = analyst.get(reverse("claims:actor_dossier", args=[actor.pk]))
    assert response.status_code == 200
