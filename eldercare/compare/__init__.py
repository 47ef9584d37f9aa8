"""Compare: a published evaluation against its own rules, and one rule set against another (issue 15).

Plain, Dagster-free code; every computation is DuckDB SQL over whole tables of the warehouse.
"""

from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[2]
VARIANTS_DIR = PROJECT_ROOT / "config" / "variants"
RUBRICS_DIR = PROJECT_ROOT / "config" / "rubrics"
