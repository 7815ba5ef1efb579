"""Closed vocabularies shared by the extractors, the gate and the marts (values as stored)."""

from __future__ import annotations

from enum import StrEnum


class SignatureStatus(StrEnum):
    """Outcome of verifying one digital signature (docs/signatures.md: chain to a trusted root, the
    certificate within validity and not revoked at signing time, the signed content unchanged)."""

    VALID = "valid"
    INVALID_SIGNATURE = "invalid_signature"
    EXPIRED = "expired"
    NOT_YET_VALID = "not_yet_valid"
    REVOKED = "revoked"
    UNTRUSTED_ISSUER = "untrusted_issuer"

