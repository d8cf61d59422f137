"""Scoring extraction against a gold corpus (the matching rule of the corpus READMEs).

A prediction matches a gold claim when
1. it is in the same article (`file`);
2. its quote overlaps at least half of the gold anchor after normalization: the longest
   common substring of `normalize(quote)` and `normalize(anchor)` is at least half as long
   as `normalize(anchor)` (predictions carry quotes, not offsets, and an anchor and a quote
   of the same clause share one contiguous run of text);
3. one of its claimant names equals the gold claimant or one of its aliases, both compared
   with `normalize_for_matching` (diacritics, alef forms, ة/ه, proclitics and ال stripped).

Predictions are deduplicated per article by normalized quote first (a headline printed twice
is one claim). Assignment is one-to-one, greedy by overlap. Type agreement is not part of
matching: type accuracy is reported over matched pairs.

Run: `python -m claims.extraction.evaluation FOLDER [--registry PATH] [--show-misses]`.
"""

import argparse
import json
import sys
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from pathlib import Path

from claims.extraction.engine import Candidate, extract
from claims.extraction.registry import Registry
from sources.text import normalize, normalize_for_matching
from sources.text.clean import clean_article
from sources.text.readers import decode_bytes, parse_txt

__all__ = [
    "GoldClaim",
    "Prediction",
    "Report",
    "load_gold",
    "overlap",
    "predictions_for",
    "run_folder",
    "score",
]

DEFAULT_REGISTRY = Path(__file__).resolve().parents[1] / "data" / "actors.toml"


@dataclass
class Prediction:
    file: str
    quote: str
    claimant_names: frozenset[str]
    type: str
    rule: str = ""


@dataclass
class GoldClaim:
    file: str
    anchor: str
    type: str
    claimant: str
    claimant_aliases: tuple[str, ...] = ()
    speaker: str | None = None
    targets: tuple[str, ...] = ()
    responds_to: str | None = None
    gloss: str = ""


@dataclass
class Miss:
    gold: GoldClaim
    nearest: Prediction | None  # the prediction with the best overlap in the same file
    nearest_overlap: float


@dataclass
class Report:
    precision: float
    recall: float
    f1: float
    span_precision: float
    span_recall: float
    span_f1: float
    type_accuracy: float
    recall_by_type: dict[str, tuple[int, int]]  # type -> (found, gold)
    counts: dict[str, int]
    misses: list[Miss] = field(default_factory=list)
    false_alarms: list[Prediction] = field(default_factory=list)
    wrong_types: list[tuple[GoldClaim, Prediction]] = field(default_factory=list)

    def format(self, *, show_misses: bool = False) -> str:
        lines = [
            f"claims (with claimant): P {self.precision:.3f}  R {self.recall:.3f}  "
            f"F1 {self.f1:.3f}",
            f"spans only:             P {self.span_precision:.3f}  R {self.span_recall:.3f}  "
            f"F1 {self.span_f1:.3f}",
            f"type accuracy over matched pairs: {self.type_accuracy:.3f}",
            "counts: " + ", ".join(f"{key} {value}" for key, value in self.counts.items()),
            "recall per gold type:",
        ]
        for claim_type, (found, total) in sorted(self.recall_by_type.items()):
            lines.append(f"  {claim_type:<13} {found}/{total}")
        if show_misses:
            lines.append(f"misses ({len(self.misses)}):")
            for miss in self.misses:
                gold = miss.gold
                lines.append(f"  {gold.file} [{gold.type}] {gold.claimant}: {gold.anchor}")
                if miss.nearest is not None:
                    near = miss.nearest
                    names = sorted(near.claimant_names)[:3]
                    lines.append(
                        f"      nearest ({miss.nearest_overlap:.2f}) [{near.type}] {names} "
                        f"{near.rule}: {near.quote[:160]}"
                    )
            lines.append(f"false alarms ({len(self.false_alarms)}):")
            for prediction in self.false_alarms:
                names = sorted(prediction.claimant_names)[:3]
                lines.append(
                    f"  {prediction.file} [{prediction.type}] {names} {prediction.rule}: "
                    f"{prediction.quote[:160]}"
                )
            lines.append(f"wrong types ({len(self.wrong_types)}):")
            for gold, prediction in self.wrong_types:
                lines.append(
                    f"  {gold.file} gold {gold.type} / predicted {prediction.type} "
                    f"({prediction.rule}): {gold.anchor[:120]}"
                )
        return "\n".join(lines)


def load_gold(folder: str | Path) -> list[GoldClaim]:
    claims = []
    path = Path(folder) / "gold.jsonl"
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        row = json.loads(line)
        claims.append(
            GoldClaim(
                file=row["file"],
                anchor=row["anchor"],
                type=row["type"],
                claimant=row["claimant"],
                claimant_aliases=tuple(row.get("claimant_aliases") or ()),
                speaker=row.get("speaker"),
                targets=tuple(row.get("targets") or ()),
                responds_to=row.get("responds_to"),
                gloss=row.get("gloss", ""),
            )
        )
    return claims


def overlap(quote: str, anchor: str) -> float:
    """Share of the normalized anchor covered by its longest common run with the quote."""
    quote, anchor = normalize(quote), normalize(anchor)
    if not anchor or not quote:
        return 0.0
    matcher = SequenceMatcher(None, quote, anchor, autojunk=False)
    match = matcher.find_longest_match(0, len(quote), 0, len(anchor))
    return match.size / len(anchor)


def _claimant_matches(prediction: Prediction, gold: GoldClaim) -> bool:
    wanted = {normalize_for_matching(name) for name in (gold.claimant, *gold.claimant_aliases)}
    wanted.discard("")
    return any(normalize_for_matching(name) in wanted for name in prediction.claimant_names)


