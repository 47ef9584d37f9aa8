"""The ID-hash key: outside development the development key is refused, by every run however it is launched."""

from __future__ import annotations

import dagster as dg

from eldercare.privacy import DEV_ID_HASH_KEY
from resources.privacy import IdHashKey, development_key_problem


def test_the_development_key_is_refused_only_in_production():
    assert development_key_problem(DEV_ID_HASH_KEY, "production") is not None
    assert development_key_problem(DEV_ID_HASH_KEY, " Production ") is not None
    assert development_key_problem(DEV_ID_HASH_KEY, None) is None  # development is the default
    assert development_key_problem(DEV_ID_HASH_KEY, "development") is None
    assert development_key_problem("a-real-secret", "production") is None
    assert development_key_problem("", "development") is not None


def test_a_run_in_production_with_the_development_key_fails_before_any_step(monkeypatch):
    """What a run launched from the UI or the schedule does (the CLI refuses earlier, in one line)."""
    monkeypatch.setenv("ELDERCARE_ENV", "production")
    ran = []

    @dg.asset
    def needs_key(id_hash_key: IdHashKey) -> None:
        ran.append(id_hash_key.key)

    result = dg.materialize([needs_key], resources={"id_hash_key": IdHashKey(key=DEV_ID_HASH_KEY)},
                            raise_on_error=False)
    assert not result.success and ran == []
    failure = next(e for e in result.all_events if e.is_failure)
    assert "ELDERCARE_ENV=production" in str(failure.event_specific_data.error.cause or failure.event_specific_data.error)
    ok = dg.materialize([needs_key], resources={"id_hash_key": IdHashKey(key="a-real-secret")})
    assert ok.success and ran == ["a-real-secret"]
