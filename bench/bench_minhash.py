"""Benchmark of near-duplicate fingerprints (sources/text/minhash.py).

Run from the project root: python bench/bench_minhash.py [--sizes 1000 10000]

1. Time of `signature` + `band_keys` on a ~5 KB generated Arabic article, and its parts.
2. An in-memory LSH index (band key -> article ids, what the LshBucket table holds) over
   1k and 10k generated articles: how many stored articles a lookup meets, for an unrelated
   new article and for a re-publication of a stored one. Candidates per lookup should stay
   flat as the index grows, and every re-publication should be found.

Texts are random recombinations of the sentences below (written for this benchmark), with
words swapped for others of the list, so that two unrelated articles share about as few
4-word shingles as two unrelated corpus articles do (measured and printed).
"""

import argparse
import random
import statistics
import sys
import time
import timeit
from collections import defaultdict
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sources.text.minhash import (
    BANDS,
    ROWS,
    _signature_of_shingles,
    band_keys,
    exact_containment,
    shingles,
    signature,
)
from sources.text.normalize import tokens

SENTENCES = [
    "اتهمت قوات سوريا الديمقراطية فصائل موالية للحكومة بمهاجمة نقاطها في ريف الرقة الشرقي",
    "وقال مصدر عسكري إن الاشتباكات استمرت حتى ساعات الفجر الأولى قبل أن تنسحب المجموعات المهاجمة",
    "وأضاف المصدر أن طائرة مسيرة انتحارية استهدفت نقطة عسكرية قرب الجسر دون وقوع إصابات",
    "ونفت وزارة الدفاع في بيان رسمي أي علاقة لقواتها بالهجوم ووصفت الاتهامات بأنها ملفقة",
    "وطالبت الإدارة الذاتية التحالف الدولي بفتح تحقيق عاجل في الهجمات المتكررة على المنطقة",
    "ولم تصدر الحكومة السورية أي تعليق على هذه الاتهامات حتى لحظة إعداد هذا التقرير",
    "وأعلن تنظيم داعش عبر وكالة أعماق مسؤوليته عن استهداف دورية تابعة للأمن الداخلي",
    "وقالت مصادر محلية إن عبوة ناسفة انفجرت بسيارة عسكرية على الطريق الواصل بين البلدتين",
    "وأفاد ناشطون بأن القوات الأمنية شنت حملة مداهمات واعتقلت عدداً من الشبان في القرية",
    "وذكر المرصد السوري لحقوق الإنسان أن حصيلة القتلى ارتفعت إلى تسعة بينهم أربعة أطفال",
    "ويأتي التصعيد بعد أيام من اتفاق على وقف إطلاق النار برعاية روسية في المنطقة",
    "وتتهم أنقرة الوحدات الكردية بالوقوف وراء القصف الذي طال المستشفى الوحيد في المدينة",
    "وأكد المتحدث باسم المجلس العسكري أن قواته أحبطت محاولة تسلل على محور الباغوز",
    "وأشار البيان إلى أن الخلية كانت تخطط لتنفيذ عمليات اغتيال بحق وجهاء العشائر",
    "وتشهد المنطقة توتراً متصاعداً منذ أسابيع على خلفية الخلاف حول إدارة حقول النفط",
    "وقال شهود عيان إن أرتالاً عسكرية وصلت إلى خطوط التماس قادمة من البادية",
    "وحذر مسؤولون محليون من تدهور الوضع الإنساني في المخيمات مع اقتراب فصل الشتاء",
    "وأوضح مدير المركز الإعلامي أن التسجيلات تظهر مقاتلين أجانب داخل نقاط الفصائل",
    "واعتبرت الخارجية أن هذه التصريحات تدخل سافر في الشؤون الداخلية للبلاد",
    "وكانت الطائرات الحربية قد شنت غارات مكثفة على مواقع التنظيم في عمق الصحراء",
    "وأدان مجلس العشائر عمليات الاعتقال التعسفية وطالب بالإفراج الفوري عن المعتقلين",
    "وبحسب الوكالة الرسمية فإن قافلة من الصهاريج المحملة بالنفط عبرت المعبر الحدودي",
    "وتحدثت تقارير صحفية عن صفقة لإطلاق سراح معتقلين من السجون مقابل مبالغ مالية",
    "ولفت المصدر إلى أن فرق الدفاع المدني تواصل انتشال الضحايا من تحت الأنقاض",
]
VOCABULARY = sorted({word for sentence in SENTENCES for word in sentence.split()})
# Share of words swapped in each sentence of a generated article: calibrated so that two
# unrelated generated articles share 4-shingles as rarely as unrelated corpus articles
# (mean Jaccard about 0.0004; nine pairs in ten share none).
SWAP = 0.55


