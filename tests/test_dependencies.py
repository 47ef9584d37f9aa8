"""Every import of the project is pinned in pyproject.toml, and every pin there is used (a deptry-like check)."""

from __future__ import annotations

import ast
import re
import sys
import tomllib
from importlib.metadata import packages_distributions
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CODE = ("pipeline", "assets", "checks", "resources", "eldercare", "synth", "bench", "tests")
OWN = {"pipeline", "assets", "checks", "resources", "eldercare", "synth", "bench", "tests", "conftest"}
# Pins used without an import statement naming them, each with the reason.
USED_WITHOUT_IMPORT = {
    "dagster-webserver": "serves the UI of `make ui` (dagster dev)",
    "pyarrow": "the Arrow bridge polars/pandas/DuckDB use for .to_arrow_table() and from_arrow",
    "tabulate": "pandas DataFrame.to_markdown, used for the UI's metadata tables",
}


def _pins() -> dict[str, str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    pins = [*project["dependencies"], *[d for ds in project.get("optional-dependencies", {}).values() for d in ds]]
    return {re.split(r"[=<>!~\[ ]", p, maxsplit=1)[0].lower().replace("_", "-"): p for p in pins}


def _local_modules() -> set[str]:
    """Helper modules that tests import by bare name (pytest puts their folder on sys.path)."""
    tests = ROOT / "tests"
    return {p.stem for p in tests.rglob("*.py")} | {p.name for p in tests.rglob("*") if p.is_dir()}


def _imported_top_levels() -> dict[str, str]:
    found: dict[str, str] = {}
    own = OWN | _local_modules()
    for top in CODE:
        for path in (ROOT / top).rglob("*.py") if (ROOT / top).is_dir() else []:
            if "__pycache__" in path.parts:
                continue
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                names = [a.name for a in node.names] if isinstance(node, ast.Import) else \
                    [node.module] if isinstance(node, ast.ImportFrom) and node.module and not node.level else []
                for name in names:
                    head = name.split(".")[0]
                    if head not in own and head not in sys.stdlib_module_names:
                        found.setdefault(head, str(path.relative_to(ROOT)))
    return found


def _distribution(module: str) -> str | None:
    dists = packages_distributions().get(module)
    return dists[0].lower().replace("_", "-") if dists else None


def test_every_import_is_pinned():
    pins = _pins()
    missing = {m: where for m, where in _imported_top_levels().items() if _distribution(m) not in pins}
    assert missing == {}, f"imported but not pinned in pyproject.toml (module: first file): {missing}"


def test_every_pin_is_used():
    used = {_distribution(m) for m in _imported_top_levels()}
    unused = sorted(set(_pins()) - used - set(USED_WITHOUT_IMPORT))
    assert unused == [], f"pinned in pyproject.toml but never imported: {unused}"


def test_every_pin_is_exact_and_in_the_lock():
    lock = (ROOT / "requirements.lock").read_text(encoding="utf-8").lower().replace("_", "-")
    for name, pin in _pins().items():
        assert "==" in pin, f"{pin} is not pinned exactly"
        assert pin.lower().replace("_", "-").split("[")[0] in lock or name in lock, f"{pin} is not in requirements.lock"
