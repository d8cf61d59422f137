"""The dashboard's charts, drawn on the server with matplotlib (SVG for the page, PNG too).

Pure drawing: callers pass the numbers and strings already translated; no database here.

Arabic labels go in as they are written. matplotlib 3.11+ shapes Arabic itself (joined
letter forms, right-to-left runs), so text must NOT go through arabic-reshaper first:
its presentation forms would be reversed a second time ("داعش" drawn as "شعاد").

The SVG keeps its text as text (`svg.fonttype: none`: selectable, searchable, small). An
SVG shown through `<img>` cannot use the page's web fonts, so it carries the glyphs it
needs from the vendored Amiri as a data: font; the browser then draws exactly the font
matplotlib measured the labels with.
"""

import base64
import io
import logging
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import matplotlib
from matplotlib import font_manager
from matplotlib.figure import Figure
from matplotlib.patches import Patch

FONT_PATH = (
    Path(__file__).resolve().parent.parent / "static" / "vendor" / "amiri" / "Amiri-Regular.ttf"
)
FONT_FAMILY = "Amiri"
# What axis ticks and bar labels may draw besides the caller's strings.
_ALWAYS_DRAWN = "0123456789.,-−–+%() "
# Claimant series: a colour each, "others" last in grey.
SERIES_COLOURS = ["#24405e", "#b3261e", "#1f6f43", "#c48a12", "#5b3d99", "#0b5f87", "#8a4b08"]
OTHERS_COLOUR = "#adb5bd"

# matplotlib's global state (rcParams, the font list) is not thread-safe: one drawing at
# a time per process. A chart takes a few tens of milliseconds and is cached by the view.
_lock = threading.Lock()
_font_registered = False
# fontTools reports every table it subsets at INFO: not log material.
logging.getLogger("fontTools.subset").setLevel(logging.WARNING)


def _style(rtl: bool) -> dict:
    return {
        "svg.fonttype": "none",
        # Stable ids in the SVG: the same data gives the same bytes (and ETag).
        "svg.hashsalt": "conflictdesk",
        "font.family": [FONT_FAMILY],
        "font.size": 11,
        "axes.spines.top": False,
        "axes.spines.right": not rtl,
        "axes.spines.left": rtl,
        "axes.edgecolor": "#6c757d",
        "axes.titlesize": 12,
        "legend.frameon": False,
    }


def _register_font() -> None:
    global _font_registered
    if not _font_registered:
        font_manager.fontManager.addfont(str(FONT_PATH))
        _font_registered = True


@dataclass(frozen=True)
class Category:
    """One segment of a stacked bar: its label (translated) and colour."""

    label: str
    colour: str


def _directed(texts: Sequence[str], rtl: bool) -> list[str]:
    """Labels as they must be laid out on an Arabic chart. An SVG <text> is laid out
    left to right, so "16 نوفمبر" would show its day on the wrong side; a leading
    right-to-left mark gives each label a right-to-left start (it draws nothing)."""
    return [f"\u200f{text}" if rtl and text else text for text in texts]


def _figure(width: float, height: float) -> Figure:
    return Figure(figsize=(width, height), dpi=100, layout="constrained", facecolor="white")


def _empty(fig: Figure, text: str) -> None:
    ax = fig.add_subplot()
    ax.set_axis_off()
    ax.text(0.5, 0.5, text, ha="center", va="center", color="#6c757d", fontsize=13)


