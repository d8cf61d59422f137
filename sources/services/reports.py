"""Reading the ledger: what happened to a set of received files."""

from dataclasses import dataclass, field

from django.db.models import Q

from sources.models import IngestedFile

Status = IngestedFile.Status


@dataclass
class LedgerSummary:
    done: int = 0
    duplicate: int = 0
    failed: int = 0
    pending: int = 0
    records: int = 0
    failures: list[tuple[str, str]] = field(default_factory=list)


def ledger_summary(*, file_ids: list[int]) -> LedgerSummary:
    """Counts over what each file became: a .json/.jsonl file counts by its records."""
    rows = list(
        IngestedFile.objects.filter(Q(pk__in=file_ids) | Q(parent_id__in=file_ids))
        .order_by("pk")
        .values("pk", "parent_id", "status", "original_name", "error", "line")
    )
    split = {row["parent_id"] for row in rows if row["parent_id"]}
    summary = LedgerSummary()
    for row in rows:
        if row["pk"] in split:
            continue  # a JSON file counts through its records
        summary.records += bool(row["parent_id"])
        status = row["status"]
        if status == Status.DONE:
            summary.done += 1
        elif status == Status.DUPLICATE:
            summary.duplicate += 1
        elif status == Status.FAILED:
            summary.failed += 1
            summary.failures.append((row["original_name"], row["error"]))
        else:
            summary.pending += 1
    return summary
