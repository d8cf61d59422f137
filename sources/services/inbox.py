"""The watched inbox folder.

A file dropped in the inbox is claimed by renaming it into `processing/` — a rename is
atomic, so of two workers scanning at once exactly one gets each file — then recorded in
the ledger and queued. When its processing ends it moves to `done/` or `failed/`, a
failed one with `NAME.reason.txt` beside it (ingest.file_finalize_inbox). Symbolic links
are never followed: they are recorded as failed and moved aside.
"""

import logging
import os
import uuid
from pathlib import Path

from sources.models import IngestedFile
from sources.services.ingest import ChunkedEnqueue, file_receive_path, file_refuse

logger = logging.getLogger(__name__)

SUBFOLDERS = ("processing", "done", "failed")


def inbox_scan(*, folder: str | os.PathLike) -> int:
    """Claim every regular file at the top of the inbox; returns how many were taken."""
    root = Path(folder)
    if not root.is_dir():
        logger.error("inbox: %s is not a folder on this host; nothing scanned", root)
        return 0
    for name in SUBFOLDERS:
        (root / name).mkdir(exist_ok=True)
    taken = 0
    with ChunkedEnqueue() as chunks:
        for entry in sorted(root.iterdir()):
            if entry.name in SUBFOLDERS or entry.name.startswith("."):
                continue
            if entry.is_symlink():
                _refuse_symlink(root, entry)
                continue
            if not entry.is_file():
                continue
            claimed = root / "processing" / f"{uuid.uuid4().hex[:12]}-{entry.name}"
            try:
                os.rename(entry, claimed)
            except FileNotFoundError:
                continue  # another worker claimed it first
            taken += 1
            try:
                received = file_receive_path(
                    path=claimed, name=entry.name, origin=IngestedFile.Origin.INBOX, enqueue=False
                )
            except Exception:
                # Not recorded (the database is down...): put the file back for the next
                # scan. The files recorded before it are still handed to the workers.
                os.rename(claimed, entry)
                raise
            chunks.add(received)
            if not received.created:
                _already_received(claimed, received.file)
    return taken


def _refuse_symlink(root: Path, entry: Path) -> None:
    reason = "Symbolic links in the inbox are not followed; copy the file itself."
    target = root / "failed" / f"{uuid.uuid4().hex[:12]}-{entry.name}"
    os.rename(entry, target)  # moves the link itself, not what it points to
    target.with_name(target.name + ".reason.txt").write_text(reason + "\n", encoding="utf-8")
    file_refuse(
        name=entry.name, reason=reason, origin=IngestedFile.Origin.INBOX, source_path=str(target)
    )
    logger.warning("inbox: refused symlink %s", entry.name)


def _already_received(claimed: Path, file: IngestedFile) -> None:
    target = claimed.parent.parent / "done" / claimed.name
    os.rename(claimed, target)
    target.with_name(target.name + ".reason.txt").write_text(
        f"The same bytes were received before (ledger row {file.pk}, {file.status}).\n",
        encoding="utf-8",
    )