def generated_sentence(rng: random.Random) -> str:
    words = rng.choice(SENTENCES).split()
    return " ".join(rng.choice(VOCABULARY) if rng.random() < SWAP else word for word in words)


def generated_article(rng: random.Random, size: int) -> str:
    sentences: list[str] = []
    length = 0
    while length < size:
        sentence = generated_sentence(rng) + "."
        sentences.append(sentence)
        length += len(sentence.encode("utf-8")) + 1
    return "\n".join(sentences)


def republished(rng: random.Random, article: str) -> str:
    """An outlet's copy: a new opening paragraph, a few sentences rewritten, a cut end."""
    sentences = article.split("\n")
    kept = [s if rng.random() > 0.2 else generated_sentence(rng) + "." for s in sentences]
    cut = len(kept) - len(kept) // 5
    opening = [generated_sentence(rng) + "." for _ in range(2)]
    return "\n".join(opening + kept[:cut])


def per_call_us(function, number: int = 300) -> float:
    return min(timeit.repeat(function, number=number, repeat=5)) / number * 1e6


def bench_speed() -> None:
    rng = random.Random(1)
    article = generated_article(rng, 5000)
    words = tokens(article)
    hashes = shingles(article)
    sig = signature(article)
    size = len(article.encode("utf-8"))
    print(f"article: {size / 1000:.1f} KB UTF-8, {len(words)} tokens, {hashes.size} shingles")
    print(f"  signature + band_keys: {per_call_us(lambda: band_keys(signature(article))):7.0f} µs")
    print(f"    tokens (normalize):  {per_call_us(lambda: tokens(article)):7.0f} µs")
    print(f"    shingles:            {per_call_us(lambda: shingles(article)):7.0f} µs")
    print(f"    minhash matrix:      {per_call_us(lambda: _signature_of_shingles(hashes)):7.0f} µs")
    print(f"    band_keys:           {per_call_us(lambda: band_keys(sig)):7.0f} µs")


def measured_overlap(rng: random.Random, texts: list[str], pairs: int = 2000) -> str:
    sets = [shingles(text) for text in texts]
    values = []
    for _ in range(pairs):
        a, b = rng.sample(range(len(sets)), 2)
        shared = np.intersect1d(sets[a], sets[b]).size
        values.append(shared / (sets[a].size + sets[b].size - shared))
    none = sum(value == 0 for value in values) / len(values)
    return f"mean Jaccard {statistics.fmean(values):.5f}, {none:.0%} of pairs share no shingle"


def bench_index(sizes: list[int], lookups: int = 300) -> None:
    print(f"\nLSH index: {BANDS} bands of {ROWS} rows per article; {lookups} lookups of each kind")
    print("                unrelated article:            re-publication of a stored one:")
    print("stored  build s  candidates  (max)  >=2 keys   found c>=0.4  found all  others")
    rng = random.Random(2)
    texts: list[str] = []
    index: dict[int, list[int]] = defaultdict(list)
    started = time.perf_counter()
    containments: list[float] = []
    for size in sorted(sizes):
        while len(texts) < size:
            text = generated_article(rng, rng.randint(1000, 3000))
            for key in band_keys(signature(text)):
                index[key].append(len(texts))
            texts.append(text)
        build = time.perf_counter() - started

        def candidates(text: str) -> dict[int, int]:
            shared: dict[int, int] = defaultdict(int)
            for key in band_keys(signature(text)):
                for article in index.get(key, ()):
                    shared[article] += 1
            return shared

        unrelated = [
            candidates(generated_article(rng, rng.randint(1000, 3000))) for _ in range(lookups)
        ]
        found: list[tuple[float, bool]] = []
        others = []
        for _ in range(lookups):
            original = rng.randrange(len(texts))
            copy = republished(rng, texts[original])
            met = candidates(copy)
            containment = exact_containment(copy, texts[original])
            containments.append(containment)
            found.append((containment, original in met))
            others.append(len(met) - (original in met))
        above = [hit for containment, hit in found if containment >= 0.4]
        print(
            f"{size:6d}  {build:7.1f}  {statistics.fmean(map(len, unrelated)):10.3f}"
            f"  {max(map(len, unrelated)):5d}"
            f"  {statistics.fmean(sum(n >= 2 for n in m.values()) for m in unrelated):8.3f}"
            f"   {sum(above) / len(above):12.1%}  {sum(h for _, h in found) / lookups:9.1%}"
            f"  {statistics.fmean(others):6.3f}"
        )
    print(f"generated articles: {measured_overlap(rng, texts)}")
    print(
        f"re-publications: containment in the original {min(containments):.2f}"
        f"-{max(containments):.2f} (median {statistics.median(containments):.2f})"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000])
    args = parser.parse_args()
    bench_speed()
    bench_index(args.sizes)


if __name__ == "__main__":
    main()
