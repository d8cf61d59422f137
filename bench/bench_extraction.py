"""Throughput of claim extraction (`extract` on title and body) on one core.

Run from the project root: python bench/bench_extraction.py [--seconds 3]

Prints articles per second over the demo articles (samples/articles/*.txt, repeated) and
over the dev corpus read in place (../shared/corpus/dev/articles, when present). Articles
are read and cleaned once beforehand, as ingestion does; only extraction is timed. The
registry is loaded once (as a worker does).
"""

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from claims.extraction.engine import extract
from claims.extraction.registry import Registry
from sources.text.clean import clean_article
from sources.text.readers import decode_bytes, parse_txt

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "samples" / "articles"
DEV = ROOT.parent / "shared" / "corpus" / "dev" / "articles"
REGISTRY = ROOT / "claims" / "data" / "actors.toml"


def load(folder: Path) -> list[tuple[str, str]]:
    texts = []
    for path in sorted(folder.glob("*.txt")):
        parsed = parse_txt(decode_bytes(path.read_bytes()))
        texts.append((parsed.title, clean_article(parsed.text, title=parsed.title).body))
    return texts


def rate(texts: list[tuple[str, str]], registry: Registry, seconds: float) -> tuple[float, int]:
    done = 0
    start = time.perf_counter()
    while time.perf_counter() - start < seconds:
        for title, body in texts:
            extract(title, registry)
            extract(body, registry)
        done += len(texts)
    return done / (time.perf_counter() - start), done


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=3.0)
    args = parser.parse_args()
    started = time.perf_counter()
    registry = Registry.from_toml(REGISTRY)
    print(
        f"registry: {len(registry.parties)} parties loaded in "
        f"{(time.perf_counter() - started) * 1000:.0f} ms"
    )
    for name, folder in (("samples", SAMPLES), ("dev corpus", DEV)):
        texts = load(folder)
        if not texts:
            print(f"{name}: no articles in {folder}")
            continue
        size = sum(len(title) + len(body) for title, body in texts) / len(texts)
        extract(texts[0][1], registry)  # warm the compiled cue patterns
        per_second, done = rate(texts, registry, args.seconds)
        print(
            f"{name}: {len(texts)} articles, mean {size / 1000:.1f} K chars: "
            f"{per_second:.0f} articles/s ({1000 / per_second:.2f} ms each, {done} runs)"
        )


if __name__ == "__main__":
    main()
