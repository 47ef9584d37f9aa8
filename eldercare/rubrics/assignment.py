"""Which rubrics a region is scored under, and for which subjects (the region, or each of its institutions)."""

from __future__ import annotations

import pandas as pd

from eldercare.rubrics.judgments import Judgments
from eldercare.rubrics.model import Rubric, RubricError


def rubrics_named(region_code: str, settings: dict, judgments: Judgments, default: list[str],
                  available: list[str] | None = None) -> list[str]:
    """The rubrics of judgments.yaml and of region.yaml `rubrics:`, else the programme default."""
    named = settings.get("rubrics") or []
    if not isinstance(named, list) or not all(isinstance(n, str) for n in named):
        raise RubricError(f"{region_code}/region.yaml: key 'rubrics' must be a list of rubric ids")
    unknown = sorted(set(named) - set(available)) if available is not None else []
    if unknown:
        raise RubricError(f"{region_code}/region.yaml: key 'rubrics': no rubric file for {unknown}")
    chosen = sorted(set(named) | judgments.rubrics())
    return chosen or list(default)


def subjects(assigned: pd.DataFrame, rubrics: dict[str, Rubric], institutions: pd.DataFrame,
             judgments: Judgments) -> pd.DataFrame:
    """(rubric, region_code, subject) for every assigned (region_code, rubric): the region itself for a region
    rubric; for an institution rubric, the region's institutions and any institution its judgments name."""
    kind = assigned.assign(kind=assigned["rubric"].map({i: r.subject for i, r in rubrics.items()}))
    regional = kind[kind["kind"] == "region"].assign(subject=lambda d: d["region_code"])
    cols = ["region_code", "rubric", "subject"]
    named = pd.concat([f[cols] for f in (judgments.judgments, judgments.overrides, judgments.vetoes) if len(f)]
                      or [pd.DataFrame(columns=cols)])
    per_institution = kind[kind["kind"] == "institution"]
    listed = per_institution.merge(institutions[["region_code", "institution_id"]].rename(
        columns={"institution_id": "subject"}), on="region_code")
    judged = per_institution.merge(named, on=["region_code", "rubric"])
    out = pd.concat([regional, listed, judged], ignore_index=True)[["rubric", "region_code", "subject"]]
    return out.astype(str).drop_duplicates().sort_values(["rubric", "region_code", "subject"]).reset_index(drop=True)
