"""What the CLI checks before launching a run, each failure as one line a person can act on (no traceback):
the hash key is allowed in this environment, and the warehouse file can be opened for writing."""

from __future__ import annotations

import os

from resources import IdHashKey, Warehouse
from resources.warehouse import DEFAULT_WAREHOUSE, LOCK_WAIT_SECONDS, WarehouseUnavailable


def preflight(environ: dict[str, str] | None = None) -> str | None:
    """None when a run may start; otherwise the one line to print (the run is not launched)."""
    env = os.environ if environ is None else environ
    key = IdHashKey(key=env.get("ELDERCARE_ID_HASH_KEY", ""), environment=env.get("ELDERCARE_ENV"))
    problem = key.problem()
    if problem:
        return f"refused: {problem}"
    warehouse = Warehouse(path=env.get("ELDERCARE_WAREHOUSE", DEFAULT_WAREHOUSE),
                          lock_wait_seconds=float(env.get("ELDERCARE_LOCK_WAIT_SECONDS", LOCK_WAIT_SECONDS)))
    try:
        warehouse.check_available()
    except WarehouseUnavailable as exc:
        return f"refused: {exc}"
    return None
