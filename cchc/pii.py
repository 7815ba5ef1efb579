"""Pseudonymisation of applicants' personal data (names, ID numbers, phones, e-mails).

Values are normalised first, so the same person gets the same pseudonym in every source system
whatever the vendor's formatting (a phone written 0912 345 678 or +84912345678), then replaced by
a keyed HMAC-SHA256 (key from configuration, never from code). The pseudonym is one-way: without
the key nobody can test a guessed name or ID number against it.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import unicodedata
from enum import StrEnum

import pyarrow as pa

PSEUDONYM_PREFIX = "ps_"
_NON_DIGITS = re.compile(r"\D+")
_SPACES = re.compile(r"\s+")


class PiiKind(StrEnum):
    NAME = "name"
    ID_NUMBER = "id_number"
    PHONE = "phone"
    EMAIL = "email"


def normalise(kind: PiiKind, value: str) -> str:
    value = unicodedata.normalize("NFC", value).strip()
    if kind is PiiKind.NAME:
        return _SPACES.sub(" ", value).casefold()
    if kind is PiiKind.ID_NUMBER:
        return _NON_DIGITS.sub("", value)
    if kind is PiiKind.PHONE:
        digits = _NON_DIGITS.sub("", value)
        return "0" + digits[2:] if digits.startswith("84") and len(digits) == 11 else digits
    return value.casefold()


def pseudonymise(kind: PiiKind, value: str | None, key: bytes) -> str | None:
    """Keyed pseudonym of one value; None and empty strings stay None."""
    if value is None or str(value).strip() == "":
        return None
    message = f"{kind.value}:{normalise(kind, str(value))}".encode()
    return PSEUDONYM_PREFIX + hmac.new(key, message, hashlib.sha256).hexdigest()[:32]


def pseudonymise_array(kind: PiiKind, values: pa.Array | pa.ChunkedArray, key: bytes) -> pa.Array:
    """Pseudonymise a string column. Distinct values are hashed once (columns repeat people)."""
    import pyarrow.compute as pc

    values = values.combine_chunks() if isinstance(values, pa.ChunkedArray) else values
    values = values.cast(pa.string())
    dictionary = pc.dictionary_encode(values)
    mapped = pa.array([pseudonymise(kind, v, key) for v in dictionary.dictionary.to_pylist()], pa.string())
    return pc.take(mapped, dictionary.indices)
