"""Keep a CSV of conflictdesk's claims up to date through the API (standard library only).

    python sync_claims.py --url https://desk.example/api/v1/ --since 2026-01-01 claims.csv
    python sync_claims.py --url https://desk.example/api/v1/ claims.csv   # later: only changes

The token comes from the CONFLICTDESK_TOKEN environment variable (a read-only token is
enough). The first run fetches every claim changed since --since; later runs start from
the newest `updated_at` already in the file, so they fetch only what changed since. Each
changed claim replaces its row: a claim appears once, in its latest version.
"""

import argparse
import csv
import json
import os
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

COLUMNS = [
    "id", "type", "status", "response_status", "claimant", "targets", "text",
    "responds_to", "story", "tags", "first_seen", "mentions", "version", "updated_at",
]  # fmt: skip


def fetch(url: str, token: str) -> dict:
    """GET a page of the API; waits and retries when throttled (429 with Retry-After)."""
    request = urllib.request.Request(
        url, headers={"Authorization": f"Token {token}", "Accept": "application/json"}
    )
    while True:
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                return json.load(response)
        except urllib.error.HTTPError as error:
            if error.code != 429:
                body = json.load(error)
                raise SystemExit(f"{error.code}: {body['error']['message']}") from error
            time.sleep(int(error.headers.get("Retry-After", "1")))


def row(record: dict) -> dict:
    return {
        "id": record["id"],
        "type": record["type"],
        "status": record["status"],
        "response_status": record["response_status"] or "",
        "claimant": record["claimant"]["name_ar"],
        "targets": " | ".join(t["name_ar"] for t in record["targets"]),
        "text": record["text"],
        "responds_to": record["responds_to"] or "",
        "story": record["story"] or "",
        "tags": " | ".join(record["tags"]),
        "first_seen": record["first_seen"]["at"] or "",
        "mentions": len(record["mentions"]),
        "version": record["version"],
        "updated_at": record["updated_at"],
    }


def changes_since(api: str, token: str, since: str | None, page_size: int = 200):
    """Every claim changed at or after `since`, oldest change first.

    The cursor is on (updated_at, id), so following `next` neither skips nor repeats a
    claim, even while claims are added or changed; a claim changed while we page moves
    to the end and comes again in its new version.
    """
    params = {"ordering": "updated_at", "page_size": page_size}
    if since:
        params["updated_since"] = since
    url = urllib.parse.urljoin(api, "claims/") + "?" + urllib.parse.urlencode(params)
    while url:
        page = fetch(url, token)
        yield from page["results"]
        url = page["next"]


def sync(api: str, token: str, path: Path, since: str | None) -> tuple[int, int]:
    """Update the CSV at `path`; returns (claims changed, claims in the file)."""
    rows: dict[str, dict] = {}
    if path.exists():
        with path.open(newline="", encoding="utf-8") as existing:
            rows = {r["id"]: r for r in csv.DictReader(existing)}
        if rows and not since:
            # updated_since is inclusive: the newest row comes again and is skipped below.
            since = max(r["updated_at"] for r in rows.values())
    changed = 0
    for record in changes_since(api, token, since):
        key = str(record["id"])
        if key in rows and rows[key]["updated_at"] == record["updated_at"]:
            continue  # this version of the claim is already in the file
        rows[key] = row(record)
        changed += 1
    tmp = path.with_suffix(path.suffix + ".tmp")
    with tmp.open("w", newline="", encoding="utf-8") as out:
        writer = csv.DictWriter(out, fieldnames=COLUMNS)
        writer.writeheader()
        writer.writerows(sorted(rows.values(), key=lambda r: int(r["id"])))
    tmp.replace(path)
    return changed, len(rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("csv", type=Path, help="the CSV file to create or update")
    parser.add_argument("--url", required=True, help="the API root, e.g. https://host/api/v1/")
    parser.add_argument("--since", help="ISO date or time: claims changed since then")
    args = parser.parse_args(argv)
    token = os.environ.get("CONFLICTDESK_TOKEN")
    if not token:
        parser.error("set CONFLICTDESK_TOKEN to an API token")
    changed, total = sync(args.url, token, args.csv, args.since)
    print(f"{changed} claims changed; {total} in {args.csv}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
