"""Pseudonymisation of applicants' personal data (names, ID numbers, phones, e-mails).

Values are normalised first, so the same person gets the same pseudonym in every source system
whatever the vendor's formatting (a phone written 0912 345 678 or +84912345678), then replaced by
a keyed HMAC-SHA256 (key from configuration, never from code). The pseudonym is one-way: without
the key nobody can test a guessed name or ID number against it.

Each distinct value as sent is normalised and hashed once per process and remembered, because the
same applicants recur page after page: a column is dictionary-encoded, its distinct values looked up
in the memo, only the new ones normalised (vectorised, Arrow compute) and hashed, and the pseudonyms
taken back to the rows in one Arrow `take`.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
from enum import StrEnum

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

PSEUDONYM_PREFIX = "ps_"
HEX_BYTES = 16  # a pseudonym keeps the first 16 bytes of the HMAC, hex-encoded
_HEX = np.frombuffer(b"0123456789abcdef", np.uint8)
_MEMO_LIMIT = 2_000_000  # distinct values remembered before the memo starts afresh
_memo: dict[tuple[bytes, str], dict[str, str]] = {}


class PiiKind(StrEnum):
    NAME = "name"
    ID_NUMBER = "id_number"
    PHONE = "phone"
    EMAIL = "email"


def normalise_array(kind: PiiKind, values: pa.Array) -> pa.Array:
    values = pc.utf8_normalize(values.cast(pa.string()), "NFC")
    if kind is PiiKind.NAME:
        return pc.utf8_lower(pc.replace_substring_regex(pc.utf8_trim_whitespace(values), r"\s+", " "))
    if kind is PiiKind.EMAIL:
        return pc.utf8_lower(pc.utf8_trim_whitespace(values))
    digits = pc.replace_substring_regex(values, r"\D+", "")
    if kind is PiiKind.PHONE:  # +84 912 345 678 and 0912 345 678 are the same number
        international = pc.and_(pc.starts_with(digits, "84"), pc.equal(pc.utf8_length(digits), 11))
        return pc.if_else(international, pc.binary_join_element_wise("0", pc.utf8_slice_codeunits(digits, 2), ""),
                          digits)
    return digits


def _hash(key: bytes, kind: PiiKind, normalised: str) -> str:
    digest = hmac.digest(key, f"{kind.value}:{normalised}".encode(), "sha256")
    return PSEUDONYM_PREFIX + digest.hex()[:2 * HEX_BYTES]


def pseudonymise_array(kind: PiiKind, values: pa.Array | pa.ChunkedArray, key: bytes) -> pa.Array:
    """Pseudonymise a string column; nulls and empty strings become null."""
    values = values.combine_chunks() if isinstance(values, pa.ChunkedArray) else values
    encoded = pc.dictionary_encode(values.cast(pa.string()))
    memo = _memo.setdefault((key, kind.value), {})
    if len(memo) > _MEMO_LIMIT:
        memo.clear()
    distinct = encoded.dictionary.to_pylist()
    known = pa.array(list(map(memo.get, distinct)), pa.string())  # null: not seen yet ("" = empty once normalised)
    if known.null_count:
        new = pc.is_null(known)
        pseudonyms = _pseudonyms(kind, normalise_array(kind, encoded.dictionary.filter(new)), key)
        memo.update(zip(encoded.dictionary.filter(new).to_pylist(), pseudonyms.to_pylist(), strict=True))
        known = pc.replace_with_mask(known, new, pseudonyms)
    return pc.take(pc.if_else(pc.equal(known, ""), pa.scalar(None, pa.string()), known), encoded.indices)


_IPAD, _OPAD = bytes(x ^ 0x36 for x in range(256)), bytes(x ^ 0x5C for x in range(256))


@functools.lru_cache(maxsize=8)
def _hmac_sha256(key: bytes):
    """HMAC-SHA256 under `key` (RFC 2104) from the two keyed SHA-256 states, copied per message: the
    same digest as `hmac.digest(key, msg, "sha256")` (tested) at a fraction of OpenSSL's per-call set-up."""
    block = (hashlib.sha256(key).digest() if len(key) > 64 else key).ljust(64, b"\0")
    inner, outer = hashlib.sha256(block.translate(_IPAD)), hashlib.sha256(block.translate(_OPAD))

    def digest(message: bytes) -> bytes:
        i, o = inner.copy(), outer.copy()
        i.update(message)
        o.update(i.digest())
        return o.digest()

    return digest


def _pseudonyms(kind: PiiKind, normalised: pa.Array, key: bytes) -> pa.Array:
    """HMAC of each normalised value ("" for an empty one): the messages are built and the digests
    hex-encoded column-wise; only the HMAC itself is called per value."""
    messages = pc.binary_join_element_wise(f"{kind.value}:", normalised, "").cast(pa.binary()).to_pylist()
    digests = np.frombuffer(b"".join(map(_hmac_sha256(key), messages)), np.uint8).reshape(-1, 32)[:, :HEX_BYTES]
    text = np.empty((len(messages), len(PSEUDONYM_PREFIX) + 2 * HEX_BYTES), np.uint8)
    text[:, :len(PSEUDONYM_PREFIX)] = np.frombuffer(PSEUDONYM_PREFIX.encode(), np.uint8)
    text[:, len(PSEUDONYM_PREFIX)::2] = _HEX[digests >> 4]
    text[:, len(PSEUDONYM_PREFIX) + 1::2] = _HEX[digests & 0x0F]
    width = text.shape[1]
    offsets = pa.py_buffer(np.arange(0, (len(messages) + 1) * width, width, dtype=np.int32))
    hashed = pa.Array.from_buffers(pa.string(), len(messages), [None, offsets, pa.py_buffer(text.tobytes())])
    return pc.if_else(pc.equal(normalised, ""), pa.scalar("", pa.string()), hashed)


def pseudonymise(kind: PiiKind, value: str | None, key: bytes) -> str | None:
    """Keyed pseudonym of one value; None and empty strings stay None."""
    if value is None or str(value).strip() == "":
        return None
    return pseudonymise_array(kind, pa.array([str(value)], pa.string()), key)[0].as_py()
