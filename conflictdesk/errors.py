"""The one small hierarchy of domain errors that services raise.

Views and the API turn these into one clear message or JSON shape; a bad input never
becomes a bare 500.
"""


class DomainError(Exception):
    """Something the caller asked for cannot be done; the message says why."""


class InvalidInput(DomainError):
    """The input is malformed or breaks a rule (a span outside the article, a bad file)."""


class NotFound(DomainError):
    """A referenced object does not exist."""


class Conflict(DomainError):
    """The write is based on a stale version, or clashes with existing data."""
