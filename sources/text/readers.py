"""Turning received bytes into articles: titles, text and metadata. Pure Python, no Django.

- `decode` / `decode_bytes` turn bytes into text (byte-order mark, UTF-8, UTF-16, then
  detection of the Arabic legacy code pages).
- `parse_txt`, `parse_html` read one article; `parse_json`, `parse_jsonl` read records,
  each of which succeeds or fails alone.
- `read_file` picks the reader from the file name.

Each reader raises `UnreadableInput` with a message a person can act on; the ingest
service records that message on the file and never lets it crash a worker.
"""

import codecs
import json
import re
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import PurePath
from typing import Any
from urllib.parse import urlsplit

import charset_normalizer
import trafilatura
from lxml.html import HtmlElement

__all__ = [
    "SUPPORTED_SUFFIXES",
    "Decoded",
    "ParsedArticle",
    "ParsedRecord",
    "UnreadableInput",
    "decode",
    "decode_bytes",
    "parse_html",
    "parse_json",
    "parse_jsonl",
    "parse_txt",
    "read_file",
]


class UnreadableInput(ValueError):
    """The bytes cannot be read as an article; the message says why."""


@dataclass(frozen=True)
class ParsedArticle:
    title: str
    text: str
    # Metadata the file carries; "" when it does not say. `published_at` is ISO 8601, a
    # date ("2024-03-05") or a date and time ("2024-03-05T10:30:00+03:00").
    url: str = ""
    outlet: str = ""
    published_at: str = ""


@dataclass(frozen=True)
class ParsedRecord:
    """One record of a file: an article, or the reason this record alone was refused."""

    index: int  # 0-based position among the file's records
    line: int | None  # 1-based line of a .jsonl record; None for other formats
    article: ParsedArticle | None
    error: str = ""


@dataclass(frozen=True)
class Decoded:
    text: str
    encoding: str  # Python's canonical codec name: "utf-8", "cp1256", "iso8859-6"...


# Decoding.

# (mark, codec of the bytes after it, name reported in `Decoded.encoding`)
_BOMS = (
    # UTF-32 LE first: its mark starts with the UTF-16 LE one (FF FE 00 00).
    (codecs.BOM_UTF32_LE, "utf-32-le", "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be", "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8", "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16-le", "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be", "utf-16-be"),
)

