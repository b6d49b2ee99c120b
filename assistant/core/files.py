"""Owner-only data: CADENCE_HOME and its folders 0700, the files in it 0600.

The folder holds every check-in's text (SQLite, the Chroma index), the session-signing key
and import uploads, so nobody else on the machine may read it, whatever umask started the
process. Folders and the SQLite file get their modes explicitly when created (SQLite gives
its -wal and -shm files the database file's mode). Files a library creates later (Chroma's
vector files, caches) are covered by ``owner_only``, which the server holds for its
lifetime and the CLI for its command: only the processes that are Cadence, never an import.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

log = logging.getLogger(__name__)
PRIVATE_UMASK = 0o077


def private_dir(path: Path) -> Path:
    """Create ``path`` (and missing parents) readable by its owner only; an existing folder is
    left as it is (CADENCE_HOME may be a folder someone chose and set up themselves)."""
    path = Path(path)
    if not path.is_dir():
        path.mkdir(mode=0o700, parents=True, exist_ok=True)
        path.chmod(0o700)  # mkdir's mode is filtered through the umask
    return path


def private_file(path: Path) -> Path:
    """Create ``path`` empty with mode 0600 if missing, or take an existing one down to 0600."""
    path = Path(path)
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    except FileExistsError:
        try:
            if path.stat().st_mode & 0o077:
                path.chmod(0o600)
        except OSError as exc:  # someone else's file: use it, but say it is readable
            log.warning("%s is readable by others and cannot be changed: %s", path, exc)
    return path


@contextmanager
def owner_only() -> Iterator[None]:
    """Files and folders created meanwhile, by this process's every thread, are the owner's
    only (umask 077); the previous umask comes back after."""
    previous = os.umask(PRIVATE_UMASK)
    try:
        yield
    finally:
        os.umask(previous)
