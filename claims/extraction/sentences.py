"""Sentence splitting for Arabic news prose, with offsets into the original text.

A sentence ends at a line break, or at ". ! ? ؟" (or "…") followed by white space or the
end of the text. It does not end:
- inside a short quotation («...», “...”, ”...”, "...") or parentheses: a statement quoted
  in one piece ("وقال: «لم نقصف. لم نشارك»") is one claim;
- after a one-letter abbreviation ("د. محمد", "م. أحمد") or a decimal ("3.5");
- at a full stop glued to the next word with no space ("الرقة.وقال" is a typo, rare).
"""

import re

__all__ = ["split_sentences"]

_TERMINATOR_RE = re.compile(r"[.!?؟…]+(?=[\s\"”»“«')\]]*(?:\s|$))")
# Quotations and parentheses short enough to be one statement; longer "quotes" are more
# likely an unclosed mark pairing with a far one. ” opens as often as it closes in the
# Arabic press (بـ”التنسيق ...”), so any double mark may open and close.
_MAX_QUOTE = 300
_QUOTED_RE = re.compile(
    rf"«[^«»\n]{{1,{_MAX_QUOTE}}}»"
    rf"|[“”\"][^“”\"\n]{{1,{_MAX_QUOTE}}}[“”\"]"
    rf"|\([^()\n]{{1,{_MAX_QUOTE}}}\)"
)
# A one-letter word before the dot is an abbreviation or an initial: "د." "م." "أ."
_ABBREVIATION_RE = re.compile(r"(?:^|[\s(«“\"])[\u0621-\u064a]$")


def _protected(text: str) -> list[tuple[int, int]]:
    return [match.span() for match in _QUOTED_RE.finditer(text)]


def split_sentences(text: str) -> list[tuple[int, int]]:
    """[start, end) spans of the sentences of `text`, stripped of surrounding white space."""
    spans: list[tuple[int, int]] = []
    line_start = 0
    for line_end in [*(m.start() for m in re.finditer("\n", text)), len(text)]:
        line = text[line_start:line_end]
        cuts = _cuts(line)
        start = 0
        for cut in [*cuts, len(line)]:
            _append_stripped(spans, text, line_start + start, line_start + cut)
            start = cut
        line_start = line_end + 1
    return spans


def _cuts(line: str) -> list[int]:
    protected = _protected(line)
    cuts: list[int] = []
    for match in _TERMINATOR_RE.finditer(line):
        position = match.start()
        if any(start < position < end - 2 for start, end in protected):
            continue
        if match.group() == "." and _ABBREVIATION_RE.search(line, 0, position):
            continue
        end = match.end()
        # Closing quotes and brackets right after the mark belong to this sentence.
        while end < len(line) and line[end] in "\"”»')]":
            end += 1
        cuts.append(end)
    return cuts


def _append_stripped(spans: list[tuple[int, int]], text: str, start: int, end: int) -> None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if end > start:
        spans.append((start, end))
