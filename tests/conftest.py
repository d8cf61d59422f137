import io
import os
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import quote, urlparse

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection

from conflictdesk.celery import app as celery_app

REPO = Path(__file__).resolve().parent.parent
SHARED_CORPUS = REPO.parent / "shared" / "corpus"
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def pytest_configure(config):
    # Every test runs tasks in-process unless it starts a real worker (see
    # tests/workers.py), whatever broker the environment names.
    celery_app.conf.task_always_eager = True


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """The registry is part of every database this project sets up, so tests get it too."""
    with django_db_blocker.unblock():
        call_command("load_registry", stdout=io.StringIO())


@pytest.fixture(autouse=True)
def _registry_after_flush(request):
    """Tests with real transactions start from a flushed database: give them the
    registry back, as every database this project sets up has it."""
    marker = request.node.get_closest_marker("django_db")
    transactional = (marker and marker.kwargs.get("transaction")) or any(
        name in request.fixturenames for name in ("transactional_db", "live_server")
    )
    if transactional:
        request.getfixturevalue("transactional_db")
        from claims.models import Actor

        if not Actor.objects.exists():
            call_command("load_registry", stdout=io.StringIO())


@pytest.fixture(autouse=True)
def _search_plans_forgotten():
    """A search keeps, per process, whether each term is broad (claims.search._broad):
    each test decides again, on its own data."""
    from claims import search

    search._broad_answers.clear()


def missing_service(reason: str):
    """A test that needs a real service fails in CI when it is missing, never skips."""
    if IN_CI:
        pytest.fail(f"required service missing in CI: {reason}")
    pytest.skip(reason)


@pytest.fixture
def postgres():
    if connection.vendor != "postgresql":
        missing_service("DATABASE_URL does not name a PostgreSQL database")
    return connection


@pytest.fixture
def redis_url():
    url = settings.CELERY_BROKER_URL
    if not url.startswith("redis://"):
        missing_service("CELERY_BROKER_URL does not name a Redis broker")
    parsed = urlparse(url)
    try:
        socket.create_connection((parsed.hostname, parsed.port or 6379), timeout=2).close()
    except OSError as exc:
        missing_service(f"Redis at {parsed.hostname}:{parsed.port} is not reachable: {exc}")
    return url


@pytest.fixture
def shared_corpus():
    if not SHARED_CORPUS.is_dir():
        missing_service(f"the shared corpus is not at {SHARED_CORPUS}")
    return SHARED_CORPUS


def database_url() -> str:
    """The URL of the database this test session uses (the test database)."""
    db = connection.settings_dict
    user = quote(db["USER"] or "", safe="")
    password = f":{quote(db['PASSWORD'], safe='')}" if db["PASSWORD"] else ""
    return f"postgres://{user}{password}@{db['HOST']}:{db['PORT'] or 5432}/{db['NAME']}"


class Worker:
    def __init__(self, process: subprocess.Popen, log: Path, queue: str):
        self.process, self.log, self.queue = process, log, queue

    def output(self) -> str:
        return self.log.read_text(errors="replace")


def start_worker(
    *,
    queue: str,
    log: Path,
    broker: str,
    concurrency: int = 1,
    pool: str = "prefork",
    beat: bool = False,
    env: dict[str, str] | None = None,
) -> Worker:
    """Start a real Celery worker process on the test database, consuming one queue."""
    env = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "CELERY_BROKER_URL": broker,
        **(env or {}),
    }
    command = [
        sys.executable, "-m", "celery", "-A", "conflictdesk", "worker",
        f"--pool={pool}", f"--concurrency={concurrency}", "-Q", queue,
        "-n", f"{queue}-{uuid.uuid4().hex[:6]}@%h",
        "--without-gossip", "--without-mingle", "--without-heartbeat", "--loglevel=INFO",
    ]  # fmt: skip
    if beat:
        command += ["--beat", f"--schedule={log.parent / 'beat-schedule'}"]
    handle = open(log, "ab")  # noqa: SIM115 - closed with the process
    process = subprocess.Popen(command, cwd=REPO, env=env, stdout=handle, stderr=handle)
    worker = Worker(process, log, queue)
    deadline = time.monotonic() + 60
    ready_before = worker.output().count(" ready.")
    while worker.output().count(" ready.") <= ready_before:
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            pytest.fail(f"the Celery worker did not start:\n{worker.output()[-3000:]}")
        time.sleep(0.2)
    return worker


def stop_worker(worker: Worker) -> None:
    if worker.process.poll() is None:
        worker.process.terminate()
        try:
            worker.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            worker.process.kill()
            worker.process.wait()


@pytest.fixture
def broker_queue(postgres, redis_url, transactional_db):
    """Send tasks to a fresh queue on the real Redis instead of running them in-process."""
    queue = f"test-{uuid.uuid4().hex[:10]}"
    conf = celery_app.conf
    saved = conf.task_always_eager, conf.task_default_queue
    conf.task_always_eager, conf.task_default_queue = False, queue
    yield queue
    conf.task_always_eager, conf.task_default_queue = saved


@pytest.fixture
def celery_worker(broker_queue, redis_url, tmp_path):
    """A real Celery worker process, against the real Redis and PostgreSQL."""
    worker = start_worker(queue=broker_queue, log=tmp_path / "worker.log", broker=redis_url)
    yield worker
    stop_worker(worker)


def wait_until(predicate, *, timeout: float = 60, interval: float = 0.2, message: str = ""):
    """Poll with a deadline instead of sleeping a fixed time."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            pytest.fail(message or "condition not met before the deadline")
        time.sleep(interval)


@pytest.fixture
def english(settings):
    """For tests that read the English wording of messages: the site's language (the
    fallback of every request without a language choice) and the test's own, English.
    Arabic is the default everywhere else; its catalog is checked in test_i18n.py."""
    from django.utils import translation

    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield
