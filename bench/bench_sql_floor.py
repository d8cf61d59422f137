"""The raw SQL floor of the API endpoints: what their SQL alone costs, next to what the
whole Django request costs, on a large database.

Run from the project root with the project's venv, on a database filled by
bench/gen_bulk.py (its name must contain "bench": the script makes the demo users):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/conflictdesk_bench \\
    CACHE_URL=redis://127.0.0.1:6379/5 \\
        .venv/bin/python bench/bench_sql_floor.py                  # every API endpoint
    ... bench/bench_sql_floor.py --endpoint api_claims_q_common --endpoint api_claims
    ... bench/bench_sql_floor.py --samples 10 --json /tmp/floor.json
    ... bench/bench_sql_floor.py --prepared      # the floor without parsing and planning

What it does:
- takes the endpoints of bench/bench_web.py whose group is "api", with the same sample
  data and the same shuffled URLs (same --seed), and keeps the first --samples (30) URLs
  of each; an endpoint with fewer distinct URLs (`api_claims`: one) has them cycled, so
  every endpoint gets --samples samples;
- stops if migrations are pending (`manage.py migrate --check`: apply them first; unlike
  bench_web.py it does not migrate), runs `manage.py demo_users`; then, in this process
  (django.setup() with DJANGO_SETTINGS_MODULE=conflictdesk.settings, DJANGO_ENV=
  development, DEBUG=false, the API throttle lifted, DB_CONN_MAX_AGE=600), a
  client that calls Django's WSGI handler as a WSGI server would (Host 127.0.0.1; until
  session 8 it was django.test.Client, which adds about 1.2 ms of its own per request)
  and sends a read-only API token of `analyst` made by `manage.py create_api_token` (as
  API clients do; `--auth session`: the cookie of a session signed in with force_login,
  the figures of sessions 5-8) makes one untimed warm-up request, then for each sample
  URL:
  1. one GET under CaptureQueriesContext: the SQL statements the request ran, as sent
     (Django's psycopg client-side binding sends the query with its values inlined, so
     the captured text is what the server received);
  2. --repeat (3) more GETs without capturing, timed (the in-process Django wall time: the
     whole request through the middleware, DRF, the records and the JSON rendering, with
     one client and no concurrency; no HTTP server, no network);
  3. --repeat (3) replays of the request's statements, in order, over a plain psycopg
     connection set up like the app's (autocommit, no prepared statements, client-side
     binding, the connection options of conflictdesk/settings.py: `-c jit=off`, and
     `SET jit = off`, `SET TIME ZONE` to settings.TIME_ZONE as Django does), each
     statement executed and all its rows fetched, timed one by one.
  The fastest repetition counts, for the Django time as for the SQL (both are then
  measured on warm caches). With --prepared, each SELECT / WITH statement is replayed as
  a prepared statement (its text as captured, prepared on its first repetition), so the
  fastest repetition is its execution alone: the floor for an application that prepares
  everything (this one prepares only the claim records' statement,
  conflictdesk.db.prepared_cursor).
- Left out of the replay, as per-request bookkeeping: statements on django_session,
  auth_permission / auth_group (permission checks), knox tokens, django-axes, and the
  request user's own row (`"auth_user"."id" = <analyst's id>`; a read of users by
  `IN (...)`, as the records' `attributed_by` makes, stays). Replayed: SELECT / WITH /
  SHOW / SET and the transaction's own statements (Django logs the BEGIN and COMMIT of
  an atomic block, and the search filter sets planner options with set_config(...,
  true), which hold only inside its transaction: replayed without the BEGIN, the query
  after them would be planned differently); never replayed: a write (none is expected
  on a GET; counted and reported).
- Reports per endpoint, over the samples, p50/p95 of:
  (a) the page query: the kept statement that selects FROM "claims_claim" and ends with a
      LIMIT (the cursor page `... LIMIT 51`, or the detail's `WHERE id = n LIMIT 21`);
      when several do, the slowest; when none does, the slowest statement of the request
      (the table says which rule served);
  (b) the SQL total: the sum of all the kept statements' times (fastest repetition);
  (c) the Django wall time, and Django minus SQL total (paired per URL): Python's share.
  plus the number of kept statements (and of bookkeeping ones left out).

What "SQL" includes: the round trip to the server on 127.0.0.1, execution, and psycopg
turning the rows into Python values (fetchall), but none of Django's work. The Django
time includes its own SQL (kept and bookkeeping statements: the token's, the throttle's
round trip to the cache) and nothing of a WSGI server's (no socket, no HTTP parsing: the
environ is built in memory). Run it on a quiet machine: both
figures are single-client latencies, not throughput.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import random
import re
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import psycopg

# The project (for django.setup()) and bench/ (for bench_web), whatever the working folder.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_web import (
    database_checked,
    endpoints,
    migrations_checked,
    percentile,
    run,
    sample_data,
)

# Statements on these tables are the request's bookkeeping (session, permission checks,
# token, lock-out), not the endpoint's work.
# (The token's own statement names its table unquoted: conflictdesk.api._token_statement.)
BOOKKEEPING = re.compile(
    r'"(django_session|auth_permission|auth_group\w*|knox_\w+|axes_\w+)"|\bFROM knox_\w+'
)
# The page query: a SELECT from claims_claim ending with a LIMIT (an OFFSET may follow).
FROM_CLAIMS = re.compile(r'\bFROM "claims_claim"(?!_)')
ENDS_WITH_LIMIT = re.compile(r"\bLIMIT \d+(\s+OFFSET \d+)?\s*$")
FIRST_TABLE = re.compile(r'\bFROM "(\w+)"')


@dataclass
class Sample:
    url: str
    status: int = 0
    statements: list[str] = field(default_factory=list)  # kept, in order
    left_out: int = 0  # bookkeeping statements
    skipped: list[str] = field(default_factory=list)  # kept but not replayable (writes)
    django_captured_ms: float = 0.0  # Django's own timing of every captured statement
    django_ms: list[float] = field(default_factory=list)  # the timed requests
    replay_ms: list[list[float]] = field(default_factory=list)  # per repetition, per stmt
    page_index: int | None = None
    page_rule: str = ""

    @property
    def django_best(self) -> float:
        return min(self.django_ms)

    @property
    def sql_best(self) -> float:
        return min(sum(times) for times in self.replay_ms) if self.replay_ms else 0.0

    def statement_best(self, index: int) -> float:
        return min(times[index] for times in self.replay_ms)

    @property
    def page_best(self) -> float:
        return 0.0 if self.page_index is None else self.statement_best(self.page_index)


@dataclass
class Result:
    name: str
    what: str
    distinct: int
    samples: list[Sample] = field(default_factory=list)


def bookkeeping(sql: str, user_id: int) -> bool:
    if BOOKKEEPING.search(sql):
        return True
    return bool(re.search(rf'FROM "auth_user" WHERE "auth_user"\."id" = {user_id}\b', sql))


# Reads, and what shapes them: the transaction (a filter may set planner options with
# set_config(..., is_local => true), which last only as long as the transaction) and
# session settings. Writes are never replayed.
REPLAYED = ("SELECT", "WITH", "SHOW", "SET", "BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE")


def replayable(sql: str) -> bool:
    return sql.lstrip().upper().startswith(REPLAYED)


def choose_page(sample: Sample) -> None:
    """The page query (see the module docstring): among the statements that select from
    claims_claim and end with a LIMIT, the slowest; failing that, the slowest of all."""
    candidates = [
        i
        for i, sql in enumerate(sample.statements)
        if FROM_CLAIMS.search(sql) and ENDS_WITH_LIMIT.search(sql)
    ]
    rule = "claims_claim LIMIT"
    if not candidates:
        candidates, rule = list(range(len(sample.statements))), "slowest"
    if candidates:
        sample.page_index = max(candidates, key=sample.statement_best)
        sample.page_rule = rule


def replay_connection(url: str, *, prepared: bool = False):
    """A plain psycopg connection set up as Django sets up the app's (see
    django/db/backends/postgresql/base.py and conflictdesk/settings.py). `prepared`:
    every SELECT is prepared on its first run, so the fastest repetition is its
    execution alone, without parsing and planning."""
    from django.conf import settings
    from django.db import connection as django_connection

    options = settings.DATABASES["default"].get("OPTIONS", {})
    connection = psycopg.connect(
        url,
        autocommit=True,
        # Django's default: client-side binding, nothing prepared. Prepared: the text as
        # captured (values inlined), prepared as it is.
        prepare_threshold=0 if prepared else None,
        cursor_factory=psycopg.Cursor if prepared else psycopg.ClientCursor,
        **({"options": options["options"]} if options.get("options") else {}),
    )
    connection.execute("SET jit = off")
    timezone_name = django_connection.timezone_name
    if timezone_name:
        connection.execute("SELECT set_config('TimeZone', %s, false)", [timezone_name])
    return connection


def replay(connection, statements: list[str]) -> list[float]:
    times = []
    with connection.cursor() as cursor:
        for sql in statements:
            started = time.perf_counter()
            first_word = sql.split(None, 1)[0].upper() if sql.strip() else ""
            prepare = connection.prepare_threshold is not None and first_word in ("SELECT", "WITH")
            cursor.execute(sql, prepare=prepare)
            if cursor.description is not None:
                cursor.fetchall()
            times.append((time.perf_counter() - started) * 1000)
    if connection.info.transaction_status != psycopg.pq.TransactionStatus.IDLE:
        connection.rollback()  # a transaction the request left open (it should not)
    return times


class WSGIClient:
    """GETs through Django's WSGI handler, as a WSGI server calls it: the request's
    environ, the application, its body read to the end. django.test.Client did the same
    with about 1.2 ms of its own per request (request and response signals, templates
    and context kept for assertions, cookies), a third of what Django itself took."""

    def __init__(self, headers: dict[str, str]):
        from django.core.handlers.wsgi import WSGIHandler

        self.application = WSGIHandler()
        self.headers = {"HTTP_" + k.upper().replace("-", "_"): v for k, v in headers.items()}

    def get(self, url: str):
        from urllib.parse import urlsplit

        parts = urlsplit(url)
        environ = {
            "REQUEST_METHOD": "GET",
            "PATH_INFO": parts.path,
            "QUERY_STRING": parts.query,
            "SERVER_NAME": "127.0.0.1",
            "SERVER_PORT": "8000",
            "SERVER_PROTOCOL": "HTTP/1.1",
            "REMOTE_ADDR": "127.0.0.1",
            "wsgi.input": io.BytesIO(b""),
            "wsgi.errors": sys.stderr,
            "wsgi.url_scheme": "http",
            **self.headers,
        }
        statuses = []
        body = self.application(environ, lambda status, headers: statuses.append(status))
        try:
            for _ in body:
                pass
        finally:
            if hasattr(body, "close"):
                body.close()
        return WSGIResponse(int(statuses[0].split()[0]))


@dataclass
class WSGIResponse:
    status_code: int


def measure(result: Result, urls: list[str], client, user_id: int, connection, repeat: int):
    from django.db import connection as django_connection
    from django.test.utils import CaptureQueriesContext

    for url in urls:
        sample = Sample(url)
        with CaptureQueriesContext(django_connection) as captured:
            response = client.get(url)
        sample.status = response.status_code
        for query in captured.captured_queries:
            sample.django_captured_ms += float(query["time"]) * 1000
            sql = query["sql"] or ""
            if bookkeeping(sql, user_id):
                sample.left_out += 1
            elif replayable(sql):
                sample.statements.append(sql)
            else:
                sample.skipped.append(sql)
        for _ in range(repeat):
            started = time.perf_counter()
            client.get(url)
            sample.django_ms.append((time.perf_counter() - started) * 1000)
        for _ in range(repeat):
            sample.replay_ms.append(replay(connection, sample.statements))
        choose_page(sample)
        result.samples.append(sample)


def summary(result: Result) -> dict:
    samples = result.samples
    page = [s.page_best for s in samples]
    sql = [s.sql_best for s in samples]
    django = [s.django_best for s in samples]
    python = [s.django_best - s.sql_best for s in samples]
    counts = sorted({len(s.statements) for s in samples})
    left_out = sorted({s.left_out for s in samples})
    rules = sorted({s.page_rule for s in samples if s.page_rule})
    statuses: dict[int, int] = {}
    for s in samples:
        statuses[s.status] = statuses.get(s.status, 0) + 1
    return {
        "page_p50": percentile(page, 0.5),
        "page_p95": percentile(page, 0.95),
        "sql_p50": percentile(sql, 0.5),
        "sql_p95": percentile(sql, 0.95),
        "django_p50": percentile(django, 0.5),
        "django_p95": percentile(django, 0.95),
        "python_p50": percentile(python, 0.5),
        "statements": f"{counts[0]}–{counts[-1]}" if counts[0] != counts[-1] else str(counts[0]),
        "left_out": "/".join(str(n) for n in left_out),
        "rules": ", ".join(rules),
        "statuses": statuses,
        "skipped": sum(len(s.skipped) for s in samples),
    }


def table(results: list[Result]) -> list[str]:
    lines = [
        "| endpoint | what | n (distinct) | statements (+ left out) | page query p50 | "
        "p95 | SQL total p50 | p95 | Django p50 | p95 | Django − SQL p50 | page rule | "
        "statuses |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | --- |",
    ]
    for r in results:
        if not r.samples:
            continue
        s = summary(r)
        statuses = ", ".join(f"{code}×{n}" for code, n in sorted(s["statuses"].items()))
        lines.append(
            f"| `{r.name}` | {r.what} | {len(r.samples)} ({r.distinct}) | "
            f"{s['statements']} (+{s['left_out']}) | {s['page_p50']:.1f} ms | "
            f"{s['page_p95']:.1f} ms | {s['sql_p50']:.1f} ms | {s['sql_p95']:.1f} ms | "
            f"{s['django_p50']:.1f} ms | {s['django_p95']:.1f} ms | {s['python_p50']:.1f} ms | "
            f"{s['rules']} | {statuses} |"
        )
    return lines


def raw(results: list[Result]) -> list[dict]:
    out = []
    for r in results:
        samples = []
        for i, s in enumerate(r.samples):
            samples.append(
                {
                    "url": s.url,
                    "status": s.status,
                    "django_ms": s.django_ms,
                    "django_captured_sql_ms": s.django_captured_ms,
                    "replay_ms": s.replay_ms,
                    "page_index": s.page_index,
                    "page_rule": s.page_rule,
                    "page_ms": s.page_best,
                    "sql_ms": s.sql_best,
                    "left_out": s.left_out,
                    "skipped": s.skipped,
                    "tables": [
                        (m[1] if (m := FIRST_TABLE.search(sql)) else "?") for sql in s.statements
                    ],
                    # The statements' text for the first sample only (the others differ
                    # by their values).
                    **({"statements": s.statements} if i == 0 else {}),
                }
            )
        out.append({"name": r.name, "what": r.what, "summary": summary(r), "samples": samples})
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--endpoint", action="append", help="only these (by name); repeatable")
    parser.add_argument("--samples", type=int, default=30, help="URLs per endpoint")
    parser.add_argument("--repeat", type=int, default=3, help="timed runs per URL (fastest)")
    parser.add_argument("--seed", type=int, default=20260508, help="as bench_web.py's")
    parser.add_argument("--markdown", type=Path, help="also write the table to this file")
    parser.add_argument("--json", type=Path, help="also write the raw figures to this file")
    parser.add_argument(
        "--prepared",
        action="store_true",
        help="replay each SELECT prepared: the floor without parsing and planning",
    )
    parser.add_argument(
        "--auth",
        choices=["token", "session"],
        default="token",
        help="token: a read-only API token, as API clients send it (default); session: "
        "the browser's signed-in session (the figures of sessions 5-8)",
    )
    args = parser.parse_args()
    url = os.environ.get("DATABASE_URL", "")
    name = database_checked(url)
    rng = random.Random(args.seed)

    os.environ.pop("CELERY_BROKER_URL", None)
    os.environ |= {
        "DATABASE_URL": url,
        "DJANGO_SETTINGS_MODULE": "conflictdesk.settings",
        "DJANGO_ENV": "development",
        "DEBUG": "false",
        "CONFLICTDESK_API_RATE": "1000000/s",
        "DB_CONN_MAX_AGE": "600",
        "LOG_LEVEL": "WARNING",
    }
    if not os.environ.get("CACHE_URL", "").startswith("redis://"):
        # As deployed, permissions and the throttle live in Redis; without it every
        # request also reads the user's permissions (two statements, left out as
        # bookkeeping but paid in the Django time).
        print("warning: CACHE_URL names no Redis cache: not the deployed configuration")
    env = dict(os.environ)
    migrations_checked(env)
    run("demo_users", env=env)
    # 300 as in bench_web.py: the same sample data, so the same URLs in the same order.
    data = sample_data(url, rng, 300)
    found = [e for e in endpoints(data, rng) if e.group == "api"]
    if args.endpoint:
        unknown = set(args.endpoint) - {e.name for e in found}
        if unknown:
            sys.exit(f"unknown endpoints: {', '.join(sorted(unknown))}")
        found = [e for e in found if e.name in args.endpoint]

    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.test import Client

    user = get_user_model().objects.get(username="analyst")
    if args.auth == "token":
        token = run(
            "create_api_token", "analyst", "--read-only", "--expires", "1", "--name",
            "bench_sql_floor", env=env,
        ).strip()  # fmt: skip
        client = WSGIClient({"Host": "127.0.0.1", "Authorization": f"Token {token}"})
    else:
        signed_in = Client(HTTP_HOST="127.0.0.1")
        signed_in.force_login(user, backend="accounts.permissions.CachedPermissionBackend")
        cookies = "; ".join(f"{k}={v.value}" for k, v in signed_in.cookies.items())
        client = WSGIClient({"Host": "127.0.0.1", "Cookie": cookies})
    connection = replay_connection(url, prepared=args.prepared)
    jit = connection.execute("SHOW jit").fetchone()[0]
    print(
        f"database {name}: {data['articles']:,} articles, {data['claims']:,} claims, "
        f"{data['db_size']}; {os.cpu_count()} cores; replay connection jit={jit}"
    )
    print(
        f"{args.samples} URLs per endpoint, fastest of {args.repeat} for Django and for the "
        f"SQL replay; one client, in-process, {args.auth} authentication"
    )
    client.get("/api/v1/claims/")  # warm-up: imports, URL resolver, first connection

    results = []
    for endpoint in found:
        distinct = list(dict.fromkeys(endpoint.urls))
        urls = [distinct[i % len(distinct)] for i in range(args.samples)]
        result = Result(endpoint.name, endpoint.what, min(len(distinct), args.samples))
        started = time.perf_counter()
        measure(result, urls, client, user.pk, connection, args.repeat)
        results.append(result)
        s = summary(result)
        print(
            f"  {endpoint.name:26} {len(urls):3} URLs in {time.perf_counter() - started:6.1f} s:"
            f" page p50 {s['page_p50']:7.1f} ms, SQL p50 {s['sql_p50']:7.1f} ms, "
            f"Django p50 {s['django_p50']:7.1f} ms, statuses {s['statuses']}",
            flush=True,
        )
        if s["skipped"]:
            print(f"    {s['skipped']} statements not replayed (writes): see --json")
    connection.close()

    lines = table(results)
    print("\n".join(lines))
    if args.markdown:
        args.markdown.write_text("\n".join(lines) + "\n", encoding="utf-8")
    if args.json:
        args.json.write_text(
            json.dumps(
                {
                    "database": {k: data[k] for k in ("articles", "claims", "db_size")},
                    "samples": args.samples,
                    "repeat": args.repeat,
                    "note": "page_ms, sql_ms: fastest repetition per URL; replay_ms: every "
                    "repetition, per kept statement",
                    "endpoints": raw(results),
                },
                ensure_ascii=False,
                indent=1,
                default=str,
            ),
            encoding="utf-8",
        )


if __name__ == "__main__":
    main()
