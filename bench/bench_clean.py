"""Micro-benchmark of boilerplate stripping (`clean_article`) on the demo articles.

Run from the project root: python bench/bench_clean.py

Prints the time per call for each text of samples/articles/ as it is, and for ~5 KB
articles made by joining several of them (boilerplate included), repeated for a stable
figure.
"""

import sys
import timeit
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sources.text.clean import clean_article
from sources.text.readers import parse_txt

SAMPLES = Path(__file__).resolve().parents[1] / "samples" / "articles"


def per_call_us(function, number: int) -> float:
    best = min(timeit.repeat(function, number=number, repeat=5))
    return best / number * 1e6


def main() -> None:
    articles = [
        parse_txt(path.read_text(encoding="utf-8")) for path in sorted(SAMPLES.glob("*.txt"))
    ]
    if not articles:
        sys.exit(f"no articles in {SAMPLES}")
    sizes = [len(article.text.encode("utf-8")) for article in articles]
    print(
        f"{len(articles)} sample articles, {sum(sizes) / len(sizes) / 1000:.1f} KB UTF-8 on average"
    )

    def clean_all() -> None:
        for article in articles:
            clean_article(article.text, title=article.title)

    per_article = per_call_us(clean_all, number=200) / len(articles)
    print(f"{'clean_article, one sample':>32}: {per_article:8.1f} µs per call")

    # ~5 KB: each sample followed by the next two, as one article under the first title.
    joined = [
        "\n\n".join(articles[(start + offset) % len(articles)].text for offset in range(3))
        for start in range(len(articles))
    ]
    size_kb = sum(len(text.encode("utf-8")) for text in joined) / len(joined) / 1000

    def clean_joined() -> None:
        for text, article in zip(joined, articles, strict=True):
            clean_article(text, title=article.title)

    per_joined = per_call_us(clean_joined, number=100) / len(joined)
    print(f"{f'clean_article, {size_kb:.1f} KB':>32}: {per_joined:8.1f} µs per call")


if __name__ == "__main__":
    main()
