"""A scoring table (rubric) as a reviewer writes it in `config/rubrics/<id>.yaml`: levels, indicators, a rule each.

Typed with pydantic (unknown keys refused); every error names the file and the key. Metric ids are checked against
the figures the pipeline knows at load, so a rubric naming a figure that does not exist fails loudly.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Iterable, Literal, Union

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

RUBRICS_DIR = Path(__file__).resolve().parents[2] / "config" / "rubrics"
DEFAULTS_FILE_NAME = "defaults.yaml"
TOLERANCE = 1e-9


class RubricError(ValueError):
    """A rubric file that cannot be used: names the file and the key."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ManualRule(_Strict):
    """Scored by a reviewer in judgments.yaml; `guide` is the rule as printed."""

    kind: Literal["manual"]
    guide: str


class Criterion(_Strict):
    name: str
    points: float = Field(gt=0)


class CriteriaRule(_Strict):
    """A sum of yes/no criteria; the reviewer answers each in judgments.yaml (`criteria:`), or scores the whole."""

    kind: Literal["criteria"]
    criteria: list[Criterion] = Field(min_length=1)
    guide: str | None = None


class RatioRule(_Strict):
    """score = metric value × points, capped (default: the indicator's points)."""

    kind: Literal["ratio"]
    metric: str
    cap: float | None = None


class DeductionRule(_Strict):
    """score = points − per × occurrences, floored (扣完为止); occurrences from a metric or the reviewer's `actual`."""

    kind: Literal["deduction"]
    per: float = Field(gt=0)
    metric: str | None = None
    floor: float = 0.0
    guide: str | None = None


class PerUnitRule(_Strict):
    """每少完成一个扣 deduct 分，超额完成一个加 bonus 分 against a target count (the rule's, or the reviewer's)."""

    kind: Literal["per_unit"]
    deduct: float = Field(ge=0)
    bonus: float = Field(ge=0)
    target: float | None = None
    metric: str | None = None
    max_score: float | None = None  # None: no cap of its own, the item's cap binds
    floor: float = 0.0


class Band(_Strict):
    min: float | None  # inclusive lower bound; None = below every other band
    score: float = Field(ge=0)


class BandsRule(_Strict):
    """Banded thresholds on a metric: ≥0.9 → 5, ≥0.8 → 3, … (lower bounds inclusive)."""

    kind: Literal["bands"]
    metric: str
    bands: list[Band] = Field(min_length=1)


class TargetRule(_Strict):
    """Target vs actual: full points when met, else 0. The actual is a metric or the reviewer's `actual`."""

    kind: Literal["target"]
    target: str | float
    compare: Literal["number", "deadline", "text"]
    op: Literal[">=", "<=", "=", ">", "<"] = ">="
    metric: str | None = None
    met_when: list[str] = Field(default_factory=list)
    not_met_when: list[str] = Field(default_factory=list)


Rule = Annotated[Union[ManualRule, CriteriaRule, RatioRule, DeductionRule, PerUnitRule, BandsRule, TargetRule],
                 Field(discriminator="kind")]


class Indicator(_Strict):
    name: str = Field(min_length=1)
    points: float = Field(gt=0)
    core: bool = False  # ★ core indicator
    rule: Rule

    @property
    def metric(self) -> str | None:
        return getattr(self.rule, "metric", None)

    @property
    def ceiling(self) -> float:
        """The most this indicator can give (a per-unit bonus without a cap of its own is bounded by its item)."""
        if isinstance(self.rule, PerUnitRule) and self.rule.bonus > 0:
            return float("inf") if self.rule.max_score is None else self.rule.max_score
        if isinstance(self.rule, RatioRule) and self.rule.cap is not None:
            return self.rule.cap
        return self.points


def _check_sum(name: str, points: float, parts: Iterable[float], capped: bool) -> None:
    total = sum(parts)
    if total < points - TOLERANCE:
        raise ValueError(f"'{name}': its parts give {total:g} points, fewer than its {points:g}")
    if total > points + TOLERANCE and not capped:
        raise ValueError(f"'{name}': its parts give {total:g} points, more than its {points:g} (set capped: true "
                         f"if the table caps them)")


class Group(_Strict):
    """A level-2 node (二级指标): its indicators' points add up to its own (or more, when `capped`)."""

    name: str
    points: float = Field(gt=0)
    capped: bool = False
    indicators: list[Indicator] = Field(min_length=1)

    @model_validator(mode="after")
    def _sums(self):
        _check_sum(self.name, self.points, (i.points for i in self.indicators), self.capped)
        return self


class Level(_Strict):
    """A level-1 node (一级指标 or a numbered item): groups, or indicators directly; a bonus item adds to the total."""

    name: str
    points: float = Field(gt=0)
    capped: bool = False
    bonus: bool = False  # 加分项目: beyond the table's points
    groups: list[Group] = Field(default_factory=list)
    indicators: list[Indicator] = Field(default_factory=list)

    @model_validator(mode="after")
    def _shape(self):
        if bool(self.groups) == bool(self.indicators):
            raise ValueError(f"'{self.name}': give either groups or indicators")
        parts = [g.points for g in self.groups] or [i.points for i in self.indicators]
        _check_sum(self.name, self.points, parts, self.capped)
        return self


