"""Files: atomic writes (temporary file, fsync, rename), the leftovers of interrupted writes,
writable-folder checks, and reading only regular files.
"""

from __future__ import annotations

import os
import stat
import tempfile
from collections.abc import Iterable
from pathlib import Path

from homeml._storage._format import ModelFileError


def _read_umask() -> int:
    umask = os.umask(0o022)  # reading the umask means setting it: done once, at import
    os.umask(umask)
    return umask


_UMASK = _read_umask()


def ensure_folder(folder: str | os.PathLike) -> Path:
    """Create ``folder`` (and its parents); a clear error when a part of it is a file."""
    folder = Path(folder)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except (FileExistsError, NotADirectoryError):
        blocker = next(
            (p for p in (folder, *folder.parents) if p.exists() and not p.is_dir()), None
        )
        raise NotADirectoryError(
            f"cannot create the folder {folder}: {blocker or folder} is a file, not a folder"
        ) from None
    return folder


def remove_stale_temporaries(path: str | os.PathLike, suffix: str) -> None:
    """Remove what interrupted writes to ``path`` left: ``.NAME.PID.XXXX{suffix}`` files whose
    process is gone (a live writer's file is kept, so concurrent writers stay safe).
    """
    path = Path(path)
    start = f".{path.name}."
    try:
        siblings = list(path.parent.iterdir())
    except OSError:
        return
    for sibling in siblings:
        name = sibling.name
        if not (name.startswith(start) and name.endswith(suffix)):
            continue
        pid = name[len(start) : -len(suffix)].partition(".")[0]
        if pid.isdigit() and _alive(int(pid)):
            continue
        try:
            if sibling.is_file() and not sibling.is_symlink():
                sibling.unlink()
        except OSError:  # another process removed or renamed it first
            pass


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError):
        return True  # someone else's process, or a number we cannot ask about: keep the file
    return True


def temporary_beside(path: str | os.PathLike, suffix: str) -> tuple[int, str]:
    """``(fd, name)`` of a new file beside ``path``, named for :func:`remove_stale_temporaries`,
    created after removing the leftovers of interrupted writes; mode as ``open()`` would give.
    """
    path = Path(path)
    ensure_folder(path.parent)
    remove_stale_temporaries(path, suffix)
    fd, tmp = tempfile.mkstemp(
        dir=path.parent, prefix=f".{path.name}.{os.getpid()}.", suffix=suffix
    )
    os.chmod(tmp, 0o666 & ~_UMASK)  # mkstemp makes it owner-only; open() would not
    return fd, tmp


def atomic_write(path: str | os.PathLike, chunks: Iterable[bytes | memoryview]) -> None:
    """Write byte chunks to ``path`` through a temporary file and a rename."""
    path = Path(path)
    fd, tmp = temporary_beside(path, ".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            for chunk in chunks:
                f.write(chunk)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def check_writable_folder(folder: str | os.PathLike) -> Path:
    """Create ``folder`` if needed and prove a file can be written there (then removed).

    Raises
    ------
    NotADirectoryError
        A part of the path is a file.
    PermissionError
        The folder cannot be written.
    """
    folder = ensure_folder(folder)
    try:
        with tempfile.TemporaryFile(dir=folder):
            pass
    except OSError as error:
        raise type(error)(
            error.errno, f"cannot write in {folder}: {error.strerror or error}"
        ) from None
    return folder


def read_regular_file(path: str | os.PathLike) -> bytes:
    """The bytes of a regular file; devices, FIFOs and sockets are refused without reading."""
    path = Path(path)
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))  # a FIFO must not block
    except IsADirectoryError:
        raise ModelFileError(f"{path}: is a folder, not a model file") from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise ModelFileError(f"{path}: is not a regular file (a device, FIFO or socket)")
        size, parts = info.st_size, []
        remaining = size
        while remaining > 0:
            part = os.read(fd, min(remaining, 1 << 24))
            if not part:
                break
            parts.append(part)
            remaining -= len(part)
        raw = b"".join(parts)
        if len(raw) != size:
            raise ModelFileError(f"{path}: changed while being read ({len(raw)} of {size} bytes)")
        return raw
    finally:
        os.close(fd)
