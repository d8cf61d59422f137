"""The incremental sync recipe of docs/API.md: poll with ordering=updated_at and
updated_since=<last updated_at seen>, follow `next`; no change is missed, and a client
that keys changes by (id, updated_at) applies none twice."""

import pytest
from django.utils import timezone

from claims.models import Claim
from tests.api.conftest import client_for
from tests.factories import ClaimFactory

pytestmark = pytest.mark.django_db


class SyncClient:
    def __init__(self, api):
        self.api = api
        self.watermark = None
        self.copy: dict[int, dict] = {}
        self.applied: list[tuple[int, str]] = []

    def poll(self, *, page_size: int = 3, during_paging=None) -> int:
        params = {"ordering": "updated_at", "page_size": page_size}
        if self.watermark:
            params["updated_since"] = self.watermark
        url, pages = "/api/v1/claims/", 0
        while url:
            body = self.api.get(url, params if pages == 0 else None).json()
            for record in body["results"]:
                change = (record["id"], record["updated_at"])
                if self.copy.get(record["id"], {}).get("updated_at") != record["updated_at"]:
                    self.applied.append(change)
                    self.copy[record["id"]] = record
                self.watermark = record["updated_at"]
            url = body["next"]
            pages += 1
            if during_paging and pages == 1:
                during_paging()
        return pages


def current_state() -> dict[int, str]:
    return {pk: at.isoformat() for pk, at in Claim.objects.values_list("pk", "updated_at")}


def test_polling_with_updated_since_and_the_cursor_misses_and_repeats_nothing():
    claims = [ClaimFactory() for _ in range(10)]
    client = SyncClient(client_for("analyst"))

    def edit_during_paging():
        # One claim already read and one not yet read change while the client pages,
        # and a new claim arrives: each must reach the client.
        for claim in (claims[0], claims[8]):
            claim.status = Claim.Status.CONFIRMED
            claim.save()
        ClaimFactory()

    assert client.poll(during_paging=edit_during_paging) > 3
    assert {pk: r["updated_at"] for pk, r in client.copy.items()} == current_state()
    assert len(client.applied) == len(set(client.applied))

    claims[3].status = Claim.Status.REJECTED
    claims[3].save()
    Claim.objects.filter(pk=claims[5].pk).update(updated_at=timezone.now())
    newcomer = ClaimFactory()
    applied_before = len(client.applied)
    client.poll()
    new_changes = client.applied[applied_before:]
    assert {pk for pk, _ in new_changes} == {claims[3].pk, claims[5].pk, newcomer.pk}
    assert {pk: r["updated_at"] for pk, r in client.copy.items()} == current_state()
    assert len(client.applied) == len(set(client.applied))

    # Nothing changed: a poll brings nothing new to apply.
    applied_before = len(client.applied)
    client.poll()
    assert client.applied[applied_before:] == []


def test_pages_are_stable_while_rows_are_inserted():
    claims = [ClaimFactory() for _ in range(7)]
    api = client_for("analyst")
    first = api.get("/api/v1/claims/", {"page_size": 3}).json()
    for _ in range(5):
        ClaimFactory()  # newer rows land before the cursor, not in later pages
    second = api.get(first["next"]).json()
    third = api.get(second["next"]).json()
    seen = [r["id"] for page in (first, second, third) for r in page["results"]]
    assert seen == [c.pk for c in reversed(claims)]
    assert third["next"] is None