class GradeBand(_Strict):
    grade: str
    min: float | None  # inclusive lower bound of the total; None = below every other band


class Veto(_Strict):
    """否决性指标: when a reviewer records one, the grade is `grade` whatever the points."""

    name: str
    grade: str
    guide: str


class Rubric(_Strict):
    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    title: str
    source: str
    subject: Literal["region", "institution"]
    points: float = Field(gt=0)
    grades: list[GradeBand] = Field(default_factory=list)
    veto: Veto | None = None
    levels: list[Level] = Field(min_length=1)

    @model_validator(mode="after")
    def _consistent(self):
        regular = sum(lv.points for lv in self.levels if not lv.bonus)
        if abs(regular - self.points) > TOLERANCE:
            raise ValueError(f"the levels give {regular:g} points, the table {self.points:g}")
        keys = [key for key, _, _, _ in self.indicators()]
        dup = sorted({k for k in keys if keys.count(k) > 1})
        if dup:
            raise ValueError(f"indicator names not unique within their level 2: {dup}")
        if len({g.min for g in self.grades}) != len(self.grades):
            raise ValueError("two grade bands share a lower bound")
        return self

    def indicators(self) -> list[tuple[str, str, str | None, Indicator]]:
        """(key, level1, level2, indicator) in table order; the key is the name, or 'level2/name' when the name
        repeats in the table (seed 001 prints the same indicator under 数量 and 时效)."""
        rows = []
        for lv in self.levels:
            for g in lv.groups or [None]:
                for ind in (g.indicators if g else lv.indicators):
                    rows.append((lv.name, g.name if g else None, ind))
        names = [ind.name for _, _, ind in rows]
        return [(ind.name if names.count(ind.name) == 1 else f"{l2 or l1}/{ind.name}", l1, l2, ind)
                for l1, l2, ind in rows]

    def names(self) -> dict[str, str]:
        """Every way a judgment may name an indicator (its key, or 'level2/name') → its key."""
        out = {}
        for key, l1, l2, ind in self.indicators():
            out[f"{l2 or l1}/{ind.name}"] = key
            out[key] = key
        return out

    def max_points(self) -> float:
        """The table's points plus its bonus items."""
        return self.points + sum(lv.points for lv in self.levels if lv.bonus)

    def metrics(self) -> set[str]:
        return {ind.metric for _, _, _, ind in self.indicators() if ind.metric}


def _location(err: dict) -> str:
    return ".".join(str(p) for p in err["loc"] if not (isinstance(p, str) and p.endswith("Rule")))


def load_rubric(path: Path, known_metrics: Iterable[str]) -> Rubric:
    """Read and check one rubric file; every metric it names must be one of `known_metrics`."""
    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise RubricError(f"{path}: cannot be read as YAML: {exc}") from exc
    if not isinstance(doc, dict):
        raise RubricError(f"{path}: must be a mapping of keys (id, title, levels, …)")
    try:
        rubric = Rubric.model_validate(doc)
    except ValidationError as exc:
        problems = "; ".join(f"key '{_location(e)}': {e['msg']}" for e in exc.errors())
        raise RubricError(f"{path}: {problems}") from None
    if rubric.id != path.stem:
        raise RubricError(f"{path}: key 'id' is '{rubric.id}', the file is named '{path.stem}'")
    known = set(known_metrics)
    for key, _, _, ind in rubric.indicators():
        if ind.metric and ind.metric not in known:
            raise RubricError(f"{path}: indicator '{key}' key 'rule.metric': '{ind.metric}' is not a figure of "
                              f"metrics.figures")
    return rubric


def rubric_ids(folder: Path = RUBRICS_DIR) -> list[str]:
    """The ids of the rubric files in the folder."""
    return sorted(p.stem for p in folder.glob("*.yaml") if p.name != DEFAULTS_FILE_NAME)


def load_rubrics(known_metrics: Iterable[str], folder: Path = RUBRICS_DIR,
                 ids: Iterable[str] | None = None) -> dict[str, Rubric]:
    """The rubrics of the folder (or the ids asked for), each checked."""
    known = set(known_metrics)
    wanted = sorted(set(ids)) if ids is not None else rubric_ids(folder)
    missing = [i for i in wanted if not (folder / f"{i}.yaml").exists()]
    if missing:
        raise RubricError(f"{folder}: no rubric file for {missing}")
    return {i: load_rubric(folder / f"{i}.yaml", known) for i in wanted}


def default_rubrics(folder: Path = RUBRICS_DIR) -> list[str]:
    """The programme default (`default:` of config/rubrics/defaults.yaml): the rubrics of a region that names none."""
    path = folder / DEFAULTS_FILE_NAME
    doc = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    value = doc.get("default") if isinstance(doc, dict) else None
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise RubricError(f"{path}: key 'default' must be a list of rubric ids")
    unknown = [v for v in value if v not in rubric_ids(folder)]
    if unknown:
        raise RubricError(f"{path}: key 'default': no rubric file for {unknown}")
    return value
