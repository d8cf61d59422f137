"""gunicorn's settings for conflictdesk, read from the working directory (run gunicorn
from the project root, as the Dockerfile does) or given with --config.

Processes, not threads: a request is mostly Python, and threads of one process take
turns on the GIL. And the sync worker, gunicorn's own: a process takes a connection
only when it is free, so requests go to idle processes. The gthread worker accepts
connections while its threads are busy and keeps each keep-alive connection to itself,
so some processes queued two or three clients while others idled. Measured with
bench/bench_web.py on 2 cores and 8 clients, the API's claim list (docs/BENCH-WEB.md):
gthread 2 processes x 4 threads 130-155 pages/s; gthread 5 x 1 170-260 pages/s but a
client-side p95 of 80-96 ms against 20 ms at p50; sync 5 processes 204 pages/s, p95 56
ms at p50 37. gunicorn's advice: 2 x cores + 1 processes, behind a buffering proxy
(nginx) that keeps the slow clients and the keep-alive connections.
"""

import os

# The cores this process may run on (a container's CPU set, not the host's count).
# Each process keeps its own database connection: mind PostgreSQL's max_connections.
workers = int(os.environ.get("WEB_CONCURRENCY") or 2 * len(os.sched_getaffinity(0)) + 1)
worker_class = os.environ.get("GUNICORN_WORKER_CLASS") or "sync"
threads = int(os.environ.get("GUNICORN_THREADS") or 1)  # for the gthread class
# A sync process is timed per request, and a streamed export of every claim is one
# request of a minute or more (1M claims: 40-60 s here): 30 s, gunicorn's default,
# would kill it half way.
timeout = int(os.environ.get("GUNICORN_TIMEOUT") or 600)
