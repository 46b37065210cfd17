"""Where datasets live, and checked downloads into that place.

Every dataset has a folder ``<data dir>/<dataset>/`` (for example ``~/.cache/homeml/mnist/``).
:func:`fetch` returns the local path of one file of a dataset: a file already there is used as it
is; a missing one is downloaded from the dataset's mirrors in order, streamed into a temporary file
in the same folder while its sha256 is computed, and renamed into place only when the digest
matches. A failed or rejected download leaves nothing behind.

Files already present are, by default, only checked to be non-empty: re-hashing tens of megabytes
on every load would slow down every script for little gain, and the parsers check the structure of
what they read (a truncated or corrupted IDX file is refused there). Pass ``verify=True`` to hash
files that are already present as well.
"""

from __future__ import annotations

import hashlib
import http.client
import os
import re
import urllib.error
import urllib.request
from collections.abc import Mapping, Sequence
from pathlib import Path

from tqdm.auto import tqdm

from homeml._storage import temporary_beside

ENV_VAR = "HOMEML_DATA"
DEFAULT_DATA_DIR = Path("~/.cache/homeml")
USER_AGENT = "homeml (dataset download; Python urllib)"
_CHUNK = 1 << 20  # bytes per read while streaming a download
_SHA256 = re.compile(r"[0-9a-f]{64}")


class DatasetNotFoundError(FileNotFoundError):
    """A dataset file is missing and could not be downloaded (offline, or ``download=False``).

    ``reason`` says what went wrong, ``folder`` and ``files`` (name -> sha256) what to put where;
    the message states all three.
    """

    def __init__(self, reason: str, folder: Path, files: Mapping[str, str]):
        self.reason, self.folder, self.files = reason, Path(folder), dict(files)
        lines = "\n".join(f"  {name}  (sha256 {digest})" for name, digest in self.files.items())
        super().__init__(
            f"{reason}\nTo use this dataset offline, put these files in {self.folder}/ :\n{lines}\n"
            f"(or set {ENV_VAR} to a folder whose {self.folder.name}/ subfolder holds them)."
        )


class ChecksumError(ValueError):
    """A file's sha256 is not the one expected (a corrupted download or a wrong local copy)."""


def _resolve(path=None) -> Path:
    if path is not None:
        return Path(path).expanduser()
    env = os.environ.get(ENV_VAR)
    return Path(env).expanduser() if env else DEFAULT_DATA_DIR.expanduser()


def data_dir(path=None) -> Path:
    """The root folder under which each dataset has its own folder.

    Parameters
    ----------
    path : str or os.PathLike, optional
        An explicit root; returned as a ``Path`` (with ``~`` expanded). When omitted, the
        ``HOMEML_DATA`` environment variable is used, or ``~/.cache/homeml`` if it is unset or
        empty.

    Returns
    -------
    pathlib.Path
        The root folder. It is not created here; downloads create it when they need it.
    """
    return _resolve(path)


