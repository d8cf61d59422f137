"""Claims from ingested articles: one claim across outlets, answers linked to the
accusations they answer, safe re-extraction, exports."""

import csv
import io
import json

import pytest
from django.core.management import call_command

from claims.models import Claim, Mention
from sources.models import Article
from tests.conftest import REPO

pytestmark = pytest.mark.django_db(transaction=True)


def ingest(path) -> None:
    call_command("ingest", "--no-progress", str(path), stdout=io.StringIO())


def quote_of(mention: Mention) -> str:
    text = mention.article.title if mention.in_title else mention.article.body
    return text[mention.start : mention.end]


@pytest.fixture
def seeds(shared_corpus):
    ingest(shared_corpus / "seeds" / "articles")
    return {a.source_file[:3]: a for a in Article.objects.all()}


def test_every_mention_quotes_the_text_at_its_offsets(seeds):
    mentions = list(Mention.objects.select_related("article"))
    assert len(mentions) > 40
    assert all(quote_of(m) == m.quote for m in mentions)
    for mention in mentions:
        mention.full_clean()


def test_the_sdf_accusation_is_one_claim_reported_in_three_articles(seeds):
    sdf_accusations = Claim.objects.filter(claimant__key="sdf", type="accusation")
    spread = [
        {m.article.source_file[:3] for m in claim.mentions.select_related("article")}
        for claim in sdf_accusations
    ]
    assert any({"000", "001", "002"} <= files for files in spread), spread


def test_the_governments_silence_is_a_no_comment_answering_the_accusation(seeds):
    silence = Claim.objects.filter(type="no_comment", mentions__article=seeds["000"]).first()
    assert silence is not None
    assert silence.claimant.key in {"syrian_government", "syrian_mod"}
    assert silence.responds_to is not None
    assert silence.responds_to.type == "accusation"
    assert silence.responds_to.claimant.key == "sdf"
    assert silence.responds_to.response_status in {"no_comment", "countered", "denied"}


def test_re_extraction_changes_nothing_and_spares_what_an_analyst_confirmed(seeds):
    before = (Claim.objects.count(), Mention.objects.count())
    confirmed = Claim.objects.filter(type="accusation").first()
    Claim.objects.filter(pk=confirmed.pk).update(status="confirmed", text="نص عدّله محلل")
    out = io.StringIO()
    call_command("extract", "--all", stdout=out)
    call_command("extract", "--all", stdout=io.StringIO())

    assert (Claim.objects.count(), Mention.objects.count()) == before
    confirmed.refresh_from_db()
    assert (confirmed.status, confirmed.text) == ("confirmed", "نص عدّله محلل")
    assert "extracted 5 article(s)" in out.getvalue()


def test_export_claims_writes_the_claim_record_with_aliases(seeds, tmp_path):
    target = tmp_path / "claims.jsonl"
    call_command("export_claims", "--format", "jsonl", "--output", str(target))
    records = [json.loads(line) for line in target.read_text(encoding="utf-8").splitlines()]
    assert len(records) == Claim.objects.count()
    record = next(r for r in records if r["claimant"]["name_en"] == "Syrian Democratic Forces")
    design_fields = {
        "id", "type", "status", "text", "claimant", "speaker", "targets", "responds_to",
        "response_status", "story", "tags", "mentions", "created_at", "updated_at",
    }  # fmt: skip
    assert design_fields <= set(record)
    assert "قسد" in record["claimant"]["aliases"]
    mention = record["mentions"][0]
    article = Article.objects.get(pk=mention["article"]["id"])
    text = article.title if mention["in_title"] else article.body
    assert text[mention["start"] : mention["end"]] == mention["quote"]
    assert mention["attributed_by"] == "machine"


def test_export_claims_csv_opens_in_a_spreadsheet_with_arabic(seeds, tmp_path):
    target = tmp_path / "claims.csv"
    call_command("export_claims", "--format", "csv", "--output", str(target))
    raw = target.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
    assert len(rows) == Claim.objects.count()
    assert any(row["claimant_ar"] == "قوات سوريا الديمقراطية" for row in rows)


def test_the_sample_corpus_gives_claims_of_every_kind_the_demo_needs():
    ingest(REPO / "samples" / "articles")
    types = set(Claim.objects.values_list("type", flat=True))
    assert {"accusation", "denial", "no_comment"} <= types
    assert Claim.objects.filter(type="accusation").exclude(response_status="unanswered").exists()
