"""One claim: its record, ETag and 304, and PATCH guarded by If-Match."""

import pytest

from claims.models import Claim, ClaimEvent
from claims.records import claim_record, claims_with_record_data
from tests.api.conftest import client_for, error_of
from tests.factories import ActorFactory, ClaimFactory, MentionFactory, TagFactory

pytestmark = pytest.mark.django_db


def url(claim) -> str:
    return f"/api/v1/claims/{claim.pk}/"


def test_a_claim_is_served_as_the_export_record_plus_its_version(analyst):
    claim = MentionFactory().claim
    response = analyst.get(url(claim))
    assert response.status_code == 200
    record = claim_record(claims_with_record_data(Claim.objects.filter(pk=claim.pk)).get())
    assert response.json() == {**record, "version": 1}
    listed = analyst.get("/api/v1/claims/").json()["results"]
    assert listed == [response.json()]


def test_etag_and_if_none_match_give_304_until_the_claim_changes(analyst, editor):
    claim = ClaimFactory()
    first = analyst.get(url(claim))
    etag = first["ETag"]
    again = analyst.get(url(claim), HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304
    assert again["ETag"] == etag
    editor.patch(url(claim), {"status": "confirmed"}, format="json", HTTP_IF_MATCH=etag)
    changed = analyst.get(url(claim), HTTP_IF_NONE_MATCH=etag)
    assert changed.status_code == 200
    assert changed["ETag"] != etag


def test_patch_with_the_current_etag_changes_locks_versions_and_records(analyst):
    claim = ClaimFactory()
    tag = TagFactory()
    etag = analyst.get(url(claim))["ETag"]
    response = analyst.patch(
        url(claim), {"status": "confirmed", "tags": [tag.slug]}, format="json", HTTP_IF_MATCH=etag
    )
    assert response.status_code == 200, response.json()
    assert response.json()["tags"] == [tag.slug]
    assert response["ETag"] != etag
    claim.refresh_from_db()
    assert (claim.status, claim.version, claim.locked) == ("confirmed", 2, True)
    event = ClaimEvent.objects.get(claim=claim)
    assert event.changes == {"status": ["proposed", "confirmed"], "tags": [[], [tag.slug]]}


def test_a_stale_write_gets_412_and_changes_nothing(analyst, editor):
    claim = ClaimFactory()
    etag = analyst.get(url(claim))["ETag"]
    assert editor.patch(url(claim), {"status": "rejected"}, format="json", HTTP_IF_MATCH=etag)
    for stale in ({"HTTP_IF_MATCH": etag}, {"HTTP_IF_MATCH": "1"}, {}):
        body = {"status": "confirmed"} if stale else {"status": "confirmed", "version": 1}
        response = analyst.patch(url(claim), body, format="json", **stale)
        assert response.status_code == 412
        assert error_of(response)["code"] == "precondition_failed"
    claim.refresh_from_db()
    assert (claim.status, claim.version) == ("rejected", 2)
    assert ClaimEvent.objects.filter(claim=claim).count() == 1


def test_a_write_without_if_match_or_version_gets_428(analyst):
    claim = ClaimFactory()
    response = analyst.patch(url(claim), {"status": "confirmed"}, format="json")
    assert response.status_code == 428
    assert error_of(response)["code"] == "precondition_required"


def test_an_analyst_may_not_change_the_parties_but_an_editor_may():
    claim = ClaimFactory()
    target = ActorFactory()
    body = {"targets": [target.pk]}
    analyst = client_for("analyst")
    assert analyst.patch(url(claim), body, format="json", HTTP_IF_MATCH="1").status_code == 403
    editor = client_for("editor")
    response = editor.patch(url(claim), body, format="json", HTTP_IF_MATCH="1")
    assert response.status_code == 200
    assert [t["id"] for t in response.json()["targets"]] == [target.pk]


def test_answering_an_accusation_updates_its_response_status_and_its_updated_at(editor):
    accusation = ClaimFactory()
    denial = ClaimFactory(type=Claim.Type.DENIAL, response_status="")
    before = accusation.updated_at
    response = editor.patch(
        url(denial), {"responds_to": accusation.pk}, format="json", HTTP_IF_MATCH="1"
    )
    assert response.status_code == 200
    accusation.refresh_from_db()
    assert accusation.response_status == "denied"
    assert accusation.updated_at > before
    # Turning the denial into an accusation leaves the first one unanswered again.
    response = editor.patch(url(denial), {"type": "accusation"}, format="json", HTTP_IF_MATCH="2")
    assert response.json()["response_status"] == "unanswered"
    accusation.refresh_from_db()
    assert accusation.response_status == "unanswered"


def test_bad_input_gets_400_in_the_error_shape(editor):
    claim = ClaimFactory()
    response = editor.patch(
        url(claim), {"type": "gossip", "targets": [999999]}, format="json", HTTP_IF_MATCH="1"
    )
    assert response.status_code == 400
    error = error_of(response)
    assert error["code"] == "validation_error"
    assert set(error["details"]) == {"type", "targets"}
    response = editor.patch(url(claim), {"responds_to": claim.pk}, format="json", HTTP_IF_MATCH="1")
    assert response.status_code == 400
    assert error_of(response)["code"] == "invalid_input"
    claim.refresh_from_db()
    assert claim.version == 1


def test_a_missing_claim_is_404_in_the_error_shape(analyst):
    response = analyst.get("/api/v1/claims/999999/")
    assert response.status_code == 404
    assert error_of(response)["code"] == "not_found"


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("en", "Not found."),
        ("ar", "غير موجود."),
    ],
)
def test_error_messages_follow_accept_language(analyst, language, expected):
    response = analyst.get("/api/v1/claims/999999/", HTTP_ACCEPT_LANGUAGE=language)
    assert error_of(response)["message"] == expected


def test_validation_details_are_translated_too(editor):
    claim = ClaimFactory()
    english = editor.patch(
        url(claim), {"status": "maybe"}, format="json", HTTP_IF_MATCH="1",
        HTTP_ACCEPT_LANGUAGE="en",
    )  # fmt: skip
    arabic = editor.patch(
        url(claim), {"status": "maybe"}, format="json", HTTP_IF_MATCH="1",
        HTTP_ACCEPT_LANGUAGE="ar",
    )  # fmt: skip
    assert error_of(english)["message"].startswith("The request is not valid")
    assert error_of(arabic)["message"].startswith("الطلب غير صالح")
    assert english.json()["error"]["details"] != arabic.json()["error"]["details"]


def test_unauthenticated_and_read_only_messages_in_arabic():
    from rest_framework.test import APIClient

    response = APIClient().get("/api/v1/claims/", HTTP_ACCEPT_LANGUAGE="ar")
    assert error_of(response)["message"] == "المصادقة مطلوبة: أرسل رمز الوصول أو سجّل الدخول."