def sha256_of(path, chunk_size: int = _CHUNK) -> str:
    """Hex sha256 digest of a file, read in chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(chunk_size):
            digest.update(chunk)
    return digest.hexdigest()


def fetch(
    dataset: str,
    filename: str,
    urls: Sequence[str],
    sha256: str,
    *,
    data_dir=None,
    download: bool = True,
    verify: bool = False,
    timeout: float = 60.0,
    progress: bool = True,
    size: int | None = None,
) -> Path:
    """Return the local path of one dataset file, downloading it first if it is missing.

    Parameters
    ----------
    dataset : str
        Name of the dataset's folder under the data directory (``"mnist"``).
    filename : str
        The file's name inside that folder (``"train-images-idx3-ubyte.gz"``).
    urls : sequence of str
        Full URLs of the file, tried in order until one gives the expected bytes.
    sha256 : str
        Expected hex sha256 digest of the file.
    data_dir : str or os.PathLike, optional
        Root data directory; default :func:`data_dir` (``$HOMEML_DATA`` or ``~/.cache/homeml``).
    download : bool, default True
        If False, a missing file raises :class:`DatasetNotFoundError` without touching the network.
    verify : bool, default False
        Also check the sha256 of a file that is already present (by default it is only checked to
        be non-empty; an empty file counts as missing and is downloaded again).
    timeout : float, default 60
        Seconds to wait on each connection or read before moving to the next mirror.
    progress : bool, default True
        Show a tqdm progress bar while downloading.
    size : int, optional
        The file's size in bytes, when known: a mirror announcing another size is skipped, and
        a stream is cut as soon as it exceeds it (otherwise the announced Content-Length bounds
        the stream).

    Returns
    -------
    pathlib.Path
        ``<data dir>/<dataset>/<filename>``, present and (if downloaded or ``verify``) verified.

    Raises
    ------
    ChecksumError
        ``verify=True`` and the present file has another digest (the file is left untouched), or
        every mirror that answered sent bytes with another digest (nothing is written).
    DatasetNotFoundError
        The file is missing and could not be downloaded; the message says which file to put where.
    """
    sha256 = sha256.lower()
    if not _SHA256.fullmatch(sha256):
        raise ValueError(f"sha256 must be 64 hex digits, got {sha256!r}")
    folder = _resolve(data_dir) / dataset
    path = folder / filename
    if path.is_file() and path.stat().st_size > 0:
        if verify:
            actual = sha256_of(path)
            if actual != sha256:
                raise ChecksumError(
                    f"{path} has sha256 {actual}, expected {sha256}. The file is corrupted or is "
                    "not the expected one; delete it to download it again, or replace it."
                )
        return path
    if not download:
        raise DatasetNotFoundError(
            f"{path} is missing and download=False.", folder, {filename: sha256}
        )

    failures, mismatches = [], []
    for url in urls:
        try:
            actual = _download(url, path, sha256, timeout, progress, size)
        except _MirrorFailed as err:
            failures.append(f"  {url}: {err}")
            continue
        if actual == sha256:
            return path
        mismatches.append(f"  {url}: got sha256 {actual}")
    if mismatches:
        raise ChecksumError(
            f"sha256 mismatch for {filename} (dataset {dataset!r}): expected {sha256}\n"
            + "\n".join(mismatches)
            + f"\nThe download was discarded; nothing was written to {folder}."
            + ("\nOther mirrors failed:\n" + "\n".join(failures) if failures else "")
        )
    tried = "\n".join(failures) if failures else "  (no mirror URLs given)"
    raise DatasetNotFoundError(
        f"could not download {filename} for dataset {dataset!r}; tried:\n{tried}",
        folder,
        {filename: sha256},
    )


def fetch_all(dataset: str, files: Mapping[str, str], mirrors: Sequence[str], **kwargs) -> dict:
    """Fetch several files of one dataset from base-URL mirrors; ``{filename: path}``.

    ``files`` maps each file name to its sha256; file ``name`` is looked for at
    ``mirror.rstrip("/") + "/" + name`` for each mirror in order. Keyword arguments go to
    :func:`fetch`. If a file cannot be had, the :class:`DatasetNotFoundError` lists every file of
    the dataset that is still missing, so one message says everything that has to be put in place.
    """
    paths = {}
    for name, digest in files.items():
        urls = [f"{mirror.rstrip('/')}/{name}" for mirror in mirrors]
        try:
            paths[name] = fetch(dataset, name, urls, digest, **kwargs)
        except DatasetNotFoundError as err:
            missing = {
                n: d
                for n, d in files.items()
                if not ((err.folder / n).is_file() and (err.folder / n).stat().st_size > 0)
            }
            raise DatasetNotFoundError(
                f"dataset {dataset!r}: {err.reason}", err.folder, missing
            ) from err
    return paths


class _MirrorFailed(Exception):
    """One mirror could not deliver the file (unreachable, HTTP error, connection lost)."""


def _download(url, path: Path, sha256: str, timeout: float, progress: bool, size=None) -> str:
    """Stream ``url`` into a temporary file beside ``path``; rename it to ``path`` if the digest
    matches. Returns the digest of what was received. Network failures, malformed URLs and
    streams longer than announced raise ``_MirrorFailed``; local failures (permissions, full
    disk) propagate. On any failure or mismatch the temporary file is removed; leftovers of an
    interrupted download (``.NAME.PID.XXXX.part``) are removed on the next download there.
    """
    try:
        request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT})
        response = urllib.request.urlopen(request, timeout=timeout)
    except (OSError, http.client.HTTPException, ValueError) as err:  # ValueError: malformed URL
        raise _MirrorFailed(f"{type(err).__name__}: {err}") from err
    with response:
        length = response.headers.get("Content-Length")
        total = int(length) if length and length.isdigit() else None
        if size is not None and total is not None and total != size:
            raise _MirrorFailed(f"the mirror announces {total} bytes; the file has {size}")
        limit = size if size is not None else total
        # Create the folder only once a server answered, so being offline leaves no trace.
        fd, tmp = temporary_beside(path, ".part")
        try:
            digest = hashlib.sha256()
            with (
                os.fdopen(fd, "wb") as out,
                tqdm(
                    total=limit,
                    unit="B",
                    unit_scale=True,
                    unit_divisor=1024,
                    desc=path.name,
                    disable=not progress,
                    leave=False,
                ) as bar,
            ):
                received = 0
                while chunk := _read(response):
                    received += len(chunk)
                    if limit is not None and received > limit:
                        raise _MirrorFailed(
                            f"the mirror sent more than the expected {limit} bytes; cut off"
                        )
                    out.write(chunk)
                    digest.update(chunk)
                    bar.update(len(chunk))
                out.flush()
                os.fsync(out.fileno())
            if limit is not None and received != limit:
                raise _MirrorFailed(
                    f"connection lost mid-download: received {received} of {limit} bytes"
                )
            actual = digest.hexdigest()
            if actual == sha256:
                os.replace(tmp, path)
        finally:
            Path(tmp).unlink(missing_ok=True)  # no-op after a successful rename
    return actual


def _read(response) -> bytes:
    try:
        return response.read(_CHUNK)
    except (OSError, http.client.HTTPException) as err:  # timeout, reset, IncompleteRead
        raise _MirrorFailed(f"connection lost mid-download: {type(err).__name__}: {err}") from err
