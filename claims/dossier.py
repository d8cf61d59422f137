"""PDF dossiers: a story's or an actor's claims, how they were answered, and where they
were reported.

ReportLab draws glyphs in the order it is given them and knows neither Arabic joining nor
right-to-left order. So every paragraph is shaped here first (arabic_reshaper picks each
letter's joined form: "قسد" → "ﻗﺴﺪ"), broken into lines in *logical* order by measuring the
shaped words, and only then is each line put in visual order (python-bidi). Reordering a
whole paragraph first and wrapping it after would put its last words on its first line.
python-bidi's pure-Python `bidi.algorithm.get_display` is used rather than the Rust-backed
`bidi.get_display`: only the former mirrors brackets in right-to-left runs, so that
"قسد (16)" does not come out as "قسد )16(".

Headings follow the UI language (gettext); names follow it too (Arabic or English name);
claim texts, quotes and titles stay as the articles wrote them.
"""

import importlib.util
import io
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, replace
from datetime import datetime
from functools import cache, lru_cache
from pathlib import Path

import fontpkg_amiri
from arabic_reshaper import ArabicReshaper
from bidi.algorithm import get_display
from django.db.models import Prefetch, QuerySet
from django.utils import timezone, translation
from django.utils.formats import date_format, time_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from reportlab.graphics.charts.barcharts import VerticalBarChart
from reportlab.graphics.shapes import Drawing
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import Flowable, KeepTogether, SimpleDocTemplate, Spacer
from reportlab.platypus.flowables import HRFlowable

from claims.models import Actor, ActorRole, Claim, Mention
from sources.models import Article, Story

REGULAR, BOLD, SYMBOLS = "Amiri", "Amiri-Bold", "DejaVuSans"
# A dossier holds at most this many claims per section; the rest is counted, not drawn.
MAX_CLAIMS = 600

INK = colors.HexColor("#1d2733")
MUTED = colors.HexColor("#5a6672")
RULE = colors.HexColor("#c9d1da")
BRAND = colors.HexColor("#24405e")
# The claim-type colours of static/css/conflictdesk.css, so the PDF reads like the UI.
TYPE_COLOURS = {
    Claim.Type.ACCUSATION: colors.HexColor("#b3261e"),
    Claim.Type.DENIAL: colors.HexColor("#1f6f43"),
    Claim.Type.COUNTERCLAIM: colors.HexColor("#8a4b08"),
    Claim.Type.ASSERTION: colors.HexColor("#3b4a5a"),
    Claim.Type.DEMAND: colors.HexColor("#5b3d99"),
    Claim.Type.NO_COMMENT: colors.HexColor("#6c757d"),
    Claim.Type.CONFIRMATION: colors.HexColor("#0b5f87"),
}
RESPONSE_COLOURS = {
    Claim.ResponseStatus.UNANSWERED: colors.HexColor("#b3261e"),
    Claim.ResponseStatus.DENIED: colors.HexColor("#1f6f43"),
    Claim.ResponseStatus.COUNTERED: colors.HexColor("#8a4b08"),
    Claim.ResponseStatus.CONFIRMED: colors.HexColor("#0b5f87"),
    Claim.ResponseStatus.NO_COMMENT: colors.HexColor("#6c757d"),
}

# Diacritics are dropped: with presentation forms a separate haraka glyph would sit beside
# its letter, not above it. The one-glyph "الله" ligature is left out so the text extracts
# letter by letter.
_RESHAPER = ArabicReshaper(
    configuration={
        "delete_harakat": True,
        "support_ligatures": True,
        "ARABIC LIGATURE ALLAH": False,
    }
)
# Zero-width and bidi control characters in article text: invisible, and they would
# fight the order this module sets. The marks this module adds itself go in after.
_CONTROLS = re.compile("[\u00ad\u200b\u200e\u200f\u202a-\u202e\u2066-\u2069\ufeff]")
_JOINERS = re.compile("[\u200c\u200d]")
_MARKS = re.compile("[\u200c-\u200f\u202a-\u202e\u2066-\u2069]")
_BLANKS = re.compile(r"[^\S\n]+")
RLM, LRM = "\u200f", "\u200e"


