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

import hmac
from enum import StrEnum

import pyarrow as pa
import pyarrow.compute as pc

PSEUDONYM_PREFIX = "ps_"
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
    return PSEUDONYM_PREFIX + digest.hex()[:32]


_NEW = object()  # not in the memo yet


def pseudonymise_array(kind: PiiKind, values: pa.Array | pa.ChunkedArray, key: bytes) -> pa.Array:
    """Pseudonymise a string column; nulls and empty strings become null."""
    values = values.combine_chunks() if isinstance(values, pa.ChunkedArray) else values
    encoded = pc.dictionary_encode(values.cast(pa.string()))
    memo = _memo.setdefault((key, kind.value), {})
    if len(memo) > _MEMO_LIMIT:
        memo.clear()
    distinct = encoded.dictionary.to_pylist()
    mapped = [memo.get(value, _NEW) for value in distinct]
    new = [i for i, hit in enumerate(mapped) if hit is _NEW]
    if new:
        normalised = normalise_array(kind, encoded.dictionary.take(pa.array(new, pa.int64()))).to_pylist()
        prefix, digest = f"{kind.value}:".encode(), hmac.digest
        for i, text in zip(new, normalised, strict=True):
            pseudonym = PSEUDONYM_PREFIX + digest(key, prefix + text.encode(), "sha256").hex()[:32] if text else None
            mapped[i] = memo[distinct[i]] = pseudonym
    return pc.take(pa.array(mapped, pa.string()), encoded.indices)


def pseudonymise(kind: PiiKind, value: str | None, key: bytes) -> str | None:
    """Keyed pseudonym of one value; None and empty strings stay None."""
    if value is None or str(value).strip() == "":
        return None
    return pseudonymise_array(kind, pa.array([str(value)], pa.string()), key)[0].as_py()
