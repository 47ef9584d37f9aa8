"""The key of the keyed hash that replaces ID numbers (env ELDERCARE_ID_HASH_KEY), refused in production if it is
the development key."""

from __future__ import annotations

import os

import dagster as dg

from eldercare.privacy import DEV_ID_HASH_KEY

PRODUCTION = "production"


class DevelopmentKeyRefused(Exception):
    """The development hash key in a production environment: ID hashes would be reversible by anyone."""


def development_key_problem(key: str, environment: str | None) -> str | None:
    """One line saying why `key` may not be used in `environment` (ELDERCARE_ENV), or None when it may."""
    if (environment or "").strip().lower() == PRODUCTION and key == DEV_ID_HASH_KEY:
        return ("ELDERCARE_ENV=production but ELDERCARE_ID_HASH_KEY is the development key "
                f"'{DEV_ID_HASH_KEY}': set the production secret (it must not appear in the repository), then run again")
    if not key:
        return "ELDERCARE_ID_HASH_KEY is empty: set a secret key for the ID-number hash"
    return None


class IdHashKey(dg.ConfigurableResource):
    """HMAC key for ID-number hashes. The default is for development only: production sets its own secret.

    `environment` defaults to ELDERCARE_ENV read when a run starts; in production the development key is refused
    before any step runs.
    """

    key: str = DEV_ID_HASH_KEY
    environment: str | None = None

    @property
    def is_development_key(self) -> bool:
        return self.key == DEV_ID_HASH_KEY

    def problem(self) -> str | None:
        """Why this key may not be used here, in one line (None: it may)."""
        return development_key_problem(self.key, self.environment or os.environ.get("ELDERCARE_ENV"))

    def setup_for_execution(self, context) -> None:
        problem = self.problem()
        if problem:
            raise DevelopmentKeyRefused(problem)
