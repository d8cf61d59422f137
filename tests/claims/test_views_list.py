"""The claim list page (claims:list) and its exports (claims:export), through HTTP."""

import csv
import io
import json
import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from claims.models import Actor, Claim
from claims.records import CSV_COLUMNS, claim_csv_row, claim_record, claims_with_record_data
from tests.factories import (
    ActorAliasFactory,
    ActorFactory,
    ArticleFactory,
    ClaimFactory,
    MentionFactory,
    OutletFactory,
    StoryFactory,
    TagFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

LIST = reverse("claims:list")
ROW_ID = re.compile(r'<tr class="claim-row" id="claim-(\d+)"')


@pytest.fixture(autouse=True)
def roles():
    from conflictdesk.roles import roles_sync

    roles_sync()


@pytest.fixture
def analyst(client):
    client.force_login(UserFactory(role="analyst"))
    return client


def listed(client, **params) -> list[int]:
    response = client.get(LIST, params)
    assert response.status_code == 200, response
    return [int(pk) for pk in ROW_ID.findall(response.content.decode())]


def exported(client, fmt: str, **params) -> str:
    response = client.get(reverse("claims:export", args=[fmt]), params)
    assert response.status_code == 200
    assert response.streaming
    return b"".join(response.streaming_content).decode("utf-8")


# Who may see it.


@pytest.mark.parametrize("url", [LIST, reverse("claims:export", args=["csv"])])
def test_an_anonymous_visitor_is_sent_to_log_in(client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("url", [LIST, reverse("claims:export", args=["jsonl"])])
def test_an_outsider_without_a_role_is_refused(client, url):
    client.force_login(UserFactory(role=None))
    assert client.get(url).status_code == 403


@pytest.mark.parametrize("role", ["analyst", "editor", "admin"])
def test_every_role_reads_the_list(client, role):
    claim = ClaimFactory()
    client.force_login(UserFactory(role=role))
    assert listed(client) == [claim.pk]


# What a row shows.


def test_a_row_shows_type_status_parties_text_first_outlet_mentions_and_tags(analyst):
    speaker = ActorFactory(kind=Actor.Kind.PERSON, name_ar="فرهاد شامي الاختبار")
    claimant = ActorFactory(name_ar="قوات الاختبار")
    target = ActorFactory(name_ar="فصيل الهدف")
    outlet = OutletFactory(name_ar="نورث برس الاختبار")
    claim = ClaimFactory(
        claimant=claimant,
        speaker=speaker,
        text="فصائل هاجمت <b>نقاطنا</b>",
        first_outlet=outlet,
        first_seen_at=timezone.now(),
    )
    claim.targets.add(target)
    claim.tags.add(TagFactory(slug="qasf", label_ar="قصف"))
    for _ in range(3):
        MentionFactory(claim=claim)
    html = analyst.get(LIST).content.decode()
    row = html[html.index(f'id="claim-{claim.pk}"') :]
    row = row[: row.index("</tr>")]
    assert 'class="badge claim-type type-accusation"' in row
    assert "status-proposed" in row
    assert row.index("قوات الاختبار") < row.index("فصيل الهدف")
    assert "فرهاد شامي الاختبار" in row
    # The text is escaped, inside <bdi>, and links to the claim.
    assert "<bdi>فصائل هاجمت &lt;b&gt;نقاطنا&lt;/b&gt;</bdi>" in row
    assert f'href="{reverse("claims:detail", args=[claim.pk])}"' in row
    assert "نورث برس الاختبار" in row
    assert re.search(r'class="text-center mention-count">3<', row)
    assert "قصف" in row
    assert "?tag=qasf" in row


# Filters: each one, through the page's query string.


def test_type_status_and_response_status(analyst):
    accusation = ClaimFactory()
    denial = ClaimFactory(type=Claim.Type.DENIAL, response_status="", status="confirmed")
    answered = ClaimFactory(response_status=Claim.ResponseStatus.DENIED)
    assert listed(analyst, type="denial") == [denial.pk]
    assert set(listed(analyst, type="accusation")) == {accusation.pk, answered.pk}
    assert listed(analyst, status="confirmed") == [denial.pk]
    assert listed(analyst, response_status="unanswered") == [accusation.pk]
    assert listed(analyst, response_status="denied") == [answered.pk]


def test_claimant_and_target_by_id_or_any_alias_spelling(analyst):
    actor = ActorFactory(name_ar="فصيل اختباري")
    ActorAliasFactory(actor=actor, surface="فصتست")
    made = ClaimFactory(claimant=actor)
    against = ClaimFactory()
    against.targets.add(actor)
    ClaimFactory()
    for spelling in (str(actor.pk), "فصيل اختباري", "فصتست", "لـ”فصتست”"):
        assert listed(analyst, claimant=spelling) == [made.pk], spelling
        assert listed(analyst, target=spelling) == [against.pk], spelling


def test_claimant_with_its_members(analyst):
    army = ActorFactory()
    unit = ActorFactory(parent=army)
    by_army, by_unit = ClaimFactory(claimant=army), ClaimFactory(claimant=unit)
    assert listed(analyst, claimant=army.pk) == [by_army.pk]
    assert set(listed(analyst, claimant=army.pk, include_children="true")) == {
        by_army.pk,
        by_unit.pk,
    }


def test_an_unknown_actor_name_is_reported(analyst):
    ClaimFactory()
    response = analyst.get(LIST, {"claimant": "لا أحد بهذا الاسم"})
    assert ROW_ID.findall(response.content.decode()) == []
    assert "لا أحد بهذا الاسم" in response.content.decode()
    assert 'class="alert alert-warning"' in response.content.decode()


def test_story_tag_and_outlet(analyst):
    story = StoryFactory()
    in_story = ClaimFactory(story=story)
    tag = TagFactory(slug="قصف")
    tagged = ClaimFactory()
    tagged.tags.add(tag)
    outlet = OutletFactory()
    reported = MentionFactory(article=ArticleFactory(outlet=outlet)).claim
    MentionFactory()
    assert listed(analyst, story=story.pk) == [in_story.pk]
    assert listed(analyst, tag="قصف") == [tagged.pk]
    assert listed(analyst, outlet=outlet.pk) == [reported.pk]


def test_date_ranges_on_first_seen_and_creation(analyst):
    old, new = ClaimFactory(), ClaimFactory()
    long_ago = timezone.now() - timedelta(days=30)
    Claim.objects.filter(pk=old.pk).update(created_at=long_ago, first_seen_at=long_ago)
    Claim.objects.filter(pk=new.pk).update(first_seen_at=timezone.now())
    week_ago = (timezone.localdate() - timedelta(days=7)).isoformat()  # as <input type=date>
    assert listed(analyst, created_after=week_ago) == [new.pk]
    assert listed(analyst, created_before=week_ago) == [old.pk]
    assert listed(analyst, first_seen_after=week_ago) == [new.pk]
    assert listed(analyst, first_seen_before=week_ago) == [old.pk]


def test_search_folds_spellings_and_finds_actors(analyst):
    obfuscated = ClaimFactory(text="هاجمت خلايا د1عـ.ـش نقاطاً")
    by_isis = ClaimFactory(claimant=Actor.objects.get(key="isis"), text="تبنى الهجوم")
    ClaimFactory(text="نفت الوزارة")
    assert set(listed(analyst, q="داعش")) == {obfuscated.pk, by_isis.pk}
    assert set(listed(analyst, q="ISIS")) == {by_isis.pk}
    assert set(listed(analyst, q="داعش", type="accusation")) == {obfuscated.pk, by_isis.pk}


def test_filters_combine(analyst):
    story = StoryFactory()
    wanted = ClaimFactory(story=story, text="قصف مدفعي على القرية", status="confirmed")
    ClaimFactory(story=story, text="قصف مدفعي على القرية")
    ClaimFactory(text="قصف مدفعي على القرية", status="confirmed")
    assert listed(analyst, story=story.pk, q="قصف", status="confirmed") == [wanted.pk]


def test_empty_fields_are_dropped_from_the_url(analyst):
    response = analyst.get(LIST + "?q=%D8%AF%D8%A7%D8%B9%D8%B4&type=&tag=&sort=oldest")
    assert response.status_code == 302
    assert response["Location"] == LIST + "?q=%D8%AF%D8%A7%D8%B9%D8%B4&sort=oldest"
    assert analyst.get(LIST + "?type=&tag=")["Location"] == LIST
    # The default order is no choice either.
    assert analyst.get(LIST + "?sort=newest&type=denial")["Location"] == LIST + "?type=denial"


def test_a_bad_filter_value_is_reported_and_left_out(analyst):
    claim = ClaimFactory()
    response = analyst.get(LIST, {"type": "gossip", "created_after": "yesterday"})
    assert response.status_code == 200
    html = response.content.decode()
    assert ROW_ID.findall(html) == [str(claim.pk)]
    assert "<code>type</code>" in html
    assert "<code>created_after</code>" in html


def test_the_form_keeps_the_chosen_filters(analyst):
    tag = TagFactory(slug="kept")
    html = analyst.get(
        LIST, {"q": "داعش", "type": "denial", "tag": "kept", "sort": "oldest"}
    ).content.decode()
    assert 'name="q" value="داعش"' in html
    assert '<option value="denial" selected>' in html
    assert f'<option value="{tag.slug}" selected>' in html
    assert '<option value="oldest" selected>' in html


# Sorting.


def _stamp(claim, *, created, first_seen=None, updated=None):
    Claim.objects.filter(pk=claim.pk).update(
        created_at=created, first_seen_at=first_seen, updated_at=updated or created
    )


def test_each_sort_order(analyst):
    now = timezone.now()
    a, b, c = ClaimFactory(), ClaimFactory(), ClaimFactory()
    _stamp(a, created=now - timedelta(days=3), first_seen=now - timedelta(days=1))
    _stamp(b, created=now - timedelta(days=2), first_seen=now - timedelta(days=9))
    # No dated mention: first seen when it was found.
    _stamp(c, created=now - timedelta(days=5), updated=now)
    assert listed(analyst) == [b.pk, a.pk, c.pk]
    assert analyst.get(LIST, {"sort": "newest"})["Location"] == LIST  # the default
    assert listed(analyst, sort="oldest") == [c.pk, a.pk, b.pk]
    assert listed(analyst, sort="first_seen") == [a.pk, c.pk, b.pk]
    assert listed(analyst, sort="first_seen_earliest") == [b.pk, c.pk, a.pk]
    assert listed(analyst, sort="updated") == [c.pk, b.pk, a.pk]
    assert listed(analyst, sort="nonsense") == [b.pk, a.pk, c.pk]


# Pagination: by cursor, no page numbers, no count of the whole table.


def _link(html: str, rel: str) -> str | None:
    found = re.search(rf'rel="{rel}" href="([^"]+)"', html)
    return found.group(1).replace("&amp;", "&") if found else None


def test_pages_follow_each_other_without_gaps_or_repeats(analyst, monkeypatch):
    monkeypatch.setattr("claims.views.claims.PAGE_SIZE", 5)
    same_moment = timezone.now() - timedelta(hours=1)
    claims = [ClaimFactory(type=Claim.Type.DENIAL, response_status="") for _ in range(12)]
    ClaimFactory()  # filtered out
    # Ties on the sort key are broken by id.
    for claim in claims[3:9]:
        _stamp(claim, created=same_moment)
    expected = [
        c.pk
        for c in sorted(
            (Claim.objects.get(pk=c.pk) for c in claims),
            key=lambda c: (c.created_at, c.pk),
            reverse=True,
        )
    ]
    seen, pages, url = [], [], LIST + "?type=denial"
    while url:
        response = analyst.get(url)
        html = response.content.decode()
        rows = [int(pk) for pk in ROW_ID.findall(html)]
        pages.append(rows)
        seen += rows
        next_link = _link(html, "next")
        assert next_link is None or "type=denial" in next_link
        url = LIST + next_link if next_link else None
    assert [len(page) for page in pages] == [5, 5, 2]
    assert seen == expected
    # And back: "previous" from the last page gives the middle page again.
    previous = _link(html, "prev")
    assert [int(pk) for pk in ROW_ID.findall(analyst.get(LIST + previous).content.decode())] == (
        pages[1]
    )


def test_a_mangled_cursor_starts_over(analyst):
    claim = ClaimFactory()
    assert listed(analyst, after="not-a-cursor") == [claim.pk]
    assert listed(analyst, before="%%%") == [claim.pk]


def test_the_count_stops_at_a_cap(analyst, monkeypatch):
    monkeypatch.setattr("claims.views.claims.COUNT_CAP", 3)
    for _ in range(5):
        ClaimFactory()
    html = analyst.get(LIST).content.decode()
    assert re.search(r'id="claim-count"[^>]*>[^<]*3', html)
    assert len(ROW_ID.findall(html)) == 5
    monkeypatch.setattr("claims.views.claims.COUNT_CAP", 10)
    html = analyst.get(LIST).content.decode()
    assert re.search(r'id="claim-count"[^>]*>[^<]*5', html)


# Queries: a fixed number, however many rows (no N+1).


def _claims_with_everything(count: int):
    tag = TagFactory()
    for _ in range(count):
        claim = ClaimFactory(
            speaker=ActorFactory(kind=Actor.Kind.PERSON),
            first_outlet=OutletFactory(),
            first_seen_at=timezone.now(),
        )
        claim.targets.add(ActorFactory(), ActorFactory())
        claim.tags.add(tag, TagFactory())
        MentionFactory(claim=claim)
        MentionFactory(claim=claim)


def test_the_list_runs_a_fixed_number_of_queries(analyst, django_assert_max_num_queries):
    _claims_with_everything(3)
    analyst.get(LIST, {"q": "فصائل"})  # warms the session and the alias index
    with CaptureQueriesContext(connection) as context:
        assert len(listed(analyst, q="فصائل")) == 3
    few = len(context.captured_queries)
    _claims_with_everything(9)
    analyst.get(LIST, {"q": "فصائل"})
    with django_assert_max_num_queries(few):
        assert len(listed(analyst, q="فصائل")) == 12
    # Session and user (2), membership (1), alias index and actors (3), the count and the
    # page (2), targets and tags (2), the form's tags, outlets and actors (3); on
    # PostgreSQL the search term is first counted on the index (5), and so is the capped
    # count of the list (4 more: savepoint, planner settings and back, release).
    assert few <= 13 + (5 + 4 if connection.vendor == "postgresql" else 0)


# Exports: the same filtered list, streamed.


@pytest.fixture
def mixed_claims():
    denials = []
    for n in range(4):
        claim = ClaimFactory(type=Claim.Type.DENIAL, response_status="", text=f"نفى خبر {n}")
        MentionFactory(claim=claim)
        claim.tags.add(TagFactory())
        denials.append(claim)
    ClaimFactory(text="اتهام آخر")
    return denials


def test_the_csv_export_is_the_filtered_list_as_export_claims_writes_it(analyst, mixed_claims):
    params = {"type": "denial", "sort": "oldest"}
    text = exported(analyst, "csv", **params)
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text[1:])))
    assert rows[0] == CSV_COLUMNS
    assert [int(row[0]) for row in rows[1:]] == listed(analyst, **params)
    claim = claims_with_record_data(Claim.objects.filter(pk=mixed_claims[0].pk)).get()
    expected = [str(value) for value in claim_csv_row(claim_record(claim))]
    assert rows[1] == expected


