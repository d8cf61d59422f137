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
    # The ministry's counter-story (001) is in the thread too, but it does not address
    # the charge: the accusation's status shows the silence.
    assert silence.responds_to.response_status == "no_comment"


def test_the_ministrys_counter_story_is_linked_to_the_accusation_as_a_counterclaim(seeds):
    counter = Claim.objects.filter(type="counterclaim", mentions__article=seeds["001"]).first()
    assert counter is not None
    assert counter.claimant.key == "syrian_mod"
    assert counter.responds_to is not None
    assert counter.responds_to.claimant.key == "sdf"
    assert counter.links_out.filter(kind="counters", target=counter.responds_to).exists()


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


def test_figures_sources_and_unknown_parties_are_kept(tmp_path):
    from claims.models import Actor, ActorAlias, Figure

    (tmp_path / "raid.txt").write_text(
        "قسد تعلن اعتقال خلية\n\n"
        "قال مصدر عسكري في قوات سوريا الديمقراطية لنورث برس إن القوات اعتقلت 7 عناصر "
        "من خلية تابعة لتنظيم داعش في ريف الحسكة.\n\n"
        "وأضاف المصدر أن الخلية كان يقودها المدعو “أبو صخر الحمادي” القيادي في تنظيم داعش.",
        encoding="utf-8",
    )
    ingest(tmp_path)
    claim = Claim.objects.get(mentions__quote__contains="7 عناصر")
    assert claim.claimant.key == "sdf"
    assert claim.reported_via is not None
    assert claim.reported_via.key == "north_press"
    figure = Figure.objects.get(claim=claim)
    assert (figure.low, figure.high, figure.counts) == (7, 7, "arrested")
    proposed = Actor.objects.get(status=Actor.Status.PROPOSED)
    assert proposed.name_ar == "أبو صخر الحمادي"
    assert proposed.parent.key == "isis"
    assert not ActorAlias.objects.filter(actor=proposed, proposed=True).exists()


def test_a_confirmed_alias_takes_effect_on_re_extraction(tmp_path):
    from claims.models import Actor, ActorAlias
    from sources.text import normalize_for_matching

    (tmp_path / "a.txt").write_text(
        "اتهام جديد\n\nاتهمت جبهة الصخرة الحمراء قوات سوريا الديمقراطية بقصف مواقعها.",
        encoding="utf-8",
    )
    ingest(tmp_path)
    sdf = Actor.objects.get(key="sdf")
    front = Actor.objects.create(key="red_rock_front", name_ar="فصيل وهمي", kind="militia")
    alias = ActorAlias.objects.create(
        actor=front, surface="جبهة الصخرة الحمراء", proposed=True,
        normalized=normalize_for_matching("جبهة الصخرة الحمراء"), origin="machine",
    )  # fmt: skip
    call_command("extract", "--all", stdout=io.StringIO())
    assert not Claim.objects.filter(claimant=front).exists(), "a proposed alias waits"

    ActorAlias.objects.filter(pk=alias.pk).update(proposed=False)
    call_command("extract", "--all", stdout=io.StringIO())
    claim = Claim.objects.get(claimant=front)
    assert claim.type == "accusation"
    assert sdf in claim.targets.all()


def test_linking_an_answer_bumps_the_accusations_updated_at_for_syncing_clients(tmp_path):
    (tmp_path / "a.txt").write_text(
        "اتهام\n\nاتهمت قوات سوريا الديمقراطية وزارة الدفاع السورية بقصف قرية قرب الطبقة.",
        encoding="utf-8",
    )
    ingest(tmp_path / "a.txt")
    accusation = Claim.objects.get(type="accusation")
    stamp = accusation.updated_at
    (tmp_path / "b.txt").write_text(
        "نفي\n\nنفت وزارة الدفاع السورية اتهامات قوات سوريا الديمقراطية بقصف قرية قرب الطبقة.",
        encoding="utf-8",
    )
    ingest(tmp_path / "b.txt")
    accusation.refresh_from_db()
    denial = Claim.objects.get(type="denial")
    assert denial.responds_to == accusation
    assert accusation.response_status == "denied"
    assert accusation.updated_at > stamp
