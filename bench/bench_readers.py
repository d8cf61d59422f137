"""Micro-benchmark of the readers on ~5 KB inputs generated here.

Run from the project root: python bench/bench_readers.py
"""

import sys
import timeit
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sources.text.readers import decode, parse_html

# Sentences written for this benchmark.
SENTENCES = [
    "قالت مصادر محلية إن القصف استهدف أطراف القرية فجراً، ولم تسجل إصابات.",
    "وأكد الناطق باسم الكتيبة أن القوات لم تتقدم، ونفى وقوع اشتباكات جديدة.",
    "وطالبت منظمات إنسانية بفتح ممر آمن لإخراج العائلات العالقة قرب النهر.",
    "ولم يصدر أي تعليق رسمي حتى ساعة إعداد هذا الخبر.",
]


def synthetic_text(size: int = 5000) -> str:
    """About `size` bytes of UTF-8 Arabic, in paragraphs of two sentences."""
    paragraphs: list[str] = []
    while len("\n\n".join(paragraphs).encode("utf-8")) < size:
        index = len(paragraphs)
        paragraphs.append(f"{SENTENCES[index % 4]} {SENTENCES[(index + 1) % 4]}")
    return "\n\n".join(paragraphs)


def synthetic_page(size: int = 5000) -> str:
    """A news page of about `size` bytes: head metadata, menu, article, share bar,
    related list, comments and footer."""
    paragraphs = synthetic_text(size - 1200).split("\n\n")
    body = "\n".join(f"<p>{paragraph}</p>" for paragraph in paragraphs)
    return f"""<!DOCTYPE html><html lang="ar" dir="rtl"><head><meta charset="utf-8">
<title>اشتباكات في الريف - شبكة النهر</title>
<meta property="og:title" content="اشتباكات متجددة في الريف الشرقي">
<meta property="og:site_name" content="شبكة النهر">
<meta property="article:published_time" content="2024-03-05T10:30:00+03:00">
<script>window.dataLayer = [];</script></head><body>
<header><nav><a href="/">الرئيسية</a> <a href="/n">أخبار</a> <a href="/s">رياضة</a></nav></header>
<main><article><h1>اشتباكات متجددة في الريف الشرقي</h1>
<div class="share-buttons"><a href="#">فيسبوك</a> <a href="#">تويتر</a></div>
{body}
</article>
<section class="related-articles"><h3>اقرأ أيضاً</h3><ul><li><a href="/1">خبر سابق</a></li>
<li><a href="/2">خبر آخر</a></li></ul></section>
<section id="comments"><div class="comment"><p>تعليق من زائر.</p></div>
<form><textarea></textarea><button>أرسل</button></form></section></main>
<footer><p>جميع الحقوق محفوظة</p></footer></body></html>"""


def per_call_us(function: Callable[[], object], number: int) -> float:
    best = min(timeit.repeat(function, number=number, repeat=5))
    return best / number * 1e6


def main() -> None:
    text = synthetic_text()
    page = synthetic_page()
    utf8 = text.encode("utf-8")
    cp1256 = text.encode("cp1256")
    iso = text.encode("iso8859_6")
    assert decode(cp1256).text == text
    assert decode(iso).text == text
    assert "تعليق من زائر" not in parse_html(page).text
    print(f"text: {len(text)} characters, {len(utf8) / 1000:.1f} KB UTF-8")
    print(f"page: {len(page.encode('utf-8')) / 1000:.1f} KB UTF-8")
    for label, function, number in [
        ("decode utf-8 (fast path)", lambda: decode(utf8), 2000),
        ("decode cp1256 (detection)", lambda: decode(cp1256), 50),
        ("decode iso8859-6 (detection)", lambda: decode(iso), 50),
        ("parse_html", lambda: parse_html(page), 50),
    ]:
        print(f"{label:>30}: {per_call_us(function, number):10.1f} µs per call")


if __name__ == "__main__":
    main()
