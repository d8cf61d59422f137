"""Micro-benchmark of the Arabic normalization on a ~5 KB synthetic article.

Run from the project root: python bench/bench_normalize.py
"""

import sys
import timeit
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sources.text.normalize import fold, normalize, normalize_for_matching

# Words and fragments written for this benchmark: plain words, diacritics, tatweel,
# quotes, proclitics, Arabic-Indic digits, a zero-width space and obfuscated names.
WORDS = [
    "قالت",
    "وزارة",
    "الدفاع",
    "إنّ",
    "قوات",
    "سوريا",
    "الديمقراطيّة",
    "لـ”قسد”",
    "استهدفت",
    "مواقع",
    "“د1عـ.ـش”",
    "في",
    "ريف",
    "الرقة",
    "الشرقي،",
    "وأسفر",
    "القصف",
    "عن",
    "مقتل",
    "٢٠",
    "عنصراً",
    "بحسب",
    "مصدر",
    "محلّي",
    "«ق.س.د»",
    "الجيـــش",
    "الوطني",
    "نفى",
    "ذلك",
    "دا\u200bعش",
    "على",
    "مستشفى",
    "المدينة.",
]


OBFUSCATED = {"“د1عـ.ـش”", "«ق.س.د»", "دا\u200bعش", "الجيـــش", "المدينة."}


def synthetic_article(size: int = 5000, *, obfuscated: bool = True) -> str:
    """About `size` bytes of UTF-8; without `obfuscated`, only plain (if marked) words."""
    vocabulary = WORDS if obfuscated else [word for word in WORDS if word not in OBFUSCATED]
    words: list[str] = []
    length = 0
    while length < size:
        word = vocabulary[len(words) % len(vocabulary)]
        words.append(word)
        length += len(word.encode("utf-8")) + 1
        if len(words) % 24 == 0:
            words.append("\n")
    return " ".join(words)


def per_call_us(function, text: str, number: int) -> float:
    best = min(timeit.repeat(lambda: function(text), number=number, repeat=5))
    return best / number * 1e6


def main() -> None:
    for label, obfuscated in [("plain", False), ("obfuscation every few words", True)]:
        article = synthetic_article(obfuscated=obfuscated)
        size_kb = len(article.encode("utf-8")) / 1000
        print(f"{label}: {len(article)} characters, {size_kb:.1f} KB UTF-8")
        for name, function in [
            ("normalize", normalize),
            ("normalize_for_matching", normalize_for_matching),
            ("fold", fold),
        ]:
            print(f"{name:>24}: {per_call_us(function, article, 200):8.1f} µs per call")


if __name__ == "__main__":
    main()