@cache
def _fonts() -> dict[str, frozenset[str]]:
    """Register Amiri (and DejaVu Sans for the arrows Amiri lacks); each font's characters."""
    files = {
        REGULAR: Path(fontpkg_amiri.ROOT) / "files" / "Amiri-Regular.ttf",
        BOLD: Path(fontpkg_amiri.ROOT) / "files" / "Amiri-Bold.ttf",
    }
    # matplotlib (a dependency) ships DejaVu Sans; found without importing matplotlib.
    spec = importlib.util.find_spec("matplotlib")
    if spec and spec.submodule_search_locations:
        dejavu = Path(spec.submodule_search_locations[0]) / "mpl-data/fonts/ttf/DejaVuSans.ttf"
        if dejavu.is_file():
            files[SYMBOLS] = dejavu
    coverage = {}
    for name, path in files.items():
        if name not in pdfmetrics.getRegisteredFontNames():
            pdfmetrics.registerFont(TTFont(name, str(path)))
        coverage[name] = frozenset(map(chr, pdfmetrics.getFont(name).face.charToGlyph))
    return coverage


def clean(text: str | None) -> str:
    """Article-derived text with its invisible controls removed and blanks folded."""
    return _BLANKS.sub(" ", _CONTROLS.sub("", text or "")).strip()


@lru_cache(maxsize=8192)
def _shape(text: str) -> str:
    return _JOINERS.sub("", _RESHAPER.reshape(text))


@lru_cache(maxsize=8192)
def _runs(text: str, font: str) -> tuple[tuple[str, str], ...]:
    """The text cut where a character is missing from the font and the symbol font has it."""
    coverage = _fonts()
    primary = coverage[font]
    if primary.issuperset(text) or SYMBOLS not in coverage:
        return ((font, text),)
    runs: list[tuple[str, str]] = []
    for ch in text:
        name = font if ch in primary or ch not in coverage[SYMBOLS] else SYMBOLS
        if runs and runs[-1][0] == name:
            runs[-1] = (name, runs[-1][1] + ch)
        else:
            runs.append((name, ch))
    return tuple(runs)


@lru_cache(maxsize=16384)
def _width(text: str, font: str, size: float) -> float:
    return sum(pdfmetrics.stringWidth(run, name, size) for name, run in _runs(text, font))


def direction(text: str, default: str) -> str:
    """ "R" or "L": the direction of the first strong character (as dir="auto" does)."""
    for ch in text:
        kind = unicodedata.bidirectional(ch)
        if kind in ("R", "AL"):
            return "R"
        if kind == "L":
            return "L"
    return default


def visual(text: str, base: str) -> str:
    """One line, shaped and in visual (left-to-right drawing) order."""
    return _MARKS.sub("", get_display(_shape(str(text)), base_dir=base))


def _break_word(word: str, font: str, size: float, width: float) -> list[str]:
    pieces, current = [], ""
    for ch in word:
        if current and _width(current + ch, font, size) > width:
            pieces.append(current)
            current = ""
        current += ch
    return [*pieces, current] if current else pieces


def wrap(text: str, font: str, size: float, width: float) -> list[str]:
    """Logical-order lines of shaped text that fit the width (shaping only joins letters
    inside a word, so measuring shaped words is measuring what will be drawn)."""
    space = _width(" ", font, size)
    lines = []
    for paragraph in _shape(text).split("\n"):
        line: list[str] = []
        used = 0.0
        for word in paragraph.split(" "):
            if not word:
                continue
            pieces = [word]
            if _width(word, font, size) > width:
                pieces = _break_word(word, font, size, width)
            for piece in pieces:
                needed = _width(piece, font, size)
                if line and used + space + needed > width:
                    lines.append(" ".join(line))
                    line, used = [], 0.0
                used += needed + (space if line else 0)
                line.append(piece)
        lines.append(" ".join(line))
    return lines


