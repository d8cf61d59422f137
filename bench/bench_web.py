"""Latency of the API and of the UI pages under concurrent clients, on a large database.

Run from the project root with the project's venv, on a database filled by
bench/gen_bulk.py (its name must contain "bench": the script creates users and a token):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/conflictdesk_bench \\
        .venv/bin/python bench/bench_web.py                    # API and pages
    ... bench/bench_web.py --only pages                        # the UI pages only
    ... bench/bench_web.py --endpoint ui_review --endpoint ui_dashboard --requests 50
    ... bench/bench_web.py --only api --markdown /tmp/api.md --json /tmp/api.json

What it does:
- `manage.py migrate` when migrations are pending (then `ANALYZE`: this server runs with
  autovacuum off), `manage.py demo_users`, and a read-only API token for `analyst` made by
  `manage.py create_api_token` (expires in one day);
- starts gunicorn on 127.0.0.1:--port (`conflictdesk.wsgi`; sync worker class and
  --workers 2 x cores + 1 by default, as gunicorn.conf.py) with
  DJANGO_ENV=development, DEBUG=false, the API throttle lifted (CONFLICTDESK_API_RATE)
  and DB_CONN_MAX_AGE=600, and an access log that records each request's server-side
  time (gunicorn's `%(D)s`: from the moment a worker thread takes the request to the end
  of the response; the wait in the socket backlog is not in it);
- signs in once through /accounts/login/ as `analyst` (the pages use that session
  cookie; the API the token);
- for each endpoint: one warm-up request per client (not counted), then --clients threads
  (8) share --requests requests (200, or fewer when --max-seconds runs out), each thread
  with its own connection (kept alive by gthread; the sync worker closes it after each
  response, and the client connects again), in a closed loop (no pause between
  requests). The URLs of an endpoint vary (other claims, stories, actors, cursor positions, words);
- or, with `--driver wrk` (Debian's wrk), wrk keeps --clients connections busy for
  --duration seconds after a --wrk-warmup run (not counted), walking the same URLs. The
  Python threads cost the client ~1 ms of CPU per request on the cores the server uses
  (and queue on the GIL); wrk costs a few microseconds, so its client-side figures are
  closer to what a client on another machine would see;
- prints, per endpoint, server-side p50/p95/p99 (from the access log), client-side
  p50/p95 (wall time seen by the client thread), requests/s (requests over the phase's
  wall time), the CPU time the gunicorn workers and the PostgreSQL backends of the
  benchmark database used per request (from /proc: the cost of a request whatever else
  the machine runs), the 1-minute load average before and after, and the HTTP statuses
  (0: timed out). An endpoint answering 404 to every warm-up request is reported as
  "not built" (a placeholder page). UI pages get PASS/MISS against p95 < 300 ms.

Everything runs on the same machine: with 8 clients in a closed loop and as many request
threads, every request shares the cores with 7 others, so a page's latency is about its
CPU time x 8 / cores (plus whatever else the machine runs): read the CPU column too.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import platform
import random
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, urlencode, urlsplit

import psycopg
import requests

ROOT = Path(__file__).resolve().parents[1]
PASSWORD = "analyst-demo-2026"
UI_TARGET_MS = 300.0

# What each endpoint measures, filled in by `endpoints()`.


@dataclass
class Endpoint:
    name: str
    group: str  # "api" or "pages"
    what: str
    urls: list[str]
    server_ms: list[float] = field(default_factory=list)
    client_ms: list[float] = field(default_factory=list)
    statuses: dict[int, int] = field(default_factory=dict)
    seconds: float = 0.0
    not_built: bool = False
    bytes: int = 0
    cpu_seconds: float = 0.0  # gunicorn workers + PostgreSQL backends, measured phase
    load: tuple[float, float] = (0.0, 0.0)  # 1-minute load average, before and after
    # --driver wrk: the client side as wrk measured it (no list of single requests).
    wrk: dict[str, float] | None = None

    @property
    def count(self) -> int:
        return int(self.wrk["requests"]) if self.wrk else len(self.client_ms)

    def client(self, share: float) -> float:
        """The client-side latency at `share` (0.5, 0.95, 0.99), in ms."""
        if self.wrk:
            return self.wrk[f"p{round(share * 100)}"]
        return percentile(self.client_ms, share)


def database_checked(url: str) -> str:
    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    if not parts.scheme.startswith("postgres") or "bench" not in name:
        sys.exit(f"refusing to run on {url!r}: a PostgreSQL database whose name contains 'bench'")
    return name


def run(*arguments: str, env: dict[str, str]) -> str:
    done = subprocess.run(
        [sys.executable, "manage.py", *arguments],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    return done.stdout


def drf_cursor(position: str) -> str:
    """The `cursor` parameter DRF's CursorPagination would give for a page starting after
    `position` (the first ordering field's value), as rest_framework/pagination.py
    encodes it."""
    querystring = urlencode({"p": position}, doseq=True)
    return base64.b64encode(querystring.encode("ascii")).decode("ascii")


def sample_data(url: str, rng: random.Random, count: int) -> dict:
    """Ids and parameters the URLs use, read from the database."""
    with psycopg.connect(url) as connection:

        def one(sql: str, params=()):
            return connection.execute(sql, params).fetchone()

        def column(sql: str, params=()):
            return [row[0] for row in connection.execute(sql, params).fetchall()]

        first, last = one("SELECT min(id), max(id) FROM claims_claim")
        if not last:
            sys.exit("no claims: fill the database with bench/gen_bulk.py first")
        claim_ids = column(
            "SELECT id FROM claims_claim WHERE id = ANY(%s)",
            [[rng.randint(first, last) for _ in range(count)]],
        )
        low, high = one("SELECT min(id), max(id) FROM sources_story")
        story_ids = column(
            "SELECT id FROM sources_story WHERE id = ANY(%s)",
            [[rng.randint(low, high) for _ in range(count)]],
        )
        # Actors that make claims, the biggest claimant apart (its page is the worst case).
        claimants = connection.execute(
            "SELECT a.id, a.key, count(*) FROM claims_claim c JOIN claims_actor a "
            "ON a.id = c.claimant_id GROUP BY a.id, a.key ORDER BY 3 DESC"
        ).fetchall()
        biggest = claimants[0]
        middle = [row for row in claimants if 1000 <= row[2] <= 10000] or claimants[1:]
        # A page of incremental sync: the last ~1,000 changes.
        since = one(
            "SELECT updated_at FROM claims_claim ORDER BY updated_at DESC, id DESC "
            "LIMIT 1 OFFSET 1000"
        )[0]
        # Deep pages: the cursor of a page starting at a random claim of the whole list.
        positions = column(
            "SELECT updated_at FROM claims_claim WHERE id = ANY(%s)",
            [[rng.randint(first, last) for _ in range(count)]],
        )
        total = one("SELECT count(*) FROM claims_claim")[0]
        articles = one("SELECT count(*) FROM sources_article")[0]
        size = one("SELECT pg_size_pretty(pg_database_size(current_database()))")[0]
    return {
        "claim_ids": claim_ids,
        "story_ids": story_ids,
        "biggest": biggest,
        "middle": middle,
        "since": since,
        "positions": positions,
        "claims": total,
        "articles": articles,
        "db_size": size,
    }


# Search words: one frequent in claim texts (26% of the generated claims), two words
# that both match 1% of them, and a word no generated claim holds (the whole table read).
Q_COMMON = "قسد"
Q_RARE = "طائرة مسيرة"
Q_NONE = "تهريب"


def endpoints(data: dict, rng: random.Random) -> list[Endpoint]:
    claim_ids, story_ids = data["claim_ids"], data["story_ids"]
    biggest_id, biggest_key, biggest_count = data["biggest"]
    middle = data["middle"]
    since = data["since"].isoformat()
    api = "/api/v1/claims/"
    found = [
        Endpoint("api_claims", "api", "first page (50), default order -updated_at", [api]),
        Endpoint(
            "api_claims_type",
            "api",
            "?type=<each of 7 types>",
            [
                f"{api}?type={t}"
                for t in (
                    "accusation",
                    "denial",
                    "counterclaim",
                    "assertion",
                    "demand",
                    "no_comment",
                    "confirmation",
                )
            ],
        ),
        Endpoint(
            "api_claims_claimant_big",
            "api",
            f"?claimant=قسد (alias of {biggest_key}: {biggest_count:,} claims)",
            [f"{api}?claimant={quote('قسد')}"],
        ),
        Endpoint(
            "api_claims_claimant_mid",
            "api",
            f"?claimant=<key> ({len(middle)} claimants of 1k-10k claims)",
            [f"{api}?claimant={key}" for _, key, _ in middle],
        ),
        Endpoint(
            "api_claims_q_common",
            "api",
            f"?q={Q_COMMON} (frequent word)",
            [f"{api}?q={quote(Q_COMMON)}"],
        ),
        Endpoint(
            "api_claims_q_rare",
            "api",
            f"?q={Q_RARE} (two words, rarer)",
            [f"{api}?q={quote(Q_RARE)}"],
        ),
        Endpoint(
            "api_claims_q_none",
            "api",
            f"?q={Q_NONE} (no claim matches)",
            [f"{api}?q={quote(Q_NONE)}"],
        ),
        Endpoint(
            "api_claims_updated_since",
            "api",
            "?ordering=updated_at&updated_since=<the 1,000th latest change>",
            [f"{api}?ordering=updated_at&updated_since={quote(since)}"],
        ),
        Endpoint(
            "api_claims_deep_cursor",
            "api",
            "?cursor=<a random position in the whole list>",
            [f"{api}?cursor={quote(drf_cursor(str(p)))}" for p in data["positions"]],
        ),
        Endpoint(
            "api_claim_detail",
            "api",
            "/api/v1/claims/<random id>/",
            [f"{api}{pk}/" for pk in claim_ids],
        ),
        Endpoint("ui_claims", "pages", "/claims/", ["/claims/"]),
        Endpoint(
            "ui_claims_filtered",
            "pages",
            "/claims/?type=accusation&claimant=<big or mid claimant>",
            [f"/claims/?type=accusation&claimant={biggest_key}"]
            + [f"/claims/?type=accusation&claimant={key}" for _, key, _ in middle],
        ),
        Endpoint(
            "ui_claims_q",
            "pages",
            f"/claims/?q=<{Q_COMMON}, {Q_RARE} or {Q_NONE}>",
            [f"/claims/?q={quote(q)}" for q in (Q_COMMON, Q_RARE, Q_NONE)],
        ),
        Endpoint(
            "ui_claim_detail",
            "pages",
            "/claims/<random id>/",
            [f"/claims/{pk}/" for pk in claim_ids],
        ),
        Endpoint(
            "ui_story_detail",
            "pages",
            "/stories/<random id>/",
            [f"/stories/{pk}/" for pk in story_ids],
        ),
        Endpoint(
            "ui_actor_detail",
            "pages",
            "/actors/<claimant of 1k-10k claims>/",
            [f"/actors/{pk}/" for pk, _, _ in middle],
        ),
        Endpoint(
            "ui_actor_detail_big",
            "pages",
            f"/actors/<{biggest_key}>/ ({biggest_count:,} claims)",
            [f"/actors/{biggest_id}/"],
        ),
        Endpoint(
            "ui_actors",
            "pages",
            "/actors/?page=<1-6> (the directory, 50 actors a page, with their counts)",
            [f"/actors/?page={n}" for n in range(1, 7)],
        ),
        Endpoint("ui_dashboard", "pages", "/ (dashboard)", ["/"]),
        Endpoint("ui_review", "pages", "/review/ (queue of proposed claims)", ["/review/"]),
    ]
    for endpoint in found:
        rng.shuffle(endpoint.urls)
    return found


# The server.


def gunicorn_start(args, env: dict[str, str], log: Path) -> subprocess.Popen:
    command = [
        str(ROOT / ".venv" / "bin" / "gunicorn"),
        "conflictdesk.wsgi:application",
        "--bind", f"127.0.0.1:{args.port}",
        "--workers", str(args.workers),
        "--threads", str(args.threads),
        "--worker-class", args.worker_class,
        "--timeout", str(int(args.timeout) + 30),
        "--access-logfile", str(log),
        "--access-logformat", "%({x-bench}i)s %(s)s %(D)s %(B)s",
        "--error-logfile", str(log.with_suffix(".err")),
    ]  # fmt: skip
    server = subprocess.Popen(
        command,
        cwd=ROOT,
        env=env,
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            sys.exit(f"gunicorn exited: see {log.with_suffix('.err')}")
        try:
            if requests.get(f"{base(args)}/healthz", timeout=2).status_code < 500:
                return server
        except requests.RequestException:
            pass
        time.sleep(0.5)
    gunicorn_stop(server)
    sys.exit("gunicorn did not answer /healthz in 60 s")


def gunicorn_stop(server: subprocess.Popen) -> None:
    if server.poll() is None:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()


def base(args) -> str:
    return f"http://127.0.0.1:{args.port}"


def log_in(args) -> dict[str, str]:
    session = requests.Session()
    page = session.get(f"{base(args)}/accounts/login/", timeout=30)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
    if page.status_code != 200 or token is None:
        sys.exit(f"login page: HTTP {page.status_code}, no CSRF token")
    answer = session.post(
        f"{base(args)}/accounts/login/",
        data={"username": "analyst", "password": PASSWORD, "csrfmiddlewaretoken": token[1]},
        headers={"Referer": f"{base(args)}/accounts/login/"},
        allow_redirects=False,
        timeout=30,
    )
    if answer.status_code != 302 or "sessionid" not in session.cookies:
        sys.exit(f"login failed: HTTP {answer.status_code}")
    return session.cookies.get_dict()


# Driving the clients.


def get(session: requests.Session, url: str, tag: str, timeout: float) -> tuple[int, int]:
    """(HTTP status, body size); status 0 for a request that timed out or failed."""
    try:
        answer = session.get(url, headers={"X-Bench": tag}, timeout=timeout)
    except requests.RequestException:
        return 0, 0
    return answer.status_code, len(answer.content)


class CpuMeter:
    """CPU seconds (user + system, from /proc) used by the gunicorn workers and by the
    PostgreSQL backends serving the benchmark database: the cost of the requests,
    whatever else the machine runs."""

    def __init__(self, url: str, server: subprocess.Popen) -> None:
        self.connection = psycopg.connect(url, autocommit=True)
        self.own = self.connection.info.backend_pid
        self.server = server
        self.tick = os.sysconf("SC_CLK_TCK")

    def _pids(self) -> list[int]:
        children = Path(f"/proc/{self.server.pid}/task/{self.server.pid}/children")
        workers = [int(pid) for pid in children.read_text().split()] if children.exists() else []
        backends = self.connection.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> %s",
            [self.own],
        ).fetchall()
        return workers + [row[0] for row in backends]

    def snapshot(self) -> dict[int, float]:
        seconds = {}
        for pid in self._pids():
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            seconds[pid] = (int(fields[11]) + int(fields[12])) / self.tick
        return seconds

    @staticmethod
    def used(before: dict[int, float], after: dict[int, float]) -> float:
        return sum(value - before.get(pid, 0.0) for pid, value in after.items())


def load_average() -> float:
    return float(Path("/proc/loadavg").read_text().split()[0])


def drive(args, endpoint: Endpoint, headers: dict, cookies: dict, meter: CpuMeter) -> None:
    """Warm up, then --clients threads share --requests requests of the endpoint."""
    lock = threading.Lock()
    counter = {"next": 0, "warm": 0}
    state: dict[str, float] = {}
    warm_statuses: list[int] = []

    def worker() -> None:
        session = requests.Session()
        session.headers.update(headers)
        session.cookies.update(cookies)
        # Warm-up: one request per client, untimed, tagged apart in the access log.
        with lock:
            n = counter["warm"]
            counter["warm"] += 1
        status, _ = get(session, base(args) + endpoint.urls[n % len(endpoint.urls)], "warmup",
                        args.timeout)  # fmt: skip
        with lock:
            warm_statuses.append(status)
        barrier.wait()
        if endpoint.not_built:
            return
        while True:
            with lock:
                n = counter["next"]
                if n >= args.requests or time.monotonic() > state["stop_at"]:
                    return
                counter["next"] += 1
            url = base(args) + endpoint.urls[n % len(endpoint.urls)]
            started = time.perf_counter()
            status, size = get(session, url, endpoint.name, args.timeout)
            elapsed = (time.perf_counter() - started) * 1000
            with lock:
                endpoint.client_ms.append(elapsed)
                endpoint.statuses[status] = endpoint.statuses.get(status, 0) + 1
                endpoint.bytes += size

    def begin() -> None:
        # Runs once all warm-ups are done, before the measured requests start.
        if all(status == 404 for status in warm_statuses):
            endpoint.not_built = True
        state["stop_at"] = time.monotonic() + args.max_seconds
        state["start"] = time.perf_counter()
        state["load"] = load_average()
        cpu_before.update(meter.snapshot())

    cpu_before: dict[int, float] = {}
    barrier = threading.Barrier(args.clients, action=begin)
    threads = [threading.Thread(target=worker) for _ in range(args.clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    endpoint.seconds = time.perf_counter() - state["start"]
    endpoint.cpu_seconds = CpuMeter.used(cpu_before, meter.snapshot())
    endpoint.load = (state["load"], load_average())


# wrk's script: each connection walks the endpoint's URLs from its own offset; statuses
# are counted per thread and gathered in done(). Latency percentiles come from wrk's own
# histogram (microseconds), from the moment a request is written to its last byte read.
WRK_SCRIPT = """
local paths = {%(paths)s}
local headers = {%(headers)s}
local threads = {}
local created = 0

function setup(thread)
  thread:set("offset", created * 7919)
  created = created + 1
  table.insert(threads, thread)
end

function init(args)
  n = offset
  statuses = {}
end

function request()
  n = n + 1
  return wrk.format("GET", paths[(n %% #paths) + 1], headers)
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end

function done(summary, latency, requests)
  io.write(string.format("WRK requests %%d\\n", summary.requests))
  io.write(string.format("WRK duration_us %%d\\n", summary.duration))
  local e = summary.errors
  io.write(string.format("WRK errors %%d\\n", e.connect + e.read + e.write + e.timeout))
  for _, p in ipairs({50, 95, 99}) do
    io.write(string.format("WRK p%%d %%d\\n", p, latency:percentile(p)))
  end
  for _, thread in ipairs(threads) do
    for status, count in pairs(thread:get("statuses")) do
      io.write(string.format("WRK status %%d %%d\\n", status, count))
    end
  end
end
"""


def lua_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def wrk_run(args, endpoint: Endpoint, headers: dict, seconds: float, tag: str) -> dict:
    """One wrk run of --clients connections over the endpoint's URLs for `seconds`."""
    script = WRK_SCRIPT % {
        "paths": ", ".join(lua_string(url) for url in endpoint.urls),
        "headers": ", ".join(
            f"[{lua_string(k)}] = {lua_string(v)}" for k, v in {**headers, "X-Bench": tag}.items()
        ),
    }
    with tempfile.NamedTemporaryFile("w", suffix=".lua", encoding="utf-8") as handle:
        handle.write(script)
        handle.flush()
        command = [
            "wrk", "--threads", str(min(args.clients, args.wrk_threads)),
            "--connections", str(args.clients), "--duration", f"{seconds:.0f}s",
            "--timeout", f"{args.timeout:.0f}s", "--script", handle.name, base(args) + "/",
        ]  # fmt: skip
        done = subprocess.run(command, capture_output=True, text=True, check=True)
    figures: dict = {"statuses": {}}
    for line in done.stdout.splitlines():
        parts = line.split()
        if not parts or parts[0] != "WRK":
            continue
        if parts[1] == "status":
            status = int(parts[2])
            figures["statuses"][status] = figures["statuses"].get(status, 0) + int(parts[3])
        else:
            figures[parts[1]] = float(parts[2])
    return figures


def drive_wrk(args, endpoint: Endpoint, headers: dict, meter: CpuMeter) -> None:
    """Warm up for --wrk-warmup seconds (not counted), then wrk keeps --clients connections
    busy for --duration seconds, each sending its next request as soon as the last one
    is answered (a closed loop, as the threads driver)."""
    warm = wrk_run(args, endpoint, headers, args.wrk_warmup, "warmup")
    if set(warm["statuses"]) == {404}:
        endpoint.not_built = True
        return
    load = load_average()
    before = meter.snapshot()
    figures = wrk_run(args, endpoint, headers, args.duration, endpoint.name)
    endpoint.cpu_seconds = CpuMeter.used(before, meter.snapshot())
    endpoint.load = (load, load_average())
    endpoint.seconds = figures["duration_us"] / 1e6
    endpoint.statuses = figures["statuses"]
    if figures.get("errors"):
        endpoint.statuses[0] = int(figures["errors"])
    endpoint.wrk = {
        "requests": figures["requests"],
        **{f"p{p}": figures[f"p{p}"] / 1000 for p in (50, 95, 99)},
    }


def server_times(log: Path, found: list[Endpoint]) -> None:
    by_name = {endpoint.name: endpoint for endpoint in found}
    for line in log.read_text(encoding="utf-8", errors="replace").splitlines():
        parts = line.split()
        if len(parts) >= 3 and parts[0] in by_name:
            by_name[parts[0]].server_ms.append(int(parts[2]) / 1000)


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(share * (len(ordered) - 1))))
    return ordered[index]


# Reporting.


def machine(url: str) -> dict[str, str]:
    info = {"cores": str(os.cpu_count())}
    try:
        meminfo = Path("/proc/meminfo").read_text()
        kib = int(re.search(r"MemTotal:\s+(\d+)", meminfo)[1])
        info["memory"] = f"{kib / 1024 / 1024:.1f} GiB"
    except (OSError, TypeError):
        pass
    info["python"] = platform.python_version()
    with psycopg.connect(url) as connection:
        version = connection.execute("SHOW server_version").fetchone()[0]
        buffers = connection.execute("SHOW shared_buffers").fetchone()[0]
        work_mem = connection.execute("SHOW work_mem").fetchone()[0]
        info["postgresql"] = f"{version} (shared_buffers {buffers}, work_mem {work_mem})"
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=ROOT,
            capture_output=True,
            text=True,
        ).stdout.strip()
        info["code"] = commit + (" + uncommitted changes" if dirty else "")
    except OSError:
        pass
    return info


def verdict(endpoint: Endpoint) -> str:
    if endpoint.group != "pages" or endpoint.not_built or not endpoint.server_ms:
        return ""
    return "PASS" if percentile(endpoint.server_ms, 0.95) < UI_TARGET_MS else "MISS"


def table(found: list[Endpoint]) -> list[str]:
    lines = [
        "| endpoint | what | n | server p50 | server p95 | server p99 | client p50 | "
        "client p95 | req/s | CPU per request | load | statuses | p95 < 300 ms |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | --- | --- |",
    ]
    for e in found:
        if e.not_built:
            lines.append(f"| `{e.name}` | {e.what} | | | | | | | | | | 404 | not built |")
            continue
        if not e.count:
            continue
        statuses = ", ".join(f"{code or 'timeout'}×{n}" for code, n in sorted(e.statuses.items()))
        s = e.server_ms or [float("nan")]
        lines.append(
            f"| `{e.name}` | {e.what} | {e.count} | {percentile(s, 0.5):.0f} ms | "
            f"{percentile(s, 0.95):.0f} ms | {percentile(s, 0.99):.0f} ms | "
            f"{e.client(0.5):.0f} ms | {e.client(0.95):.0f} ms"
            f" | {e.count / e.seconds:.1f} | "
            f"{e.cpu_seconds / e.count * 1000:.1f} ms | "
            f"{e.load[0]:.1f}→{e.load[1]:.1f} | {statuses} | {verdict(e)} |"
        )
    return lines


def migrations_apply(env: dict[str, str], url: str) -> None:
    """Bring the benchmark database to the code's migrations (new indexes included), and
    give the planner statistics for what they built."""
    pending = subprocess.run(
        [sys.executable, "manage.py", "migrate", "--check"],
        cwd=ROOT,
        env=env,
        capture_output=True,
    )
    if pending.returncode == 0:
        return
    started = time.perf_counter()
    run("migrate", env=env)
    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute("ANALYZE")
    print(f"applied pending migrations and ran ANALYZE: {time.perf_counter() - started:.0f} s")


def migrations_checked(env: dict[str, str]) -> None:
    """Refuse to run when the database lags the code's migrations (bench_export.py and
    bench_sql_floor.py; this script applies them, migrations_apply): a `migrate` started
    while someone else applies the same migration can collide with it (two CREATE INDEX
    CONCURRENTLY deadlock, and the loser leaves an invalid index behind)."""
    pending = subprocess.run(
        [sys.executable, "manage.py", "migrate", "--check"],
        cwd=ROOT,
        env=env,
        capture_output=True,
    )
    if pending.returncode != 0:
        sys.exit(
            "migrations are pending on this database: apply them first (`manage.py migrate`, "
            "then ANALYZE; or run bench/bench_web.py, which does both)"
        )


def server_env(url: str) -> dict[str, str]:
    """The environment of the app under measure: this one, without a broker (tasks run in
    process), with the API throttle lifted, persistent connections and quiet logs."""
    env = {key: value for key, value in os.environ.items() if key != "CELERY_BROKER_URL"}
    env |= {
        "DATABASE_URL": url,
        "DJANGO_ENV": "development",
        "DEBUG": "false",
        "CONFLICTDESK_API_RATE": "1000000/s",
        "DB_CONN_MAX_AGE": "600",
        "LOG_LEVEL": "WARNING",
    }
    return env


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", choices=["api", "pages", "all"], default="all")
    parser.add_argument("--endpoint", action="append", help="only these (by name); repeatable")
    parser.add_argument("--port", type=int, default=8765)
    # gunicorn.conf.py's defaults: 2 x cores + 1 processes of one thread.
    parser.add_argument("--workers", type=int, default=2 * (os.cpu_count() or 1) + 1)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--worker-class", default="sync", choices=["sync", "gthread"])
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument(
        "--driver",
        choices=["threads", "wrk"],
        default="threads",
        help="threads: --clients Python threads (requests) in this process; wrk: wrk keeps "
        "--clients connections busy for --duration s (its client costs far less CPU on "
        "the same cores)",
    )
    parser.add_argument("--duration", type=float, default=20.0, help="wrk: seconds per endpoint")
    parser.add_argument("--wrk-warmup", type=float, default=2.0, help="wrk: seconds, not counted")
    parser.add_argument("--wrk-threads", type=int, default=2, help="wrk: its own threads")
    parser.add_argument("--requests", type=int, default=200, help="per endpoint")
    parser.add_argument("--max-seconds", type=float, default=90.0, help="per endpoint")
    parser.add_argument("--timeout", type=float, default=120.0, help="per request, seconds")
    parser.add_argument("--seed", type=int, default=20260508)
    parser.add_argument("--markdown", type=Path, help="also write the table to this file")
    parser.add_argument("--json", type=Path, help="also write the raw figures to this file")
    args = parser.parse_args()
    url = os.environ.get("DATABASE_URL", "")
    name = database_checked(url)
    rng = random.Random(args.seed)

    env = server_env(url)
    migrations_apply(env, url)
    run("demo_users", env=env)
    token = run(
        "create_api_token", "analyst", "--read-only", "--expires", "1", "--name", "bench_web",
        env=env,
    ).strip()  # fmt: skip
    data = sample_data(url, rng, 300)
    found = [
        e
        for e in endpoints(data, rng)
        if (args.only in ("all", e.group)) and (not args.endpoint or e.name in args.endpoint)
    ]
    info = machine(url)
    print(
        f"database {name}: {data['articles']:,} articles, {data['claims']:,} claims, "
        f"{data['db_size']}"
    )
    print(", ".join(f"{k} {v}" for k, v in info.items()))
    print(
        f"gunicorn --workers {args.workers} --threads {args.threads} ({args.worker_class}), "
        + (
            f"wrk: {args.clients} connections for {args.duration:.0f} s per endpoint "
            f"(timeout {args.timeout:.0f} s)"
            if args.driver == "wrk"
            else f"{args.clients} client threads, {args.requests} requests per endpoint "
            f"(at most {args.max_seconds:.0f} s, timeout {args.timeout:.0f} s)"
        )
    )

    with tempfile.TemporaryDirectory(prefix="bench_web_") as folder:
        log = Path(folder) / "access.log"
        server = gunicorn_start(args, env, log)
        try:
            meter = CpuMeter(url, server)
            cookies = log_in(args) if any(e.group == "pages" for e in found) else {}
            for endpoint in found:
                api = endpoint.group == "api"
                headers = {"Authorization": f"Token {token}"} if api else {}
                if args.driver == "wrk":
                    if not api:
                        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in cookies.items())}
                    drive_wrk(args, endpoint, headers, meter)
                else:
                    drive(args, endpoint, headers, {} if api else cookies, meter)
                if endpoint.not_built:
                    print(f"  {endpoint.name:26} not built (404)", flush=True)
                    continue
                print(
                    f"  {endpoint.name:26} {endpoint.count:5} requests in "
                    f"{endpoint.seconds:5.1f} s, client p50 {endpoint.client(0.5):7.1f} ms, "
                    f"p95 {endpoint.client(0.95):7.1f} ms, CPU "
                    f"{endpoint.cpu_seconds / endpoint.count * 1000:6.1f} ms/request, "
                    f"statuses {endpoint.statuses}",
                    flush=True,
                )
        finally:
            gunicorn_stop(server)
        server_times(log, found)
        errors = log.with_suffix(".err").read_text(errors="replace")
    if "Traceback" in errors or "WORKER TIMEOUT" in errors:
        print("gunicorn's error log:\n" + errors[-3000:])
    lines = table(found)
    print("\n".join(lines))
    if args.markdown:
        args.markdown.write_text("\n".join(lines) + "\n", encoding="utf-8")
    if args.json:
        args.json.write_text(
            json.dumps(
                {
                    "machine": info,
                    "database": {k: data[k] for k in ("articles", "claims", "db_size")},
                    "server": f"gunicorn {args.worker_class} --workers {args.workers}"
                    f" --threads {args.threads}",
                    "clients": args.clients,
                    "endpoints": [
                        {
                            "name": e.name,
                            "what": e.what,
                            "not_built": e.not_built,
                            "server_ms": e.server_ms,
                            "client_ms": e.client_ms,
                            "client_wrk": e.wrk,
                            "statuses": e.statuses,
                            "seconds": e.seconds,
                            "cpu_seconds": e.cpu_seconds,
                            "load": e.load,
                        }
                        for e in found
                    ],
                },
                ensure_ascii=False,
                indent=1,
            ),
            encoding="utf-8",
        )


if __name__ == "__main__":
    main()