def _dedupe(predictions: Iterable[Prediction]) -> list[Prediction]:
    seen: set[tuple[str, str]] = set()
    kept = []
    for prediction in predictions:
        key = (prediction.file, normalize(prediction.quote))
        if key in seen:
            continue
        seen.add(key)
        kept.append(prediction)
    return kept


def _assign(
    predictions: list[Prediction], gold: list[GoldClaim], *, with_claimant: bool
) -> dict[int, int]:
    """Gold index -> prediction index, one-to-one, greedy by overlap (best pairs first)."""
    pairs = []
    for gold_index, claim in enumerate(gold):
        for prediction_index, prediction in enumerate(predictions):
            if prediction.file != claim.file:
                continue
            share = overlap(prediction.quote, claim.anchor)
            if share < 0.5:
                continue
            if with_claimant and not _claimant_matches(prediction, claim):
                continue
            pairs.append((share, gold_index, prediction_index))
    pairs.sort(key=lambda pair: (-pair[0], pair[1], pair[2]))
    assigned: dict[int, int] = {}
    used: set[int] = set()
    for _share, gold_index, prediction_index in pairs:
        if gold_index in assigned or prediction_index in used:
            continue
        assigned[gold_index] = prediction_index
        used.add(prediction_index)
    return assigned


def _prf(matched: int, predicted: int, total: int) -> tuple[float, float, float]:
    precision = matched / predicted if predicted else 0.0
    recall = matched / total if total else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def score(predictions: Iterable[Prediction], gold: list[GoldClaim]) -> Report:
    kept = _dedupe(predictions)
    assigned = _assign(kept, gold, with_claimant=True)
    span_assigned = _assign(kept, gold, with_claimant=False)
    precision, recall, f1 = _prf(len(assigned), len(kept), len(gold))
    span_p, span_r, span_f1 = _prf(len(span_assigned), len(kept), len(gold))
    typed = [(gold[g], kept[p]) for g, p in assigned.items()]
    right = sum(1 for claim, prediction in typed if claim.type == prediction.type)
    by_type: dict[str, list[int]] = {}
    for index, claim in enumerate(gold):
        entry = by_type.setdefault(claim.type, [0, 0])
        entry[1] += 1
        if index in assigned:
            entry[0] += 1
    used = set(assigned.values())
    misses = []
    for index, claim in enumerate(gold):
        if index in assigned:
            continue
        nearest, best = None, 0.0
        for prediction in kept:
            if prediction.file == claim.file:
                share = overlap(prediction.quote, claim.anchor)
                if share > best:
                    nearest, best = prediction, share
        misses.append(Miss(claim, nearest, best))
    counts = Counter(
        {
            "gold": len(gold),
            "predicted": len(kept),
            "matched": len(assigned),
            "span_matched": len(span_assigned),
        }
    )
    return Report(
        precision=precision,
        recall=recall,
        f1=f1,
        span_precision=span_p,
        span_recall=span_r,
        span_f1=span_f1,
        type_accuracy=right / len(typed) if typed else 0.0,
        recall_by_type={key: (value[0], value[1]) for key, value in by_type.items()},
        counts=dict(counts),
        misses=misses,
        false_alarms=[p for index, p in enumerate(kept) if index not in used],
        wrong_types=[(claim, p) for claim, p in typed if claim.type != p.type],
    )


def claimant_names(candidate: Candidate, registry: Registry) -> frozenset[str]:
    """The names a candidate's claimant answers to.

    The party's own names; for a person speaker, those of the organisation they speak for;
    and for an office or unit (the SDF media center, YAT), those of the organisation it belongs
    to, since it speaks for it.
    """
    names: set[str] = set()
    if candidate.claimant:
        names |= registry.names(candidate.claimant)
        if registry.kind(candidate.claimant) in {"organization", "unit"}:
            for parent in registry.ancestors(candidate.claimant)[:1]:
                names |= registry.names(parent)
    if candidate.speaker:
        names |= registry.names(candidate.speaker)
        org = registry.speaks_for(candidate.speaker)
        if org:
            names |= registry.names(org)
    return frozenset(names)


def predictions_for(file: str, text: str, registry: Registry) -> list[Prediction]:
    """Predictions for one .txt file, read exactly as ingestion reads it."""
    parsed = parse_txt(text)
    body = clean_article(parsed.text, title=parsed.title).body
    predictions = []
    for part in (parsed.title, body):
        for candidate in extract(part, registry):
            predictions.append(
                Prediction(
                    file=file,
                    quote=candidate.quote,
                    claimant_names=claimant_names(candidate, registry),
                    type=candidate.type,
                    rule=candidate.rule,
                )
            )
    return predictions


def run_folder(folder: Path, registry: Registry) -> tuple[Report, list[Prediction]]:
    folder = Path(folder)
    predictions: list[Prediction] = []
    for path in sorted((folder / "articles").glob("*.txt")):
        text = decode_bytes(path.read_bytes())
        predictions.extend(predictions_for(path.name, text, registry))
    return score(predictions, load_gold(folder)), predictions


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("folder", type=Path)
    parser.add_argument("--registry", type=Path, default=DEFAULT_REGISTRY)
    parser.add_argument("--show-misses", action="store_true")
    args = parser.parse_args(argv)
    registry = Registry.from_toml(args.registry)
    report, _predictions = run_folder(args.folder, registry)
    print(report.format(show_misses=args.show_misses))
    return 0


if __name__ == "__main__":
    sys.exit(main())
