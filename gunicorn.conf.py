"""gunicorn's settings for conflictdesk, read from the working directory (run gunicorn
from the project root, as the Dockerfile does) or given with --config.

Processes, not threads: a request is mostly Python, and threads of one process take
turns on the GIL. Measured with bench/bench_web.py on 2 cores and 8 clients, the API's
claim list served 2 processes x 4 threads at 130-155 pages/s and 5 processes x 1 thread
at 170-240 (docs/BENCH-WEB.md). gunicorn's own advice is 2 x cores + 1.
The gthread worker even with one thread: idle keep-alive connections wait in its poller,
not in the thread. Put a buffering proxy (nginx) in front for slow clients.
"""

import multiprocessing
import os

workers = int(os.environ.get("WEB_CONCURRENCY") or 2 * multiprocessing.cpu_count() + 1)
worker_class = "gthread"
threads = int(os.environ.get("GUNICORN_THREADS") or 1)
keepalive = 5
