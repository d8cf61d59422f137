"""Django's PostgreSQL backend, with a health check that sends nothing to the server.

With CONN_HEALTH_CHECKS, Django checks a persistent connection before a request first
uses it; its PostgreSQL backend does so with `SELECT 1`, a round trip per request (a
twelfth of an API page's time, docs/BENCH-WEB.md). A server that ends a connection (a
restart, pg_terminate_backend, idle_session_timeout) says so on the socket: it sends an
error message and closes. So an idle connection whose socket has nothing to read is
alive as far as anything can tell without asking; one with something to read, or in
any state but idle, gets Django's `SELECT 1`. A peer that vanished without a word (a
cut network) fails the request's first query instead, as it can also fail between the
check and the query: Django then closes the connection at the end of the request.
"""

import select

from django.db.backends.postgresql import base
from psycopg import pq


class DatabaseWrapper(base.DatabaseWrapper):
    def is_usable(self):
        raw = self.connection
        if raw is None or raw.closed or raw.broken:
            return False
        if raw.info.transaction_status != pq.TransactionStatus.IDLE:
            return super().is_usable()
        try:
            poller = select.poll()  # not select(): it cannot watch descriptors >= 1024
            poller.register(raw.fileno(), select.POLLIN)
            quiet = not poller.poll(0)
        except (OSError, ValueError):
            quiet = False
        return True if quiet else super().is_usable()
