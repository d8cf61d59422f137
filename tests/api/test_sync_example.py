"""docs/examples/sync_claims.py, run as a client would run it, against a live server."""

import csv
import os
import subprocess
import sys
from pathlib import Path

import pytest

from accounts.services import api_token_create
from claims.models import Claim
from tests.factories import ClaimFactory, UserFactory

SCRIPT = Path(__file__).resolve().parents[2] / "docs" / "examples" / "sync_claims.py"


def run(live_server, token: str, out: Path, *args: str) -> str:
    result = subprocess.run(
        [sys.executable, str(SCRIPT), str(out), "--url", f"{live_server.url}/api/v1/", *args],
        env={**os.environ, "CONFLICTDESK_TOKEN": token},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return result.stderr


def rows(out: Path) -> dict[int, dict]:
    with out.open(newline="", encoding="utf-8") as f:
        return {int(r["id"]): r for r in csv.DictReader(f)}


@pytest.mark.django_db(transaction=True)
def test_the_example_client_syncs_claims_into_a_csv_and_then_only_the_changes(
    live_server, tmp_path
):
    _, token = api_token_create(
        user=UserFactory(role="analyst"), name="sync", read_only=True, expiry=None
    )
    claims = [ClaimFactory() for _ in range(5)]
    out = tmp_path / "claims.csv"

    assert run(live_server, token, out, "--since", "2000-01-01").startswith("5 claims changed")
    assert set(rows(out)) == {c.pk for c in claims}
    assert rows(out)[claims[0].pk]["text"] == claims[0].text

    claims[2].status = Claim.Status.CONFIRMED
    claims[2].save()
    newcomer = ClaimFactory(text="نفت الوزارة الاتهامات")
    assert run(live_server, token, out).startswith("2 claims changed")
    synced = rows(out)
    assert set(synced) == {c.pk for c in [*claims, newcomer]}
    assert synced[claims[2].pk]["status"] == "confirmed"
    assert synced[newcomer.pk]["text"] == "نفت الوزارة الاتهامات"

    assert run(live_server, token, out).startswith("0 claims changed")
