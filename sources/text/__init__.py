"""Text processing that needs no database: reading input files, Arabic normalization."""

from sources.text.normalize import (
    Folded,
    TokenSpan,
    contains_arabic,
    fold,
    normalize,
    normalize_for_matching,
    strip_proclitics,
    token_spans,
    tokens,
)

__all__ = [
    "Folded",
    "TokenSpan",
    "contains_arabic",
    "fold",
    "normalize",
    "normalize_for_matching",
    "strip_proclitics",
    "token_spans",
    "tokens",
]
