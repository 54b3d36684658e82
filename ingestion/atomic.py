"""Files written whole or not at all.

Every file ingestion writes (archive copy, parquet, manifest, incident, quarantine copy, the
published warehouse) goes through :func:`replacing`: the content is written to a temporary name in
the same folder, flushed to disk (``fsync``), renamed over the final name with ``os.replace`` (an
atomic rename on POSIX file systems), and the folder itself is flushed so the rename survives a
power cut. A crash at any point leaves either the old file or the new one, never half of one.

Temporary names start with a dot and end in ``.<pid>-<random>.tmp``, so the globs that read the
data tree (``raw/<dataset>/*.parquet``, ``manifests/*.json``) never see them, and a process killed
part-way (``SIGKILL``, a power cut) leaves at most such a file, never a partial final file.
:func:`remove_stale` clears them up: the process id in the name says whether its writer is
still running.
"""

from __future__ import annotations

import hashlib
import os
import re
import secrets
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

# Large reads into one reused buffer: the copy costs little more than the hash itself.
CHUNK_BYTES = 8 << 20
TEMPORARY = re.compile(r"^\..*\.(\d+)-[0-9a-f]{8}\.tmp$")


def temporary_name(name: str) -> str:
    """A hidden temporary name for ``name``, carrying this process's id."""
    return f".{name}.{os.getpid()}-{secrets.token_hex(4)}.tmp"


def remove_stale(folder: Path, any_owner: bool = False) -> list[Path]:
    """Remove temporary files left in ``folder`` by processes that are no longer running.

    With ``any_owner``, remove every temporary file (for a folder that only the caller writes,
    e.g. under a lock it holds). Returns what was removed.
    """
    if not folder.is_dir():
        return []
    removed = []
    for path in folder.iterdir():
        if not path.name.startswith(".") or not path.name.endswith(".tmp"):
            continue
        match = TEMPORARY.match(path.name)
        if any_owner or (match is not None and not _running(int(match.group(1)))):
            path.unlink(missing_ok=True)
            removed.append(path)
    return removed


def _running(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def fsync_file(path: Path) -> None:
    """Flush a file's content to disk."""
    with path.open("rb") as f:
        os.fsync(f.fileno())


def fsync_dir(path: Path) -> None:
    """Flush a folder's entries (new names, renames, removals) to disk."""
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


@contextmanager
def replacing(target: Path) -> Iterator[Path]:
    """Yield a temporary path to write; on success it atomically becomes ``target``.

    If the block raises, the temporary file is removed and ``target`` is left as it was.
    """
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = target.parent / temporary_name(target.name)
    try:
        yield temporary
        fsync_file(temporary)
        os.replace(temporary, target)
        fsync_dir(target.parent)
    finally:
        temporary.unlink(missing_ok=True)


def write_bytes(target: Path, data: bytes) -> None:
    """Write ``data`` to ``target`` atomically."""
    with replacing(target) as temporary:
        temporary.write_bytes(data)


def write_text(target: Path, text: str) -> None:
    """Write ``text`` (UTF-8) to ``target`` atomically."""
    write_bytes(target, text.encode("utf-8"))


def copy_file(source: Path, target: Path) -> None:
    """Copy ``source`` to ``target`` atomically."""
    with replacing(target) as temporary:
        shutil.copyfile(source, temporary)


def copy_hashing(source: Path, folder: Path, suffix: str) -> tuple[Path, str, int]:
    """Copy ``source`` into ``folder`` as ``<sha256><suffix>``, hashing the bytes as they pass.

    Reading the file once means the bytes archived are exactly the bytes hashed, even if someone
    overwrites the source meanwhile. If the archive already holds a file of that name (the same
    bytes arrived before), the new copy is discarded. Returns (archive path, sha256 hex, size).
    """
    folder.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    size = 0
    temporary = folder / temporary_name("incoming")
    buffer = bytearray(CHUNK_BYTES)
    view = memoryview(buffer)
    try:
        # Unbuffered: each chunk goes from the buffer to the hash and the copy without a copy of
        # its own (hashlib releases the GIL on large chunks).
        with source.open("rb", buffering=0) as src, temporary.open("wb", buffering=0) as dst:
            while n := src.readinto(buffer):
                chunk = view[:n]
                digest.update(chunk)
                written = 0
                while written < n:
                    written += dst.write(chunk[written:])
                size += n
            os.fsync(dst.fileno())
        sha256 = digest.hexdigest()
        target = folder / f"{sha256}{suffix}"
        if not target.exists():
            os.replace(temporary, target)
            fsync_dir(folder)
        return target, sha256, size
    finally:
        temporary.unlink(missing_ok=True)
