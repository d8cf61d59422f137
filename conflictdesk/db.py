"""Database helpers shared by the apps."""

import numbers
import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from functools import cache
from types import SimpleNamespace

from django.db import connections


@contextmanager
def prepared_cursor(using: str = "default") -> Iterator:
    """A cursor whose statements PostgreSQL prepares once per connection and then only
    executes: for a large statement run again and again with other values (the claim
    records' SQL took ~2 ms to plan and ~3 ms to run for a page of 50). The values are
    bound on the server (`%(name)s` placeholders; a name used several times is sent
    once), so the statement's text is the same whatever the values.

    Django's own cursors bind on the client and prepare nothing, which keeps
    transaction poolers working; this one needs a direct connection or a pooler that
    keeps prepared statements (PgBouncer >= 1.21 with max_prepared_statements). With
    DB_PREPARED_STATEMENTS=false (the connection's prepare_threshold is None), and on
    SQLite, it is Django's plain cursor. Either way it is Django's cursor wrapper:
    errors are Django's, and the statements are logged like any other."""
    connection = connections[using]
    connection.ensure_connection()
    raw_connection = connection.connection
    if getattr(raw_connection, "prepare_threshold", None) is None:
        with connection.cursor() as cursor:
            yield cursor
        return
    logged = connection.queries_logged
    wrap = connection.make_debug_cursor if logged else connection.make_cursor
    with wrap(_prepared_cursor_class()(raw_connection, log_text=logged)) as cursor:
        yield cursor


_BINARY = re.compile(r"%\((\w+)\)b")


@cache
def _prepared_cursor_class():
    from django.db.backends.postgresql.base import ServerBindingCursor
    from psycopg import ClientCursor

    class PreparedCursor(ServerBindingCursor):
        def __init__(self, *args, log_text: bool = False, **kwargs):
            super().__init__(*args, **kwargs)
            self.log_text = log_text

        def execute(self, query, params=None, **kwargs):
            super().execute(query, params, prepare=True, **kwargs)
            if self.log_text:
                # Django logs `_query.query`, the text its client-side cursors send
                # (a prepared execution leaves it unset): the statement with its
                # values, as every other statement is logged.
                with ClientCursor(self.connection) as client:
                    # (a client-side cursor has no binary placeholders: %(name)b)
                    text = client.mogrify(_BINARY.sub(r"%(\1)s", query), params)
                self._query = SimpleNamespace(query=text.encode(), params=None)
            return self

    return PreparedCursor


def array_literal(values) -> str:
    """A PostgreSQL array literal ('{1,2,3}', '{"a","b \\"c\\""}') of ints, strings,
    datetimes or None, to send as one text value and cast in SQL (`%s::bigint[]`).

    psycopg's client-side cursors quote a Python list element by element, each through a
    regular expression: for the ~2,400 band keys of an ingest chunk that was a tenth of a
    worker's time. Strings are quoted here with two replacements each."""
    parts = []
    for value in values:
        if value is None:
            parts.append("NULL")
        elif isinstance(value, bool | bytes | bytearray | memoryview):
            raise TypeError(f"array_literal takes no {type(value).__name__} values")
        elif isinstance(value, numbers.Integral):
            parts.append(str(int(value)))
        elif isinstance(value, str):
            parts.append('"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"')
        elif isinstance(value, datetime):
            if value.tzinfo is None:
                raise TypeError("array_literal takes aware datetimes only")
            parts.append('"' + value.isoformat() + '"')
        else:
            raise TypeError(f"array_literal takes no {type(value).__name__} values")
    return "{" + ",".join(parts) + "}"
