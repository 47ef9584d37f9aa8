"""Pseudonymisation for personal data: keyed hashes for joins, masks for display.

ID numbers and names never leave the loader in clear; joins use `keyed_hash`, people see `mask_*`.
"""

from __future__ import annotations

import hashlib
import hmac

from eldercare.formats import clean_text, normalise_id_number

# Development default only. Production must set the environment variable ELDERCARE_ID_HASH_KEY
# (read by the pipeline's configuration, not here); hashes made with this key are not secret.
DEV_ID_HASH_KEY = "dev-only-not-secret"


def keyed_hash(value: str, key: str) -> str:
    """First 32 hex characters of HMAC-SHA256(key, value): a stable join key that cannot be reversed without the key."""
    if not key:
        raise ValueError("keyed_hash needs a non-empty key")
    return hmac.new(key.encode("utf-8"), value.encode("utf-8"), hashlib.sha256).hexdigest()[:32]


def keyed_hashes(values: list[str | None], key: str) -> list[str | None]:
    """`keyed_hash` of many values (None stays None), each with `hmac.digest`: one C call a value, no HMAC object."""
    if not key:
        raise ValueError("keyed_hash needs a non-empty key")
    secret = key.encode("utf-8")
    return [None if value is None else hmac.digest(secret, value.encode("utf-8"), "sha256").hex()[:32]
            for value in values]


def mask_name(name: str | None) -> str | None:
    """Keep the first and last character of a name and star the rest (张三华 → 张*华, 张三 → 张*)."""
    text = clean_text(name)
    if text is None:
        return None
    if len(text) == 1:
        return "*"
    if len(text) == 2:
        return text[0] + "*"
    return text[0] + "*" * (len(text) - 2) + text[-1]


def mask_id(id_number: str | None) -> str | None:
    """Public display form of an ID number: first 6 and last 4 characters kept, the rest starred."""
    norm = normalise_id_number(id_number)
    if norm is None:
        return None
    if len(norm) < 11:
        return "*" * len(norm)
    return norm[:6] + "*" * (len(norm) - 10) + norm[-4:]
