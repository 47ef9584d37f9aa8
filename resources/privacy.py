"""The key of the keyed hash that replaces ID numbers (env ELDERCARE_ID_HASH_KEY)."""

from __future__ import annotations

import dagster as dg

from eldercare.privacy import DEV_ID_HASH_KEY


class IdHashKey(dg.ConfigurableResource):
    """HMAC key for ID-number hashes. The default is for development only: production sets its own secret."""

    key: str = DEV_ID_HASH_KEY

    @property
    def is_development_key(self) -> bool:
        return self.key == DEV_ID_HASH_KEY
