"""Throughput of the streamed claim exports (claims per second) on a large database: the
`export_claims` command, and the API's `?format=jsonl` / `?format=csv` through gunicorn.

Run from the project root with the project's venv, on a database filled by
bench/gen_bulk.py (its name must contain "bench": the script makes users and a token):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/conflictdesk_bench \\
        .venv/bin/python bench/bench_export.py                     # command, then HTTP
    ... bench/bench_export.py --only http --limit-seconds 60
    ... bench/bench_export.py --only command --limit-seconds 900   # the whole export
    ... bench/bench_export.py --json /tmp/export.json

What it does:
- stops if migrations are pending (`manage.py migrate --check`: apply them first; unlike
  bench/bench_web.py it does not migrate); runs everything with bench_web.py's
  environment (DJANGO_ENV=development, DEBUG=false, the API throttle lifted,
  DB_CONN_MAX_AGE=600);
- command: `manage.py export_claims --format jsonl --output <a temporary file>` (every
  claim, in id order), timed from launch to exit (Python and Django start-up included);
  the script watches the file's size to note when the first bytes land. Then counts the
  file's lines (one per claim) and reports claims/s over the whole run and after the
  first byte, MB/s, and the child's peak RSS (ru_maxrss of its rusage, collected with
  os.wait4: the figure resource.getrusage(RUSAGE_CHILDREN) would add for it, without the
  script's other children mixed in). A run longer than --limit-seconds (120) is stopped
  (SIGTERM) and reported on the complete lines written so far, marked "stopped";
- HTTP: `manage.py demo_users`, a read-only token for `analyst` (`manage.py
  create_api_token`, expires in a day), and gunicorn started as bench_web.py starts it
  (its gunicorn_start/gunicorn_stop; port --port, 8766 by default, gthread, --workers 2
  --threads 4), warmed up by a few small concurrent API requests (so that no worker
  loads the code during a timed stream), then for each of jsonl and csv one GET of
  /api/v1/claims/?format=... (every claim, most recently changed first) with the token,
  read with requests (stream=True, iter_content in chunks of at most 1 MB; gunicorn
  sends the response chunked, one HTTP chunk per ~500 records the view yields).
  Counted: complete lines (JSON lines: `\\n`; CSV: the `\\r\\n` row ends csv.writer
  writes, less the header row; a field holding a line break would be a `\\n` alone and
  not counted), bytes (as received: the API does not compress), time to the response's
  headers, to the first body byte (for CSV the byte-order mark and the header row, sent
  before any query), to the first record, and claims/s and MB/s over the whole read.
  Reading stops after --limit-seconds and the rate so far is reported (a 1M export need
  not finish); the peak RSS of the gunicorn workers (VmHWM, since they started) is read
  after each stream.

One client, one stream at a time; the client reads and counts in C (bytes.count), so it
costs little next to the server, but it shares the machine's cores with gunicorn and
PostgreSQL. Target to compare against: >= 20,000 claims/s.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import requests

# bench/ on sys.path for bench_web, whatever the working folder.
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_web import (
    ROOT,
    database_checked,
    gunicorn_start,
    gunicorn_stop,
    migrations_checked,
    run,
    server_env,
)

TARGET = 20_000  # claims/s
CHUNK = 1 << 20


@dataclass
class Run:
    what: str
    lines: int = 0
    bytes: int = 0
    seconds: float = 0.0
    headers_s: float | None = None  # HTTP only
    first_byte_s: float | None = None
    first_record_s: float | None = None
    stopped: bool = False  # at --limit-seconds
    status: int | None = None  # HTTP status or the command's exit code
    peak_rss_mb: float | None = None
    error: str = ""

    @property
    def rate(self) -> float:
        return self.lines / self.seconds if self.seconds else 0.0

    @property
    def rate_after_first_byte(self) -> float:
        if self.first_byte_s is None or self.seconds <= self.first_byte_s:
            return 0.0
        return self.lines / (self.seconds - self.first_byte_s)

    @property
    def mb_per_s(self) -> float:
        return self.bytes / 1e6 / self.seconds if self.seconds else 0.0


def count_lines(path: Path) -> tuple[int, int]:
    """(complete lines, bytes) of a file."""
    lines = size = 0
    with path.open("rb") as stream:
        while chunk := stream.read(CHUNK):
            lines += chunk.count(b"\n")
            size += len(chunk)
    return lines, size


def command_export(env: dict[str, str], limit: float, folder: Path) -> Run:
    result = Run("`manage.py export_claims --format jsonl --output <file>`")
    output = folder / "claims.jsonl"
    errors_path = folder / "export_claims.err"
    started = time.perf_counter()
    with errors_path.open("wb") as errors:
        child = subprocess.Popen(
            [
                sys.executable,
                "manage.py",
                "export_claims",
                "--format",
                "jsonl",
                "--output",
                str(output),
            ],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=errors,
        )
    # Reaped with os.wait4, for the child's own rusage (its peak RSS).
    while True:
        pid, status, usage = os.wait4(child.pid, os.WNOHANG)
        if pid:
            break
        elapsed = time.perf_counter() - started
        if result.first_byte_s is None and output.exists() and output.stat().st_size > 0:
            result.first_byte_s = elapsed
        if elapsed > limit:
            child.terminate()
            result.stopped = True
            _, status, usage = os.wait4(child.pid, 0)
            break
        time.sleep(0.05)
    result.seconds = time.perf_counter() - started
    child.returncode = result.status = os.waitstatus_to_exitcode(status)
    result.peak_rss_mb = usage.ru_maxrss / 1024  # KiB on Linux
    if result.status != 0 and not result.stopped:
        result.error = errors_path.read_text(errors="replace")[-2000:]
    if output.exists():
        result.lines, result.bytes = count_lines(output)
        if result.first_byte_s is None and result.bytes:
            result.first_byte_s = result.seconds
        output.unlink()
    return result


def workers_peak_rss_mb(server: subprocess.Popen) -> float:
    children = Path(f"/proc/{server.pid}/task/{server.pid}/children")
    peak = 0.0
    for pid in children.read_text().split() if children.exists() else []:
        try:
            status = Path(f"/proc/{pid}/status").read_text()
        except OSError:
            continue
        for line in status.splitlines():
            if line.startswith("VmHWM:"):
                peak = max(peak, int(line.split()[1]) / 1024)
    return peak


def http_export(args, fmt: str, token: str, server: subprocess.Popen) -> Run:
    result = Run(f"GET /api/v1/claims/?format={fmt}")
    url = f"http://127.0.0.1:{args.port}/api/v1/claims/?format={fmt}"
    ending = b"\r\n" if fmt == "csv" else b"\n"
    header_lines = 1 if fmt == "csv" else 0
    started = time.perf_counter()
    try:
        response = requests.get(
            url,
            headers={"Authorization": f"Token {token}"},
            stream=True,
            timeout=(10, args.timeout),
        )
    except requests.RequestException as exc:
        result.error = str(exc)
        return result
    result.headers_s = time.perf_counter() - started
    result.status = response.status_code
    try:
        if response.status_code != 200:
            result.error = response.text[:500]
            return result
        previous_last = b""
        for chunk in response.iter_content(CHUNK):
            now = time.perf_counter() - started
            if result.first_byte_s is None:
                result.first_byte_s = now
            result.bytes += len(chunk)
            result.lines += chunk.count(ending)
            if ending == b"\r\n" and previous_last == b"\r" and chunk[:1] == b"\n":
                result.lines += 1  # a row end split between two chunks
            previous_last = chunk[-1:]
            if result.first_record_s is None and result.lines > header_lines:
                result.first_record_s = now
            if now > args.limit_seconds:
                result.stopped = True
                break
    except requests.RequestException as exc:
        result.error = str(exc)
    finally:
        result.seconds = time.perf_counter() - started
        response.close()
    result.lines = max(0, result.lines - header_lines)
    result.peak_rss_mb = workers_peak_rss_mb(server)
    return result


def warm_up(args, token: str) -> None:
    """A few small concurrent API requests, so that both workers have loaded the code and
    opened their database connection before the timed streams."""
    url = f"http://127.0.0.1:{args.port}/api/v1/claims/?page_size=1"
    headers = {"Authorization": f"Token {token}"}
    threads = [
        threading.Thread(target=requests.get, args=(url,), kwargs={"headers": headers})
        for _ in range(args.workers * args.threads)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def table(runs: list[Run]) -> list[str]:
    def seconds(value: float | None) -> str:
        return "" if value is None else f"{value:.2f} s"

    lines = [
        "| export | claims | time | claims/s | claims/s after 1st byte | MB/s | headers | "
        "1st byte | 1st record | peak RSS | status | >= 20k/s |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | --- |",
    ]
    for r in runs:
        status = f"{r.status}" + (" (stopped at the limit)" if r.stopped else "")
        if r.error:
            status += " error"
        verdict = "PASS" if r.rate >= TARGET else "MISS"
        lines.append(
            f"| {r.what} | {r.lines:,} | {r.seconds:.1f} s | {r.rate:,.0f} | "
            f"{r.rate_after_first_byte:,.0f} | {r.mb_per_s:.1f} | {seconds(r.headers_s)} | "
            f"{seconds(r.first_byte_s)} | {seconds(r.first_record_s)} | "
            f"{'' if r.peak_rss_mb is None else f'{r.peak_rss_mb:.0f} MB'} | {status} | "
            f"{verdict} |"
        )
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", choices=["command", "http"], help="one of the two only")
    parser.add_argument(
        "--limit-seconds",
        type=float,
        default=120.0,
        help="stop each export after this long and report the rate so far",
    )
    parser.add_argument("--port", type=int, default=8766)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--worker-class", default="gthread", choices=["sync", "gthread"])
    parser.add_argument(
        "--timeout", type=float, default=120.0, help="HTTP read timeout between two chunks, seconds"
    )
    parser.add_argument("--json", type=Path, help="also write the raw figures to this file")
    args = parser.parse_args()
    url = os.environ.get("DATABASE_URL", "")
    name = database_checked(url)

    env = server_env(url)
    migrations_checked(env)
    print(
        f"database {name}; {os.cpu_count()} cores; each export stopped after "
        f"{args.limit_seconds:.0f} s"
    )
    runs: list[Run] = []
    with tempfile.TemporaryDirectory(prefix="bench_export_") as folder:
        if args.only in (None, "command"):
            result = command_export(env, args.limit_seconds, Path(folder))
            runs.append(result)
            print(f"  command: {result.lines:,} claims in {result.seconds:.1f} s", flush=True)
            if result.error:
                print(f"  export_claims failed:\n{result.error}")
        if args.only in (None, "http"):
            run("demo_users", env=env)
            token = run(
                "create_api_token",
                "analyst",
                "--read-only",
                "--expires",
                "1",
                "--name",
                "bench_export",
                env=env,
            ).strip()
            log = Path(folder) / "access.log"
            server = gunicorn_start(args, env, log)
            try:
                warm_up(args, token)
                for fmt in ("jsonl", "csv"):
                    result = http_export(args, fmt, token, server)
                    runs.append(result)
                    print(
                        f"  {fmt}: {result.lines:,} claims in {result.seconds:.1f} s, "
                        f"HTTP {result.status} {result.error[:200]}",
                        flush=True,
                    )
            finally:
                gunicorn_stop(server)
            errors = log.with_suffix(".err").read_text(errors="replace")
            if "Traceback" in errors:
                print(
                    "gunicorn's error log (a broken pipe after a stream stopped at the limit "
                    "is expected):\n" + errors[-3000:]
                )
    lines = table(runs)
    print("\n".join(lines))
    if args.json:
        args.json.write_text(
            json.dumps(
                {
                    "database": name,
                    "limit_seconds": args.limit_seconds,
                    # The largest of every child this script waited for (migrate --check,
                    # the export, manage.py commands; not gunicorn's workers).
                    "rusage_children_maxrss_mb": resource.getrusage(
                        resource.RUSAGE_CHILDREN
                    ).ru_maxrss
                    / 1024,
                    "server": f"gunicorn gthread --workers {args.workers} --threads {args.threads}",
                    "runs": [
                        asdict(r)
                        | {
                            "claims_per_s": r.rate,
                            "claims_per_s_after_first_byte": r.rate_after_first_byte,
                            "mb_per_s": r.mb_per_s,
                        }
                        for r in runs
                    ],
                },
                indent=1,
            ),
            encoding="utf-8",
        )


if __name__ == "__main__":
    main()
