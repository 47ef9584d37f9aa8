"""A region's `judgments.yaml` (format: the raw-ledger contract, ledgers.md): a reviewer's scores, evidence,
overrides and vetoes.

rubric id → subject (region code or institution id) → indicator name as printed → {score, evidence}; an entry may
also give `actual` (what was achieved, for a target or a count the rule scores), `target` (a per-unit rule's task
count) or `criteria` (criterion name → true/false/points). Errors name the file and the key.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import re

import pandas as pd
import yaml

from eldercare.privacy import mask_id
from eldercare.region import YAML_LOADER
from eldercare.rubrics.model import Rubric

FILE_NAME = "judgments.yaml"
# an ID number written into a reviewer's note is masked (6 + 4) before it reaches any table
ID_LIKE = re.compile(r"(?<![0-9A-Za-z])[1-9]\d{16}[\dXx](?![0-9A-Za-z])")
ENTRY_KEYS = {"score", "evidence", "actual", "target", "criteria"}
OVERRIDE_KEYS = {"rubric", "subject", "indicator", "score", "reason"}
VETO_KEYS = {"rubric", "subject", "reason", "evidence"}
JUDGMENT_COLUMNS = ["region_code", "rubric", "subject", "indicator", "score", "evidence", "actual", "target",
                    "criteria", "source"]
OVERRIDE_COLUMNS = ["region_code", "rubric", "subject", "indicator", "score", "reason", "source"]
VETO_COLUMNS = ["region_code", "rubric", "subject", "reason", "evidence", "source"]


class JudgmentsError(ValueError):
    """A judgments file that cannot be used: names the file and the key."""


@dataclass(frozen=True)
class Judgments:
    """The parsed file(s): one frame each of judgments, overrides and vetoes."""

    judgments: pd.DataFrame
    overrides: pd.DataFrame
    vetoes: pd.DataFrame

    @classmethod
    def empty(cls) -> "Judgments":
        return cls(pd.DataFrame(columns=JUDGMENT_COLUMNS), pd.DataFrame(columns=OVERRIDE_COLUMNS),
                   pd.DataFrame(columns=VETO_COLUMNS))

    @classmethod
    def concat(cls, parts: list["Judgments"]) -> "Judgments":
        if not parts:
            return cls.empty()
        return cls(*(pd.concat([getattr(p, f) for p in parts], ignore_index=True)
                     for f in ("judgments", "overrides", "vetoes")))

    def rubrics(self) -> set[str]:
        return set(self.judgments["rubric"]) | set(self.overrides["rubric"]) | set(self.vetoes["rubric"])


def _number(value, where: str, key: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise JudgmentsError(f"{where}: key '{key}': '{value}' is not a number")
    return float(value)


def _text(value, where: str, key: str, required: bool = False) -> str | None:
    if value is None:
        if required:
            raise JudgmentsError(f"{where}: key '{key}' is missing")
        return None
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if not isinstance(value, (str, int, float)) or isinstance(value, bool):
        raise JudgmentsError(f"{where}: key '{key}': expected text")
    return redact(str(value))


def redact(text: str) -> str:
    """The text with every ID-number-shaped run masked to its first 6 and last 4 characters."""
    return ID_LIKE.sub(lambda m: mask_id(m.group(0)) or m.group(0), text)


def _check_entry(item: object, source: str, key: str, allowed: frozenset | set, required: tuple[str, ...]) -> None:
    """An `overrides` / `vetoes` entry: a mapping of known keys with its required texts, else a named error."""
    if not isinstance(item, dict):
        raise JudgmentsError(f"{source}: key '{key}' must be a mapping")
    extra = set(item) - set(allowed)
    if extra:
        raise JudgmentsError(f"{source}: key '{key}': unknown keys {sorted(extra)}")
    for k in required:
        _text(item.get(k), source, f"{key}.{k}", required=True)


def parse_judgments(doc: object, source: str, region_code: str) -> Judgments:
    """The rows of one judgments document (already read from YAML); `source` names the file in errors."""
    if doc is None:
        return Judgments.empty()
    if not isinstance(doc, dict):
        raise JudgmentsError(f"{source}: must be a mapping of rubric id → subject → indicator")
    rows, overrides, vetoes = [], [], []
    for rubric, subjects in doc.items():
        if rubric in ("overrides", "vetoes"):
            continue
        if not isinstance(subjects, dict):
            raise JudgmentsError(f"{source}: key '{rubric}' must map subjects to indicators")
        for subject, entries in subjects.items():
            where = f"{rubric}.{subject}"
            if not isinstance(entries, dict):
                raise JudgmentsError(f"{source}: key '{where}' must map indicator names to {{score, evidence}}")
            for indicator, entry in entries.items():
                key = f"{where}.{indicator}"
                if isinstance(entry, (int, float)) and not isinstance(entry, bool):
                    entry = {"score": entry}
                if not isinstance(entry, dict):
                    raise JudgmentsError(f"{source}: key '{key}' must be {{score, evidence}}")
                extra = set(entry) - ENTRY_KEYS
                if extra:
                    raise JudgmentsError(f"{source}: key '{key}': unknown keys {sorted(extra)} "
                                         f"(allowed: {sorted(ENTRY_KEYS)})")
                if not ({"score", "actual", "criteria"} & set(entry)):
                    raise JudgmentsError(f"{source}: key '{key}': give a score, an actual or criteria")
                score = _number(entry["score"], source, f"{key}.score") if "score" in entry else None
                if score is not None and score < 0:
                    raise JudgmentsError(f"{source}: key '{key}.score': {score:g} is negative")
                crit = entry.get("criteria")
                if crit is not None and not isinstance(crit, dict):
                    raise JudgmentsError(f"{source}: key '{key}.criteria' must map criterion names to true/false")
                actual = entry.get("actual")
                if isinstance(actual, (dict, list)):
                    raise JudgmentsError(f"{source}: key '{key}.actual' must be a number, a date or text")
                if isinstance(actual, str):
                    actual = redact(actual)
                rows.append({"region_code": region_code, "rubric": str(rubric), "subject": str(subject),
                             "indicator": str(indicator), "score": score,
                             "evidence": _text(entry.get("evidence"), source, f"{key}.evidence"),
                             "actual": actual,
                             "target": _number(entry["target"], source, f"{key}.target") if "target" in entry else None,
                             "criteria": crit, "source": source})
    for i, item in enumerate(doc.get("overrides") or []):
        key = f"overrides[{i}]"
        _check_entry(item, source, key, OVERRIDE_KEYS, ("rubric", "subject", "indicator", "reason"))
        if "score" not in item:
            raise JudgmentsError(f"{source}: key '{key}.score' is missing")
        overrides.append({"region_code": region_code, "rubric": str(item["rubric"]), "subject": str(item["subject"]),
                          "indicator": str(item["indicator"]), "score": _number(item["score"], source, f"{key}.score"),
                          "reason": redact(str(item["reason"])), "source": source})
    for i, item in enumerate(doc.get("vetoes") or []):
        key = f"vetoes[{i}]"
        _check_entry(item, source, key, VETO_KEYS, ("rubric", "subject", "reason"))
        vetoes.append({"region_code": region_code, "rubric": str(item["rubric"]), "subject": str(item["subject"]),
                       "reason": redact(str(item["reason"])),
                       "evidence": _text(item.get("evidence"), source, f"{key}.evidence"),
                       "source": source})
    return Judgments(pd.DataFrame(rows, columns=JUDGMENT_COLUMNS), pd.DataFrame(overrides, columns=OVERRIDE_COLUMNS),
                     pd.DataFrame(vetoes, columns=VETO_COLUMNS))


def load_judgments(path: Path, region_code: str, label: str | None = None) -> Judgments:
    """A region's judgments.yaml (no file: no judgments)."""
    if not path.exists():
        return Judgments.empty()
    source = label or str(path)
    try:
        doc = yaml.load(path.read_text(encoding="utf-8"), Loader=YAML_LOADER)
    except (OSError, yaml.YAMLError) as exc:
        raise JudgmentsError(f"{source}: cannot be read as YAML: {exc}") from exc
    return parse_judgments(doc, source, region_code)


