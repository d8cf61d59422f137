"""Regression guard: the figures reached on the dev corpus and the seeds must not fall.

Reached when these rules were written (claim F1 with claimant / type accuracy):
dev 0.840 / 0.927 (every denial: 53/53), seeds 0.879 / 0.912. The floors below are those
figures minus 0.02.
"""

from pathlib import Path

import pytest

from claims.extraction.evaluation import run_folder
from claims.extraction.registry import Registry

CORPUS = Path(__file__).resolve().parents[4] / "shared" / "corpus"
REGISTRY = Path(__file__).resolve().parents[3] / "claims" / "data" / "actors.toml"

REACHED = {
    # folder: (F1 floor with claimant, type accuracy floor, no_comment found, denials found)
    "dev": (0.820, 0.907, 4, 53),
    "seeds": (0.859, 0.892, 2, 0),
}


@pytest.fixture(scope="module")
def registry() -> Registry:
    return Registry.from_toml(REGISTRY)


@pytest.mark.parametrize("folder", sorted(REACHED))
def test_extraction_quality_does_not_regress(registry, folder):
    path = CORPUS / folder
    if not (path / "gold.jsonl").exists():
        pytest.skip(f"corpus {path} is not available")
    report, predictions = run_folder(path, registry)
    f1, type_accuracy, no_comments, denials = REACHED[folder]
    assert report.f1 >= f1
    assert report.type_accuracy >= type_accuracy
    assert report.recall_by_type.get("no_comment", (0, 0))[0] >= no_comments
    assert report.recall_by_type.get("denial", (0, 0))[0] >= denials
    assert predictions