def draw_line(canv, line: str, *, x: float, y: float, font: str, size: float, align: str) -> None:
    """Draw one visual line; `x` is its right edge when align is "R", else its left edge."""
    if align == "R":
        x -= _width(line, font, size)
    for name, run in _runs(line, font):
        canv.setFont(name, size)
        canv.drawString(x, y, run)
        x += pdfmetrics.stringWidth(run, name, size)


@dataclass(frozen=True)
class Style:
    size: float = 10
    bold: bool = False
    color: colors.Color = INK
    leading: float = 1.65
    space_before: float = 0
    space_after: float = 0
    indent: float = 0
    stripe: colors.Color | None = None
    label_width: float = 0
    keep_with_next: bool = False

    @property
    def font(self) -> str:
        return BOLD if self.bold else REGULAR


class TextBlock(Flowable):
    """A paragraph: shaped, wrapped in logical order, each line drawn in visual order and
    aligned to its own direction; an optional bold label sits at the page's start side.
    It breaks across pages line by line."""

    _STRIPE_GAP = 8

    def __init__(self, text, style: Style, *, rtl: bool, base: str | None = None, label=""):
        super().__init__()
        self.text = text = str(text)
        self.style = style
        self.rtl = rtl
        self.base = base or direction(text, "R" if rtl else "L")
        self.label = label
        self.spaceBefore = style.space_before
        self.spaceAfter = style.space_after
        self.keepWithNext = style.keep_with_next
        self._lines: list[str] | None = None
        self._for_width = None

    @property
    def _line_height(self) -> float:
        return self.style.size * self.style.leading

    def _text_width(self, avail: float) -> float:
        s = self.style
        used = s.indent + (s.label_width + 6 if s.label_width else 0)
        if s.stripe is not None:
            used += self._STRIPE_GAP
        return max(avail - used, 40)

    def wrap(self, availWidth, availHeight):
        if self._lines is None or self._for_width != availWidth:
            logical = wrap(
                self.text, self.style.font, self.style.size, self._text_width(availWidth)
            )
            self._lines = [
                _MARKS.sub("", get_display(line, base_dir=self.base)) for line in logical
            ]
            self._for_width = availWidth
        self.width = availWidth
        self.height = len(self._lines) * self._line_height
        return self.width, self.height

    def split(self, availWidth, availHeight):
        self.wrap(availWidth, availHeight)
        fits = int(availHeight // self._line_height)
        if fits < 1 or fits >= len(self._lines):
            return [] if fits < 1 else [self]
        head = TextBlock(
            self.text, replace(self.style, space_after=0), rtl=self.rtl, base=self.base
        )
        tail = TextBlock(
            self.text, replace(self.style, space_before=0), rtl=self.rtl, base=self.base
        )
        head.label = self.label
        head._lines, tail._lines = self._lines[:fits], self._lines[fits:]
        head._for_width = tail._for_width = availWidth
        return [head, tail]

    def draw(self):
        s, canv = self.style, self.canv
        start = self.width - s.indent if self.rtl else s.indent
        inward = -1 if self.rtl else 1
        if s.stripe is not None:
            canv.setFillColor(s.stripe)
            x = start - 2.5 if self.rtl else start
            canv.rect(x, 0, 2.5, self.height, stroke=0, fill=1)
            start += inward * self._STRIPE_GAP
        if self.label:
            label = visual(self.label, "R" if self.rtl else "L")
            canv.setFillColor(MUTED)
            draw_line(
                canv, label, x=start, y=self._baseline(0), font=BOLD, size=s.size,
                align="R" if self.rtl else "L",
            )  # fmt: skip
        if s.label_width:
            start += inward * (s.label_width + 6)
        low, high = (0, start) if self.rtl else (start, self.width)
        canv.setFillColor(s.color)
        for index, line in enumerate(self._lines):
            right = self.base == "R"
            draw_line(
                canv, line, x=high if right else low, y=self._baseline(index), font=s.font,
                size=s.size, align="R" if right else "L",
            )  # fmt: skip

    def _baseline(self, index: int) -> float:
        # Amiri's letters sit high in their box; this centres a line in its leading.
        top = self.height - index * self._line_height
        return top - (self._line_height + self.style.size * 0.62) / 2


@dataclass
class Writer:
    """Builds flowables in the UI language's direction."""

    rtl: bool

    def text(self, text: str, style: Style, *, base: str | None = None, label: str = ""):
        return TextBlock(text, style, rtl=self.rtl, base=base, label=label)

    def ui(self, text: str, style: Style) -> TextBlock:
        """A line of the interface (a heading, a label): the UI language's direction."""
        return self.text(text, style, base="R" if self.rtl else "L")

    def field(self, label: str, value: str, style: Style) -> TextBlock:
        """A labelled value, both in the UI's direction: "المنافذ  نورث برس، SANA"."""
        return self.text(
            value,
            replace(style, label_width=max(style.label_width, 70)),
            base="R" if self.rtl else "L",
            label=label,
        )

    @property
    def arrow(self) -> str:
        # The claimant points at its targets: قسد ← فصائل, SDF → factions. The marks keep the
        # arrow between the two names whatever script the names are in.
        return f" {RLM}←{RLM} " if self.rtl else f" {LRM}→{LRM} "

    @property
    def comma(self) -> str:
        return "، " if self.rtl else ", "


TITLE = Style(size=19, bold=True, color=BRAND, space_after=2)
SUBTITLE = Style(size=9.5, color=MUTED, space_after=6)
H1 = Style(size=14, bold=True, color=BRAND, space_before=12, space_after=3, keep_with_next=True)
H2 = Style(size=12, bold=True, color=INK, space_before=10, space_after=2, keep_with_next=True)
BODY = Style(size=10.5)
SMALL = Style(size=9, color=MUTED)


def _english() -> bool:
    return not translation.get_language_bidi()


def name(actor: Actor | None) -> str:
    if actor is None:
        return ""
    first, second = (actor.name_en, actor.name_ar) if _english() else (actor.name_ar, actor.name_en)
    return clean(first or second)


def outlet_name(outlet) -> str:
    if outlet is None:
        return _("unknown outlet")
    first, second = (
        (outlet.name_en, outlet.name_ar) if _english() else (outlet.name_ar, outlet.name_en)
    )
    return clean(first or second)


def day(value: datetime | None) -> str:
    return date_format(timezone.localtime(value), "DATE_FORMAT") if value else "—"


def _mentions() -> QuerySet[Mention]:
    return (
        Mention.objects.select_related("article__outlet")
        .defer("article__body", "article__raw_text", "article__normalized")
        .order_by("article__published_at", "article_id", "start")
    )


def _speaker_roles() -> Prefetch:
    return Prefetch("speaker__roles", queryset=ActorRole.objects.select_related("organization"))


def dossier_claims() -> QuerySet[Claim]:
    """Claims with what a dossier prints, in a fixed number of queries: their parties,
    speaker and roles, mentions with article and outlet, and the claims answering them.
    Rejected claims are left out: an analyst ruled them a misreading."""
    answers = (
        Claim.objects.exclude(status=Claim.Status.REJECTED)
        .select_related("claimant", "speaker", "first_outlet")
        .prefetch_related("targets", _speaker_roles(), Prefetch("mentions", queryset=_mentions()))
    )
    return (
        Claim.objects.exclude(status=Claim.Status.REJECTED)
        .select_related("claimant", "speaker", "first_outlet", "responds_to__claimant")
        .prefetch_related(
            "targets",
            _speaker_roles(),
            Prefetch("mentions", queryset=_mentions()),
            Prefetch("responses", queryset=answers),
        )
    )


def _timeline(claim: Claim):
    return (claim.first_seen_at or claim.created_at, claim.pk)


def _outlets(claim: Claim, w: Writer) -> str:
    seen = dict.fromkeys(outlet_name(m.article.outlet) for m in claim.mentions.all())
    return w.comma.join(seen) or "—"


def _speaker(claim: Claim) -> str:
    if claim.speaker is None:
        return clean(claim.speaker_description)
    roles = list(claim.speaker.roles.all())
    role = next((r for r in roles if r.organization_id == claim.claimant_id), None)
    role = role or (roles[0] if roles else None)
    title = ""
    if role is not None:
        title = clean((role.title_en or role.title_ar) if _english() else role.title_ar)
    return f"{name(claim.speaker)} — {title}" if title else name(claim.speaker)


def _claim_flowables(claim: Claim, w: Writer, *, level: int = 0) -> list[Flowable]:
    colour = TYPE_COLOURS.get(claim.type, INK)
    indent = level * 22
    parts = [claim.get_type_display(), claim.get_status_display()]
    if claim.type == Claim.Type.ACCUSATION and claim.response_status:
        parts.append(claim.get_response_status_display())
    parts.append(f"#{claim.pk}")
    block = Style(indent=indent, stripe=colour)
    flow: list[Flowable] = [
        w.ui(" · ".join(parts), replace(block, size=10, bold=True, color=colour, space_before=9)),
        w.text(clean(claim.text), replace(block, size=11.5)),
    ]
    targets = w.comma.join(name(t) for t in claim.targets.all())
    parties = name(claim.claimant) + (w.arrow + targets if targets else "")
    fields = [(_("Parties"), parties)]
    speaker = _speaker(claim)
    if speaker:
        fields.append((_("Speaker"), speaker))
    first = day(claim.first_seen_at)
    if claim.first_outlet_id:
        first = f"{first} · {outlet_name(claim.first_outlet)}"
    fields += [(_("First seen"), first), (_("Outlets"), _outlets(claim, w))]
    if claim.responds_to_id and level == 0 and claim.responds_to:
        fields.append((_("Answers"), f"#{claim.responds_to_id} {name(claim.responds_to.claimant)}"))
    for label, value in fields:
        flow.append(w.field(label, value, replace(block, size=9.5, color=INK)))
    if level > 0:
        return [KeepTogether(flow)]
    answers = sorted(claim.responses.all(), key=_timeline)
    if claim.type == Claim.Type.ACCUSATION and not answers:
        flow.append(
            w.ui(
                _("No answer reported."),
                replace(block, indent=indent + 22, size=9.5, color=MUTED, stripe=None),
            )
        )
    # A claim is not cut from its header; its answers follow it, each kept whole.
    return [KeepTogether(flow)] + [
        part for answer in answers for part in _claim_flowables(answer, w, level=1)
    ]


def _bar_chart(rows: list[tuple[str, int, colors.Color]], w: Writer, width: float) -> Drawing:
    """A bar per row, in the reading direction (the first bar at the right in Arabic)."""
    _fonts()
    height = 150
    drawing = Drawing(width, height)
    chart = VerticalBarChart()
    chart.x, chart.y = 36, 30
    chart.width, chart.height = width - 72, height - 48
    chart.data = [[count for _label, count, _colour in rows]]
    chart.barWidth = 10
    chart.groupSpacing = 12
    chart.strokeColor = None
    chart.bars.strokeColor = None
    for index, (_label, _count, colour) in enumerate(rows):
        chart.bars[(0, index)].fillColor = colour
    axis = chart.categoryAxis
    axis.categoryNames = [visual(label, "R" if w.rtl else "L") for label, _c, _k in rows]
    axis.reverseDirection = w.rtl
    axis.labels.fontName, axis.labels.fontSize = REGULAR, 9
    axis.labels.boxAnchor = "n"
    axis.strokeColor = RULE
    peak = max([count for _label, count, _colour in rows] + [1])
    step = max(1, -(-peak // 5))
    values = chart.valueAxis
    values.valueMin, values.valueMax, values.valueStep = 0, step * (-(-peak // step)), step
    values.labels.fontName, values.labels.fontSize = REGULAR, 8
    values.strokeColor = RULE
    values.visibleGrid = True
    values.gridStrokeColor = colors.HexColor("#e6eaee")
    if w.rtl:
        values.joinAxisMode = "right"
        values.labels.boxAnchor = "w"
        values.labels.dx = 4
    chart.barLabelFormat = "%d"
    chart.barLabels.fontName, chart.barLabels.fontSize = BOLD, 9
    chart.barLabels.nudge = 8
    drawing.add(chart)
    drawing.hAlign = "RIGHT" if w.rtl else "LEFT"
    return drawing


def _type_rows(claims) -> list[tuple[str, int, colors.Color]]:
    counts = Counter(claim.type for claim in claims)
    return [
        (label, counts[value], TYPE_COLOURS[value])
        for value, label in Claim.Type.choices
        if counts[value]
    ]


def _response_rows(accusations) -> list[tuple[str, int, colors.Color]]:
    counts = Counter(claim.response_status for claim in accusations)
    return [
        (label, counts[value], RESPONSE_COLOURS[value])
        for value, label in Claim.ResponseStatus.choices
        if value and counts[value]
    ]


def _sources(claims: list[Claim], w: Writer) -> list[Flowable]:
    """Every article a printed claim is reported in: outlet, date, title."""
    cited: dict[int, tuple[Article, set[int]]] = {}
    for claim in claims:
        for answer in [claim, *claim.responses.all()]:
            for mention in answer.mentions.all():
                article = mention.article
                cited.setdefault(article.pk, (article, set()))[1].add(answer.pk)
    flow: list[Flowable] = [w.ui(_("Sources"), H1)]
    if not cited:
        return [*flow, w.ui(_("No article reports these claims."), SMALL)]

    def published(item):
        article = item[0]
        return (
            article.published_at is None,
            article.published_at or article.created_at,
            article.pk,
        )

    for article, claim_ids in sorted(cited.values(), key=published):
        meta = f"{outlet_name(article.outlet)} · {day(article.published_at)} · " + _(
            "%(n)s claims"
        ) % {"n": len(claim_ids)}
        flow += [
            w.text(clean(article.title), replace(BODY, size=10.5, bold=True, space_before=5)),
            w.ui(meta, replace(SMALL, space_after=1)),
        ]
    return flow


def _page_decor(title: str, w: Writer, generated: str):
    def decorate(canv, doc):
        canv.saveState()
        canv.setFillColor(MUTED)
        canv.setStrokeColor(RULE)
        left, right = doc.leftMargin, doc.pagesize[0] - doc.rightMargin
        y = 11 * mm
        canv.line(left, y + 10, right, y + 10)
        base = "R" if w.rtl else "L"
        page = visual(_("Page %(n)s") % {"n": doc.page}, base)
        label = visual(f"conflictdesk · {clean(title)[:90]} · {generated}", base)
        start, end = (right, left) if w.rtl else (left, right)
        draw_line(canv, label, x=start, y=y, font=REGULAR, size=8, align=base)
        draw_line(canv, page, x=end, y=y, font=REGULAR, size=8, align="L" if w.rtl else "R")
        canv.restoreState()

    return decorate


def _render(*, title: str, subject: str, flow: list[Flowable], w: Writer, generated: str) -> bytes:
    _fonts()
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=18 * mm,
        rightMargin=18 * mm,
        topMargin=16 * mm,
        bottomMargin=20 * mm,
        title=clean(title),
        subject=subject,
        author="conflictdesk",
        creator="conflictdesk",
    )
    decorate = _page_decor(title, w, generated)
    doc.build(flow, onFirstPage=decorate, onLaterPages=decorate)
    return buffer.getvalue()


def _rule() -> HRFlowable:
    rule = HRFlowable(width="100%", thickness=0.5, color=RULE, spaceAfter=2)
    rule.keepWithNext = True  # a party's heading and rule never end a page alone
    return rule


def _header(title: str, kind: str, w: Writer, generated: str, user) -> list[Flowable]:
    by = _("generated on %(date)s by %(user)s") % {"date": generated, "user": user}
    return [
        w.ui(kind, SMALL),
        w.text(clean(title), TITLE),
        w.ui(by, SUBTITLE),
        HRFlowable(width="100%", thickness=1.2, color=BRAND, spaceAfter=6),
    ]


def _now() -> str:
    now = timezone.localtime()
    return f"{date_format(now, 'DATE_FORMAT')} {time_format(now, 'TIME_FORMAT')}"


def _capped(claims: QuerySet[Claim]) -> tuple[list[Claim], int]:
    rows = list(claims[: MAX_CLAIMS + 1])
    if len(rows) <= MAX_CLAIMS:
        return rows, len(rows)
    return rows[:MAX_CLAIMS], claims.count()


def _cap_note(shown: int, total: int, w: Writer) -> list[Flowable]:
    if total <= shown:
        return []
    note = _("Showing the first %(shown)s of %(total)s claims.") % {"shown": shown, "total": total}
    return [w.ui(note, replace(SMALL, color=colors.HexColor("#b3261e")))]


def story_pdf(*, story: Story, user) -> bytes:
    """The dossier of a story: summary, a chart of its claims by type, each party's claims
    with the answers under every accusation, and the articles that report them."""
    w = Writer(rtl=translation.get_language_bidi())
    width = A4[0] - 36 * mm
    generated = _now()
    claims, total = _capped(dossier_claims().filter(story=story).order_by("first_seen_at", "id"))
    in_story = {claim.pk for claim in claims}
    # An answer to a claim of this story is printed under that claim, not again alone.
    top = [c for c in claims if c.responds_to_id not in in_story]
    parties: dict[int, list[Claim]] = {}
    for claim in sorted(top, key=_timeline):
        parties.setdefault(claim.claimant_id, []).append(claim)
    order = sorted(parties.values(), key=lambda group: (-len(group), _timeline(group[0])))
    accusations = [c for c in claims if c.type == Claim.Type.ACCUSATION]
    rejected = Claim.objects.filter(story=story, status=Claim.Status.REJECTED).count()
    statuses = Counter(c.status for c in claims)

    flow = _header(story.title, _("Story dossier"), w, generated, user)
    flow.append(w.ui(_("Summary"), H1))
    if story.summary.strip():
        flow.append(w.text(clean(story.summary), replace(BODY, space_after=4)))
    summary_style = replace(BODY, size=10, label_width=95)
    period = f"{day(story.first_seen)} – {day(story.last_seen)}"
    claim_line = _("%(n)s (confirmed %(confirmed)s, proposed %(proposed)s)") % {
        "n": total,
        "confirmed": statuses[Claim.Status.CONFIRMED],
        "proposed": statuses[Claim.Status.PROPOSED],
    }
    if rejected:
        claim_line += " · " + ngettext(
            "%(n)s rejected claim left out", "%(n)s rejected claims left out", rejected
        ) % {"n": rejected}
    unanswered = sum(1 for c in accusations if c.response_status == Claim.ResponseStatus.UNANSWERED)
    everyone = dict.fromkeys(name(c.claimant) for c in sorted(claims, key=_timeline))
    outlets = dict.fromkeys(outlet_name(m.article.outlet) for c in claims for m in c.mentions.all())
    flow += [
        w.field(_("Period"), period, summary_style),
        w.field(_("Articles"), str(story.articles.count()), summary_style),
        w.field(_("Claims"), claim_line, summary_style),
        w.field(
            _("Accusations"),
            _("%(n)s, unanswered %(unanswered)s")
            % {"n": len(accusations), "unanswered": unanswered},
            summary_style,
        ),
        w.field(_("Parties"), w.comma.join(everyone) or "—", summary_style),
        w.field(_("Outlets"), w.comma.join(outlets) or "—", summary_style),
    ]
    flow += _cap_note(len(claims), total, w)
    rows = _type_rows(claims)
    if rows:
        flow += [w.ui(_("Claims by type"), H2), Spacer(1, 4), _bar_chart(rows, w, width)]
    flow.append(w.ui(_("Claims by party"), H1))
    if not order:
        flow.append(w.ui(_("No claims in this story yet."), SMALL))
    for group in order:
        flow.append(w.ui(f"{name(group[0].claimant)} ({len(group)})", H2))
        flow.append(_rule())
        for claim in group:
            flow += _claim_flowables(claim, w)
    flow += _sources(claims, w)
    return _render(
        title=story.title, subject=_("Story dossier"), flow=flow, w=w, generated=generated
    )


def actor_pdf(*, actor: Actor, user) -> bytes:
    """The dossier of an actor: who it is, the claims it made, the claims against it with
    how it answered each accusation, its response profile, and the sources."""
    w = Writer(rtl=translation.get_language_bidi())
    width = A4[0] - 36 * mm
    generated = _now()
    made, made_total = _capped(
        dossier_claims().filter(claimant=actor).order_by("-first_seen_at", "-id")
    )
    against, against_total = _capped(
        dossier_claims().filter(targets=actor).distinct().order_by("-first_seen_at", "-id")
    )
    made.sort(key=_timeline)
    against.sort(key=_timeline)
    accusations = [c for c in against if c.type == Claim.Type.ACCUSATION]

    flow = _header(name(actor), _("Actor dossier"), w, generated, user)
    flow.append(w.ui(_("Summary"), H1))
    style = replace(BODY, size=10, label_width=95)
    other = actor.name_ar if _english() else actor.name_en
    if other:
        flow.append(w.field(_("Also named"), clean(other), style))
    flow.append(w.field(_("Kind"), actor.get_kind_display(), style))
    if actor.parent_id:
        flow.append(w.field(_("Part of"), name(actor.parent), style))
    aliases = sorted({clean(a.surface) for a in actor.aliases.all()})
    if aliases:
        flow.append(w.field(_("Aliases"), w.comma.join(aliases), style))
    for role in actor.roles.all():
        flow.append(
            w.field(_("Role"), f"{clean(role.title_ar)} — {name(role.organization)}", style)
        )
    profile = Counter(c.response_status for c in accusations)
    answered = w.comma.join(
        f"{label} {profile[value]}" for value, label in Claim.ResponseStatus.choices if value
    )
    flow += [
        w.field(_("Claims made"), str(made_total), style),
        w.field(_("Claims against"), str(against_total), style),
        w.field(_("Accusations against"), f"{len(accusations)} ({answered})", style),
    ]
    charts = [
        (_("How the accusations against it were answered"), _response_rows(accusations)),
        (_("Claims made, by type"), _type_rows(made)),
    ]
    for title, rows in charts:
        if rows:
            flow += [w.ui(title, H2), Spacer(1, 4), _bar_chart(rows, w, width)]

    flow.append(w.ui(_("Claims made"), H1))
    flow += _cap_note(len(made), made_total, w)
    if not made:
        flow.append(w.ui(_("No claims."), SMALL))
    for claim in made:
        flow += _claim_flowables(claim, w)
    flow.append(w.ui(_("Claims against"), H1))
    flow += _cap_note(len(against), against_total, w)
    if not against:
        flow.append(w.ui(_("No claims."), SMALL))
    for claim in against:
        flow += _claim_flowables(claim, w)
    flow += _sources(made + against, w)
    return _render(
        title=name(actor), subject=_("Actor dossier"), flow=flow, w=w, generated=generated
    )