def check_against(judgments: Judgments, rubrics: dict[str, Rubric]) -> Judgments:
    """The judgments with each indicator named by its key; fails when a rubric id or an indicator name is unknown
    or a score exceeds what the indicator can give."""
    frames = {}
    names = {rid: r.names() for rid, r in rubrics.items()}
    ceilings = {rid: {k: ind.ceiling for k, _, _, ind in r.indicators()} for rid, r in rubrics.items()}
    metrics = {rid: {k: ind.metric for k, _, _, ind in r.indicators()} for rid, r in rubrics.items()}
    for field, what in (("judgments", "judgment"), ("overrides", "override"), ("vetoes", "veto")):
        frame = getattr(judgments, field).copy()
        keys = []
        for row in frame.itertuples(index=False):
            if row.rubric not in rubrics:
                raise JudgmentsError(f"{row.source}: key '{row.rubric}': no rubric file config/rubrics/"
                                     f"{row.rubric}.yaml (known: {sorted(rubrics)})")
            rubric = rubrics[row.rubric]
            if rubric.subject == "region" and row.subject != row.region_code:
                raise JudgmentsError(f"{row.source}: key '{row.rubric}.{row.subject}': {row.rubric} scores the region:"
                                     f" the subject must be the region code '{row.region_code}'")
            if what == "veto":
                if rubric.veto is None:
                    raise JudgmentsError(f"{row.source}: vetoes: rubric '{row.rubric}' has no 否决性指标")
                continue
            known = names[row.rubric]
            if row.indicator not in known:
                hint = [k for k in known.values() if k.endswith(f"/{row.indicator}")]
                extra = f" (the name repeats; write one of {sorted(set(hint))})" if hint else ""
                raise JudgmentsError(f"{row.source}: key '{row.rubric}.{row.subject}.{row.indicator}': no such "
                                     f"indicator in {row.rubric}{extra}")
            key = known[row.indicator]
            ceiling = ceilings[row.rubric][key]
            if pd.notna(row.score) and row.score > ceiling + 1e-9:
                raise JudgmentsError(f"{row.source}: key '{row.rubric}.{row.subject}.{row.indicator}': score "
                                     f"{row.score:g} exceeds the indicator's {ceiling:g} points")
            if what == "judgment" and pd.notna(row.actual) and metrics[row.rubric][key]:
                raise JudgmentsError(f"{row.source}: key '{row.rubric}.{row.subject}.{row.indicator}.actual': the "
                                     f"indicator reads {metrics[row.rubric][key]} from metrics.figures; give a score "
                                     f"(with evidence) to depart from it")
            keys.append(key)
        if what != "veto":
            frame["indicator"] = pd.Series(keys, index=frame.index, dtype=object)
        frames[field] = frame
    return Judgments(**frames)