def _legend(fig: Figure, entries: list[tuple[Patch, str]], ncols: int, rtl: bool) -> None:
    """A legend below the axes that reads row by row in the page's direction (from the
    right in Arabic). matplotlib fills legends column by column, so the entries are laid
    on a grid first, with invisible fillers in the gaps."""
    ncols = max(1, min(ncols, len(entries)))
    rows = -(-len(entries) // ncols)
    blank = (Patch(visible=False), "")
    grid = [[blank] * ncols for _ in range(rows)]
    for index, entry in enumerate(entries):
        column = index % ncols
        grid[index // ncols][ncols - 1 - column if rtl else column] = entry
    ordered = [grid[row][column] for column in range(ncols) for row in range(rows)]
    fig.legend(
        [handle for handle, _ in ordered],
        [label for _, label in ordered],
        loc="outside lower center",
        ncols=ncols,
        markerfirst=not rtl,
        fontsize=10,
    )


def _save(fig: Figure, fmt: str, drawn: Iterable[str]) -> bytes:
    buffer = io.BytesIO()
    fig.savefig(buffer, format=fmt, metadata={"Date": None} if fmt == "svg" else None)
    data = buffer.getvalue()
    if fmt == "svg":
        data = embed_font(data, "".join(drawn))
    return data


def render_claims_per_week(
    *,
    ticks: Sequence[str],
    series: Sequence[tuple[str, Sequence[int]]],
    others: Sequence[int] | None = None,
    others_label: str = "",
    ylabel: str,
    empty_text: str,
    rtl: bool,
    fmt: str = "svg",
) -> bytes:
    """Stacked weekly bars, one colour per claimant (the caller's top claimants) and the
    rest as "others". `ticks` label the weeks; each series has one count per week."""
    ticks = _directed(ticks, rtl)
    ylabel, empty_text, others_label = _directed([ylabel, empty_text, others_label], rtl)
    series = [(_directed([label], rtl)[0], counts) for label, counts in series]
    with _lock, matplotlib.rc_context(_style(rtl)):
        _register_font()
        fig = _figure(8.4, 3.8)
        drawn = [*ticks, ylabel, empty_text, others_label, *(label for label, _ in series)]
        if not ticks or not (any(any(c) for _, c in series) or any(others or [])):
            _empty(fig, empty_text)
            return _save(fig, fmt, drawn)
        ax = fig.add_subplot()
        positions = list(range(len(ticks)))
        bottom = [0] * len(ticks)
        stacks = [
            (label, counts, SERIES_COLOURS[i % len(SERIES_COLOURS)])
            for i, (label, counts) in enumerate(series)
        ]
        if others and any(others):
            stacks.append((others_label, others, OTHERS_COLOUR))
        for _label, counts, colour in stacks:
            ax.bar(positions, counts, 0.7, bottom=bottom, color=colour)
            bottom = [b + c for b, c in zip(bottom, counts, strict=True)]
        ax.set_xticks(positions, ticks, rotation=45 if len(ticks) > 10 else 0)
        ax.margins(y=0.08)
        ax.set_ylabel(ylabel)
        ax.yaxis.get_major_locator().set_params(integer=True)
        ax.grid(axis="y", color="#dde2e8", linewidth=0.8)
        ax.set_axisbelow(True)
        if rtl:
            # The count axis reads from the right, where an Arabic reader starts.
            ax.yaxis.tick_right()
            ax.yaxis.set_label_position("right")
        _legend(fig, [(Patch(color=c), label) for label, _, c in stacks], 3, rtl)
        return _save(fig, fmt, drawn)


def render_response_profile(
    *,
    rows: Sequence[tuple[str, Sequence[int]]],
    categories: Sequence[Category],
    xlabel: str,
    empty_text: str,
    rtl: bool,
    fmt: str = "svg",
) -> bytes:
    """Horizontal stacked bars: for each accused party (a row, biggest first), how the
    accusations against it were answered, one segment per category."""
    xlabel, empty_text = _directed([xlabel, empty_text], rtl)
    rows = [(_directed([label], rtl)[0], counts) for label, counts in rows]
    categories = [Category(_directed([c.label], rtl)[0], c.colour) for c in categories]
    with _lock, matplotlib.rc_context(_style(rtl)):
        _register_font()
        drawn = [xlabel, empty_text, *(c.label for c in categories), *(r[0] for r in rows)]
        if not rows:
            fig = _figure(8.4, 2.4)
            _empty(fig, empty_text)
            return _save(fig, fmt, drawn)
        fig = _figure(8.4, 1.4 + 0.42 * len(rows))
        ax = fig.add_subplot()
        labels = [label for label, _ in rows]
        positions = list(range(len(rows)))
        left = [0] * len(rows)
        for index, category in enumerate(categories):
            widths = [counts[index] for _, counts in rows]
            bars = ax.barh(positions, widths, 0.65, left=left, color=category.colour)
            ax.bar_label(
                bars,
                labels=[str(w) if w else "" for w in widths],
                label_type="center",
                color="white",
                fontsize=9,
            )
            left = [a + b for a, b in zip(left, widths, strict=True)]
        ax.set_yticks(positions, labels)
        ax.invert_yaxis()
        ax.set_xlabel(xlabel)
        ax.xaxis.get_major_locator().set_params(integer=True)
        ax.grid(axis="x", color="#dde2e8", linewidth=0.8)
        ax.set_axisbelow(True)
        if rtl:
            # Mirrored for Arabic: names on the right, bars growing leftwards from them.
            ax.invert_xaxis()
            ax.yaxis.tick_right()
        _legend(fig, [(Patch(color=c.colour), c.label) for c in categories], 5, rtl)
        drawn.extend(str(n) for _, counts in rows for n in counts)
        return _save(fig, fmt, drawn)


@lru_cache(maxsize=64)
def _font_subset(characters: str) -> str:
    """Amiri cut down to these characters (with the Arabic joining forms and ligatures
    they need), as base64 WOFF."""
    from fontTools import subset
    from fontTools.ttLib import TTFont

    options = subset.Options()
    options.layout_features = ["*"]
    options.hinting = False
    options.name_IDs = ["*"]  # keep the font's name and licence strings
    options.flavor = "woff"
    font = TTFont(str(FONT_PATH))
    subsetter = subset.Subsetter(options=options)
    subsetter.populate(text=characters)
    subsetter.subset(font)
    buffer = io.BytesIO()
    font.flavor = "woff"
    font.save(buffer)
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def embed_font(svg: bytes, text: str) -> bytes:
    """Put the Amiri glyphs `text` needs into the SVG as an @font-face data: font."""
    characters = "".join(sorted(set(text + _ALWAYS_DRAWN)))
    font = _font_subset(characters)
    face = (
        f'<style type="text/css">@font-face{{font-family:"{FONT_FAMILY}";'
        f'src:url(data:font/woff;base64,{font}) format("woff")}}</style>'
    )
    marker = b"<defs>"
    at = svg.find(marker)
    if at < 0:
        return svg
    at += len(marker)
    return svg[:at] + face.encode("ascii") + svg[at:]