# Checked before anything else: "%PDF-1.4" and many other headers are valid UTF-8.
_BINARY_MAGIC = (
    (b"\x89PNG\r\n\x1a\n", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF87a", "a GIF image"),
    (b"GIF89a", "a GIF image"),
    (b"%PDF-", "a PDF document"),
    (b"PK\x03\x04", "a ZIP archive (or a .docx/.xlsx/.odt document)"),
    (b"PK\x05\x06", "a ZIP archive (or a .docx/.xlsx/.odt document)"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"\x7fELF", "an ELF executable"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "a Microsoft Office 97-2003 document (.doc/.xls)"),
    (b"Rar!\x1a\x07", "a RAR archive"),
    (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive"),
)

# The byte-pattern checks look at the start of the file only: enough to tell, and a
# 50 MB file costs no more than a small one.
_SAMPLE_BYTES = 4096

# In UTF-16 Arabic or Western text the high byte of a code unit is almost always 00 (ASCII:
# spaces, digits, punctuation, line breaks), 06 (the Arabic block), 20 (“ ” – …) or
# FB/FE (presentation forms). Binary data spreads over all 256 values.
_UTF16_HIGH_BYTES = (0x00, 0x06, 0x20, 0xFB, 0xFE)

# Candidates for text that is not UTF-8, in order of preference on a tie: Windows-1256 is
# by far the most common legacy Arabic encoding. ISO-8859-6 shares its letter range but
# maps most letters differently, so the same bytes often decode in both.
_ARABIC_CODEPAGES = ("cp1256", "iso8859_6")
# Last resort, for text with no Arabic at all (a Western agency wire, say).
_WESTERN_CODEPAGES = ("cp1252", "latin_1")
# Below this share of Arabic among the non-ASCII letters, a decode is mojibake or another
# language's code page, not Arabic.
_MIN_ARABIC_SHARE = 0.6

_ARABIC_LETTERS = "\u0621-\u064a\u066e\u066f\u0671-\u06d3\u06d5\u06fa-\u06ff"
_ARABIC_LETTER_RE = re.compile(f"[{_ARABIC_LETTERS}]")
# Counting by deleting runs is three times faster than listing every letter with findall.
_ARABIC_LETTER_RUN_RE = re.compile(f"[{_ARABIC_LETTERS}]+")
# Neither ASCII nor the Arabic block: where the Latin letters of mojibake show up.
_FOREIGN_RUN_RE = re.compile("[^\x00-\x7f\u0600-\u06ff]+")
_LETTER_RE = re.compile(r"[^\W\d_]")
# Control characters no text file holds: C0 other than tab and line breaks, C1 (what
# ISO-8859-6 gives for bytes 80-9F, which Windows-1256 uses for letters and punctuation),
# and the replacement character.
_CONTROL_RE = re.compile("[\x00-\x08\x0e-\x1f\x7f-\x9f\ufffd]")
_NON_ASCII_RE = re.compile("[^\x00-\x7f\ufffd]")


def decode(data: bytes) -> Decoded:
    """Decode received bytes and say which encoding they were in.

    In order: a known binary header is refused; a byte-order mark wins; UTF-16/32 without
    a mark is recognised by where its NUL bytes fall (other NULs mean binary); strict UTF-8
    (the fast path: detection is slow and nearly every file is UTF-8); then detection among
    the Arabic code pages, Windows-1252 only as a last resort for text with no Arabic.
    """
    if not data:
        raise UnreadableInput("The file is empty (0 bytes).")
    for magic, kind in _BINARY_MAGIC:
        if data.startswith(magic):
            raise UnreadableInput(f"The file is binary ({kind}), not text.")
    for bom, codec, name in _BOMS:
        if data.startswith(bom):
            return Decoded(_decode_unicode(data, codec, bom=bom), name)
    # 06 is the high byte of every Arabic letter in UTF-16, and no text has it as a byte:
    # UTF-16 Arabic with no space in it has no NUL byte but is full of 06.
    if b"\x00" in data or b"\x06" in data[:_SAMPLE_BYTES]:
        wide = _utf16_or_utf32_without_bom(data)
        if wide is not None:
            return wide
        if b"\x00" in data:
            raise UnreadableInput(
                "The file is binary (it contains NUL bytes that do not follow the pattern "
                "of UTF-16 or UTF-32 text), not text."
            )
    try:
        return Decoded(data.decode("utf-8"), "utf-8")
    except UnicodeDecodeError as exc:
        utf8_error = exc
    return _detect_legacy(data, utf8_error)


def decode_bytes(data: bytes) -> str:
    """The text of received bytes; see `decode` for how the encoding is chosen."""
    return decode(data).text


def _decode_unicode(data: bytes, encoding: str, *, bom: bytes) -> str:
    try:
        text = data[len(bom) :].decode(encoding)
    except UnicodeDecodeError as exc:
        raise UnreadableInput(
            f"The file starts with a byte-order mark of {encoding} but is not valid "
            f"{encoding} at byte {exc.start + len(bom)}."
        ) from exc
    if "\x00" in text:
        raise UnreadableInput(f"The file is binary (NUL characters in {encoding}), not text.")
    return text


def _utf16_or_utf32_without_bom(data: bytes) -> Decoded | None:
    """UTF-32 or UTF-16 recognised by its byte pattern, or None when the pattern says no."""
    sample = data[: _SAMPLE_BYTES - _SAMPLE_BYTES % 4]
    if len(data) % 4 == 0 and len(sample) >= 4:
        # Every code point is below U+10000 in this project's text: two zero bytes per unit.
        if sample[2::4].count(0) + sample[3::4].count(0) == len(sample) // 2:
            return _decoded_if_text(data, "utf-32-le")
        if sample[0::4].count(0) + sample[1::4].count(0) == len(sample) // 2:
            return _decoded_if_text(data, "utf-32-be")
    if len(data) % 2:
        return None
    sample = sample[: len(sample) - len(sample) % 2]
    evens, odds = sample[0::2], sample[1::2]
    for encoding, high, low in (("utf-16-le", odds, evens), ("utf-16-be", evens, odds)):
        plausible_high = sum(high.count(value) for value in _UTF16_HIGH_BYTES)
        # Low bytes of real text are rarely 00 or 06 (U+0600, U+0606 are rare signs).
        suspicious_low = low.count(0) + low.count(6)
        if plausible_high >= 0.9 * len(high) and suspicious_low <= 0.05 * len(low):
            return _decoded_if_text(data, encoding)
    return None


def _decoded_if_text(data: bytes, encoding: str) -> Decoded | None:
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError:
        return None
    if _control_count(text) > 0.01 * len(text):
        return None
    return Decoded(text, encoding)


def _control_count(text: str) -> int:
    return len(_CONTROL_RE.findall(text))


def _detect_legacy(data: bytes, utf8_error: UnicodeDecodeError) -> Decoded:
    bad_byte = f"bad byte 0x{data[utf8_error.start]:02x} at offset {utf8_error.start}"
    if _mostly_utf8(data):
        raise UnreadableInput(
            f"The file is UTF-8 with damaged bytes ({bad_byte}): it was probably cut short "
            "or corrupted in transfer. Send an intact copy."
        )
    # charset_normalizer rejects the candidates whose decoding is chaotic; among the
    # rest our own score decides, because Windows-1256 and ISO-8859-6 bytes often decode
    # in both and only the share of Arabic letters tells the right one.
    matches = charset_normalizer.from_bytes(data, cp_isolation=list(_ARABIC_CODEPAGES))
    candidates = [
        decoded
        for decoded in (_strict(data, match.encoding) for match in matches)
        if decoded is not None
    ]
    if candidates:
        ranks = {decoded.encoding: _arabic_rank(decoded) for decoded in candidates}
        best = max(candidates, key=lambda decoded: ranks[decoded.encoding])
        controls, share = -ranks[best.encoding][0], ranks[best.encoding][1]
        if share >= _MIN_ARABIC_SHARE and controls <= 0.01 * len(best.text):
            return best
        if share == 0 and (western := _western_text(data)) is not None:
            return western
    elif (western := _western_text(data)) is not None:
        return western
    raise UnreadableInput(
        f"The file is not valid UTF-8 ({bad_byte}), and it does not read as Arabic in "
        "Windows-1256 or ISO-8859-6, nor as Windows-1252/Latin-1 text without Arabic. "
        "Save it as UTF-8 and send it again."
    )


def _mostly_utf8(data: bytes) -> bool:
    # Legacy Arabic bytes almost never form valid multi-byte UTF-8 sequences (a letter
    # byte is followed by another letter, not by a continuation byte 80-BF), so many
    # valid sequences and few bad bytes mean UTF-8 that was damaged.
    lenient = data.decode("utf-8", errors="replace")
    bad = lenient.count("\ufffd")
    return len(_NON_ASCII_RE.findall(lenient)) >= 4 * bad


def _strict(data: bytes, encoding: str) -> Decoded | None:
    try:
        return Decoded(data.decode(encoding), codecs.lookup(encoding).name)
    except (UnicodeDecodeError, LookupError):
        return None


def _arabic_share(text: str) -> float:
    """Arabic letters among the non-ASCII letters (ASCII reads the same in every candidate)."""
    arabic = len(text) - len(_ARABIC_LETTER_RUN_RE.sub("", text))
    other = sum(char.isalpha() for run in _FOREIGN_RUN_RE.findall(text) for char in run)
    return arabic / (arabic + other) if arabic + other else 0.0


def _arabic_rank(decoded: Decoded) -> tuple[int, float, bool]:
    # Fewer control characters first (ISO-8859-6 gives C1 controls for bytes Windows-1256
    # uses), then the larger share of Arabic letters (ISO-8859-6 bytes read as Windows-1256
    # turn ق ه و ي into â ç è ê), then Windows-1256 on a tie: "كتب" is valid in both.
    return (
        -_control_count(decoded.text),
        _arabic_share(decoded.text),
        decoded.encoding == "cp1256",
    )


def _western_text(data: bytes) -> Decoded | None:
    for match in charset_normalizer.from_bytes(data, cp_isolation=list(_WESTERN_CODEPAGES)):
        decoded = _strict(data, match.encoding)
        if decoded is not None and _looks_like_western_text(decoded.text):
            return decoded
    return None


def _looks_like_western_text(text: str) -> bool:
    if _ARABIC_LETTER_RE.search(text) or _CONTROL_RE.search(text):
        return False
    visible = len(text) - sum(text.count(space) for space in " \t\r\n")
    return visible > 0 and len(_LETTER_RE.findall(text)) >= 0.5 * visible


# Plain text.


def parse_txt(text: str) -> ParsedArticle:
    """A .txt article: the first non-empty line is the title, the rest is the text.

    Line endings are unified to "\\n"; paragraphs (blank-line separated) are kept.
    """
    title, rest = _split_title(text)
    if not title:
        raise UnreadableInput("The file has no text, only white space.")
    if not rest:
        # A one-line file is a short item with no headline (a news flash, a search
        # excerpt): the line is the text, and its first sentence the title.
        return ParsedArticle(title=_first_sentence(title), text=title)
    return ParsedArticle(title=title, text=rest)


_SENTENCE_END_RE = re.compile(r"[.!?؟](?=\s|$)")


def _first_sentence(line: str, limit: int = 200) -> str:
    end = _SENTENCE_END_RE.search(line)
    sentence = line[: end.start()] if end else line
    if len(sentence) > limit:
        cut = sentence.rfind(" ", 0, limit)
        sentence = sentence[: cut if cut > 0 else limit] + "…"
    return sentence.strip()


def _unify_line_endings(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _split_title(text: str) -> tuple[str, str]:
    """(first non-empty line, the text after it), both stripped; ("", "") for blank text."""
    lines = _unify_line_endings(text).split("\n")
    for index, line in enumerate(lines):
        if line.strip():
            return line.strip(), "\n".join(lines[index + 1 :]).strip()
    return "", ""


def _one_line(text: str) -> str:
    return " ".join(text.split())


# HTML.

_PAGE_START_RE = re.compile(r"<(?:html|!doctype\s+html)[\s>]", re.IGNORECASE)
# Elements whose content is never article text, whatever the page's layout.
_NEVER_TEXT_TAGS = ("script", "style", "noscript", "template", "svg", "canvas", "iframe")
# Page furniture by its element: menus, footers, side columns, buttons.
_SEMANTIC_FURNITURE_TAGS = frozenset({"nav", "footer", "aside", "button", "select", "dialog"})
# Blocks named as furniture by their class or id: share bars, comment threads, "related"
# and "اقرأ أيضاً" lists... Whole tokens only, so "comment-list" goes and the opinion
# page's "commentary" stays.
_FURNITURE_NAME_RE = re.compile(
    r"(?:^|[\s_-])(?:share|shares|sharing|social|comments?|related|read-?more|newsletter"
    r"|subscribe|breadcrumbs?|tags|ads?|advert\w*|promo|sidebar|widget|cookies?|popup"
    r"|modal|most-?read|trending)(?:$|[\s_-])",
    re.IGNORECASE,
)
_TITLE_SEPARATORS = (" - ", " | ", " – ", " — ", " :: ", " « ", " » ")


def parse_html(text: str) -> ParsedArticle:
    """An .html article: the main text without the page around it, and its metadata.

    Menus, share bars, comments and related-article blocks are removed; paragraphs are
    separated by blank lines. The text is plain text (script and style content and
    attributes never reach it; "&lt;b&gt;" in the page is the literal text "<b>"), so it
    must be escaped where it is shown, like any text. Nothing is fetched.
    """
    tree = _load_html(text)
    if tree is None:
        raise UnreadableInput("no article text found in the HTML (it could not be parsed)")
    headline = _one_line(_first(tree.xpath("//h1")) or "")
    og_title = _meta(tree, "og:title")
    page_title = _one_line(_first(tree.xpath("//title")) or "")
    _remove_furniture(tree)

    # Metadata is read from <head> (og:, article:, canonical link), which the pruning above
    # leaves alone; the text extraction works on a copy of the tree.
    document = trafilatura.bare_extraction(
        tree,
        include_comments=False,
        include_tables=False,
        favor_precision=True,
        with_metadata=True,
    )
    paragraphs = _lines(getattr(document, "text", None) or "")
    if not paragraphs:
        paragraphs = _fallback_paragraphs(tree)
    sitename = _one_line(getattr(document, "sitename", None) or "")
    title = og_title or _without_sitename(page_title, sitename) or headline
    # The headline is usually the first block of the extracted text: it is the title.
    while paragraphs and paragraphs[0] in {title, headline}:
        paragraphs.pop(0)
    if not paragraphs:
        raise UnreadableInput("no article text found in the HTML")
    if not title:
        title = paragraphs.pop(0) if len(paragraphs) > 1 else paragraphs[0]
    return ParsedArticle(
        title=title,
        text="\n\n".join(paragraphs),
        url=_http_url(getattr(document, "url", None) or "") or "",
        outlet=sitename,
        published_at=_published_at(tree, getattr(document, "date", None) or ""),
    )


def _load_html(text: str) -> HtmlElement | None:
    # trafilatura's loader refuses a fragment ("<p>...</p>" alone, as JSON bodies often
    # are) as "not HTML" and logs an error; a fragment is wrapped into a page first.
    if _PAGE_START_RE.search(text[:2048]) is None:
        text = f"<html><body>{text}</body></html>"
    # lxml's HTML parser does not expand DTD entities nor fetch anything.
    return trafilatura.load_html(text)


def _first(elements: list[Any]) -> str | None:
    for element in elements:
        value = element.text_content() if isinstance(element, HtmlElement) else str(element)
        if value.strip():
            return value
    return None


def _meta(tree: HtmlElement, name: str) -> str:
    value = _first(tree.xpath(f"//meta[@property='{name}' or @name='{name}']/@content"))
    return _one_line(value or "")


def _remove_furniture(tree: HtmlElement) -> None:
    for element in list(tree.iter(*_NEVER_TEXT_TAGS)):
        _drop(element)
    body_size = len(tree.text_content()) or 1
    furniture_blocks = []
    for element in tree.iter():
        tag = element.tag
        if not isinstance(tag, str) or tag in {"html", "head", "body", "article", "main", "h1"}:
            continue
        semantic = tag in _SEMANTIC_FURNITURE_TAGS or (
            # A page header; an <article>'s own <header> holds its headline and dateline.
            tag == "header" and not element.xpath("ancestor::article")
        )
        # Named furniture and forms may be wrappers around the article itself (old ASP.NET
        # pages wrap the whole body in one <form>, themes name a column "with-sidebar"):
        # those holding most of the page's text stay.
        names = f"{element.get('class', '')} {element.get('id', '')}"
        named = (tag == "form" or _FURNITURE_NAME_RE.search(names) is not None) and len(
            element.text_content()
        ) < 0.5 * body_size
        if (semantic or named) and not element.xpath("boolean(.//article | .//main | .//h1)"):
            furniture_blocks.append(element)
    # Decided on the whole page first, removed after: removing while iterating would skip
    # elements. A block inside one already removed is removed from the detached copy.
    for element in furniture_blocks:
        _drop(element)


def _drop(element: HtmlElement) -> None:
    # drop_tree keeps the tail: the text after a removed element belongs to its parent.
    if element.getparent() is not None:
        element.drop_tree()


def _lines(text: str) -> list[str]:
    return [line for line in (_one_line(raw) for raw in text.splitlines()) if line]


def _fallback_paragraphs(tree: HtmlElement) -> list[str]:
    # trafilatura gives up on very short pages; their paragraphs are taken as they are.
    for container in (*tree.xpath("//article"), *tree.xpath("//main"), *tree.xpath("//body")):
        paragraphs = [_one_line(p.text_content()) for p in container.iter("p")]
        paragraphs = [paragraph for paragraph in paragraphs if paragraph]
        if not paragraphs:
            paragraphs = _lines(container.text_content())
        if paragraphs:
            return paragraphs
    return []


def _without_sitename(title: str, sitename: str) -> str:
    # "اشتباكات في الرقة - شبكة الفرات" → "اشتباكات في الرقة"
    if sitename:
        for separator in _TITLE_SEPARATORS:
            if title.endswith(separator + sitename):
                return title[: -len(separator + sitename)].strip()
            if title.startswith(sitename + separator):
                return title[len(sitename + separator) :].strip()
    return title


def _published_at(tree: HtmlElement, extracted_date: str) -> str:
    # trafilatura gives the day only; the article's own timestamp also orders an
    # accusation and its denial published on the same day.
    for name in ("article:published_time", "og:published_time", "datePublished"):
        timestamp = _iso_timestamp(_meta(tree, name))
        if timestamp:
            return timestamp
    return _iso_timestamp(extracted_date) or ""


def _iso_timestamp(value: str) -> str | None:
    """The ISO 8601 form of a date or a date and time, or None if `value` is neither."""
    value = value.strip()
    if not value:
        return None
    try:
        return date.fromisoformat(value).isoformat()
    except ValueError:
        pass
    try:
        return datetime.fromisoformat(value).isoformat()
    except ValueError:
        return None


def _http_url(value: str) -> str | None:
    # Only http(s): a "javascript:" URL from a file must never become a link in the UI.
    value = value.strip()
    try:
        parts = urlsplit(value)
    except ValueError:
        return None
    if parts.scheme.lower() in {"http", "https"} and parts.netloc:
        return value
    return None


# JSON and JSON Lines.

_BODY_FIELDS = ("body", "text", "content")
_HTML_TAG_RE = re.compile(r"</?[a-zA-Z][a-zA-Z0-9]*(?:\s[^<>]*)?/?>")
_JSON_TYPES = {
    dict: "an object",
    list: "a list",
    str: "a string",
    int: "a number",
    float: "a number",
    bool: "true/false",
    type(None): "null",
}


class _RecordError(ValueError):
    """One record is refused; the other records of the file go on."""


def parse_json(text: str) -> list[ParsedRecord]:
    """A .json file: one article object, a list of them, or {"articles": [...]}.

    Each record has "body" (or "text", "content"), and optionally "title", "url",
    "outlet" and "published_at" (ISO 8601). A bad record fails alone, named by its
    1-based position ("record 3: ..."); a file that is not JSON fails as a whole.
    """
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise UnreadableInput(
            f"The file is not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}."
        ) from exc
    except (ValueError, RecursionError) as exc:
        # A number of more than 4,300 digits, or lists nested thousands deep.
        raise UnreadableInput(f"The file is not JSON this reader can take: {exc}.") from exc
    if isinstance(value, dict) and "articles" in value:
        value = value["articles"]
        if not isinstance(value, list):
            raise UnreadableInput(f'"articles" must be a list of objects, not {_json_type(value)}.')
    items = value if isinstance(value, list) else [value]
    if not items:
        raise UnreadableInput("The file holds no records (an empty list).")
    return [_record(item, index=index, line=None) for index, item in enumerate(items)]


def parse_jsonl(text: str) -> list[ParsedRecord]:
    """A .jsonl file: one article object per non-empty line, each failing alone.

    Errors name the line: "line 3: invalid JSON: Expecting ',' delimiter (column 17)".
    """
    records = []
    # split("\n"), not splitlines(): U+2028 and other separators may sit inside a JSON
    # string and do not end a record.
    for number, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        index = len(records)
        try:
            value = json.loads(line)
        except json.JSONDecodeError as exc:
            error = f"line {number}: invalid JSON: {exc.msg} (column {exc.colno})"
            records.append(ParsedRecord(index=index, line=number, article=None, error=error))
            continue
        except (ValueError, RecursionError) as exc:
            error = f"line {number}: JSON this reader cannot take: {exc}"
            records.append(ParsedRecord(index=index, line=number, article=None, error=error))
            continue
        records.append(_record(value, index=index, line=number))
    if not records:
        raise UnreadableInput("The file holds no records (no non-empty line).")
    return records


def _record(value: object, *, index: int, line: int | None) -> ParsedRecord:
    where = f"line {line}" if line is not None else f"record {index + 1}"
    try:
        article = _article_from_object(value)
    except (_RecordError, UnreadableInput) as exc:
        return ParsedRecord(index=index, line=line, article=None, error=f"{where}: {exc}")
    return ParsedRecord(index=index, line=line, article=article)


def _article_from_object(value: object) -> ParsedArticle:
    if not isinstance(value, dict):
        raise _RecordError(f"expected an object, got {_json_type(value)}")
    body_field = next((name for name in _BODY_FIELDS if value.get(name) is not None), None)
    if body_field is None:
        raise _RecordError('missing body (a "body", "text" or "content" field)')
    body = _string_field(value, body_field)
    title = _one_line(_string_field(value, "title"))
    url = _string_field(value, "url").strip()
    if url and _http_url(url) is None:
        raise _RecordError(f'field "url" is not an http(s) URL: {url[:100]!r}')
    outlet = _one_line(_string_field(value, "outlet"))
    published = _string_field(value, "published_at")
    published_at = _iso_timestamp(published)
    if published.strip() and published_at is None:
        raise _RecordError(
            f'field "published_at" is not an ISO 8601 date or date-time: {published[:50]!r}'
        )

    if _looks_like_html(body):
        page = parse_html(body)
        return ParsedArticle(
            title=title or page.title,
            text=page.text,
            url=url or page.url,
            outlet=outlet or page.outlet,
            published_at=published_at or page.published_at,
        )
    text = _unify_line_endings(body).strip()
    if not text:
        raise _RecordError(f'field "{body_field}" is empty')
    if not title:
        # Like a .txt file, the first line is the title; a one-line body stays the text too,
        # since a record without a text is no article.
        title, rest = _split_title(text)
        text = rest or text
    return ParsedArticle(
        title=title, text=text, url=url, outlet=outlet, published_at=published_at or ""
    )


def _string_field(record: dict[str, Any], name: str) -> str:
    value = record.get(name)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise _RecordError(f'field "{name}" must be a string, not {_json_type(value)}')
    if "\x00" in value:
        # "\u0000" is valid JSON, but no text: a database refuses it in a text column.
        raise _RecordError(f'field "{name}" holds a NUL character (\\u0000), which is not text')
    return value


def _json_type(value: object) -> str:
    return _JSON_TYPES.get(type(value), type(value).__name__)


def _looks_like_html(body: str) -> bool:
    return body.lstrip().startswith("<") and _HTML_TAG_RE.search(body) is not None


# Dispatch.

_SINGLE_ARTICLE_READERS = {".txt": parse_txt, ".html": parse_html, ".htm": parse_html}
_RECORD_READERS = {".json": parse_json, ".jsonl": parse_jsonl}
SUPPORTED_SUFFIXES = frozenset({*_SINGLE_ARTICLE_READERS, *_RECORD_READERS})


def read_file(name: str, data: bytes) -> list[ParsedRecord]:
    """Read a received file into its records, choosing the reader by the name's suffix.

    A .txt or .html file is one record (index 0) and raises `UnreadableInput` when it
    cannot be read; in .json and .jsonl files each record can fail alone.
    """
    suffix = PurePath(name).suffix.lower()
    # The suffix is checked first: a .pdf is "not supported", not "binary".
    if suffix not in SUPPORTED_SUFFIXES:
        supported = ", ".join(sorted(SUPPORTED_SUFFIXES))
        raise UnreadableInput(
            f"Files of type {suffix or '(none)'} are not supported; send {supported}."
        )
    text = decode_bytes(data)
    if suffix in _RECORD_READERS:
        return _RECORD_READERS[suffix](text)
    article = _SINGLE_ARTICLE_READERS[suffix](text)
    return [ParsedRecord(index=0, line=None, article=article)]