def test_the_jsonl_export_holds_the_claim_records_of_the_filtered_list(analyst, mixed_claims):
    params = {"q": "نفى", "sort": "first_seen"}
    lines = exported(analyst, "jsonl", **params).splitlines()
    records = [json.loads(line) for line in lines]
    assert [r["id"] for r in records] == listed(analyst, **params)
    by_id = {c.pk: c for c in claims_with_record_data(Claim.objects.all())}
    for record in records:
        assert record == json.loads(json.dumps(claim_record(by_id[record["id"]])))


def test_the_export_goes_past_one_page(analyst, monkeypatch):
    monkeypatch.setattr("claims.views.claims.PAGE_SIZE", 2)
    claims = [ClaimFactory() for _ in range(5)]
    lines = exported(analyst, "jsonl").splitlines()
    assert sorted(json.loads(line)["id"] for line in lines) == sorted(c.pk for c in claims)


def test_the_export_links_carry_the_filters_but_not_the_page(analyst):
    ClaimFactory()
    html = analyst.get(LIST, {"q": "داعش", "type": "denial", "after": "x"}).content.decode()
    for fmt in ("csv", "jsonl"):
        link = re.search(rf'id="export-{fmt}" href="([^"]+)"', html).group(1)
        path, query = link.replace("&amp;", "&").split("?")
        assert path == reverse("claims:export", args=[fmt])
        assert sorted(query.split("&")) == ["q=%D8%AF%D8%A7%D8%B9%D8%B4", "type=denial"]


def test_an_export_names_its_file_and_unknown_formats_are_not_found(analyst):
    response = analyst.get(reverse("claims:export", args=["csv"]))
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert re.match(r'attachment; filename="claims-[\d-]+\.csv"', response["Content-Disposition"])
    response = analyst.get(reverse("claims:export", args=["jsonl"]))
    assert response["Content-Type"] == "application/x-ndjson; charset=utf-8"
    assert analyst.get(reverse("claims:export", args=["xlsx"])).status_code == 404
