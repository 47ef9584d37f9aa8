"""Imports run one way: pipeline → assets → checks / resources → eldercare, and no module uses another's private names.

The rules are the table below (README, "Layout"); a wrong import fails `make test`.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PROJECT = ("pipeline", "assets", "checks", "resources", "eldercare", "synth")
ORCHESTRATION = ("dagster", "dagster_duckdb", "dagster_duckdb_pandas", "dagster_webserver")

# package → the project packages it may import (itself always allowed)
MAY_IMPORT: dict[str, set[str]] = {
    "pipeline": {"assets", "checks", "resources", "eldercare"},
    "assets": {"checks", "resources", "eldercare"},
    "checks": {"resources", "eldercare"},
    "resources": {"eldercare"},
    "eldercare": set(),
    "synth": {"eldercare"},
}
# Dagster-free packages: plain domain code and the generators.
NO_ORCHESTRATION = {"eldercare", "synth"}
# The one shared Dagster object below `pipeline`: the monthly partitions (imports nothing of the project).
ALLOWED_MODULES = {"pipeline.partitions"}


def _modules():
    for top in PROJECT:
        for path in sorted((ROOT / top).rglob("*.py")) if (ROOT / top).is_dir() else []:
            if "__pycache__" not in path.parts:
                yield top, path, ".".join(path.relative_to(ROOT).with_suffix("").parts)


def _imports(path: Path, module: str):
    """(imported module, names taken from it, line) for every import, relative ones resolved."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = module.rsplit(".", 1)[0] if not path.name == "__init__.py" else module
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, [], node.lineno
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")
                base = ".".join(parts[: len(parts) - node.level + 1] + ([base] if base else []))
            yield base, [a.name for a in node.names], node.lineno


def _private_attribute_uses(path: Path):
    """`mod._name` where `mod` was bound by importing a project module."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    bound = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for a in node.names:
                if a.name.split(".")[0] in PROJECT:
                    bound[a.asname or a.name.split(".")[0]] = a.name
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] in PROJECT:
            for a in node.names:
                bound[a.asname or a.name] = f"{node.module}.{a.name}"
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in bound \
                and node.attr.startswith("_") and not node.attr.startswith("__"):
            yield bound[node.value.id], node.attr, node.lineno


def _violations() -> list[str]:
    found = []
    for top, path, module in _modules():
        rel = path.relative_to(ROOT)
        for target, names, line in _imports(path, module):
            head = target.split(".")[0]
            if head in ORCHESTRATION and top in NO_ORCHESTRATION:
                found.append(f"{rel}:{line} imports {target}: {top}/ is Dagster-free")
            if head in PROJECT and head != top and head not in MAY_IMPORT[top] and target not in ALLOWED_MODULES:
                found.append(f"{rel}:{line} imports {target}: {top}/ may import only {sorted(MAY_IMPORT[top])}")
            if head in PROJECT and target != module:
                for name in names:
                    if name.startswith("_") and not name.startswith("__"):
                        found.append(f"{rel}:{line} imports private {target}.{name}")
        for target, attr, line in _private_attribute_uses(path):
            found.append(f"{rel}:{line} uses private {target}.{attr}")
    return found


# Violations tolerated: none. (Kept as a named empty set so an exception is a visible, reviewed change.)
KNOWN: set[str] = set()


def _key(violation: str) -> str:
    where, what = violation.split(" ", 1)
    return f"{where.split(':')[0]} {what}"


def test_imports_run_one_way_and_private_names_stay_private():
    new = [v for v in _violations() if _key(v) not in KNOWN]
    assert new == [], "layering violations:\n" + "\n".join(new)


def test_the_rules_catch_a_wrong_import(tmp_path, monkeypatch):
    """The checker itself works: a domain module importing Dagster and an asset's private name is caught."""
    fake = tmp_path / "eldercare"
    fake.mkdir()
    (fake / "bad.py").write_text("import dagster\nfrom assets.validated import _months\n", encoding="utf-8")
    monkeypatch.setattr(__import__(__name__), "ROOT", tmp_path)
    found = _violations()
    assert any("imports dagster: eldercare/ is Dagster-free" in v for v in found)
    assert any("imports assets.validated: eldercare/ may import only []" in v for v in found)
    assert any("imports private assets.validated._months" in v for v in found)
