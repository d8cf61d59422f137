"""Turning received bytes into an article's title and text. Pure Python, no Django.

Each reader raises `UnreadableInput` with a message a person can act on; the ingest
service records that message on the file and never lets it crash a worker.
"""

import codecs
from dataclasses import dataclass


class UnreadableInput(ValueError):
    """The bytes cannot be read as an article; the message says why."""


@dataclass(frozen=True)
class ParsedArticle:
    title: str
    text: str


_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


def decode_bytes(data: bytes) -> str:
    """Decode received bytes: a byte-order mark wins, then strict UTF-8."""
    if not data:
        raise UnreadableInput("The file is empty (0 bytes).")
    if b"\x00" in data[:4096] and not data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise UnreadableInput("The file looks binary (it contains NUL bytes), not text.")
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                return data.decode(encoding)
            except UnicodeDecodeError as exc:
                raise UnreadableInput(
                    f"The file starts with a {encoding} byte-order mark but is not valid "
                    f"{encoding} at byte {exc.start}."
                ) from exc
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise UnreadableInput(
            f"The file is not valid UTF-8 (bad byte 0x{data[exc.start]:02x} at offset "
            f"{exc.start}); save it as UTF-8 and send it again."
        ) from exc


def parse_txt(text: str) -> ParsedArticle:
    """A .txt article: the first non-empty line is the title, the rest is the text.

    Line endings are unified to "\\n"; paragraphs (blank-line separated) are kept.
    """
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    for index, line in enumerate(lines):
        if line.strip():
            title = line.strip()
            rest = "\n".join(lines[index + 1 :]).strip()
            break
    else:
        raise UnreadableInput("The file has no text, only white space.")
    if not rest:
        raise UnreadableInput("The file has a title line but no article text after it.")
    return ParsedArticle(title=title, text=rest)
