"""The checkpoint file outside the database: JSON lines, opened O_APPEND and fsynced for every line, so
what was written stays even if the database is rewritten. Keep it on storage the database administrator
cannot write (another volume, another account, a WORM bucket mirrored from it)."""
from __future__ import annotations

import json
import os
from pathlib import Path

from flask import current_app


def journal_path() -> Path:
    return Path(current_app.config["CHECKPOINT_FILE"])


def append(entry: dict, path: Path | None = None) -> None:
    path = path or journal_path()
    new = not path.exists()
    path.parent.mkdir(parents=True, exist_ok=True)
    line = (json.dumps(entry, ensure_ascii=False, sort_keys=True, separators=(",", ":")) + "\n").encode("utf-8")
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o640)
    try:
        os.write(fd, line)
        os.fsync(fd)
    finally:
        os.close(fd)
    if new:  # the new directory entry must survive a crash too
        dir_fd = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)


def read(path: Path | None = None) -> tuple[list[dict], list[str]]:
    """(entries, problems): every readable line, and one problem per unreadable one."""
    path = path or journal_path()
    if not path.exists():
        return [], []
    entries, problems = [], []
    with path.open("rb") as f:
        for n, raw in enumerate(f, start=1):
            if not raw.strip():
                continue
            try:
                entry = json.loads(raw.decode("utf-8"))
                if not isinstance(entry, dict) or not isinstance(entry.get("payload"), dict):
                    raise ValueError("not a checkpoint entry")
                entries.append(entry)
            except (ValueError, UnicodeDecodeError) as exc:
                problems.append(f"{path} line {n}: unreadable ({exc})")
    return entries, problems
