"""The project stands alone: nothing in it reads the team's reading material beside the checkout."""

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SCANNED = ("pipeline", "assets", "checks", "resources", "eldercare", "tests", "bench", "Makefile", ".ci")


def test_no_file_reaches_outside_the_project():
    # The sibling folder's name is assembled, so that this guard is not itself a reference to it.
    sibling = "".join(("sh", "ar", "ed"))
    needles = (f"{sibling}/dom" + "ain", f"../{sibling}", f'"{sibling}" /')
    offenders = []
    for top in SCANNED:
        paths = [ROOT / top] if (ROOT / top).is_file() else (ROOT / top).rglob("*")
        for path in paths:
            if path.is_file() and path.suffix in {".py", "", ".sh", ".yaml", ".toml"} and "__pycache__" not in path.parts:
                text = path.read_text(encoding="utf-8", errors="ignore")
                if any(n in text for n in needles):
                    offenders.append(str(path.relative_to(ROOT)))
    assert offenders == [], f"files that read outside the project: {offenders}"


def test_test_modules_have_unique_names():
    """pytest imports test modules by basename (no packages under tests/): two of the same name break collection."""
    names = [p.name for p in (ROOT / "tests").rglob("test_*.py")]
    assert sorted({n for n in names if names.count(n) > 1}) == []
