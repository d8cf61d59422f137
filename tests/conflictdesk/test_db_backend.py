"""The PostgreSQL backend's health check (conflictdesk/postgresql/base.py): a dead
persistent connection is still replaced before a request uses it, and a live idle one
is kept without a query sent to the server."""

import time

import psycopg
import pytest
from django.db import DatabaseError, close_old_connections, connection, transaction

from tests.api.conftest import client_for

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.services]


@pytest.fixture(autouse=True)
def _persistent(postgres, settings):
    from conflictdesk.roles import roles_sync

    roles_sync()
    assert connection.health_check_enabled, "CONN_HEALTH_CHECKS is on in settings.py"


def _other_connection():
    params = connection.get_connection_params()
    return psycopg.connect(
        host=params.get("host"), port=params.get("port"), user=params.get("user"),
        dbname=params.get("dbname"), autocommit=True,
    )  # fmt: skip


def _last_statement(pid: int) -> str:
    with _other_connection() as other:
        return other.execute("SELECT query FROM pg_stat_activity WHERE pid = %s", [pid]).fetchone()[
            0
        ]


def test_a_request_after_the_server_ended_the_connection_gets_a_new_one():
    reader = client_for("analyst")
    assert reader.get("/api/v1/claims/").status_code == 200
    pid = connection.connection.info.backend_pid
    with _other_connection() as other:
        assert other.execute("SELECT pg_terminate_backend(%s)", [pid]).fetchone()[0]
    time.sleep(0.2)
    close_old_connections()  # what Django does when a request starts
    response = reader.get("/api/v1/claims/")
    assert response.status_code == 200
    assert connection.connection.info.backend_pid != pid


def test_a_live_idle_connection_is_checked_without_a_query():
    with connection.cursor() as cursor:
        cursor.execute("SELECT 'before the check'")
    pid = connection.connection.info.backend_pid
    close_old_connections()
    connection.close_if_health_check_failed()
    assert connection.connection is not None
    assert connection.connection.info.backend_pid == pid
    # The server's last statement from this connection is still ours, not a SELECT 1.
    assert _last_statement(pid) == "SELECT 'before the check'"


def test_a_connection_in_a_failed_transaction_is_not_usable():
    with transaction.atomic():
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT 1 / 0")
        except DatabaseError:
            pass
        assert not connection.is_usable()
        transaction.set_rollback(True)
