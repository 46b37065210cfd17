"""MurmurHash3 (x86, 32-bit) in NumPy: the hash of :class:`HashingVectorizer`.

The function is Austin Appleby's public-domain MurmurHash3_x86_32, the one scikit-learn's
``sklearn.utils.murmurhash3_32`` wraps, so a token lands in the same column as there. Many keys
are hashed at once: keys of the same byte length are stacked into one ``(n, length)`` array and
every 4-byte block is mixed for all of them in a few vectorized ``uint32`` operations.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

__all__ = ["murmurhash3_32"]

_C1 = np.uint32(0xCC9E2D51)
_C2 = np.uint32(0x1B873593)


def _rotl(x: np.ndarray, r: int) -> np.ndarray:
    return (x << np.uint32(r)) | (x >> np.uint32(32 - r))


def _fmix(h: np.ndarray) -> np.ndarray:
    h ^= h >> np.uint32(16)
    h *= np.uint32(0x85EBCA6B)
    h ^= h >> np.uint32(13)
    h *= np.uint32(0xC2B2AE35)
    h ^= h >> np.uint32(16)
    return h


def _hash_same_length(data: np.ndarray, seed: int) -> np.ndarray:
    """Hashes of the rows of ``data`` (uint8, shape (n, length)), as uint32."""
    n, length = data.shape
    h = np.full(n, seed, dtype=np.uint32)
    n_blocks = length // 4
    with np.errstate(over="ignore"):
        if n_blocks:
            blocks = np.ascontiguousarray(data[:, : 4 * n_blocks]).view("<u4")  # (n, n_blocks)
            for b in range(n_blocks):
                k = blocks[:, b].astype(np.uint32) * _C1
                k = _rotl(k, 15) * _C2
                h ^= k
                h = _rotl(h, 13) * np.uint32(5) + np.uint32(0xE6546B64)
        tail = length & 3
        if tail:
            k = np.zeros(n, dtype=np.uint32)
            for i in range(tail - 1, -1, -1):
                k ^= data[:, 4 * n_blocks + i].astype(np.uint32) << np.uint32(8 * i)
            k = _rotl(k * _C1, 15) * _C2
            h ^= k
        h ^= np.uint32(length)
        return _fmix(h)


def hash_bytes(keys: list[bytes], seed: int = 0) -> np.ndarray:
    """Signed 32-bit MurmurHash3 of each byte string in ``keys`` (int32 array)."""
    out = np.empty(len(keys), dtype=np.uint32)
    if not keys:
        return out.view(np.int32)
    lengths = np.fromiter(map(len, keys), dtype=np.int64, count=len(keys))
    order = np.argsort(lengths, kind="stable")
    sorted_lengths = lengths[order]
    starts = np.flatnonzero(np.r_[True, sorted_lengths[1:] != sorted_lengths[:-1]])
    ends = np.r_[starts[1:], len(keys)]
    seed = int(seed) & 0xFFFFFFFF
    for start, end in zip(starts, ends):
        members = order[start:end]
        length = int(sorted_lengths[start])
        joined = b"".join([keys[i] for i in members])
        data = np.frombuffer(joined, dtype=np.uint8).reshape(len(members), length)
        out[members] = _hash_same_length(data, seed)
    return out.view(np.int32)


def murmurhash3_32(key, seed: int = 0, positive: bool = False):
    """Compute the 32-bit MurmurHash3 of ``key``, as ``sklearn.utils.murmurhash3_32``.

    Parameters
    ----------
    key : str, bytes, int or array-like of int
        A string (hashed as its UTF-8 bytes), bytes, an int32, or an array of int32 (each
        hashed as its 4 little-endian bytes).
    seed : int, default=0
        Seed of the hash.
    positive : bool, default=False
        Return an unsigned value in ``[0, 2**32)`` instead of a signed one.

    Returns
    -------
    int or numpy.ndarray
        The hash, or one hash per element for array input.
    """
    if isinstance(key, str):
        key = key.encode("utf-8")
    if isinstance(key, bytes):
        value = hash_bytes([key], seed)
    elif isinstance(key, (int, np.integer)):
        value = hash_bytes([np.int32(key).tobytes()], seed)
    elif isinstance(key, (np.ndarray, Iterable)):
        array = np.asarray(key)
        if array.dtype.kind not in "iu":
            raise TypeError(f"key {key!r} with type {type(key).__name__} is not supported.")
        ints = array.astype("<i4").ravel()
        data = ints.view(np.uint8).reshape(len(ints), 4)
        hashed = _hash_same_length(data, int(seed) & 0xFFFFFFFF).reshape(array.shape)
        return hashed if positive else hashed.view(np.int32)
    else:
        raise TypeError(f"key {key!r} with type {type(key).__name__} is not supported.")
    return int(value.view(np.uint32)[0]) if positive else int(value[0])
